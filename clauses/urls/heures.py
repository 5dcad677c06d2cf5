from django.urls import path, re_path

from clauses.views import heures

urlpatterns = [
    path("attributions/<int:pk>/heures/", heures.GrilleHeures.as_view(), name="heures_grille"),
    re_path(r"^placements/(?P<pk>[0-9]+)/heures/(?P<mois>[0-9]{4}-[0-9]{2})/$", heures.cellule, name="heures_cellule"),
]
