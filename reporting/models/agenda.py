"""The secret address of a user's calendar feed (``reporting.agenda``)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


def hacher_jeton_agenda(jeton: str) -> str:
    """The stored form of a feed's token: whoever reads the table cannot rebuild the address."""
    return hashlib.sha256(jeton.encode()).hexdigest()


class AgendaPersonnelQuerySet(models.QuerySet):
    def par_jeton(self, jeton: str):
        """The feed of this token, if it is still the user's current one and the user may still log in.

        The database compares the token's SHA-256 with the stored one through the unique index: the time the
        lookup takes says nothing about how close a guessed token came to a real one."""
        return self.filter(token_hash=hacher_jeton_agenda(jeton), user__is_active=True)


class AgendaPersonnel(models.Model):
    """A user's calendar feed: one address per user, opened by calendar applications without a session.

    Only the token's hash is stored; the token itself is shown once, when the address is created or renewed.
    Renewing replaces the hash (the old address answers 404 at once); deleting the row turns the feed off.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agenda", verbose_name="utilisateur"
    )
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True, editable=False)
    # When the current address was issued (created or renewed): a renewal changes it, so the audit log has it.
    emis_le = models.DateTimeField("adresse émise le", default=timezone.now)
    consulte_le = models.DateTimeField("dernière consultation le", null=True, blank=True, editable=False)

    objects = AgendaPersonnelQuerySet.as_manager()

    class Meta:
        verbose_name = "agenda personnel"
        verbose_name_plural = "agendas personnels"

    def __str__(self) -> str:
        return f"Agenda de {self.user}"
