from django.urls import path

from clauses.views import imports, portefeuille

urlpatterns = [
    path("imports/", imports.imports, name="imports"),
    path("imports/releve/", imports.ImportReleve.as_view(), name="import_releve"),
    path("imports/participants/", imports.ImportParticipants.as_view(), name="import_participants"),
    path("imports/modele/", imports.modele, name="import_modele"),
    path("imports/portefeuille/", portefeuille.ImportPortefeuille.as_view(), name="import_portefeuille"),
    path("imports/portefeuille/modele/", portefeuille.modele_portefeuille, name="portefeuille_modele"),
    path("imports/portefeuille/export/", portefeuille.export_portefeuille, name="portefeuille_export"),
]
