from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from conventions.models import DonneurDOrdre
from conventions.validation import ErreursHorsFormulaireMixin, verifier_dates_ordonnees
from entreprises.models import Entreprise
from entreprises.validators import valider_siret


class TypeMarche(models.TextChoices):
    TRAVAUX = "travaux", "Travaux"
    SERVICES = "services", "Services"
    FOURNITURES = "fournitures", "Fournitures"


class StatutMarche(models.TextChoices):
    EN_PREPARATION = "en_preparation", "En préparation"
    EN_CONSULTATION = "en_consultation", "En consultation"
    ATTRIBUE = "attribue", "Attribué"
    EN_EXECUTION = "en_execution", "En exécution"
    ACHEVE = "acheve", "Achevé"
    SOLDE = "solde", "Soldé"
    SANS_SUITE = "sans_suite", "Sans suite"


STATUTS_ACTIFS = (StatutMarche.ATTRIBUE, StatutMarche.EN_EXECUTION)
STATUTS_AVANT_ATTRIBUTION = (StatutMarche.EN_PREPARATION, StatutMarche.EN_CONSULTATION)
# A lot's hours are expected only once its marché is awarded: before that there is no one to do them.
STATUTS_AVEC_OBJECTIF = (StatutMarche.ATTRIBUE, StatutMarche.EN_EXECUTION, StatutMarche.ACHEVE, StatutMarche.SOLDE)


class AvisFaisabilite(models.TextChoices):
    A_ETUDIER = "a_etudier", "À étudier"
    FAVORABLE = "favorable", "Favorable"
    RESERVE = "reserve", "Favorable avec réserves"
    DEFAVORABLE = "defavorable", "Défavorable"


class Origine(models.TextChoices):
    FACILITATEUR = "facilitateur", "Saisi par le facilitateur"
    PORTAIL = "portail", "Déclaré par le donneur d'ordre"
    IMPORT = "import", "Importé"
    DECP = "decp", "Données essentielles de la commande publique"


class MarcheQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(donneur_d_ordre=donneur)

    def actifs(self):
        return self.filter(statut__in=STATUTS_ACTIFS)

    def demandes_en_attente(self):
        """Marchés a donneur d'ordre declared on the portal that no facilitator has taken in charge yet."""
        return self.filter(declare_le__isnull=False, pris_en_charge_le__isnull=True)


class Marche(ErreursHorsFormulaireMixin, models.Model):
    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.PROTECT, related_name="marches", verbose_name="donneur d'ordre"
    )
    facilitateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="marches_suivis",
        verbose_name="facilitateur en charge",
        limit_choices_to={"is_facilitateur": True},
    )
    objet = models.CharField("objet", max_length=300)
    reference = models.CharField("référence du donneur d'ordre", max_length=100, blank=True)
    type = models.CharField("type de marché", max_length=15, choices=TypeMarche.choices, default=TypeMarche.TRAVAUX)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutMarche.choices, default=StatutMarche.EN_PREPARATION
    )
    origine = models.CharField("origine", max_length=15, choices=Origine.choices, default=Origine.FACILITATEUR)
    montant_estime_ht = models.DecimalField(
        "montant estimé HT (€)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    maitre_oeuvre = models.CharField("maître d'œuvre", max_length=200, blank=True)
    contact = models.CharField(
        "contact chez le donneur d'ordre", max_length=200, blank=True, help_text="Nom, e-mail, téléphone."
    )
    # Pre-award: the facilitator's advice on feasibility (the convention names cost, duration, technicity).
    avis_faisabilite = models.CharField(
        "avis de faisabilité", max_length=15, choices=AvisFaisabilite.choices, default=AvisFaisabilite.A_ETUDIER
    )
    faisabilite_cout = models.TextField("faisabilité : coût", blank=True)
    faisabilite_duree = models.TextField("faisabilité : durée", blank=True)
    faisabilite_technicite = models.TextField("faisabilité : technicité", blank=True)
    formation_amont = models.BooleanField(
        "formation en amont envisagée",
        default=False,
        help_text="Marché pouvant faire l'objet d'une action de formation avant le recrutement.",
    )
    formation_amont_notes = models.TextField("formation en amont : notes", blank=True)
    # Calendar.
    date_publication = models.DateField("publication de la consultation", null=True, blank=True)
    date_remise_offres = models.DateField("remise des offres", null=True, blank=True)
    date_attribution = models.DateField("attribution", null=True, blank=True)
    date_debut_prevue = models.DateField("début d'exécution prévu", null=True, blank=True)
    date_fin_prevue = models.DateField("fin d'exécution prévue", null=True, blank=True)
    notes = models.TextField("notes", blank=True)
    # Declared by a référent on the portal: a request for the facilitator's support before the tender.
    declare_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="marches_declares",
        verbose_name="déclaré par",
    )
    declare_le = models.DateTimeField("déclaré le", null=True, blank=True)
    # The key of the declaration form that created it: the same form sent twice (a double click, a retry after an
    # error page) finds this marché instead of creating another.
    cle_declaration = models.UUIDField(
        "clé du formulaire de déclaration", null=True, blank=True, unique=True, editable=False
    )
    message_donneur = models.TextField("message du donneur d'ordre", blank=True)
    pris_en_charge_le = models.DateTimeField("pris en charge le", null=True, blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = MarcheQuerySet.as_manager()

    class Meta:
        verbose_name = "marché"
        verbose_name_plural = "marchés"
        ordering = ["-cree_le"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant_estime_ht__isnull=True) | Q(montant_estime_ht__gte=0),
                name="marche_montant_positif",
            ),
            models.CheckConstraint(
                condition=Q(date_debut_prevue__isnull=True)
                | Q(date_fin_prevue__isnull=True)
                | Q(date_fin_prevue__gte=F("date_debut_prevue")),
                name="marche_dates_ordonnees",
            ),
            models.CheckConstraint(
                condition=Q(date_publication__isnull=True)
                | Q(date_remise_offres__isnull=True)
                | Q(date_remise_offres__gte=F("date_publication")),
                name="marche_remise_apres_publication",
            ),
        ]
        indexes = [
            models.Index(fields=["donneur_d_ordre", "statut"], name="marche_donneur_statut_idx"),
            models.Index(fields=["statut", "facilitateur"], name="marche_statut_facil_idx"),
            # The list's default order, and a donneur d'ordre's latest marchés.
            models.Index(fields=["-cree_le", "id"], name="marche_cree_id_idx"),
            models.Index(fields=["donneur_d_ordre", "-cree_le", "-id"], name="marche_donneur_recent_idx"),
            # The home page's "requests" alert reads only the few declarations still waiting.
            models.Index(
                fields=["declare_le"],
                condition=Q(declare_le__isnull=False, pris_en_charge_le__isnull=True),
                name="marche_demande_attente_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.objet

    def clean(self):
        verifier_dates_ordonnees(
            self,
            (
                ("date_debut_prevue", "date_fin_prevue", "La fin d'exécution prévue ne peut pas précéder le début."),
                (
                    "date_publication",
                    "date_remise_offres",
                    "La remise des offres ne peut pas précéder la publication.",
                ),
            ),
        )


class LotQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(marche__donneur_d_ordre=donneur)


class Lot(ErreursHorsFormulaireMixin, models.Model):
    marche = models.ForeignKey(Marche, on_delete=models.CASCADE, related_name="lots", verbose_name="marché")
    numero = models.CharField("numéro", max_length=10, help_text="Ex. : 1, 2, 3a. « Unique » s'il n'y a pas de lots.")
    intitule = models.CharField("intitulé", max_length=250)
    montant_ht = models.DecimalField(
        "montant HT (€)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Montant estimé avant attribution, montant du marché ensuite.",
    )
    date_debut = models.DateField("début d'exécution", null=True, blank=True)
    date_fin = models.DateField("fin d'exécution", null=True, blank=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        verbose_name = "lot"
        verbose_name_plural = "lots"
        ordering = ["marche", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["marche", "numero"], name="lot_numero_unique"),
            models.CheckConstraint(
                condition=Q(montant_ht__isnull=True) | Q(montant_ht__gte=0), name="lot_montant_positif"
            ),
            models.CheckConstraint(
                condition=Q(date_debut__isnull=True) | Q(date_fin__isnull=True) | Q(date_fin__gte=F("date_debut")),
                name="lot_dates_ordonnees",
            ),
        ]
        # A donneur d'ordre's figures walk marché → lots → attributions on the indexes alone.
        indexes = [models.Index(fields=["marche"], include=["id"], name="lot_marche_incl_idx")]

    def __str__(self) -> str:
        return f"Lot {self.numero} — {self.intitule}"

    def clean(self):
        verifier_dates_ordonnees(
            self, (("date_debut", "date_fin", "La fin d'exécution ne peut pas précéder le début."),)
        )


class RoleAttributaire(models.TextChoices):
    TITULAIRE = "titulaire", "Titulaire"
    MANDATAIRE = "mandataire", "Mandataire"
    CO_TRAITANT = "co_traitant", "Co-traitant"
    SOUS_TRAITANT = "sous_traitant", "Sous-traitant"


class AttributionQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(lot__marche__donneur_d_ordre=donneur)


class Attribution(ErreursHorsFormulaireMixin, models.Model):
    """A company's part in a lot, with its share of the lot's hour target."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="attributions", verbose_name="lot")
    entreprise = models.ForeignKey(
        Entreprise, on_delete=models.PROTECT, related_name="attributions", verbose_name="entreprise"
    )
    role = models.CharField(
        "rôle", max_length=15, choices=RoleAttributaire.choices, default=RoleAttributaire.TITULAIRE
    )
    montant_ht = models.DecimalField(
        "montant HT (€)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    heures_objectif = models.PositiveIntegerField(
        "objectif d'heures attribué", null=True, blank=True, help_text="Part de l'objectif du lot."
    )
    date_notification = models.DateField("notification", null=True, blank=True)
    date_debut = models.DateField("début prévu", null=True, blank=True)
    date_fin = models.DateField("fin prévue", null=True, blank=True)
    contact_nom = models.CharField("nom du contact", max_length=200, blank=True)
    contact_email = models.EmailField("e-mail du contact", blank=True)
    contact_telephone = models.CharField("téléphone du contact", max_length=30, blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = AttributionQuerySet.as_manager()

    class Meta:
        verbose_name = "attribution"
        verbose_name_plural = "attributions"
        ordering = ["lot", "role", "entreprise__raison_sociale"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "entreprise"], name="attribution_unique_par_lot"),
            models.CheckConstraint(
                condition=Q(montant_ht__isnull=True) | Q(montant_ht__gte=0), name="attribution_montant_positif"
            ),
            models.CheckConstraint(
                condition=Q(date_debut__isnull=True) | Q(date_fin__isnull=True) | Q(date_fin__gte=F("date_debut")),
                name="attribution_dates_ordonnees",
            ),
        ]
        indexes = [
            models.Index(fields=["entreprise", "lot"], name="attribution_entreprise_idx"),
            models.Index(fields=["lot"], include=["id"], name="attribution_lot_incl_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entreprise} ({self.get_role_display().lower()}) — {self.lot}"

    def clean(self):
        verifier_dates_ordonnees(
            self, (("date_debut", "date_fin", "La fin prévue ne peut pas précéder le début prévu."),)
        )


# --- What a référent proposes: attributaires and provisional calendar ------------------------------


class StatutProposition(models.TextChoices):
    PROPOSEE = "proposee", "Proposée"
    ACCEPTEE = "acceptee", "Acceptée"
    REFUSEE = "refusee", "Refusée"


class PropositionAttributionQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(marche__donneur_d_ordre=donneur)

    def en_attente(self):
        return self.filter(statut=StatutProposition.PROPOSEE)


class PropositionAttribution(ErreursHorsFormulaireMixin, models.Model):
    """An attributaire of a lot and its provisional calendar, as a référent sent it.

    It is a proposal, never validated data: the facilitator accepts it (which creates or updates the
    Attribution), corrects then accepts it, or refuses it with a reason. Until then no Attribution changes.
    The row keeps what the référent sent, even after a correction: the Attribution holds what was validated.
    """

    marche = models.ForeignKey(Marche, on_delete=models.CASCADE, related_name="propositions", verbose_name="marché")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="propositions", verbose_name="lot")
    siret = models.CharField("SIRET de l'entreprise", max_length=14, validators=[valider_siret])
    raison_sociale = models.CharField("raison sociale", max_length=200)
    contact_nom = models.CharField("nom du contact", max_length=200)
    contact_email = models.EmailField("e-mail du contact", blank=True)
    contact_telephone = models.CharField("téléphone du contact", max_length=30, blank=True)
    date_debut = models.DateField("début prévu")
    date_fin = models.DateField("fin prévue")
    statut = models.CharField(
        "statut", max_length=10, choices=StatutProposition.choices, default=StatutProposition.PROPOSEE
    )
    envoye_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="propositions_envoyees",
        verbose_name="envoyée par",
    )
    envoye_le = models.DateTimeField("envoyée le", default=timezone.now)
    traite_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="propositions_traitees",
        verbose_name="traitée par",
    )
    traite_le = models.DateTimeField("traitée le", null=True, blank=True)
    corrigee = models.BooleanField("corrigée par le facilitateur", default=False)
    motif = models.TextField("motif", blank=True, help_text="Raison du refus ou de la correction.")
    attribution = models.ForeignKey(
        Attribution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="propositions",
        verbose_name="attribution",
    )

    objects = PropositionAttributionQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition d'attributaire"
        verbose_name_plural = "propositions d'attributaires"
        ordering = ["-envoye_le", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=r"^[0-9]{14}$"), name="proposition_siret_14_chiffres"),
            models.CheckConstraint(condition=Q(date_fin__gte=F("date_debut")), name="proposition_dates_ordonnees"),
            # A decision is dated; a refusal says why.
            models.CheckConstraint(
                condition=Q(statut=StatutProposition.PROPOSEE) | Q(traite_le__isnull=False),
                name="proposition_traitee_datee",
            ),
            models.CheckConstraint(
                condition=~Q(statut=StatutProposition.REFUSEE) | ~Q(motif=""),
                name="proposition_refus_motive",
            ),
        ]
        indexes = [models.Index(fields=["marche", "statut"], name="proposition_marche_statut_idx")]

    def __str__(self) -> str:
        return f"{self.raison_sociale} — {self.lot}"

    def clean(self):
        if self.lot_id and self.marche_id and self.lot.marche_id != self.marche_id:
            raise ValidationError({"lot": "Ce lot n'appartient pas à ce marché."})
        verifier_dates_ordonnees(
            self, (("date_debut", "date_fin", "La fin prévue ne peut pas précéder le début prévu."),)
        )


# --- The open data of public contracts (DECP) -------------------------------------------------------------


class ConsiderationSociale(models.TextChoices):
    """The values of ``considerationsSociales`` in the national DECP schema (2024 format), as published."""

    CLAUSE_SOCIALE = "Clause sociale", "Clause sociale"
    CRITERE_SOCIAL = "Critère social", "Critère social"
    MARCHE_RESERVE = "Marché réservé", "Marché réservé"
    AUCUNE = "Pas de considération sociale", "Pas de considération sociale"


CONSIDERATIONS_POSITIVES = (
    ConsiderationSociale.CLAUSE_SOCIALE,
    ConsiderationSociale.CRITERE_SOCIAL,
    ConsiderationSociale.MARCHE_RESERVE,
)


class MarcheDECPQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(donneur_d_ordre=donneur)

    def avec_consideration_sociale(self):
        return self.filter(considerations_sociales__overlap=list(CONSIDERATIONS_POSITIVES))

    def sans_consideration_sociale(self):
        """Published with « Pas de considération sociale » and nothing else (a record with no value at all,
        as the 2019 format has, says nothing either way and is left out)."""
        return self.filter(considerations_sociales=[ConsiderationSociale.AUCUNE])

    def non_suivis(self):
        """Not followed in Clauses yet: no Marche was created from them."""
        return self.filter(marche__isnull=True)


class MarcheDECP(models.Model):
    """A marché as its buyer published it in the données essentielles de la commande publique (DECP).

    Only the marchés of the territory's donneurs d'ordre are kept (matched by the buyer's SIRET when the file is
    read, ``marches.decp.importation``); a row is identified by the buyer's SIRET and the DECP ``id``, which is
    unique only per buyer. The titulaires stay as published (``[{"id", "type_identifiant", "denomination"}]``) and
    are matched to ``Entreprise`` by SIRET when read, so that a company added later is found.
    """

    identifiant = models.CharField("identifiant DECP", max_length=100)
    acheteur_siret = models.CharField("SIRET de l'acheteur", max_length=14)
    acheteur_nom = models.CharField("nom de l'acheteur", max_length=300, blank=True)
    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.CASCADE, related_name="marches_decp", verbose_name="donneur d'ordre"
    )
    objet = models.TextField("objet")
    nature = models.CharField("nature", max_length=100)
    procedure = models.CharField("procédure", max_length=150, blank=True)
    code_cpv = models.CharField("code CPV", max_length=10)
    # Derived from the CPV code's division (45: travaux), for the European thresholds.
    type = models.CharField("type de marché", max_length=15, choices=TypeMarche.choices)
    montant = models.DecimalField("montant HT (€)", max_digits=16, decimal_places=2)
    date_notification = models.DateField("notification")
    duree_mois = models.PositiveIntegerField("durée (mois)", null=True, blank=True)
    lieu_code = models.CharField("lieu d'exécution : code", max_length=20, blank=True)
    lieu_type_code = models.CharField("lieu d'exécution : type de code", max_length=30, blank=True)
    considerations_sociales = ArrayField(
        models.CharField(max_length=40, choices=ConsiderationSociale.choices),
        verbose_name="considérations sociales",
        default=list,
        blank=True,
    )
    titulaires = models.JSONField("titulaires", default=list, blank=True)
    # The marché Clauses follows for this record, once a facilitator created it from here.
    marche = models.OneToOneField(
        Marche,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decp",
        verbose_name="marché suivi dans Clauses",
    )
    importe_le = models.DateTimeField("importé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = MarcheDECPQuerySet.as_manager()

    class Meta:
        verbose_name = "marché des données essentielles (DECP)"
        verbose_name_plural = "marchés des données essentielles (DECP)"
        ordering = ["-date_notification", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["acheteur_siret", "identifiant"], name="decp_identifiant_par_acheteur"),
            models.CheckConstraint(condition=Q(montant__gte=0), name="decp_montant_positif"),
        ]
        indexes = [
            models.Index(fields=["donneur_d_ordre", "-date_notification"], name="decp_donneur_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.identifiant} — {self.objet[:80]}"

    @property
    def sirets_titulaires(self) -> list[str]:
        return [t["id"] for t in self.titulaires if t.get("type_identifiant") == "SIRET"]


class SourceImportDECP(models.TextChoices):
    TELEVERSEMENT = "televersement", "Fichier envoyé par un facilitateur"
    PROGRAMME = "programme", "Téléchargement programmé"


class ImportDECP(models.Model):
    """One reading of a DECP file, kept whatever its outcome: what the page of the DECP shows as its history."""

    source = models.CharField("source", max_length=15, choices=SourceImportDECP.choices)
    nom = models.CharField("fichier ou adresse", max_length=500)
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports_decp",
        verbose_name="par",
    )
    cree_le = models.DateTimeField("le", auto_now_add=True)
    reussi = models.BooleanField("enregistré", default=False)
    resume = models.TextField("résumé")

    class Meta:
        verbose_name = "import des données essentielles"
        verbose_name_plural = "imports des données essentielles"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.cree_le:%d/%m/%Y})"
