"""The list pages of the dashboard: search, filters, sorting, pagination and XLSX export, all alike.

What a list is (who may read it, its rows, filters, sorts and export columns) is its ``DefinitionListe``
(``config.definition_liste``), which the worker writing a long export builds too; a list page (``VueListe``) names
its definition and its template, and adds the page: three queries whatever the table (see the definition's module),
the filter bar, the export link. The count stops at ``COMPTE_MAX``: past it, a list says « plus de 10 000
résultats » and pages through its first 10,000 rows, since counting every row of a national table (400,000
placements, a filter on each of 250,000 participants) costs more than the page itself and serves nobody who
would not narrow the list down first. An export past ``exports_longs.EXPORT_DIRECT_MAX`` rows is recorded and
written by the worker (``demander_export``).
"""

import html
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.views.generic import ListView

from config import acces, exports_longs, travaux
from config.definition_liste import FILTRES_DES_LISTES, DefinitionListe, chemin
from config.export import reponse_xlsx
from config.formats import nombre
from config.models import ExportListe
from config.permissions import FacilitateurRequisMixin, facilitateur_requis

TAILLE_PAGE = 50
COMPTE_MAX = 10_000


class PaginateurParIds(Paginator):
    """A paginator whose page loads its rows in two queries: their ids, then the rows themselves.

    ``ids`` is the list's queryset reduced to its primary keys in the list's order (see ``VueListe``), or a Python
    list of them when the list computed them outside the database (then their number is the count); the page's rows
    come from ``lignes`` (by default ``object_list``) filtered on the page's ids and put back in their order.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, ids=None, lignes=None):
        super().__init__(object_list, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page)
        self.ids = ids
        self.lignes = lignes if lignes is not None else object_list
        self.depasse = False  # more rows than COMPTE_MAX: count says COMPTE_MAX

    @cached_property
    def count(self) -> int:
        if isinstance(self.ids, list):
            compte = len(self.ids)
        elif not isinstance(self.object_list, QuerySet):
            return super().count
        else:
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
        par_id = {objet.pk: objet for objet in self.lignes.filter(pk__in=ids).order_by()} if ids else {}
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
        + urlencode({"filtre": chemin(filtre), "champ": nom, "liste": sans_ce_filtre.urlencode()})
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


def demander_export(vue: "VueListe", lignes: int) -> ExportListe:
    """Record the export of ``vue``'s list as its request shows it, and queue its preparation after commit."""
    export = exports_longs.enregistrer(vue.request.user, chemin(type(vue)), vue.liste, vue.request.GET, lignes)
    # A broker down leaves the row « en attente », never queued: the reprise queues it once the broker is back.
    travaux.mettre_en_file_apres_commit(exports_longs.TACHE, ExportListe, export.pk)
    return export


class VueListe(FacilitateurRequisMixin, ListView):
    """A list's page: its ``definition`` (``DefinitionListe``) says what the list is; the page shows it."""

    definition: type[DefinitionListe]
    paginate_by = TAILLE_PAGE
    paginator_class = PaginateurParIds

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.liste = self.definition(request.user, request.GET)

    def dispatch(self, request, *args, **kwargs):
        # The worker asks the same question before writing a long export.
        if request.user.is_authenticated and not self.definition.autorise(request.user):
            raise PermissionDenied("Cette page est réservée aux facilitateurs.")
        return super().dispatch(request, *args, **kwargs)

    @property
    def filterset(self):
        return self.liste.filterset

    def get_queryset(self):
        return self.liste.queryset()

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        if isinstance(queryset, QuerySet):
            kwargs.setdefault("ids", self.liste.ids(queryset))
            kwargs.setdefault("lignes", self.liste.lignes_des_ids(queryset))
        return super().get_paginator(queryset, per_page, orphans, allow_empty_first_page, **kwargs)

    def get(self, request, *args, **kwargs):
        liste = self.liste
        if request.GET.get("format") == "xlsx" and liste.colonnes_export:
            queryset = self.get_queryset()
            lignes = queryset.count()
            if lignes > exports_longs.EXPORT_DIRECT_MAX:
                demander_export(self, lignes)
                messages.info(
                    request,
                    f"L'export de {nombre(lignes)} lignes est en préparation : il sera disponible ici dans quelques "
                    "minutes, la liste ne change pas d'ici là.",
                )
                return redirect("exports")
            if liste.nominative:
                acces.export(request, liste.titre or liste.nom_export, lignes, request.GET)
            objets = liste.objets_a_exporter(queryset)
            return reponse_xlsx(liste.nom_export, liste.titre or liste.nom_export, liste.colonnes_export, objets)
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
        filterset_class = self.liste.filterset_class
        context.update(
            titre=self.liste.titre,
            filterset=self.filterset,
            champs_filtres=[(champ, rendu_du_filtre(champ, filterset_class, params)) for champ in self.filterset.form]
            if self.filterset is not None
            else [],
            tri=self.liste.tri_courant(),
            params_sans_page=params.urlencode(),
            params_sans_tri=sans_tri.urlencode(),
            export_possible=bool(self.liste.colonnes_export),
            # An empty list means "nothing matches" only when the user narrowed it down.
            filtres_actifs=any(v.strip() for k, vs in sans_tri.lists() for v in vs),
        )
        return context
