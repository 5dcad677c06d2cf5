from django.urls import path

from reporting.portail.views import accueil, agenda, demandes, statistiques

app_name = "portail"

urlpatterns = [
    path("", accueil.accueil, name="accueil"),
    path("organisation/", accueil.changer_donneur, name="changer_donneur"),
    path("marches/", accueil.marches, name="marches"),
    path("marches/<int:pk>/", accueil.marche, name="marche"),
    path("conventions/<int:pk>/", accueil.convention, name="convention"),
    path("conventions/<int:pk>/document/", accueil.convention_document, name="convention_document"),
    path("avenants/<int:pk>/document/", accueil.avenant_document, name="avenant_document"),
    path("profil/", accueil.profil, name="profil"),
    path("agenda/", agenda.agenda, name="agenda"),
    path("statistiques/", statistiques.statistiques, name="statistiques"),
    path("rapports/", statistiques.rapports, name="rapports"),
    path("rapports/demande/", statistiques.rapport_demande, name="rapport_demande"),
    path("rapports/<int:pk>/", statistiques.rapport_etat, name="rapport_etat"),
    path("rapports/<int:pk>/relance/", statistiques.rapport_relance, name="rapport_relance"),
    path("rapports/<int:pk>/telecharger/", statistiques.rapport_telecharger, name="rapport_telecharger"),
    path("bilans/<int:pk>/", statistiques.bilan, name="bilan"),
    path("marches/declarer/", demandes.marche_declaration, name="marche_declaration"),
    path("marches/<int:pk>/attributaires/", demandes.attributaires, name="attributaires"),
]
