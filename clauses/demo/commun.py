"""What both demo generators share: the seed, the accounts, the structure porteuse, small helpers."""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from clauses.models import (
    HEURES_MAX_PAR_MOIS,
    ClauseInsertion,
    HeuresMensuelles,
    Participant,
    Placement,
    Sortie,
)
from conventions.calendrier import add_months
from conventions.models import (
    Avenant,
    Convention,
    DonneurDOrdre,
    StructurePorteuse,
)
from entreprises.models import Entreprise, Operateur
from entreprises.validators import completer_siren, completer_siret
from marches.models import (
    Attribution,
    Lot,
    Marche,
)

GRAINE = 2026
MOT_DE_PASSE_DEMO = "demo-clauses-2026"
MOIS_D_HEURES_DEMO = 18
HEURES_MIN_PAR_MOIS = 20
# Demo hours stay well under the legal ceiling: a full-time month is about 151 h.
HEURES_MAX_DEMO = min(160, int(HEURES_MAX_PAR_MOIS))

Journal = Callable[[str], None]


def _silence(_message: str) -> None:
    pass


@dataclass
class Resultat:
    cree: bool
    message: str
    comptes: list[tuple[str, str]] = field(default_factory=list)  # (rôle, e-mail)
    lignes: dict[str, int] = field(default_factory=dict)


# --- Small helpers ---------------------------------------------------------------------------------


def _siret(prefixe8: str, nic: int = 1) -> str:
    return completer_siret(completer_siren(prefixe8) + f"{nic:04d}")


def _premier(jour: dt.date) -> dt.date:
    return jour.replace(day=1)


def _fin_du_mois(jour: dt.date) -> dt.date:
    return add_months(_premier(jour), 1) - dt.timedelta(days=1)


def _mois_entre(debut: dt.date, fin: dt.date) -> list[dt.date]:
    """First days of the months from ``debut``'s month to ``fin``'s month, both included."""
    mois, dernier = _premier(debut), _premier(fin)
    resultat = []
    while mois <= dernier:
        resultat.append(mois)
        mois = add_months(mois, 1)
    return resultat


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _secondes(debut: float) -> str:
    return f"{time.monotonic() - debut:.1f}".replace(".", ",") + " s"


def _compter() -> dict[str, int]:
    modeles = {
        "donneurs d'ordre": DonneurDOrdre,
        "conventions": Convention,
        "avenants": Avenant,
        "marchés": Marche,
        "lots": Lot,
        "clauses": ClauseInsertion,
        "entreprises": Entreprise,
        "attributions": Attribution,
        "opérateurs et prescripteurs": Operateur,
        "participants": Participant,
        "placements": Placement,
        "heures mensuelles": HeuresMensuelles,
        "sorties": Sortie,
    }
    return {nom: modele.objects.count() for nom, modele in modeles.items()}


def _resume(lignes: dict[str, int]) -> str:
    return ", ".join(f"{_nombre(n)} {nom}" for nom, n in lignes.items())


# --- Accounts --------------------------------------------------------------------------------------

COMPTE_ADMIN = "admin@clauses.example"
COMPTE_FACILITATEUR = "camille.martin@clauses.example"
COMPTE_FACILITATEUR_2 = "thomas.roux@clauses.example"
COMPTE_REFERENT_COMMUNE = "jeanne.arnaud@clauses.example"
COMPTE_REFERENT_BAILLEUR = "nadia.cherif@clauses.example"
COMPTE_REFERENT_VOLUME = "referent@bench.clauses.example"


def _compte(email: str, prenom: str, nom: str, *, superuser: bool = False, facilitateur: bool = False):
    """The account for ``email``, created with the demo password if it does not exist yet."""
    User = get_user_model()
    existant = User.objects.filter(email=email).first()
    if existant is not None:
        return existant
    if superuser:
        return User.objects.create_superuser(email, MOT_DE_PASSE_DEMO, first_name=prenom, last_name=nom)
    return User.objects.create_user(
        email, MOT_DE_PASSE_DEMO, first_name=prenom, last_name=nom, is_facilitateur=facilitateur
    )


def _comptes_de_base():
    admin = _compte(COMPTE_ADMIN, "Karim", "Benali", superuser=True)
    camille = _compte(COMPTE_FACILITATEUR, "Camille", "Martin", facilitateur=True)
    return admin, camille


def _structure_porteuse() -> StructurePorteuse:
    """Fills in the structure porteuse unless an admin already did: the admin's settings win."""
    structure = StructurePorteuse.objects.filter(pk=1).first()
    if structure is not None and structure.nom and not structure.nom.startswith("Structure porteuse"):
        return structure
    structure = structure or StructurePorteuse(pk=1)
    structure.nom = "Communauté d'agglomération Arles Crau Camargue Montagnette"
    structure.sigle = "ACCM"
    structure.service = "Service emploi — clauses sociales d'insertion"
    structure.siret = _siret("20003508")
    structure.adresse = "5 rue Yvan Audouard"
    structure.code_postal = "13200"
    structure.commune = "Arles"
    structure.email = "clauses@accm.example"
    structure.telephone = "04 86 52 60 00"
    structure.signataire_nom = "Jean-Marc Vidal"
    structure.signataire_qualite = "Le Président de la communauté d'agglomération"
    # The legal notice's (config.pages_legales): the director of publication is the signatory by default.
    structure.hebergeur = (
        "Service des systèmes d'information de la communauté d'agglomération\n5 rue Yvan Audouard, 13200 Arles"
    )
    structure.dpo_email = "dpo@accm.example"
    structure.save()
    return structure
