from django.urls import path

from marches import views
from marches.decp import views as views_decp

app_name = "marches"

urlpatterns = [
    path("marches/", views.MarcheListe.as_view(), name="marches"),
    path("marches/nouveau/", views.MarcheCreation.as_view(), name="marche_creation"),
    path("marches/decp/", views_decp.Propositions.as_view(), name="decp"),
    path("marches/decp/importer/", views_decp.Import.as_view(), name="decp_import"),
    path("marches/decp/<int:pk>/", views_decp.Examen.as_view(), name="decp_examen"),
    path("marches/<int:pk>/", views.MarcheDetail.as_view(), name="marche"),
    path("marches/<int:pk>/modifier/", views.MarcheModification.as_view(), name="marche_modification"),
    path("marches/<int:pk>/statut/", views.MarcheStatut.as_view(), name="marche_statut"),
    path("marches/<int:pk>/prise-en-charge/", views.MarchePriseEnCharge.as_view(), name="marche_prise_en_charge"),
    path("propositions/<int:pk>/accepter/", views.PropositionAcceptation.as_view(), name="proposition_acceptation"),
    path("propositions/<int:pk>/corriger/", views.PropositionCorrection.as_view(), name="proposition_correction"),
    path("propositions/<int:pk>/refuser/", views.PropositionRefus.as_view(), name="proposition_refus"),
    path("marches/<int:pk>/lots/nouveau/", views.LotCreation.as_view(), name="lot_creation"),
    path("lots/<int:pk>/modifier/", views.LotModification.as_view(), name="lot_modification"),
    path("lots/<int:pk>/attributaires/nouveau/", views.AttributionCreation.as_view(), name="attribution_creation"),
    path("attributions/<int:pk>/modifier/", views.AttributionModification.as_view(), name="attribution_modification"),
]
