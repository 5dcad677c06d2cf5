from django.urls import path

from entreprises import views

app_name = "entreprises"

urlpatterns = [
    path("entreprises/", views.EntrepriseListe.as_view(), name="entreprises"),
    path("entreprises/nouvelle/", views.EntrepriseCreation.as_view(), name="entreprise_creation"),
    path("entreprises/<int:pk>/", views.EntrepriseDetail.as_view(), name="entreprise"),
    path("entreprises/<int:pk>/modifier/", views.EntrepriseModification.as_view(), name="entreprise_modification"),
    path("operateurs/", views.OperateurListe.as_view(), name="operateurs"),
    path("operateurs/nouveau/", views.OperateurCreation.as_view(), name="operateur_creation"),
    path("operateurs/<int:pk>/", views.OperateurDetail.as_view(), name="operateur"),
    path("operateurs/<int:pk>/modifier/", views.OperateurModification.as_view(), name="operateur_modification"),
]
