"""Reports (a row before a file) and the annual bilans of the conventions."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clauses.models import Participant
from config.fichiers import FichierProtege
from conventions.models import Convention, DonneurDOrdre
from marches.models import Marche

# --- Generated reports -----------------------------------------------------------------------------


class TypeRapport(models.TextChoices):
    BILAN_ANNUEL = "bilan_annuel", "Bilan annuel"
    RAPPORT_MARCHE = "rapport_marche", "Rapport de marché"
    RAPPORT_PERIODIQUE = "rapport_periodique", "Rapport périodique"
    BILAN_TERRITORIAL = "bilan_territorial", "Bilan territorial"
    COURRIER_ECHEANCE = "courrier_echeance", "Courrier d'échéance"
    # The national survey of a calendar year, for the structure porteuse only (never addressed to a donneur d'ordre).
    ENQUETE_NATIONALE = "enquete_nationale", "Enquête nationale (tableur)"
    ENQUETE_SYNTHESE = "enquete_synthese", "Enquête nationale (synthèse)"


class StatutRapport(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    PRET = "pret", "Prêt"
    ECHEC = "echec", "Échec"


EMPREINTE_SHA256 = RegexValidator(r"^[0-9a-f]{64}$", "Une empreinte SHA-256 s'écrit en 64 caractères hexadécimaux.")


def empreinte_sha256(contenu: bytes) -> str:
    return hashlib.sha256(contenu).hexdigest()


class RapportQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        """The reports addressed to a donneur d'ordre (a territorial bilan, addressed to no one, is not)."""
        return self.filter(donneur_d_ordre=donneur)

    def prets(self):
        return self.filter(statut=StatutRapport.PRET)

    def pour_le_portail(self, donneur):
        """What a référent may list and download: ready, addressed to their organisation, never nominative."""
        return self.for_donneur(donneur).prets().filter(nominatif=False)


class Rapport(models.Model):
    """A generated document: the row exists (en attente) before the file, which a worker writes.

    The worker claims the row (``en attente`` → ``en cours`` by a conditional UPDATE), renders the PDF, then
    calls ``enregistrer_fichier`` (``prêt``, with the file's SHA-256) or ``enregistrer_echec``. A ``prêt``
    row always has a file and its checksum (a database constraint).
    """

    type = models.CharField("type", max_length=25, choices=TypeRapport.choices)
    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rapports",
        verbose_name="donneur d'ordre destinataire",
        help_text="Vide pour un document qui ne s'adresse à aucun donneur d'ordre (bilan territorial).",
    )
    convention = models.ForeignKey(
        Convention,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rapports",
        verbose_name="convention",
    )
    marche = models.ForeignKey(
        Marche, on_delete=models.PROTECT, null=True, blank=True, related_name="rapports", verbose_name="marché"
    )
    periode_debut = models.DateField("début de la période")
    periode_fin = models.DateField("fin de la période")
    statut = models.CharField("statut", max_length=12, choices=StatutRapport.choices, default=StatutRapport.EN_ATTENTE)
    fichier = FichierProtege(
        "fichier", vue="reporting:rapport_telecharger", upload_to="rapports/%Y/", blank=True, max_length=255
    )
    empreinte = models.CharField(
        "empreinte SHA-256", max_length=64, blank=True, validators=[EMPREINTE_SHA256], editable=False
    )
    message_erreur = models.TextField("message d'erreur", blank=True)
    # What went wrong, as the worker's log has it (the exception, a server path…): for the facilitators and the
    # admin only; a référent reads message_erreur, in French.
    detail_technique = models.TextField("détail technique de l'erreur", blank=True, editable=False)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rapports_demandes",
        verbose_name="demandé par",
    )
    cree_le = models.DateTimeField("demandé le", auto_now_add=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    destinataires = models.TextField(
        "destinataires", blank=True, help_text="Adresses e-mail auxquelles le document a été envoyé, une par ligne."
    )
    # The facilitator's own copy may name participants; a copy addressed to a donneur d'ordre never does.
    nominatif = models.BooleanField(
        "copie nominative du facilitateur",
        default=False,
        help_text="Cite les participants : jamais adressée à un donneur d'ordre.",
    )
    # Exactly once: a worker claims the row (en attente → en cours) with a conditional UPDATE that sets a
    # token; a claim older than the timeout is retaken (the worker died). See reporting/travaux.py.
    jeton = models.CharField("jeton du traitement en cours", max_length=32, blank=True, editable=False)
    pris_le = models.DateTimeField("pris en charge le", null=True, blank=True, editable=False)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0, editable=False)
    # Sending: envoi_commence_le is set before the email leaves, envoye_le after. A row with the first and not
    # the second was interrupted mid-send: it is never resent automatically (« never twice »).
    envoi_commence_le = models.DateTimeField("envoi commencé le", null=True, blank=True, editable=False)
    # Set once its task is handed to the broker: a row « en attente » without it was never queued (broker down).
    mis_en_file_le = models.DateTimeField("mis en file le", null=True, blank=True, editable=False)
    # Who a nominative copy names, recorded when it is written: the document is deleted when one of them is anonymised
    # (reporting.protection), and it is listed in that person's access export.
    participants_cites = models.ManyToManyField(
        Participant, blank=True, related_name="documents_nominatifs", verbose_name="personnes citées", editable=False
    )

    objects = RapportQuerySet.as_manager()

    class Meta:
        verbose_name = "rapport"
        verbose_name_plural = "rapports"
        ordering = ["-cree_le", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(statut=StatutRapport.PRET) | (~Q(fichier="") & Q(empreinte__regex=r"^[0-9a-f]{64}$")),
                name="rapport_pret_a_un_fichier",
                violation_error_message="Un rapport prêt doit avoir un fichier et son empreinte SHA-256.",
            ),
            models.CheckConstraint(
                condition=~Q(nominatif=True, donneur_d_ordre__isnull=False),
                name="rapport_nominatif_jamais_adresse",
                violation_error_message="Une copie nominative ne peut pas être adressée à un donneur d'ordre.",
            ),
            models.CheckConstraint(
                condition=Q(periode_fin__gte=F("periode_debut")),
                name="rapport_periode_ordonnee",
                violation_error_message="La fin de la période ne peut pas précéder son début.",
            ),
        ]
        indexes = [
            models.Index(fields=["donneur_d_ordre", "statut", "-cree_le"], name="rapport_donneur_idx"),
            # Workers pick the waiting rows.
            models.Index(
                fields=["cree_le"], condition=Q(statut=StatutRapport.EN_ATTENTE), name="rapport_en_attente_idx"
            ),
        ]

    def __str__(self) -> str:
        cible = f" — {self.donneur_d_ordre}" if self.donneur_d_ordre_id else ""
        return f"{self.get_type_display()}{cible} ({self.periode_debut:%d/%m/%Y} – {self.periode_fin:%d/%m/%Y})"

    def clean(self):
        # The constraint names « empreinte », which forms leave out (not editable): say it here, not as a 500.
        if self.statut == StatutRapport.PRET and not (self.fichier and self.empreinte):
            raise ValidationError({"statut": "Un rapport prêt doit avoir un fichier et son empreinte SHA-256."})

    @property
    def est_pret(self) -> bool:
        return self.statut == StatutRapport.PRET

    @property
    def est_un_tableur(self) -> bool:
        return self.type == TypeRapport.ENQUETE_NATIONALE

    def nom_telechargement(self) -> str:
        """The file name offered on download: the type and the period, never an internal path."""
        extension = self.fichier.name.rsplit(".", 1)[-1] if "." in self.fichier.name else "pdf"
        return f"{self.type.replace('_', '-')}-{self.periode_debut:%Y-%m-%d}-{self.periode_fin:%Y-%m-%d}.{extension}"

    def enregistrer_fichier(self, nom: str, contenu: bytes) -> None:
        """Store the generated document and mark the report ready, checksum included, in one save."""
        self.fichier.save(nom, ContentFile(contenu), save=False)
        self.empreinte = empreinte_sha256(contenu)
        self.statut = StatutRapport.PRET
        self.message_erreur = ""
        self.termine_le = timezone.now()
        self.save(update_fields=["fichier", "empreinte", "statut", "message_erreur", "termine_le"])

    def enregistrer_echec(self, message: str) -> None:
        self.statut = StatutRapport.ECHEC
        self.message_erreur = message
        self.termine_le = timezone.now()
        self.save(update_fields=["statut", "message_erreur", "termine_le"])


# --- Jobs that are not a report: reminders, digests -------------------------------------------------


class StatutTache(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    FAIT = "fait", "Fait"
    ECHEC = "echec", "Échec"


class Tache(models.Model):
    """One (job, scope, period) of the schedule, claimed before it runs so that it is done once.

    ``code`` names the job (« rappel_echeance_60 », « digest_hebdomadaire »…), ``cle`` its scope and period
    (« convention:12:2027-03-31 »); the pair is unique, so a second delivery of the same work finds the row
    and the claim tells it that someone else has it or has done it.
    """

    code = models.CharField("travail", max_length=50)
    cle = models.CharField("portée et période", max_length=200)
    statut = models.CharField("statut", max_length=12, choices=StatutTache.choices, default=StatutTache.EN_ATTENTE)
    jeton = models.CharField("jeton du traitement en cours", max_length=32, blank=True)
    pris_le = models.DateTimeField("pris en charge le", null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    envoi_commence_le = models.DateTimeField("envoi commencé le", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    destinataires = models.TextField("destinataires", blank=True)
    message_erreur = models.TextField("message d'erreur", blank=True)
    rapport = models.ForeignKey(
        Rapport, on_delete=models.SET_NULL, null=True, blank=True, related_name="taches", verbose_name="document"
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "tâche planifiée"
        verbose_name_plural = "tâches planifiées"
        ordering = ["-cree_le", "-pk"]
        constraints = [models.UniqueConstraint(fields=["code", "cle"], name="tache_unique_par_portee")]

    def __str__(self) -> str:
        return f"{self.code} — {self.cle} ({self.get_statut_display().lower()})"


# --- Annual bilans ---------------------------------------------------------------------------------


class BilanAnnuelQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(convention__donneur_d_ordre=donneur)

    def transmis(self):
        return self.filter(transmis_le__isnull=False)


class BilanAnnuel(models.Model):
    """The facilitator's bilan of one year of a convention, and the donneur d'ordre's comment on it.

    A convention's year is its period (``conventions.calendrier``: from the date of effect, renewed every
    ``duree_mois``), not the calendar year: the bilan is tied to the period's number and keeps its dates,
    which the figures are computed over. The référent sees it once transmitted.
    """

    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, related_name="bilans", verbose_name="convention"
    )
    numero_periode = models.PositiveSmallIntegerField("période n°")
    periode_debut = models.DateField("début de la période")
    periode_fin = models.DateField("fin de la période")
    texte_qualitatif = models.TextField(
        "bilan qualitatif",
        blank=True,
        help_text="Ce qui s'est passé dans l'année : marchés, parcours, difficultés, perspectives.",
    )
    transmis_le = models.DateTimeField("transmis au donneur d'ordre le", null=True, blank=True)
    transmis_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bilans_transmis",
        verbose_name="transmis par",
    )
    commentaire_donneur = models.TextField("commentaire du donneur d'ordre", blank=True)
    commentaire_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commentaires_bilans",
        verbose_name="commenté par",
    )
    commentaire_le = models.DateTimeField("commenté le", null=True, blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = BilanAnnuelQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan annuel"
        verbose_name_plural = "bilans annuels"
        ordering = ["convention", "-numero_periode"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "numero_periode"],
                name="bilan_unique_par_periode",
                violation_error_message="Cette période de la convention a déjà un bilan.",
            ),
            models.CheckConstraint(
                condition=Q(numero_periode__gte=1),
                name="bilan_periode_numerotee",
                violation_error_message="Les périodes sont numérotées à partir de 1.",
            ),
            models.CheckConstraint(
                condition=Q(periode_fin__gte=F("periode_debut")),
                name="bilan_periode_ordonnee",
                violation_error_message="La fin de la période ne peut pas précéder son début.",
            ),
            models.CheckConstraint(
                condition=Q(transmis_le__isnull=True) | ~Q(texte_qualitatif=""),
                name="bilan_transmis_a_un_texte",
                violation_error_message="Un bilan transmis au donneur d'ordre doit avoir un bilan qualitatif.",
            ),
        ]

    def __str__(self) -> str:
        return f"Bilan {self.periode_debut:%d/%m/%Y} – {self.periode_fin:%d/%m/%Y} — {self.convention}"

    @property
    def est_transmis(self) -> bool:
        return self.transmis_le is not None


# The calendar feeds' addresses, the derived figures and the proxies carrying their triggers (after the models above:
# nothing below imports them).
from reporting.models.agenda import AgendaPersonnel  # noqa: E402
from reporting.models.cumuls import (  # noqa: E402
    ContratJournalier,
    ContratTerritoire,
    CritereAnnuel,
    CumulLot,
    CumulMensuel,
    CumulTerritoire,
    MarcheAnnuel,
    ObjectifLot,
    PersonneAnnuelle,
    PresenceMensuelle,
    SortieJournaliere,
)
from reporting.models.sources import (  # noqa: E402
    AttributionSuivie,
    ClauseInsertionSuivie,
    CriteresDesParticipantsSuivis,
    HeuresMensuellesSuivies,
    LotSuivi,
    MarcheSuivi,
    PersonneAnnuelleSuivie,
    PlacementSuivi,
    SortieSuivie,
)

__all__ = [
    "AgendaPersonnel",
    "AttributionSuivie",
    "BilanAnnuel",
    "BilanAnnuelQuerySet",
    "ClauseInsertionSuivie",
    "ContratJournalier",
    "ContratTerritoire",
    "CritereAnnuel",
    "CriteresDesParticipantsSuivis",
    "CumulLot",
    "CumulMensuel",
    "CumulTerritoire",
    "HeuresMensuellesSuivies",
    "LotSuivi",
    "MarcheAnnuel",
    "MarcheSuivi",
    "ObjectifLot",
    "PersonneAnnuelle",
    "PersonneAnnuelleSuivie",
    "PlacementSuivi",
    "PresenceMensuelle",
    "Rapport",
    "RapportQuerySet",
    "SortieJournaliere",
    "SortieSuivie",
    "StatutRapport",
    "StatutTache",
    "Tache",
    "TypeRapport",
]
