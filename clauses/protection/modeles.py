"""The models of the protection of personal data: why a person was anonymised, and the decisions to keep their data
longer. Imported by ``clauses.models``, so that Django registers them in the clauses app; nothing here imports
``clauses.models`` (the participant is named by its label), so the two modules make no circle.
"""

from django.conf import settings
from django.db import models

from clauses.minimisation import NOTES


class CauseAnonymisation(models.TextChoices):
    CONSERVATION = "conservation", "Durée de conservation échue"
    EFFACEMENT = "effacement", "Effacement demandé"


class ProlongationConservation(models.Model):
    """A facilitator's decision to keep a person's data past the computed term, with its reason (recorded and
    audited). The latest decision holds (clauses.protection.conservation); it never brings the term earlier than
    the computed one."""

    participant = models.ForeignKey(
        "clauses.Participant", on_delete=models.CASCADE, related_name="prolongations", verbose_name="participant"
    )
    conserver_jusqu_au = models.DateField("conserver jusqu'au")
    motif = models.TextField(
        "motif",
        validators=NOTES,
        help_text="Pourquoi ces données restent nécessaires (ex. : contrôle de la clause en cours). Sans nom ni "
        "détail sur la personne.",
    )
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidé par",
    )
    decide_le = models.DateTimeField("décidé le", auto_now_add=True)

    class Meta:
        verbose_name = "prolongation de la conservation"
        verbose_name_plural = "prolongations de la conservation"
        ordering = ["participant", "-decide_le", "-pk"]
        indexes = [models.Index(fields=["participant", "-decide_le"], name="prolongation_participant_idx")]

    def __str__(self) -> str:
        return f"Conservation prolongée jusqu'au {self.conserver_jusqu_au:%d/%m/%Y}"
