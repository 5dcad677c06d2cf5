from django.urls import path

from reporting import views, views_bilans

app_name = "reporting"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("conventions/<int:pk>/bilans/", views_bilans.liste, name="bilans"),
    path("conventions/<int:pk>/bilans/<int:numero>/", views_bilans.edition, name="bilan_edition"),
    path("bilans/<int:pk>/transmettre/", views_bilans.transmission, name="bilan_transmission"),
]
