"""What the shared machinery keeps: the XLSX exports too long to be written while the browser waits, and the
e-mails a request asks for, sent by the worker."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from config.fichiers import FichierProtege


class StatutExport(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En préparation"
    PRET = "pret", "Prêt"
    ECHEC = "echec", "Échec"


class ExportListe(models.Model):
    """A list's XLSX export prepared by the worker (config.exports_longs), for the facilitator who asked."""

    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports", verbose_name="demandé par"
    )
    vue = models.CharField("liste", max_length=200, help_text="Chemin de la vue de la liste.")
    parametres = models.TextField("filtres et tri", blank=True, help_text="Paramètres de la liste, comme dans l'URL.")
    titre = models.CharField("titre", max_length=200)
    nom_fichier = models.CharField("nom du fichier", max_length=200)
    lignes_prevues = models.PositiveIntegerField("lignes prévues")
    lignes = models.PositiveIntegerField("lignes écrites", null=True, blank=True)
    statut = models.CharField("statut", max_length=12, choices=StatutExport.choices, default=StatutExport.EN_ATTENTE)
    fichier = FichierProtege("fichier", vue="export_fichier", upload_to="exports/%Y/", blank=True, max_length=255)
    message_erreur = models.TextField("message d'erreur", blank=True)
    jeton = models.CharField(max_length=32, blank=True, editable=False)
    pris_le = models.DateTimeField("pris en charge le", null=True, blank=True)
    mis_en_file_le = models.DateTimeField("mis en file le", null=True, blank=True, editable=False)
    cree_le = models.DateTimeField("demandé le", auto_now_add=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    # The participants the workbook names (a list of participants or placements), written with it: the export is
    # deleted when one of them is anonymised (clauses.protection.anonymisation), as their documents are.
    personnes = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = "export de liste"
        verbose_name_plural = "exports de listes"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["demande_par", "-cree_le"], name="export_demandeur_idx")]

    def __str__(self) -> str:
        return f"{self.titre} ({self.cree_le:%d/%m/%Y %H:%M})"


class StatutCourriel(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours d'envoi"
    ENVOYE = "envoye", "Envoyé"
    ECHEC = "echec", "Échec"


class Courriel(models.Model):
    """An e-mail a request asked for (an invitation, a password reset, a facilitator's notification), sent by the
    worker (config.courriels): a row before it leaves, so that a mail server down loses nothing, nor makes the
    request fail, and a message delivered twice sends nothing twice."""

    origine = models.CharField("origine", max_length=60, help_text="Ce qui a demandé l'envoi.")
    sujet = models.CharField("sujet", max_length=255)
    expediteur = models.CharField("expéditeur", max_length=255)
    destinataires = models.TextField("destinataires", help_text="Une adresse par ligne.")
    copie = models.TextField("copie", blank=True, help_text="Une adresse par ligne.")
    # Emptied once sent: a body may hold a one-time link (invitation, password reset) that must not outlive it.
    corps_texte = models.TextField("texte", blank=True)
    corps_html = models.TextField("HTML", blank=True)
    statut = models.CharField(
        "statut", max_length=12, choices=StatutCourriel.choices, default=StatutCourriel.EN_ATTENTE
    )
    message_erreur = models.TextField("message d'erreur", blank=True)
    jeton = models.CharField(max_length=32, blank=True, editable=False)
    pris_le = models.DateTimeField("pris en charge le", null=True, blank=True, editable=False)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0, editable=False)
    mis_en_file_le = models.DateTimeField("mis en file le", null=True, blank=True, editable=False)
    envoi_commence_le = models.DateTimeField("envoi commencé le", null=True, blank=True, editable=False)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    cree_le = models.DateTimeField("demandé le", auto_now_add=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel"
        verbose_name_plural = "courriels"
        ordering = ["-cree_le", "-pk"]
        indexes = [
            models.Index(
                fields=["cree_le"],
                condition=models.Q(statut__in=["en_attente", "en_cours"]),
                name="courriel_a_envoyer_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sujet} ({self.cree_le:%d/%m/%Y %H:%M})"
