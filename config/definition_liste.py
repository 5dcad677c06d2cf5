"""What a list of the dashboard is, apart from its page: who may read it, its rows for a user, its filters, its sort
and its export's columns.

The list's page (``config.listes.VueListe``) shows it fifty rows at a time; the worker (``config.exports_longs``)
writes it whole into a workbook. Both build it the same way, from the user and the list's query string, and both
ask it whether that user may read it: the page on every request, the worker when it starts and again before it
stores the file, since the author of a long export may have lost the facilitator role in between.

At national size (hundreds of thousands of rows) a page costs three queries whatever the table: the count of the
filtered rows (Django leaves out the annotations nothing filters on), the ids of the page in the list's order, then
those rows alone with their annotations and related rows (``ids`` and ``PaginateurParIds``), so that the per-row
subqueries run for the page's 50 rows instead of the whole table. A sort on a sum or a count (``tris_agreges``)
orders the ids by one grouped join rather than by a subquery per row. An export reads the rows by batches of ids
the same way, in bounded memory.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils.module_loading import import_string

from config.export import Colonne
from config.permissions import est_facilitateur

TAILLE_PAQUET_EXPORT = 2000

# The lists' FilterSets, by dotted path, for the filters' suggestions view (filled by DefinitionListe's subclasses).
FILTRES_DES_LISTES: dict[str, type] = {}


def chemin(classe: type) -> str:
    return f"{classe.__module__}.{classe.__qualname__}"


@dataclass(frozen=True)
class Lecteur:
    """Whom a list is read for, as its filters see it (``self.request.user`` in a FilterSet, « Mes marchés »): the
    request's user on the page, the export's author in the worker."""

    user: object


class DefinitionListe:
    model: type[Model]
    filterset_class: type | None = None  # a django_filters.FilterSet
    # {"key in the URL": "ORM ordering expression"}; "-key" in ?tri= sorts descending.
    tris: dict[str, str] = {}
    # {"key in the URL": aggregate over a join}: the same figure as the annotation the key sorts on in ``tris``,
    # computed by one GROUP BY to order the ids, instead of one subquery per row of the table.
    tris_agreges: dict = {}
    tri_par_defaut: str = ""
    colonnes_export: list[Colonne] = []
    nom_export: str = "export"
    titre: str = ""
    # Whether the export names people (participants, placements): each one is then recorded in the log of who read
    # which personal data (config.acces), with its row count.
    nominative: bool = False
    # The attribute of a row that is a participant's id, when the list names people (participants, placements): a
    # long export records them, and is deleted when one of them is anonymised (config.exports_longs).
    champ_personne: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.filterset_class is not None:
            FILTRES_DES_LISTES[chemin(cls.filterset_class)] = cls.filterset_class

    def __init__(self, utilisateur, parametres: QueryDict):
        self.utilisateur = utilisateur
        self.parametres = parametres
        self.filterset = None

    @staticmethod
    def autorise(utilisateur) -> bool:
        """Whether ``utilisateur`` may read the list: the dashboard's lists are the facilitators'."""
        return est_facilitateur(utilisateur)

    def lignes(self) -> QuerySet:
        """Every row the list may show its user, with what its columns and sorts read (annotations, related rows)."""
        return self.model._default_manager.all()

    def tri_courant(self) -> str:
        tri = self.parametres.get("tri", "") or self.tri_par_defaut
        return tri if tri.lstrip("-") in self.tris else self.tri_par_defaut

    def ordre(self) -> tuple[str, bool] | None:
        """(key of the sort, descending), or None without a sort."""
        tri = self.tri_courant()
        if not tri:
            return None
        champ = self.tris[tri.lstrip("-")]
        return tri.lstrip("-"), tri.startswith("-") ^ champ.startswith("-")

    def queryset(self) -> QuerySet:
        """The list's rows, filtered and sorted as its query string says (a bad filter is left out)."""
        queryset = self.lignes()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.parametres or None, queryset=queryset, request=Lecteur(self.utilisateur)
            )
            if self.filterset.is_bound and self.filterset.is_valid():
                queryset = self.filterset.qs
        ordre = self.ordre()
        if ordre:
            cle, descendant = ordre
            champ = self.tris[cle].lstrip("-")
            queryset = queryset.order_by(f"{'-' if descendant else ''}{champ}", "pk")
        return queryset

    def ids(self, queryset: QuerySet) -> QuerySet | list[int]:
        """The primary keys of ``queryset`` in its order, with none of the annotations it does not order on.

        A list may return a Python list instead, when its order is cheaper to compute outside one query."""
        ordre = self.ordre()
        if ordre and ordre[0] in self.tris_agreges:
            cle, descendant = ordre
            return (
                queryset.order_by()
                .values("pk")
                .annotate(_cle_de_tri=self.tris_agreges[cle])
                .order_by(f"{'-' if descendant else ''}_cle_de_tri", "pk")
                .values_list("pk", flat=True)
            )
        return queryset.values_list("pk", flat=True)

    def lignes_des_ids(self, queryset: QuerySet) -> QuerySet:
        """What a page's or an export batch's rows are loaded from, by their ids: the list's queryset, unless
        ``ids`` answers a Python list, which already says which rows are in the list (a list may then load them
        from a queryset that does not repeat thousands of ids)."""
        return queryset

    def objets_a_exporter(self, queryset: QuerySet) -> Iterator:
        """Every row of the list in its order, loaded by batches of ids as the pages are, in bounded memory."""
        ids = self.ids(queryset)
        lignes = self.lignes_des_ids(queryset)
        ids = iter(ids) if isinstance(ids, list) else ids.iterator(chunk_size=TAILLE_PAQUET_EXPORT)
        while paquet := list(islice(ids, TAILLE_PAQUET_EXPORT)):
            par_id = {objet.pk: objet for objet in lignes.filter(pk__in=paquet).order_by()}
            yield from (par_id[pk] for pk in paquet if pk in par_id)


def definition_nommee(nom: str) -> type[DefinitionListe]:
    """The list an export row names: the path of a list's page (``marches.views.MarcheListe``) or of its definition.
    A worker has not loaded the URLs, hence not the views: the module is imported here. ImportError for a path that
    leads nowhere, TypeError for one that is not a list."""
    objet = import_string(nom)
    definition = getattr(objet, "definition", objet)
    if not (isinstance(definition, type) and issubclass(definition, DefinitionListe)):
        raise TypeError(f"{nom} n'est pas une liste.")
    return definition
