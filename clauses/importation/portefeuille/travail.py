"""A portfolio import as the worker runs it: a row before the work, as the long exports are (``config.exports_longs``).

A portfolio may hold hundreds of thousands of rows: its check and its writes take longer than a request may (the
web server answers within 30 s), so the page records an ``ImportPortefeuille`` with the upload kept in the default
storage, and the worker does the two steps of every import, each queued after commit (``config.travaux``):

1. the check (« vérification »): the preview's report, kept on the row (``apercu``: per sheet, the first errors and
   changes) and whole as a file the facilitator downloads; the upload is kept only when there is something to write
   and no error;
2. once the facilitator confirms, the import: the file read and checked again inside the transaction that writes
   (``portefeuille.importer``), then deleted.

The worker claims the row with a conditional UPDATE that sets a token, and beats while it works
(``config.travaux.battement``): a row « en attente » never queued or whose message was lost, and one left « en
cours » by a dead worker, are queued again by « Reprise des travaux interrompus » (``a_reprendre``).
"""

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clauses.importation.lecture import extension
from clauses.importation.portefeuille import analyser, importer
from clauses.importation.portefeuille import rapport as compte_rendu
from clauses.importation.portefeuille.rapport import RapportPortefeuille
from clauses.models import ImportPortefeuille, StatutImportPortefeuille
from config import travaux

TACHE = "clauses.tasks.traiter_import_portefeuille"
DELAI_DE_REPRISE = travaux.DELAI_DE_REPRISE
# What the page shows of a preview; the downloadable report has it all.
ERREURS_AFFICHEES = 1000
CHANGEMENTS_AFFICHES = 100

S = StatutImportPortefeuille
ETAPES = ((S.ANALYSE_EN_ATTENTE, S.ANALYSE_EN_COURS), (S.IMPORT_EN_ATTENTE, S.IMPORT_EN_COURS))


def chemin_rapport(import_id: int) -> str:
    return f"imports/portefeuille/rapport-{import_id}.json"


def deposer(utilisateur, fichier) -> ImportPortefeuille:
    """Keep the upload and record the row; its check is queued once the row is committed."""
    chemin = default_storage.save(f"imports/portefeuille/{uuid.uuid4()}.{extension(fichier.name)}", fichier)
    with transaction.atomic():
        import_ = ImportPortefeuille.objects.create(
            demande_par=utilisateur, nom_fichier=fichier.name[:255], chemin=chemin
        )
        travaux.mettre_en_file_apres_commit(TACHE, ImportPortefeuille, import_.pk)
    return import_


def confirmer(import_: ImportPortefeuille) -> bool:
    """Queue the import of a preview that may be confirmed; False if it may not (any more)."""
    apercu = import_.apercu or {}
    if not (apercu.get("valide") and apercu.get("a_ecrire") and import_.chemin):
        return False
    with transaction.atomic():
        confirme = ImportPortefeuille.objects.filter(pk=import_.pk, statut=S.APERCU).update(
            statut=S.IMPORT_EN_ATTENTE, mis_en_file_le=None, jeton="", pris_le=None
        )
        if confirme:
            travaux.mettre_en_file_apres_commit(TACHE, ImportPortefeuille, import_.pk)
    return bool(confirme)


def annuler(import_: ImportPortefeuille) -> bool:
    annule = ImportPortefeuille.objects.filter(pk=import_.pk, statut=S.APERCU).update(
        statut=S.ANNULE, chemin="", termine_le=timezone.now()
    )
    if annule and import_.chemin:
        default_storage.delete(import_.chemin)
    return bool(annule)


# --- The worker's side ---------------------------------------------------------------------------------------


def a_reprendre(maintenant: dt.datetime, limite: int) -> list[int]:
    """Rows the reprise queues again: waiting and never queued (the broker was down) or lost, or left by a dead
    worker in either step."""
    lignes = ImportPortefeuille.objects.none()
    for attente, en_cours in ETAPES:
        lignes |= travaux.a_remettre_en_file(ImportPortefeuille, attente, maintenant)
        lignes |= ImportPortefeuille.objects.filter(statut=en_cours, pris_le__lt=maintenant - DELAI_DE_REPRISE)
    return list(lignes.order_by("cree_le").values_list("pk", flat=True)[:limite])


def reclamer(import_id: int) -> tuple[str, str] | None:
    """Claim the row's next step: (token, step « en cours »), or None if nothing is to be done (or a live worker
    does it)."""
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    for attente, en_cours in ETAPES:
        pris = ImportPortefeuille.objects.filter(
            Q(statut=attente) | Q(statut=en_cours, pris_le__lt=maintenant - DELAI_DE_REPRISE), pk=import_id
        ).update(statut=en_cours, jeton=jeton, pris_le=maintenant)
        if pris:
            return jeton, en_cours
    return None


def traiter(import_id: int) -> None:
    """The task's work: claim the row, then check or import its file."""
    pris = reclamer(import_id)
    if pris is None:
        return
    jeton, etape = pris
    import_ = ImportPortefeuille.objects.select_related("demande_par").get(pk=import_id)
    with travaux.battement(ImportPortefeuille, import_id, jeton):
        try:
            if etape == S.ANALYSE_EN_COURS:
                _verifier(import_, jeton)
            else:
                _importer(import_, jeton)
        except Exception as exc:
            ImportPortefeuille.objects.filter(pk=import_id, jeton=jeton).update(
                statut=S.ECHEC,
                message_erreur=f"L'import n'a pas pu se faire ({type(exc).__name__}) : rien n'a été enregistré, "
                "déposez le fichier de nouveau.",
                termine_le=timezone.now(),
            )
            _oublier_le_fichier(import_)
            raise


def _lire(import_: ImportPortefeuille, faire) -> RapportPortefeuille:
    with default_storage.open(import_.chemin, "rb") as fichier:
        return faire(fichier, import_.nom_fichier, default_storage.size(import_.chemin))


def _verifier(import_: ImportPortefeuille, jeton: str) -> None:
    rapport = _lire(
        import_, lambda fichier, nom, taille: analyser(fichier, nom, taille, utilisateur=import_.demande_par)
    )
    _garder_le_rapport(import_.pk, rapport)
    garder = rapport.valide and rapport.a_ecrire
    ecrit = ImportPortefeuille.objects.filter(pk=import_.pk, jeton=jeton).update(
        statut=S.APERCU,
        apercu=apercu(rapport),
        chemin=import_.chemin if garder else "",
        termine_le=None if garder else timezone.now(),
    )
    if ecrit and not garder:
        _oublier_le_fichier(import_)


def _importer(import_: ImportPortefeuille, jeton: str) -> None:
    rapport = _lire(
        import_, lambda fichier, nom, taille: importer(fichier, nom, taille, utilisateur=import_.demande_par)
    )
    champs: dict[str, object]
    if rapport.valide:
        champs = {"statut": S.TERMINE, "resultat": rapport.resume[:255]}
    else:
        _garder_le_rapport(import_.pk, rapport)
        champs = {
            "statut": S.ECHEC,
            "apercu": apercu(rapport),
            "message_erreur": rapport.erreur_fichier
            or "Les données de Clauses ont changé depuis la vérification et le fichier n'est plus valide : rien n'a "
            "été enregistré. Voyez les erreurs ci-dessous, puis déposez le fichier de nouveau.",
        }
    ImportPortefeuille.objects.filter(pk=import_.pk, jeton=jeton).update(
        chemin="", termine_le=timezone.now(), **champs
    )
    _oublier_le_fichier(import_)


def _oublier_le_fichier(import_: ImportPortefeuille) -> None:
    if import_.chemin:
        default_storage.delete(import_.chemin)


def oublier_fichiers(import_: ImportPortefeuille) -> None:
    """The upload and the preview's report of an import the admin deletes."""
    _oublier_le_fichier(import_)
    default_storage.delete(chemin_rapport(import_.pk))


def _garder_le_rapport(import_id: int, rapport: RapportPortefeuille) -> None:
    chemin = chemin_rapport(import_id)
    default_storage.delete(chemin)
    default_storage.save(chemin, ContentFile(compte_rendu.contenu(rapport)))


def apercu(rapport: RapportPortefeuille) -> dict:
    """What the page shows of a preview, small enough for the row: counts per sheet, the first errors and
    changes."""
    return {
        "valide": rapport.valide,
        "a_ecrire": rapport.a_ecrire,
        "lignes": rapport.lignes,
        "resume": rapport.resume,
        "erreur_fichier": rapport.erreur_fichier,
        "erreurs_total": rapport.erreurs_total,
        "erreurs": [str(e) for e in rapport.erreurs[:ERREURS_AFFICHEES]],
        "remarques": rapport.remarques,
        "bilans": [
            {
                "titre": b.titre,
                "feuilles": b.feuilles,
                "lignes": b.lignes,
                "ajouts": b.ajouts,
                "mises_a_jour": b.mises_a_jour,
                "inchangees": b.inchangees,
                "erreurs": b.erreurs,
                "resume": b.resume,
                "changements": [
                    [c.lignes_texte, c.libelle, c.objet, c.avant, c.apres]
                    for c in b.changements[:CHANGEMENTS_AFFICHES]
                ],
                "non_listes": b.ajouts + b.mises_a_jour - min(len(b.changements), CHANGEMENTS_AFFICHES),
            }
            for b in rapport.bilans
        ],
    }
