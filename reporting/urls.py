from django.urls import path

from reporting import views, views_agenda, views_bilans, views_notice, views_rapports

app_name = "reporting"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("conventions/<int:pk>/bilans/", views_bilans.liste, name="bilans"),
    path("conventions/<int:pk>/bilans/<int:numero>/", views_bilans.edition, name="bilan_edition"),
    path("bilans/<int:pk>/transmettre/", views_bilans.transmission, name="bilan_transmission"),
    path("rapports/", views_rapports.RapportListe.as_view(), name="rapports"),
    path("rapports/demande/", views_rapports.demande, name="rapport_demande"),
    path("rapports/<int:pk>/", views_rapports.etat, name="rapport_etat"),
    path("rapports/<int:pk>/telecharger/", views_rapports.telecharger, name="rapport_telecharger"),
    path("rapports/<int:pk>/relance/", views_rapports.relance, name="rapport_relance"),
    path("agenda/", views_agenda.agenda_facilitateur, name="agenda"),
    # The feed's secret address: no session, opened by calendar applications (reporting.agenda).
    path("agenda/<slug:jeton>.ics", views_agenda.flux, name="agenda_flux"),
    path("participants/<int:pk>/notice/", views_notice.notice_participant, name="notice_participant"),
]
