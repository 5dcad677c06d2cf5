"""Keeping the territory's marchés of a DECP file: all or nothing, idempotent.

The file is read once, one record at a time (``marches.decp.lecture``). A record whose buyer is not one of the
territory's donneurs d'ordre (matched by SIRET) is counted and dropped at once, unchecked: a national file holds
every buyer of France, and another territory's mistakes are not ours to refuse. The territory's records are
checked, and kept in memory until the end of the file (a territory publishes thousands of marchés, not
millions): so a marché published twice in the file counts once (the last one wins), and nothing is written
unless every one of them is valid. Then one transaction writes what changed — new records created, changed
ones updated, identical ones left alone — so that reading the same file twice changes nothing.

Each reading leaves an ``ImportDECP`` row (its outcome in French), written after the transaction so that a
refused file is recorded too.
"""

from dataclasses import dataclass, field
from typing import IO

from django.db import connection, transaction
from django.utils import timezone

from conventions.models import DonneurDOrdre, User
from marches.decp import lecture
from marches.decp.lecture import EnregistrementDECP, ErreurDECP, FichierDECPInvalide
from marches.models import ImportDECP, MarcheDECP, SourceImportDECP

# The errors kept to be shown; every one is counted.
ERREURS_GARDEES = 500
# Two readings at once (a facilitator's upload and the scheduled fetch) take turns on this lock.
VERROU_IMPORT = 0x44454350  # "DECP"

CHAMPS = (
    "acheteur_nom",
    "donneur_d_ordre_id",
    "objet",
    "nature",
    "procedure",
    "code_cpv",
    "type",
    "montant",
    "date_notification",
    "duree_mois",
    "lieu_code",
    "lieu_type_code",
    "considerations_sociales",
    "titulaires",
)


@dataclass
class RapportDECP:
    """What a reading found and did; ``erreurs`` holds the first ERREURS_GARDEES, ``nb_erreurs`` counts them all."""

    lus: int = 0
    concessions: int = 0
    hors_territoire: int = 0
    retenus: int = 0
    doublons: int = 0
    crees: int = 0
    mis_a_jour: int = 0
    inchanges: int = 0
    erreurs: list[ErreurDECP] = field(default_factory=list)
    nb_erreurs: int = 0
    erreur_fichier: str = ""

    @property
    def valide(self) -> bool:
        return not self.nb_erreurs and not self.erreur_fichier

    def ajouter(self, erreur: ErreurDECP) -> None:
        self.nb_erreurs += 1
        if len(self.erreurs) < ERREURS_GARDEES:
            self.erreurs.append(erreur)

    @property
    def resume(self) -> str:
        if self.erreur_fichier:
            return f"Fichier refusé : {self.erreur_fichier} Rien n'a été enregistré."
        lus = f"{self.lus} marché{_s(self.lus)} lu{_s(self.lus)}"
        if self.nb_erreurs:
            return (
                f"{lus}, {self.nb_erreurs} marché{_s(self.nb_erreurs)} du territoire invalide{_s(self.nb_erreurs)} : "
                "rien n'a été enregistré."
            )
        parties = [
            lus,
            f"{self.retenus} du territoire",
            f"{self.crees} nouveau{'x' if self.crees > 1 else ''}",
            f"{self.mis_a_jour} mis à jour",
            f"{self.inchanges} inchangé{_s(self.inchanges)}",
            f"{self.hors_territoire} d'autres acheteurs ignoré{_s(self.hors_territoire)}",
        ]
        if self.concessions:
            parties.append(f"{self.concessions} concession{_s(self.concessions)} ignorée{_s(self.concessions)}")
        if self.doublons:
            parties.append(f"{self.doublons} publié{_s(self.doublons)} deux fois (la dernière version retenue)")
        return ", ".join(parties) + "."


def _s(n: int) -> str:
    return "s" if n > 1 else ""


def lire(fichier: IO[bytes], sirets_du_territoire: dict[str, int]) -> tuple[RapportDECP, dict]:
    """Reads and checks the file; (the report, the territory's valid records by key). Writes nothing."""
    rapport = RapportDECP()
    retenus: dict[tuple[str, str], EnregistrementDECP] = {}
    try:
        for genre, brut in lecture.enregistrements(fichier):
            if genre == lecture.CONCESSION:
                rapport.concessions += 1
                continue
            rapport.lus += 1
            siret = lecture.siret_acheteur(brut)
            if siret is not None and lecture.SIRET_RE.match(siret) and siret not in sirets_du_territoire:
                rapport.hors_territoire += 1
                continue
            resultat = lecture.verifier(rapport.lus, brut)
            if isinstance(resultat, ErreurDECP):
                rapport.ajouter(resultat)
                continue
            if resultat.cle in retenus:
                rapport.doublons += 1
            retenus[resultat.cle] = resultat
    except FichierDECPInvalide as erreur:
        rapport.erreur_fichier = str(erreur)
    rapport.retenus = len(retenus)
    return rapport, retenus


def _valeurs(enregistrement: EnregistrementDECP, donneur_id: int) -> dict:
    return {
        "acheteur_nom": enregistrement.acheteur_nom,
        "donneur_d_ordre_id": donneur_id,
        "objet": enregistrement.objet,
        "nature": enregistrement.nature,
        "procedure": enregistrement.procedure,
        "code_cpv": enregistrement.code_cpv,
        "type": enregistrement.type,
        "montant": enregistrement.montant,
        "date_notification": enregistrement.date_notification,
        "duree_mois": enregistrement.duree_mois,
        "lieu_code": enregistrement.lieu_code,
        "lieu_type_code": enregistrement.lieu_type_code,
        "considerations_sociales": list(enregistrement.considerations_sociales),
        "titulaires": [t.en_json() for t in enregistrement.titulaires],
    }


def _ecrire(rapport: RapportDECP, retenus: dict, sirets_du_territoire: dict[str, int]) -> None:
    existants = {
        (m.acheteur_siret, m.identifiant): m
        for m in MarcheDECP.objects.filter(acheteur_siret__in={siret for siret, _ in retenus})
    }
    nouveaux, modifies = [], []
    for cle, enregistrement in retenus.items():
        valeurs = _valeurs(enregistrement, sirets_du_territoire[enregistrement.acheteur_siret])
        existant = existants.get(cle)
        if existant is None:
            nouveaux.append(
                MarcheDECP(
                    acheteur_siret=enregistrement.acheteur_siret, identifiant=enregistrement.identifiant, **valeurs
                )
            )
        elif any(getattr(existant, champ) != valeur for champ, valeur in valeurs.items()):
            for champ, valeur in valeurs.items():
                setattr(existant, champ, valeur)
            modifies.append(existant)
        else:
            rapport.inchanges += 1
    MarcheDECP.objects.bulk_create(nouveaux, batch_size=500)
    # bulk_update leaves auto_now alone: the date of the change is set here.
    if modifies:
        maintenant = timezone.now()
        for marche in modifies:
            marche.modifie_le = maintenant
        MarcheDECP.objects.bulk_update(modifies, [*CHAMPS, "modifie_le"], batch_size=500)
    rapport.crees, rapport.mis_a_jour = len(nouveaux), len(modifies)


def importer(
    fichier: IO[bytes],
    *,
    nom: str,
    source: str = SourceImportDECP.TELEVERSEMENT,
    utilisateur: User | None = None,
) -> RapportDECP:
    """Reads the file and, if every marché of the territory in it is valid, records them; the report says what
    was done (nothing when ``rapport.valide`` is false)."""
    sirets = dict(DonneurDOrdre.objects.exclude(siret=None).values_list("siret", "pk"))
    rapport, retenus = lire(fichier, sirets)
    if rapport.valide:
        with transaction.atomic():
            with connection.cursor() as curseur:
                curseur.execute("SELECT pg_advisory_xact_lock(%s)", [VERROU_IMPORT])
            _ecrire(rapport, retenus, sirets)
    ImportDECP.objects.create(
        source=source,
        nom=nom[:500],
        utilisateur=utilisateur,
        reussi=rapport.valide,
        resume=rapport.resume,
    )
    return rapport
