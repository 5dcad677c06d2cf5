"""Personal data: anonymisations to come, keeping someone longer, the right of access, the erasure."""

from django.urls import path, register_converter

from clauses.views import protection as views


class FormatAcces:
    regex = "pdf|json"

    def to_python(self, valeur: str) -> str:
        return valeur

    def to_url(self, valeur: str) -> str:
        return valeur


register_converter(FormatAcces, "format_acces")

urlpatterns = [
    path("participants/conservation/", views.conservation_a_venir, name="conservation"),
    path("participants/<int:pk>/conservation/", views.prolongation, name="conservation_prolongation"),
    path("participants/<int:pk>/droit-d-acces/", views.droit_d_acces, name="participant_acces"),
    path(
        "participants/<int:pk>/droit-d-acces/<format_acces:format_>/",
        views.droit_d_acces_fichier,
        name="participant_acces_fichier",
    ),
    path("participants/<int:pk>/effacer/", views.effacement, name="participant_effacement"),
]
