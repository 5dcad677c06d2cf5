"""The list pages of the dashboard: search, filters, sorting, pagination and XLSX export, all alike.

A list view declares its queryset (with the select_related/annotate that keep the query count fixed),
a django-filter FilterSet, the columns users may sort on and the columns of the export. The export
takes the same filters and order as the page, without pagination.

At national size (hundreds of thousands of rows) a page costs three queries whatever the table: the count of
the filtered rows (Django leaves out the annotations nothing filters on), the ids of the page in the list's
order, then those rows alone with their annotations and related rows, so that the per-row subqueries run for
the page's 50 rows instead of the whole table. A sort on a sum or a count (``tris_agreges``) orders the ids by
one grouped join rather than by a subquery per row. The count stops at ``COMPTE_MAX``: past it, a list says « plus de
10 000 résultats » and pages through its first 10,000 rows, since counting every row of a national table (400,000
placements, a filter on each of 250,000 participants) costs more than the page itself and serves nobody who
would not narrow the list down first.
"""

import html
from collections.abc import Iterator
from itertools import islice
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.views.generic import ListView

from config import exports_longs
from config.export import Colonne, reponse_xlsx
from config.formats import nombre
from config.permissions import FacilitateurRequisMixin, facilitateur_requis

TAILLE_PAGE = 50
TAILLE_PAQUET_EXPORT = 2000
COMPTE_MAX = 10_000


class PaginateurParIds(Paginator):
    """A paginator whose page loads its rows in two queries: their ids, then the rows themselves.

    ``ids`` is the list's queryset reduced to its primary keys in the list's order (see ``VueListe``); the
    page's rows come from ``object_list`` filtered on those ids and put back in their order.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, ids=None):
        super().__init__(object_list, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page)
        self.ids = ids
        self.depasse = False  # more rows than COMPTE_MAX: count says COMPTE_MAX

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        # COUNT over a subquery that stops after COMPTE_MAX + 1 rows.
        compte = self.object_list.order_by().values("pk")[: COMPTE_MAX + 1].count()
        self.depasse = compte > COMPTE_MAX
        return min(compte, COMPTE_MAX)

    def page(self, number) -> Page:
        if self.ids is None or not isinstance(self.object_list, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bas = (number - 1) * self.per_page
        haut = bas + self.per_page
        if haut + self.orphans >= self.count:
            haut = self.count
        ids = list(self.ids[bas:haut])
        par_id = {objet.pk: objet for objet in self.object_list.filter(pk__in=ids).order_by()} if ids else {}
        return self._get_page([par_id[pk] for pk in ids if pk in par_id], number, self)


def _echapper(valeur) -> str:
    # conditional_escape without its lazy-string wrapper, which costs more than the escaping over a long select.
    return valeur.__html__() if hasattr(valeur, "__html__") else html.escape(str(valeur))


def _texte(valeur) -> str:
    # As the |stringformat:'s' filter of Django's widget templates, then autoescaped.
    return _echapper(valeur if isinstance(valeur, str) else str(valeur))


def _attributs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {conditional_escape(nom)}" if valeur is True else f' {conditional_escape(nom)}="{_texte(valeur)}"'
        for nom, valeur in attrs.items()
        if valeur is not False
    )


# Models whose str() is one of their fields, by model label: a select of them reads (pk, field) pairs rather than
# building a model instance per option (a few thousand donneurs d'ordre). tests/test_listes.py pins the str().
LIBELLES_DES_CHOIX = {"conventions.DonneurDOrdre": "nom"}


def _choix(champ: forms.BoundField):
    """The choices of the field's select, as its widget would iterate them."""
    field = champ.field
    if (
        isinstance(field, forms.ModelChoiceField)
        and field.queryset.model._meta.label in LIBELLES_DES_CHOIX
        and type(field).label_from_instance is forms.ModelChoiceField.label_from_instance
        and field.to_field_name is None
        and getattr(field, "null_label", None) is None
        and not field.queryset._prefetch_related_lookups
    ):
        if field.empty_label is not None:
            yield "", field.empty_label
        libelle = LIBELLES_DES_CHOIX[field.queryset.model._meta.label]
        yield from field.queryset.values_list("pk", libelle).iterator()
        return
    yield from champ.field.widget.choices


# --- Filters on a long list of objects ---------------------------------------------------------------------------
#
# Past OPTIONS_MAX choices (three thousand donneurs d'ordre, hundreds of facilitators or prescripteurs), a <select>
# is no help to anyone and weighs on every page: the filter becomes a search field whose suggestions (htmx,
# ``suggestions``) are links to the same list with the filter set. ``?donneur_d_ordre=<id>`` links keep working:
# the chosen value is shown, kept in a hidden field and can be removed.

OPTIONS_MAX = 100
SUGGESTIONS_MAX = 10
# Fields searched for each model's suggestions, by model label.
RECHERCHE_DES_CHOIX = {
    "conventions.DonneurDOrdre": ("nom",),
    "entreprises.Operateur": ("nom",),
    "conventions.User": ("first_name", "last_name", "email"),
}
# The list pages' FilterSets, by dotted path, for the suggestions view (filled by VueListe's subclasses).
FILTRES_DES_LISTES: dict[str, type] = {}


def _chemin(classe: type) -> str:
    return f"{classe.__module__}.{classe.__qualname__}"


def _choix_limites(field: forms.ModelChoiceField) -> list | None:
    """The field's choices as (value, label) when there are at most OPTIONS_MAX, read in one query; else None."""
    libelle = LIBELLES_DES_CHOIX.get(field.queryset.model._meta.label)
    if libelle and type(field).label_from_instance is forms.ModelChoiceField.label_from_instance:
        lignes = list(field.queryset.values_list("pk", libelle)[: OPTIONS_MAX + 1])
    else:
        lignes = [(objet.pk, field.label_from_instance(objet)) for objet in field.queryset[: OPTIONS_MAX + 1]]
    if len(lignes) > OPTIONS_MAX:
        return None
    return ([("", field.empty_label)] if field.empty_label is not None else []) + lignes


def _cherchable(champ: forms.BoundField) -> bool:
    field = champ.field
    return (
        isinstance(field, forms.ModelChoiceField)
        and not isinstance(field, forms.ModelMultipleChoiceField)
        and field.queryset.model._meta.label in RECHERCHE_DES_CHOIX
        and field.to_field_name is None
    )


def rendu_du_filtre(champ: forms.BoundField, filtre: type, params: QueryDict) -> str:
    """A filter field of a list page: its select, or past OPTIONS_MAX choices, a search field with suggestions.

    ``filtre``: the list's FilterSet class; ``params``: the list's query string without its page."""
    if not _cherchable(champ):
        return rendu_du_champ(champ)
    choix = _choix_limites(champ.field)
    if choix is not None:
        return rendu_du_champ(champ, choix)
    nom = champ.html_name
    choisi = None
    if champ.form.is_bound:
        champ.form.is_valid()  # cleans every field: a valid choice stays shown when another filter is not valid
        choisi = champ.form.cleaned_data.get(champ.name)
    sans_ce_filtre = params.copy()
    sans_ce_filtre.pop(nom, None)
    sans_ce_filtre.pop(f"recherche_{nom}", None)
    suggestions = (
        reverse("suggestions_de_filtre")
        + "?"
        + urlencode({"filtre": _chemin(filtre), "champ": nom, "liste": sans_ce_filtre.urlencode()})
    )
    choix_actuel = ""
    if choisi is not None:
        choix_actuel = format_html(
            '<input type="hidden" name="{nom}" value="{pk}"><p class="small mb-1 filtre-choisi"><strong>{libelle}'
            '</strong> <a href="?{sans}" class="ms-1">Retirer<span class="visually-hidden"> le filtre {label}</span>'
            "</a></p>",
            nom=nom,
            pk=choisi.pk,
            libelle=champ.field.label_from_instance(choisi),
            sans=sans_ce_filtre.urlencode(),
            label=champ.label,
        )
    return format_html(
        '{choix_actuel}<input type="search" name="recherche_{nom}" id="{id}" class="form-control form-control-sm" '
        'placeholder="{indication}" autocomplete="off" aria-describedby="aide_{nom}" '
        'aria-controls="suggestions_{nom}" hx-get="{url}" hx-trigger="input changed delay:250ms, search" '
        'hx-target="#suggestions_{nom}" '
        'hx-sync="this:replace"><div id="aide_{nom}" class="visually-hidden">Tapez au moins deux lettres : les '
        "suggestions, des liens vers la liste filtrée, s'affichent sous le champ.</div>"
        '<div id="suggestions_{nom}" class="suggestions-filtre" aria-live="polite"></div>',
        choix_actuel=choix_actuel,
        nom=nom,
        id=champ.auto_id,
        indication="Changer…" if choisi is not None else "Tapez quelques lettres…",
        url=suggestions,
    )


@facilitateur_requis
def suggestions(request):
    """The choices of a list's filter matching what was typed, as links to the list with that filter set (nothing
    for an unknown list or field)."""
    filtre = FILTRES_DES_LISTES.get(request.GET.get("filtre", ""))
    nom = request.GET.get("champ", "")
    champ = filtre(queryset=filtre._meta.model.objects.none()).form.fields.get(nom) if filtre else None
    texte = " ".join(request.GET.get(f"recherche_{nom}", "").split())
    objets = []
    if (
        champ is not None
        and isinstance(champ, forms.ModelChoiceField)
        and champ.queryset.model._meta.label in RECHERCHE_DES_CHOIX
        and len(texte) >= 2
    ):
        condition = Q()
        for champ_texte in RECHERCHE_DES_CHOIX[champ.queryset.model._meta.label]:
            condition |= Q(**{f"{champ_texte}__icontains": texte})
        objets = list(champ.queryset.filter(condition)[: SUGGESTIONS_MAX + 1])
    params = QueryDict(request.GET.get("liste", ""), mutable=True)
    params.pop("page", None)
    lignes = []
    for objet in objets[:SUGGESTIONS_MAX]:
        params[nom] = str(objet.pk)
        lignes.append((champ.label_from_instance(objet), params.urlencode()))
    return render(
        request,
        "includes/suggestions_filtre.html",
        {"texte": texte, "lignes": lignes, "davantage": len(objets) > SUGGESTIONS_MAX},
    )


def rendu_du_champ(champ: forms.BoundField, choix: list | None = None) -> str:
    """The HTML of a filter field, as ``{{ champ }}`` renders it.

    A select of a few thousand donneurs d'ordre takes Django's template-based widget rendering some
    hundreds of milliseconds (one template include per option); a plain <select> is written here with
    the same markup, character for character. Other widgets go through Django. ``choix``: the choices when the
    caller has read them already.
    """
    widget = champ.field.widget
    if (
        type(widget) is not forms.Select
        or widget.template_name != "django/forms/widgets/select.html"
        or widget.option_template_name != "django/forms/widgets/select_option.html"
        or champ.field.localize
    ):
        return str(champ)
    attrs = champ.build_widget_attrs({}, widget)
    if champ.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", champ.auto_id)
    valeurs = widget.format_value(champ.value())
    choix = _choix(champ) if choix is None else choix
    morceaux = [
        f'<select name="{conditional_escape(champ.html_name)}"{_attributs(widget.build_attrs(widget.attrs, attrs))}>'
    ]
    deja_choisi = False
    for valeur, libelle in choix:
        valeur = "" if valeur is None else valeur
        if isinstance(libelle, (list, tuple)):
            groupe, options = valeur, libelle
            morceaux.append(f'\n  <optgroup label="{conditional_escape(groupe)}">')
        else:
            groupe, options = None, [(valeur, libelle)]
        for sous_valeur, sous_libelle in options:
            choisi = not deja_choisi and str(sous_valeur) in valeurs
            deja_choisi |= choisi
            morceaux.append(
                f'\n  <option value="{_texte(sous_valeur)}"{" selected" if choisi else ""}>'
                f"{_echapper(sous_libelle)}</option>\n"
            )
        if groupe:
            morceaux.append("\n  </optgroup>")
    morceaux.append("\n</select>")
    return mark_safe("".join(morceaux))  # every value above is escaped


class VueListe(FacilitateurRequisMixin, ListView):
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
    paginate_by = TAILLE_PAGE
    paginator_class = PaginateurParIds

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.filterset_class is not None:
            FILTRES_DES_LISTES[_chemin(cls.filterset_class)] = cls.filterset_class

    def get_filterset(self, queryset):
        if self.filterset_class is None:
            return None
        return self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)

    def tri_courant(self) -> str:
        tri = self.request.GET.get("tri", "") or self.tri_par_defaut
        return tri if tri.lstrip("-") in self.tris else self.tri_par_defaut

    def _ordre(self) -> tuple[str, bool] | None:
        """(key of the sort, descending), or None without a sort."""
        tri = self.tri_courant()
        if not tri:
            return None
        champ = self.tris[tri.lstrip("-")]
        descendant = tri.startswith("-") ^ champ.startswith("-")
        return tri.lstrip("-"), descendant

    def get_queryset(self):
        queryset = super().get_queryset()
        self.filterset = self.get_filterset(queryset)
        if self.filterset is not None:
            queryset = self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else queryset
        ordre = self._ordre()
        if ordre:
            cle, descendant = ordre
            champ = self.tris[cle].lstrip("-")
            queryset = queryset.order_by(f"{'-' if descendant else ''}{champ}", "pk")
        return queryset

    def ids_de_la_liste(self, queryset: QuerySet) -> QuerySet | list[int]:
        """The primary keys of ``queryset`` in its order, with none of the annotations it does not order on.

        A view may return a list instead, when its order is cheaper to compute outside one query."""
        ordre = self._ordre()
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

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        if isinstance(queryset, QuerySet):
            kwargs.setdefault("ids", self.ids_de_la_liste(queryset))
        return super().get_paginator(queryset, per_page, orphans, allow_empty_first_page, **kwargs)

    def objets_a_exporter(self, queryset) -> Iterator:
        """Every row of the list in its order, loaded by batches of ids as the pages are, in bounded memory."""
        if not isinstance(queryset, QuerySet):
            yield from queryset
            return
        ids = self.ids_de_la_liste(queryset)
        ids = iter(ids) if isinstance(ids, list) else ids.iterator(chunk_size=TAILLE_PAQUET_EXPORT)
        while paquet := list(islice(ids, TAILLE_PAQUET_EXPORT)):
            par_id = {objet.pk: objet for objet in queryset.filter(pk__in=paquet).order_by()}
            yield from (par_id[pk] for pk in paquet if pk in par_id)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx" and self.colonnes_export:
            queryset = self.get_queryset()
            lignes = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
            if lignes > exports_longs.EXPORT_DIRECT_MAX:
                exports_longs.demander(self, lignes)
                messages.info(
                    request,
                    f"L'export de {nombre(lignes)} lignes est en préparation : il sera disponible ici dans quelques "
                    "minutes, la liste ne change pas d'ici là.",
                )
                return redirect("exports")
            objets = self.objets_a_exporter(queryset)
            return reponse_xlsx(self.nom_export, self.titre or self.nom_export, self.colonnes_export, objets)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("format", None)
        for nom in [nom for nom in params if nom.startswith("recherche_")]:
            params.pop(nom)  # the text typed in a filter's search field, not a filter
        sans_tri = params.copy()
        sans_tri.pop("tri", None)
        context.update(
            titre=self.titre,
            filterset=self.filterset,
            champs_filtres=[
                (champ, rendu_du_filtre(champ, self.filterset_class, params)) for champ in self.filterset.form
            ]
            if self.filterset is not None
            else [],
            tri=self.tri_courant(),
            params_sans_page=params.urlencode(),
            params_sans_tri=sans_tri.urlencode(),
            export_possible=bool(self.colonnes_export),
            # An empty list means "nothing matches" only when the user narrowed it down.
            filtres_actifs=any(v.strip() for k, vs in sans_tri.lists() for v in vs),
        )
        return context
