from django.urls import path

from clauses.views import imports

urlpatterns = [
    path("imports/", imports.imports, name="imports"),
    path("imports/releve/", imports.ImportReleve.as_view(), name="import_releve"),
    path("imports/participants/", imports.ImportParticipants.as_view(), name="import_participants"),
    path("imports/modele/", imports.modele, name="import_modele"),
]
