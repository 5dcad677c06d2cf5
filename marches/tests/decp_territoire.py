"""The territory the DECP sample (marches/decp/exemple_decp.json) was written for: the demo's donneurs d'ordre and
companies, by SIRET. Shared by the DECP tests of marches, reporting and the browser."""

from conventions.factories import DonneurDOrdreFactory
from conventions.models import TypeDonneur
from entreprises.factories import EntrepriseFactory
from marches.decp.lecture import EXEMPLE

ARLES = "21130004100012"
TARASCON = "21130108000019"
BAILLEUR = "27130040200010"
DEPARTEMENT = "22130001500015"
HOPITAL = "26130016400017"
REGION = "23130002100012"
# Published by a buyer that is not a donneur d'ordre of the territory (Nîmes).
HORS_TERRITOIRE = "21300189400012"

# Titulaires of the sample the directory knows; 52190433400013 it does not.
GROS_OEUVRE = "40011302300024"
VRD = "40071302000016"
VRD_BIS = "40021302100035"
SERVICES_ADAPTES = "78451212100012"
INCONNUE = "52190433400013"


def territoire() -> dict:
    donneurs = {
        "arles": DonneurDOrdreFactory(nom="Ville d'Arles", siret=ARLES),
        "tarascon": DonneurDOrdreFactory(nom="Ville de Tarascon", siret=TARASCON),
        "bailleur": DonneurDOrdreFactory(nom="Delta Rhône Habitat", type=TypeDonneur.BAILLEUR, siret=BAILLEUR),
        "departement": DonneurDOrdreFactory(
            nom="Département des Bouches-du-Rhône", type=TypeDonneur.DEPARTEMENT, siret=DEPARTEMENT
        ),
        "hopital": DonneurDOrdreFactory(
            nom="Centre hospitalier du Pays d'Arles", type=TypeDonneur.HOPITAL, siret=HOPITAL
        ),
        "region": DonneurDOrdreFactory(nom="Région Sud", type=TypeDonneur.REGION, siret=REGION),
    }
    entreprises = {
        siret: EntrepriseFactory(raison_sociale=nom, siret=siret)
        for siret, nom in (
            (GROS_OEUVRE, "Maçonnerie Rey et Fils SARL"),
            (VRD, "Terrassements du Rhône SAS"),
            (VRD_BIS, "Bonnet Construction SAS"),
            (SERVICES_ADAPTES, "Camargue Services Adaptés"),
        )
    }
    return {"donneurs": donneurs, "entreprises": entreprises}


def importer_exemple(**kwargs):
    from marches.decp import importation

    with EXEMPLE.open("rb") as fichier:
        return importation.importer(fichier, nom=EXEMPLE.name, **kwargs)
