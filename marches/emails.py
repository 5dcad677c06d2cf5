"""Who hears of what the donneurs d'ordre send, and how: trios of templates under ``marches/emails/``.

The services call ``envoyer`` inside the transaction of the change it announces: the messages are recorded with it
(config.courriels) and the worker sends them once it is committed, so a mail server down neither fails the request
nor loses the notification.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from config import courriels
from conventions.emails import preparer_courriel


def envoyer(gabarit: str, destinataires: Iterable[str], contexte: dict) -> int:
    """Queues ``marches/emails/<gabarit>`` to each address on its own (no one sees the others' addresses); how many."""
    adresses = sorted({a for a in destinataires if a})
    for adresse in adresses:
        courriels.mettre_en_file(preparer_courriel(f"marches/emails/{gabarit}", [adresse], contexte), gabarit)
    return len(adresses)


def adresses_des_facilitateurs(facilitateur=None) -> list[str]:
    """The facilitator in charge when there is one still active, else every active facilitator."""
    if facilitateur is not None and facilitateur.is_active and facilitateur.is_facilitateur and facilitateur.email:
        return [facilitateur.email]
    return list(get_user_model().objects.facilitateurs().exclude(email="").values_list("email", flat=True))
