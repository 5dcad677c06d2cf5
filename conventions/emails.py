"""Emails: each one is a trio of templates (subject, text body, HTML body), sent once the transaction commits.

``gabarit`` names the trio without its suffix: ``conventions/emails/invitation`` reads
``invitation_sujet.txt``, ``invitation.txt`` and ``invitation.html`` from that folder. Text templates must
turn autoescaping off (``{% autoescape off %}``): « Commune d'Arles » is not HTML there.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from config import courriels


def preparer_courriel(gabarit: str, destinataires: list[str], contexte: dict) -> EmailMultiAlternatives:
    # A header cannot hold a line break: the subject template is folded into one line.
    sujet = " ".join(render_to_string(f"{gabarit}_sujet.txt", contexte).split())
    message = EmailMultiAlternatives(
        subject=sujet,
        body=render_to_string(f"{gabarit}.txt", contexte),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=destinataires,
    )
    message.attach_alternative(render_to_string(f"{gabarit}.html", contexte), "text/html")
    return message


def envoyer_apres_commit(gabarit: str, destinataires: list[str], contexte: dict) -> None:
    """Renders now (the context may hold what is not stored, such as a token), records the message in the current
    transaction, and the worker sends it after the commit (config.courriels): a mail server down never fails the
    request, and the message waits for it. A rolled-back transaction sends nothing."""
    courriels.mettre_en_file(preparer_courriel(gabarit, destinataires, contexte), gabarit.rsplit("/", 1)[-1])
