from django.urls import path

from conventions import views

app_name = "conventions"

urlpatterns = [
    path("donneurs/", views.DonneurListe.as_view(), name="donneurs"),
    path("donneurs/nouveau/", views.DonneurCreation.as_view(), name="donneur_creation"),
    path("donneurs/<int:pk>/", views.DonneurDetail.as_view(), name="donneur"),
    path("donneurs/<int:pk>/modifier/", views.DonneurModification.as_view(), name="donneur_modification"),
    path("donneurs/<int:pk>/referents/ajouter/", views.ReferentAjout.as_view(), name="referent_ajout"),
    path("donneurs/referents/<int:pk>/retirer/", views.ReferentRetrait.as_view(), name="referent_retrait"),
    path("conventions/", views.ConventionListe.as_view(), name="conventions"),
    path("conventions/nouvelle/", views.ConventionCreation.as_view(), name="convention_creation"),
    path("conventions/<int:pk>/", views.ConventionDetail.as_view(), name="convention"),
    path("conventions/<int:pk>/modifier/", views.ConventionModification.as_view(), name="convention_modification"),
    path("conventions/<int:pk>/denoncer/", views.ConventionDenonciation.as_view(), name="convention_denonciation"),
    path("conventions/<int:pk>/avenants/ajouter/", views.AvenantCreation.as_view(), name="avenant_creation"),
]
