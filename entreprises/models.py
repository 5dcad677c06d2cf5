from django.db import models
from django.db.models import Q

from entreprises.validators import normaliser_siret, valider_naf, valider_siret


class EntrepriseQuerySet(models.QuerySet):
    def recherche(self, terme: str):
        terme = terme.strip()
        if not terme:
            return self
        siret = normaliser_siret(terme)
        if siret.isdigit():
            return self.filter(siret__startswith=siret)
        return self.filter(Q(raison_sociale__icontains=terme) | Q(commune__icontains=terme))


class Entreprise(models.Model):
    """A company: attributaire, co-traitant or sous-traitant of a lot."""

    raison_sociale = models.CharField("raison sociale", max_length=200)
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[valider_siret])
    naf = models.CharField("code NAF", max_length=6, blank=True, validators=[valider_naf])
    adresse = models.CharField("adresse", max_length=250, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    commune = models.CharField("commune", max_length=100, blank=True)
    contact_nom = models.CharField("contact", max_length=200, blank=True)
    contact_email = models.EmailField("e-mail du contact", blank=True)
    contact_telephone = models.CharField("téléphone du contact", max_length=30, blank=True)
    notes = models.TextField("notes", blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = EntrepriseQuerySet.as_manager()

    class Meta:
        verbose_name = "entreprise"
        verbose_name_plural = "entreprises"
        ordering = ["raison_sociale"]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=r"^[0-9]{14}$"), name="entreprise_siret_14_chiffres"),
        ]
        indexes = [models.Index(fields=["raison_sociale"], name="entreprise_raison_idx")]

    def __str__(self) -> str:
        return self.raison_sociale

    def save(self, *args, **kwargs):
        self.siret = normaliser_siret(self.siret)
        super().save(*args, **kwargs)

    @property
    def siren(self) -> str:
        return self.siret[:9]


class TypeOperateur(models.TextChoices):
    # Insertion operators (SIAE and others who employ or provide people).
    ETTI = "etti", "ETTI — entreprise de travail temporaire d'insertion"
    AI = "ai", "AI — association intermédiaire"
    EI = "ei", "EI — entreprise d'insertion"
    ACI = "aci", "ACI — atelier et chantier d'insertion"
    GEIQ = "geiq", "GEIQ — groupement d'employeurs pour l'insertion et la qualification"
    EA = "ea", "EA — entreprise adaptée"
    ESAT = "esat", "ESAT — établissement et service d'accompagnement par le travail"
    ORGANISME_FORMATION = "formation", "Organisme de formation"
    # Prescribers (they orient people; they do not employ them).
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    PLIE = "plie", "PLIE"
    DEPARTEMENT = "departement", "Département (service insertion)"
    AUTRE_PRESCRIPTEUR = "autre_prescripteur", "Autre prescripteur"


TYPES_SIAE = {TypeOperateur.ETTI, TypeOperateur.AI, TypeOperateur.EI, TypeOperateur.ACI}
TYPES_PRESCRIPTEURS = {
    TypeOperateur.FRANCE_TRAVAIL,
    TypeOperateur.MISSION_LOCALE,
    TypeOperateur.CAP_EMPLOI,
    TypeOperateur.PLIE,
    TypeOperateur.DEPARTEMENT,
    TypeOperateur.AUTRE_PRESCRIPTEUR,
}


class OperateurQuerySet(models.QuerySet):
    def prescripteurs(self):
        return self.filter(type__in=TYPES_PRESCRIPTEURS)

    def operateurs_insertion(self):
        return self.exclude(type__in=TYPES_PRESCRIPTEURS)


class Operateur(models.Model):
    """The territory's directory of insertion operators and prescribers."""

    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=30, choices=TypeOperateur.choices)
    siret = models.CharField("SIRET", max_length=14, unique=True, null=True, blank=True, validators=[valider_siret])
    adresse = models.CharField("adresse", max_length=250, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    commune = models.CharField("commune", max_length=100, blank=True)
    contact_nom = models.CharField("contact", max_length=200, blank=True)
    email = models.EmailField("e-mail", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    metiers = models.TextField("métiers et secteurs", blank=True, help_text="Métiers proposés, secteurs couverts.")
    actif = models.BooleanField("actif", default=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = OperateurQuerySet.as_manager()

    class Meta:
        verbose_name = "opérateur ou prescripteur"
        verbose_name_plural = "opérateurs et prescripteurs"
        ordering = ["type", "nom"]
        indexes = [models.Index(fields=["type", "commune"], name="operateur_type_commune_idx")]

    def __str__(self) -> str:
        return f"{self.nom} ({self.get_type_display().split(' — ')[0]})"

    def save(self, *args, **kwargs):
        self.siret = normaliser_siret(self.siret or "") or None
        super().save(*args, **kwargs)

    @property
    def est_prescripteur(self) -> bool:
        return self.type in TYPES_PRESCRIPTEURS
