"""Who hears of what the donneurs d'ordre send, and how: trios of templates under ``marches/emails/``.

The services register the sending with ``transaction.on_commit``: the email leaves only once the change it
announces is committed, and its callback reloads the rows it shows (ids in, never instances).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.mail import get_connection

from conventions.emails import preparer_courriel


def envoyer(gabarit: str, destinataires: Iterable[str], contexte: dict) -> int:
    """Sends ``marches/emails/<gabarit>`` to each address on its own: no one sees the others' addresses."""
    adresses = sorted({a for a in destinataires if a})
    messages = [preparer_courriel(f"marches/emails/{gabarit}", [adresse], contexte) for adresse in adresses]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def adresses_des_facilitateurs(facilitateur=None) -> list[str]:
    """The facilitator in charge when there is one still active, else every active facilitator."""
    if facilitateur is not None and facilitateur.is_active and facilitateur.is_facilitateur and facilitateur.email:
        return [facilitateur.email]
    return list(get_user_model().objects.facilitateurs().exclude(email="").values_list("email", flat=True))
