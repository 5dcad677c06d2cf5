"""The list pages of the dashboard: search, filters, sorting, pagination and XLSX export, all alike.

A list view declares its queryset (with the select_related/annotate that keep the query count fixed),
a django-filter FilterSet, the columns users may sort on and the columns of the export. The export
takes the same filters and order as the page, without pagination.
"""

from django.core.paginator import Paginator
from django.views.generic import ListView

from config.export import Colonne, reponse_xlsx
from config.permissions import FacilitateurRequisMixin

TAILLE_PAGE = 50


class VueListe(FacilitateurRequisMixin, ListView):
    filterset_class = None
    # {"key in the URL": "ORM ordering expression"}; "-key" in ?tri= sorts descending.
    tris: dict[str, str] = {}
    tri_par_defaut: str = ""
    colonnes_export: list[Colonne] = []
    nom_export: str = "export"
    titre: str = ""
    paginate_by = TAILLE_PAGE
    paginator_class = Paginator

    def get_filterset(self, queryset):
        if self.filterset_class is None:
            return None
        return self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)

    def tri_courant(self) -> str:
        tri = self.request.GET.get("tri", "") or self.tri_par_defaut
        return tri if tri.lstrip("-") in self.tris else self.tri_par_defaut

    def get_queryset(self):
        queryset = super().get_queryset()
        self.filterset = self.get_filterset(queryset)
        if self.filterset is not None:
            queryset = self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else queryset
        tri = self.tri_courant()
        if tri:
            champ = self.tris[tri.lstrip("-")]
            descendant = tri.startswith("-")
            ordre = champ[1:] if champ.startswith("-") else champ
            descendant ^= champ.startswith("-")
            queryset = queryset.order_by(f"{'-' if descendant else ''}{ordre}", "pk")
        return queryset

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx" and self.colonnes_export:
            objets = self.get_queryset()
            return reponse_xlsx(
                self.nom_export, self.titre or self.nom_export, self.colonnes_export, objets.iterator(2000)
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("format", None)
        sans_tri = params.copy()
        sans_tri.pop("tri", None)
        context.update(
            titre=self.titre,
            filterset=self.filterset,
            tri=self.tri_courant(),
            params_sans_page=params.urlencode(),
            params_sans_tri=sans_tri.urlencode(),
            export_possible=bool(self.colonnes_export),
            # An empty list means "nothing matches" only when the user narrowed it down.
            filtres_actifs=any(v.strip() for k, vs in sans_tri.lists() for v in vs),
        )
        return context
