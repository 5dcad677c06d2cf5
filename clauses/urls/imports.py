from django.urls import path

from clauses.views import imports, portefeuille

urlpatterns = [
    path("imports/", imports.imports, name="imports"),
    path("imports/releve/", imports.ImportReleve.as_view(), name="import_releve"),
    path("imports/participants/", imports.ImportParticipants.as_view(), name="import_participants"),
    path("imports/modele/", imports.modele, name="import_modele"),
    path("imports/portefeuille/", portefeuille.import_portefeuille, name="import_portefeuille"),
    path("imports/portefeuille/<int:pk>/", portefeuille.import_portefeuille_suivi, name="import_portefeuille_suivi"),
    path(
        "imports/portefeuille/<int:pk>/rapport/",
        portefeuille.import_portefeuille_rapport,
        name="import_portefeuille_rapport",
    ),
    path("imports/portefeuille/modele/", portefeuille.modele_portefeuille, name="portefeuille_modele"),
    path("imports/portefeuille/export/", portefeuille.export_portefeuille, name="portefeuille_export"),
]
