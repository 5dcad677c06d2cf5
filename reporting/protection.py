"""reporting's part in the protection of the participants' data (clauses.protection), which clauses may not import:

- the daily purge is a job like the others (``reporting.tasks.purger_donnees_personnelles``, at 5:30 by the schedule
  row of migration 0018): it makes the day's ``Tache`` row, claims it and runs
  ``clauses.protection.conservation.purger``, so that a second run the same day does nothing and a dead worker's run
  is retaken by the reprise (``reporting.travaux``);
- the documents that name a person (the facilitator's nominative copy of a marché report:
  ``Rapport.participants_cites``) are deleted, file and row, in the transaction that anonymises the person (the
  file once it commits);
- the ends of the periods of the documents and bilans already produced are declared to the anonymisation, which
  generalises a birth date without moving anyone across an age band at the end of any of them.

Connected when the app is ready (``reporting.apps``).
"""

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from clauses.protection import conservation
from clauses.protection.anonymisation import declarer_fins_publiees, participants_anonymises
from reporting.models import BilanAnnuel, Rapport, StatutTache, Tache
from reporting.travaux import CODE_PURGE, _finir, _jour, _prendre, _sous_reclamation

logger = logging.getLogger(__name__)


def supprimer_documents_citant(participants) -> int:
    """Delete the documents naming one of ``participants``: rows now, files once the transaction commits."""
    rapports = list(Rapport.objects.filter(participants_cites__in=list(participants)).distinct())
    for rapport in rapports:
        if rapport.fichier:
            transaction.on_commit(partial(rapport.fichier.storage.delete, rapport.fichier.name))
    Rapport.objects.filter(pk__in=[r.pk for r in rapports]).delete()
    if rapports:
        logger.info("%s document(s) nominatif(s) supprimé(s) avec les personnes qu'ils citent.", len(rapports))
    return len(rapports)


@receiver(participants_anonymises, dispatch_uid="reporting_documents_des_personnes_anonymisees")
def _documents_des_personnes_anonymisees(sender, participants, **kwargs) -> None:
    supprimer_documents_citant(participants)


@declarer_fins_publiees
def fins_des_documents():
    """The last days of the periods of every document and bilan stored."""
    yield from Rapport.objects.order_by().values_list("periode_fin", flat=True).distinct()
    yield from BilanAnnuel.objects.order_by().values_list("periode_fin", flat=True).distinct()


# --- The daily purge -------------------------------------------------------------------------------------------


def tache_de_purge(jour: dt.date | None = None) -> Tache:
    """The row of the day's purge, created once: whoever runs it must claim it (« exactly once per day »)."""
    jour = jour or timezone.localdate()
    tache, _ = Tache.objects.get_or_create(code=CODE_PURGE, cle=jour.isoformat())
    return tache


def purger_donnees_personnelles(tache_id: int, jour: str | dt.date | None = None) -> None:
    """Claim the day's purge and run it: the people past their term are anonymised, the documents and exports naming
    them deleted. A second run of the same day finds the row taken or done and does nothing."""
    tache, jeton = _prendre(tache_id)
    if tache is None or jeton is None:
        return
    with _sous_reclamation(tache, jeton):
        resultat = conservation.purger(_jour(jour or tache.cle))
        _finir(tache, jeton, StatutTache.FAIT, resultat.message)
