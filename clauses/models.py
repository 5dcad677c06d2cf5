import datetime as dt
import re
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Case, F, Q, Value, When
from django.db.models.expressions import DatabaseDefault

from clauses.minimisation import NOTES, TEXTE_LIBRE
from clauses.protection.modeles import CauseAnonymisation, ProlongationConservation  # noqa: E402, F401
from conventions.validation import ErreursHorsFormulaireMixin, verifier_dates_ordonnees
from entreprises.models import Operateur, TypeOperateur
from marches.models import Attribution, Lot

POURCENTAGE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]

# A full-time person cannot work more than this in a month (48 h a week at most, over 31 days ≈ 212 h).
HEURES_MAX_PAR_MOIS = Decimal("220")
# What the database refuses outright: more hours than the month has.
HEURES_MAX_ABSOLU = Decimal("744")


# --- Reference tables (loaded by migrations, editable in the admin) --------------------------------


class ModaliteJuridique(models.Model):
    code = models.SlugField("code", max_length=40, unique=True)
    libelle = models.CharField("libellé", max_length=200)
    article = models.CharField("article du Code de la commande publique", max_length=60)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "modalité juridique"
        verbose_name_plural = "modalités juridiques"
        ordering = ["ordre", "libelle"]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.article})"


def designe_la_residence_qpv(texte: str) -> bool:
    """Whether a criterion's code or label names residence in a quartier prioritaire (« qpv », « Habitant d'un
    quartier prioritaire », « … de la politique de la ville »), whatever its case, accents and punctuation."""
    simple = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii").lower()
    simple = " ".join(re.sub(r"[^a-z0-9]+", " ", simple).split())
    return bool(re.search(r"\bqpv\b|\bquartiers? prioritaires?\b|\bpolitique de la ville\b", simple))


CRITERE_QPV_REFUSE = (
    "La résidence en quartier prioritaire (QPV) n'est pas un critère d'éligibilité dans Clauses : elle se renseigne "
    "sur le participant et, pour chaque placement, au jour de l'embauche, et les tableaux la comptent une seule fois. "
    "Un critère de plus la compterait une seconde fois, avec un autre chiffre."
)


class CritereEligibilite(models.Model):
    code = models.SlugField("code", max_length=40, unique=True)
    libelle = models.CharField("libellé", max_length=200)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "critère d'éligibilité"
        verbose_name_plural = "critères d'éligibilité"
        ordering = ["ordre", "libelle"]

    def __str__(self) -> str:
        return self.libelle

    def clean(self):
        # The eligible public « habitant d'un QPV » is the one notion of residence (Placement.reside_qpv, clauses
        # migration 0009): a criterion for it would print a second QPV figure next to the residence's.
        for champ in ("code", "libelle"):
            if designe_la_residence_qpv(getattr(self, champ) or ""):
                raise ValidationError({champ: CRITERE_QPV_REFUSE})


class CorpsDEtat(models.Model):
    """Labour share by trade, used by the hour calculator."""

    libelle = models.CharField("corps d'état ou prestation", max_length=200, unique=True)
    part_main_oeuvre = models.DecimalField(
        "part de main-d'œuvre (%)", max_digits=5, decimal_places=2, validators=POURCENTAGE
    )
    actif = models.BooleanField("proposé dans le calculateur", default=True)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "corps d'état (part de main-d'œuvre)"
        verbose_name_plural = "corps d'état (parts de main-d'œuvre)"
        ordering = ["ordre", "libelle"]
        constraints = [
            models.CheckConstraint(
                condition=Q(part_main_oeuvre__gte=0) & Q(part_main_oeuvre__lte=100), name="corps_part_pourcentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.part_main_oeuvre.normalize():f} %)"


# --- The clause of a lot ---------------------------------------------------------------------------


class ClauseInsertionQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(lot__marche__donneur_d_ordre=donneur)

    def with_heures_objectif(self):
        from django.db.models.functions import Coalesce

        return self.annotate(objectif=Coalesce("heures_forcees", "heures_calculees", Value(0)))


class ClauseInsertion(models.Model):
    lot = models.OneToOneField(Lot, on_delete=models.CASCADE, related_name="clause", verbose_name="lot")
    modalites = models.ManyToManyField(
        ModaliteJuridique, related_name="clauses", verbose_name="modalités juridiques", blank=True
    )
    corps_d_etat = models.ForeignKey(
        CorpsDEtat, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="corps d'état"
    )
    montant_ht = models.DecimalField(
        "montant HT retenu (€)", max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    part_main_oeuvre = models.DecimalField(
        "part de main-d'œuvre (%)", max_digits=5, decimal_places=2, validators=POURCENTAGE
    )
    taux_insertion = models.DecimalField(
        "taux d'insertion (%)", max_digits=5, decimal_places=2, validators=POURCENTAGE
    )
    cout_horaire = models.DecimalField(
        "coût horaire (€/h)",
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Coût horaire chargé retenu, souvent entre 25 et 35 €.",
    )
    # Set by clauses.services.calculer_objectif from the four inputs above.
    heures_calculees = models.PositiveIntegerField("heures calculées", editable=False, default=0)
    heures_forcees = models.PositiveIntegerField(
        "objectif forcé (heures)", null=True, blank=True, help_text="Laisser vide pour retenir le calcul."
    )
    motif_forcage = models.TextField("motif du forçage", blank=True)
    part_qpv_minimum = models.DecimalField(
        "part minimale d'heures pour des habitants de QPV (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=POURCENTAGE,
        help_text="Opérations financées par l'ANRU : au moins 5 %.",
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = ClauseInsertionQuerySet.as_manager()

    class Meta:
        verbose_name = "clause d'insertion"
        verbose_name_plural = "clauses d'insertion"
        constraints = [
            models.CheckConstraint(condition=Q(montant_ht__gte=0), name="clause_montant_positif"),
            models.CheckConstraint(
                condition=Q(part_main_oeuvre__gte=0) & Q(part_main_oeuvre__lte=100), name="clause_part_pourcentage"
            ),
            models.CheckConstraint(
                condition=Q(taux_insertion__gte=0) & Q(taux_insertion__lte=100), name="clause_taux_pourcentage"
            ),
            models.CheckConstraint(condition=Q(cout_horaire__gt=0), name="clause_cout_horaire_positif"),
        ]

    def __str__(self) -> str:
        return f"Clause — {self.lot}"

    @property
    def heures_objectif(self) -> int:
        return self.heures_forcees if self.heures_forcees is not None else self.heures_calculees

    @property
    def est_forcee(self) -> bool:
        return self.heures_forcees is not None


# --- Participants ----------------------------------------------------------------------------------


class Genre(models.TextChoices):
    FEMME = "femme", "Femme"
    HOMME = "homme", "Homme"


class NiveauQualification(models.TextChoices):
    # National nomenclature of diploma levels (décret du 8 janvier 2019).
    INFRA_3 = "infra_3", "Sans diplôme ou infra niveau 3"
    NIVEAU_3 = "3", "Niveau 3 (CAP, BEP)"
    NIVEAU_4 = "4", "Niveau 4 (baccalauréat)"
    NIVEAU_5 = "5", "Niveau 5 (bac + 2)"
    NIVEAU_6_PLUS = "6_plus", "Niveau 6 et plus (bac + 3 et au-delà)"


class ModeRemiseNotice(models.TextChoices):
    MAIN_PROPRE = "main_propre", "Remise en main propre"
    COURRIER = "courrier", "Envoyée par courrier"
    COURRIEL = "courriel", "Envoyée par courriel"


# The numbers of the participants' references (migration 0007): a sequence hands each number out once, so two
# creations at once (a form and an import) never compute the same « largest reference plus one ».
SEQUENCE_DES_REFERENCES = "clauses_participant_reference_seq"


# The age bands of the figures (reporting.indicateurs.personnes), which the anonymisation keeps everyone in.
LIMITES_D_AGE = (26, 50)


class ParticipantQuerySet(models.QuerySet):
    def identifiables(self):
        """People not anonymised: those a form, an import or a duplicate check may still match."""
        return self.filter(anonymise_le__isnull=True)

    def recherche(self, terme: str):
        terme = terme.strip()
        if not terme:
            return self
        return self.filter(Q(nom__icontains=terme) | Q(prenom__icontains=terme) | Q(reference__iexact=terme))


class ParticipantManager(models.Manager.from_queryset(ParticipantQuerySet)):
    def nouvelles_references(self, nombre: int) -> list[str]:
        """``nombre`` references never handed out before, in increasing order: P-000001, P-000002…

        A number taken by a transaction that rolls back is not handed out again: references may have gaps.
        """
        if nombre < 1:
            return []
        with connections[self.db].cursor() as curseur:
            curseur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE_DES_REFERENCES, nombre])
            numeros = sorted(numero for (numero,) in curseur.fetchall())
        return [f"P-{numero:06d}" for numero in numeros]


class Participant(models.Model):
    """A person hired under a clause. Identity under professional secrecy: facilitators only."""

    reference = models.CharField("référence", max_length=20, unique=True, editable=False)
    nom = models.CharField("nom", max_length=150, validators=TEXTE_LIBRE)
    prenom = models.CharField("prénom", max_length=150, validators=TEXTE_LIBRE)
    date_naissance = models.DateField("date de naissance")
    genre = models.CharField("genre", max_length=10, choices=Genre.choices)
    commune = models.CharField("commune de résidence", max_length=100, blank=True, validators=TEXTE_LIBRE)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    # Where the person lives now (the file): each new placement copies it as its residence at hiring
    # (``Placement.reside_qpv``), which is what every figure counts.
    reside_qpv = models.BooleanField("réside en QPV", default=False)
    qpv = models.CharField("quartier prioritaire", max_length=150, blank=True, validators=TEXTE_LIBRE)
    niveau_qualification = models.CharField(
        "niveau de qualification", max_length=10, choices=NiveauQualification.choices
    )
    criteres = models.ManyToManyField(
        CritereEligibilite, related_name="participants", verbose_name="critères d'éligibilité"
    )
    prescripteur = models.ForeignKey(
        Operateur,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participants_orientes",
        verbose_name="prescripteur",
    )
    identifiant_france_travail = models.CharField(
        "identifiant France Travail", max_length=20, blank=True, validators=TEXTE_LIBRE
    )
    telephone = models.CharField("téléphone", max_length=30, blank=True, validators=TEXTE_LIBRE)
    email = models.EmailField("e-mail", blank=True, validators=TEXTE_LIBRE)
    date_orientation = models.DateField("date d'orientation", null=True, blank=True)
    notes = models.TextField("notes", blank=True, validators=NOTES)
    # The information notice (GDPR art. 13): when and how it was given; a participant without it is flagged on their
    # page, in the list (filter « Notice ») and on the home page.
    notice_remise_le = models.DateField("notice d'information remise le", null=True, blank=True)
    notice_mode_remise = models.CharField(
        "mode de remise de la notice", max_length=12, choices=ModeRemiseNotice.choices, blank=True
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)
    # Set by clauses.protection.anonymisation, never by a form.
    anonymise_le = models.DateTimeField("anonymisé le", null=True, blank=True, editable=False)
    cause_anonymisation = models.CharField(
        "cause de l'anonymisation", max_length=20, choices=CauseAnonymisation.choices, blank=True, editable=False
    )
    motif_anonymisation = models.TextField("motif de l'anonymisation", blank=True, editable=False, validators=NOTES)
    anonymise_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="anonymisé par",
    )

    objects = ParticipantManager()

    class Meta:
        verbose_name = "participant"
        verbose_name_plural = "participants"
        ordering = ["nom", "prenom"]
        indexes = [
            models.Index(fields=["nom", "prenom", "date_naissance"], name="participant_identite_idx"),
            # The list's default order, read a page at a time.
            models.Index(fields=["nom", "id"], name="participant_nom_id_idx"),
            # The participants not given the notice yet (the home page's count, the list's filter): a small index
            # that shrinks as notices are given.
            models.Index(
                fields=["id"], condition=Q(notice_remise_le__isnull=True), name="participant_sans_notice_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_remise_le__isnull=True, notice_mode_remise="")
                | (Q(notice_remise_le__isnull=False) & ~Q(notice_mode_remise="")),
                name="participant_notice_date_et_mode",
                violation_error_message="La remise de la notice se renseigne avec sa date et son mode.",
            ),
        ]

    def __str__(self) -> str:
        # Read only when loaded: a list that defers it (``only("participant__nom", …)``) would pay a query per row.
        # An anonymised file's name reads « Anonymisé » anyway.
        if self.__dict__.get("anonymise_le") is not None:
            return f"Personne anonymisée {self.reference}"
        return f"{self.prenom} {self.nom}".strip()

    def save(self, *args, **kwargs):
        # The form, the admin and the factories number a new participant here; imports and the demo, which write
        # in bulk, ask nouvelles_references for theirs.
        if not self.reference:
            [self.reference] = Participant.objects.nouvelles_references(1)
        super().save(*args, **kwargs)

    @property
    def est_anonymise(self) -> bool:
        return self.anonymise_le is not None

    def age(self, jour: dt.date) -> int:
        d = self.date_naissance
        return jour.year - d.year - ((jour.month, jour.day) < (d.month, d.day))


# --- Placements and hours --------------------------------------------------------------------------


class ModalitePlacement(models.TextChoices):
    EMBAUCHE_DIRECTE = "embauche_directe", "Embauche directe par l'attributaire"
    MAD_ETTI = "mad_etti", "Mise à disposition par une ETTI"
    MAD_AI = "mad_ai", "Mise à disposition par une AI"
    MAD_GEIQ = "mad_geiq", "Mise à disposition par un GEIQ"
    SOUS_TRAITANCE_SIAE = "sous_traitance_siae", "Sous-traitance ou co-traitance avec une EI ou un ACI"
    FORMATION = "formation", "Heures de formation"


# Which kind of operator each modality goes through (none for direct hiring).
OPERATEUR_PAR_MODALITE = {
    ModalitePlacement.MAD_ETTI: {TypeOperateur.ETTI},
    ModalitePlacement.MAD_AI: {TypeOperateur.AI},
    ModalitePlacement.MAD_GEIQ: {TypeOperateur.GEIQ},
    ModalitePlacement.SOUS_TRAITANCE_SIAE: {TypeOperateur.EI, TypeOperateur.ACI},
    ModalitePlacement.FORMATION: {TypeOperateur.ORGANISME_FORMATION},
}


class TypeContrat(models.TextChoices):
    CDI = "cdi", "CDI"
    CDI_CHANTIER = "cdi_chantier", "CDI de chantier ou d'opération"
    CDD = "cdd", "CDD"
    APPRENTISSAGE = "apprentissage", "Contrat d'apprentissage"
    PROFESSIONNALISATION = "professionnalisation", "Contrat de professionnalisation"
    INTERIM = "interim", "Mission d'intérim (CTTI)"
    CDDI = "cddi", "CDDI (contrat à durée déterminée d'insertion)"
    MAD_AI = "mad_ai", "Mise à disposition (AI)"
    FORMATION = "formation", "Formation"
    AUTRE = "autre", "Autre"


class PlacementQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(attribution__lot__marche__donneur_d_ordre=donneur)

    def en_cours(self, jour: dt.date):
        return self.filter(date_debut__lte=jour).filter(Q(date_fin__isnull=True) | Q(date_fin__gte=jour))


class Placement(ErreursHorsFormulaireMixin, models.Model):
    """A participant working for an attributaire under the clause: a contract, a provision or training."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="placements", verbose_name="participant"
    )
    attribution = models.ForeignKey(
        Attribution, on_delete=models.PROTECT, related_name="placements", verbose_name="attributaire"
    )
    modalite = models.CharField("modalité", max_length=25, choices=ModalitePlacement.choices)
    operateur = models.ForeignKey(
        Operateur,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name="opérateur",
    )
    type_contrat = models.CharField("type de contrat", max_length=25, choices=TypeContrat.choices)
    poste = models.CharField("poste occupé", max_length=150, blank=True, validators=TEXTE_LIBRE)
    date_debut = models.DateField("début")
    date_fin_prevue = models.DateField("fin prévue", null=True, blank=True)
    date_fin = models.DateField("fin effective", null=True, blank=True)
    duree_hebdomadaire = models.DecimalField(
        "durée hebdomadaire (h)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("48"))],
    )
    # The one notion of residence in a quartier prioritaire that Clauses counts (people, QPV hours, the ANRU
    # minimum): where the person lived when hired, so that a move since changes neither the hours nor the counts
    # already published. Unset until saved: a new placement takes the participant's file as it is then (save());
    # rows written in bulk without it get the column's default, False.
    reside_qpv = models.BooleanField(
        "résidait en QPV à l'embauche",
        db_default=False,
        help_text=(
            "Repris du dossier du participant à la création du placement ; à corriger si la personne "
            "résidait ailleurs le jour de l'embauche."
        ),
    )
    notes = models.TextField("notes", blank=True, validators=NOTES)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = "placement"
        verbose_name_plural = "placements"
        ordering = ["-date_debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=F("date_debut")),
                name="placement_dates_ordonnees",
            ),
            models.CheckConstraint(
                condition=Q(date_fin_prevue__isnull=True) | Q(date_fin_prevue__gte=F("date_debut")),
                name="placement_fin_prevue_apres_debut",
            ),
        ]
        indexes = [
            models.Index(
                fields=["attribution", "date_debut"],
                include=["id", "participant", "type_contrat"],
                name="placement_attribution_idx",
            ),
            models.Index(fields=["participant", "date_debut"], name="placement_participant_idx"),
            # The alerts read placements under way by their end date, and only these columns.
            models.Index(
                fields=["date_fin"], include=["date_debut", "attribution", "id"], name="placement_date_fin_idx"
            ),
            # The list's default order, and the contracts started in a period by type (index only).
            models.Index(fields=["-date_debut", "id"], include=["type_contrat"], name="placement_debut_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.attribution.entreprise} ({self.get_modalite_display()})"

    def save(self, *args, **kwargs):
        self._residence_a_l_embauche()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self._residence_a_l_embauche()
        super().clean_fields(exclude)

    def _residence_a_l_embauche(self) -> None:
        # What held at hiring: the participant's file on the day the placement is recorded, unless given.
        if self.reside_qpv is None or isinstance(self.reside_qpv, DatabaseDefault):
            self.reside_qpv = bool(self.participant.reside_qpv) if self.participant_id else False

    def clean(self):
        verifier_dates_ordonnees(
            self,
            (
                ("date_debut", "date_fin", "La fin effective ne peut pas précéder le début."),
                ("date_debut", "date_fin_prevue", "La fin prévue ne peut pas précéder le début."),
            ),
        )
        types_attendus = OPERATEUR_PAR_MODALITE.get(self.modalite)
        operateur = self.operateur if self.operateur_id else None
        if operateur is not None and types_attendus is not None and operateur.type not in types_attendus:
            attendus = ", ".join(TypeOperateur(t).label.split(" — ")[0] for t in sorted(types_attendus))
            raise ValidationError({"operateur": f"Pour cette modalité, l'opérateur doit être : {attendus}."})


class SourceHeures(models.TextChoices):
    SAISIE = "saisie", "Saisie"
    IMPORT = "import", "Import d'un relevé"


class HeuresMensuellesQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(placement__attribution__lot__marche__donneur_d_ordre=donneur)

    def entre(self, debut: dt.date, fin: dt.date):
        return self.filter(mois__gte=debut, mois__lte=fin)


class HeuresMensuelles(models.Model):
    """Insertion hours done in one month by one placement."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="heures", verbose_name="placement")
    mois = models.DateField("mois", help_text="Premier jour du mois.")
    heures = models.DecimalField(
        "heures",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(HEURES_MAX_PAR_MOIS)],
    )
    source = models.CharField("source", max_length=10, choices=SourceHeures.choices, default=SourceHeures.SAISIE)
    saisi_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisi par",
    )
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = HeuresMensuellesQuerySet.as_manager()

    class Meta:
        verbose_name = "heures du mois"
        verbose_name_plural = "heures mensuelles"
        ordering = ["placement", "mois"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "mois"], name="heures_une_ligne_par_mois"),
            models.CheckConstraint(
                condition=Q(heures__gte=0) & Q(heures__lte=HEURES_MAX_ABSOLU), name="heures_positives_bornees"
            ),
            models.CheckConstraint(condition=Q(mois__day=1), name="heures_mois_premier_jour"),
        ]
        # The sums over a period read the index alone.
        indexes = [models.Index(fields=["mois", "placement"], include=["heures"], name="heures_mois_idx")]

    def __str__(self) -> str:
        return f"{self.mois:%m/%Y} : {self.heures} h"

    def save(self, *args, **kwargs):
        self.mois = self.mois.replace(day=1)
        super().save(*args, **kwargs)


# --- Outcomes --------------------------------------------------------------------------------------


class CategorieSortie(models.TextChoices):
    EMPLOI_DURABLE = "emploi_durable", "Emploi durable"
    EMPLOI_TRANSITION = "emploi_transition", "Emploi de transition"
    SORTIE_POSITIVE = "sortie_positive", "Sortie positive"
    AUTRE = "autre", "Autre sortie"


class Situation(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD_LONG = "cdd_6_mois_plus", "CDD de 6 mois ou plus"
    INTERIM_LONG = "interim_6_mois_plus", "Intérim de 6 mois ou plus"
    FONCTION_PUBLIQUE = "fonction_publique", "Entrée dans la fonction publique"
    CREATION = "creation_entreprise", "Création ou reprise d'entreprise"
    CDD_COURT = "cdd_moins_6_mois", "CDD de moins de 6 mois"
    INTERIM_COURT = "interim_moins_6_mois", "Intérim de moins de 6 mois"
    CONTRAT_AIDE = "contrat_aide", "Contrat aidé"
    FORMATION_QUALIFIANTE = "formation_qualifiante", "Formation qualifiante"
    EMBAUCHE_SIAE = "embauche_siae", "Embauche dans une autre SIAE"
    CHOMAGE = "chomage", "Demandeur d'emploi"
    INACTIVITE = "inactivite", "Inactivité (santé, famille…)"
    SANS_NOUVELLES = "sans_nouvelles", "Sans nouvelles"
    AUTRE = "autre", "Autre"


CATEGORIE_PAR_SITUATION = {
    Situation.CDI: CategorieSortie.EMPLOI_DURABLE,
    Situation.CDD_LONG: CategorieSortie.EMPLOI_DURABLE,
    Situation.INTERIM_LONG: CategorieSortie.EMPLOI_DURABLE,
    Situation.FONCTION_PUBLIQUE: CategorieSortie.EMPLOI_DURABLE,
    Situation.CREATION: CategorieSortie.EMPLOI_DURABLE,
    Situation.CDD_COURT: CategorieSortie.EMPLOI_TRANSITION,
    Situation.INTERIM_COURT: CategorieSortie.EMPLOI_TRANSITION,
    Situation.CONTRAT_AIDE: CategorieSortie.EMPLOI_TRANSITION,
    Situation.FORMATION_QUALIFIANTE: CategorieSortie.SORTIE_POSITIVE,
    Situation.EMBAUCHE_SIAE: CategorieSortie.SORTIE_POSITIVE,
    Situation.CHOMAGE: CategorieSortie.AUTRE,
    Situation.INACTIVITE: CategorieSortie.AUTRE,
    Situation.SANS_NOUVELLES: CategorieSortie.AUTRE,
    Situation.AUTRE: CategorieSortie.AUTRE,
}


class MomentSortie(models.TextChoices):
    FIN_PARCOURS = "fin", "À la fin du placement"
    SIX_MOIS = "six_mois", "Six mois après"


class SortieQuerySet(models.QuerySet):
    def with_categorie(self):
        """Annotates ``categorie_code``, the national category, computed in the database."""
        whens = [
            When(situation=situation, then=Value(cat.value)) for situation, cat in CATEGORIE_PAR_SITUATION.items()
        ]
        return self.annotate(categorie_code=Case(*whens, default=Value(CategorieSortie.AUTRE.value)))


class Sortie(models.Model):
    """Where a participant stands when a placement ends, and six months later."""

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="sorties", verbose_name="placement"
    )
    moment = models.CharField("moment", max_length=10, choices=MomentSortie.choices, default=MomentSortie.FIN_PARCOURS)
    date_constat = models.DateField("constatée le")
    situation = models.CharField("situation", max_length=25, choices=Situation.choices)
    employeur = models.CharField("employeur", max_length=200, blank=True, validators=TEXTE_LIBRE)
    commentaire = models.TextField("commentaire", blank=True, validators=NOTES)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    objects = SortieQuerySet.as_manager()

    class Meta:
        verbose_name = "sortie"
        verbose_name_plural = "sorties"
        ordering = ["-date_constat"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "moment"], name="sortie_une_par_moment"),
        ]

    def __str__(self) -> str:
        return f"{self.get_situation_display()} ({self.get_moment_display().lower()})"

    @property
    def categorie(self) -> CategorieSortie:
        return CATEGORIE_PAR_SITUATION[Situation(self.situation)]


# --- Clause text templates (the drafter) -----------------------------------------------------------


class DestinationModele(models.TextChoices):
    CCAP = "ccap", "Article du CCAP"
    AVIS = "avis", "Avis d'information aux candidats (notice)"


# Placeholders a template may use ($heures…), with what they become. Admins edit the texts, so they get
# string.Template's $name substitution, never the Django template language.
VARIABLES_MODELE = {
    "heures": "objectif d'heures d'insertion du lot (ex. : 833)",
    "heures_lettres": "le même objectif en lettres (ex. : huit cent trente-trois)",
    "lot": "numéro et intitulé du lot",
    "marche": "objet du marché",
    "reference": "référence du marché chez le donneur d'ordre",
    "donneur": "nom du donneur d'ordre",
    "le_donneur": "nom du donneur d'ordre précédé de son article (ex. : la Ville d'Arles, le Syndicat mixte…)",
    "du_donneur": "le même après « de » (ex. : de la Ville d'Arles, du Syndicat mixte…)",
    "structure": "nom de la structure porteuse du facilitateur",
    "facilitateur": "nom du facilitateur en charge",
    "email_facilitateur": "e-mail du facilitateur",
    "telephone_facilitateur": "téléphone du facilitateur",
    "telephone_structure": "téléphone de la structure porteuse",
    "part_qpv": "part minimale d'heures pour des habitants de QPV (ex. : 5 %)",
    "mention_qpv": "phrase sur la part minimale pour des habitants de QPV (vide s'il n'y en a pas)",
    "taux_insertion": "taux d'insertion retenu (ex. : 5 %)",
    "plafond_penalites": "phrase sur le plafond des pénalités : soumises au plafond du CCAG, ou dérogation à son "
    "article choisie à la rédaction",
    "mention_seuils_europeens": "phrase sur l'obligation de l'article L2112-2-1 (marché égal ou supérieur aux seuils "
    "européens, choisi à la rédaction ; vide sinon)",
    "article": "article du Code de la commande publique de la modalité",
}


class ModeleClause(models.Model):
    """A clause text template, rendered by the drafter for the modalities chosen on a lot."""

    code = models.SlugField("code", max_length=60, unique=True)
    titre = models.CharField("titre", max_length=200)
    destination = models.CharField("destination", max_length=10, choices=DestinationModele.choices)
    modalite = models.ForeignKey(
        ModaliteJuridique,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="modeles",
        verbose_name="modalité juridique",
        help_text="Laisser vide pour un texte repris dans toutes les clauses.",
    )
    texte = models.TextField(
        "texte",
        help_text="Variables possibles : "
        + ", ".join(f"${nom} ({description})" for nom, description in VARIABLES_MODELE.items())
        + ".",
    )
    actif = models.BooleanField("proposé dans l'outil de rédaction", default=True)

    class Meta:
        verbose_name = "modèle de clause"
        verbose_name_plural = "modèles de clauses"
        ordering = ["destination", "modalite__ordre", "code"]

    def __str__(self) -> str:
        return self.titre

    def clean(self):
        import string

        modele = string.Template(self.texte or "")
        if not modele.is_valid():
            raise ValidationError(
                {"texte": "Le texte contient un « $ » mal formé : écrivez $$ pour un dollar, $nom pour une variable."}
            )
        inconnues = sorted(set(modele.get_identifiers()) - set(VARIABLES_MODELE))
        if inconnues:
            inconnues_texte = ", ".join(f"${nom}" for nom in inconnues)
            possibles = ", ".join(f"${nom}" for nom in VARIABLES_MODELE)
            raise ValidationError(
                {"texte": f"Variable inconnue : {inconnues_texte}. Variables possibles : {possibles}."}
            )


# --- Portfolio imports, run by the worker --------------------------------------------------------------------


class StatutImportPortefeuille(models.TextChoices):
    ANALYSE_EN_ATTENTE = "analyse_en_attente", "Vérification en attente"
    ANALYSE_EN_COURS = "analyse_en_cours", "Vérification en cours"
    APERCU = "apercu", "Aperçu prêt"
    IMPORT_EN_ATTENTE = "import_en_attente", "Import en attente"
    IMPORT_EN_COURS = "import_en_cours", "Import en cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"
    ANNULE = "annule", "Annulé"


STATUTS_EN_TRAVAIL = (
    StatutImportPortefeuille.ANALYSE_EN_ATTENTE,
    StatutImportPortefeuille.ANALYSE_EN_COURS,
    StatutImportPortefeuille.IMPORT_EN_ATTENTE,
    StatutImportPortefeuille.IMPORT_EN_COURS,
)


class ImportPortefeuille(models.Model):
    """A portfolio uploaded by a facilitator, checked then imported by the worker
    (clauses.importation.portefeuille.travail): a row before the work, as the long exports are."""

    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="imports_portefeuille",
        verbose_name="demandé par",
    )
    nom_fichier = models.CharField("fichier", max_length=255)
    # The upload in the default storage until it is imported, cancelled or refused (then emptied).
    chemin = models.CharField("chemin du fichier", max_length=255, blank=True, editable=False)
    statut = models.CharField(
        "statut",
        max_length=20,
        choices=StatutImportPortefeuille.choices,
        default=StatutImportPortefeuille.ANALYSE_EN_ATTENTE,
    )
    # What the page shows of the preview (per sheet, the first errors and changes); the whole report is a file.
    apercu = models.JSONField("aperçu", null=True, blank=True, editable=False)
    resultat = models.CharField("résultat", max_length=255, blank=True)
    message_erreur = models.TextField("message d'erreur", blank=True)
    jeton = models.CharField(max_length=32, blank=True, editable=False)
    pris_le = models.DateTimeField("pris en charge le", null=True, blank=True, editable=False)
    mis_en_file_le = models.DateTimeField("mis en file le", null=True, blank=True, editable=False)
    cree_le = models.DateTimeField("déposé le", auto_now_add=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "import de portefeuille"
        verbose_name_plural = "imports de portefeuilles"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["demande_par", "-cree_le"], name="import_portefeuille_auteur_idx")]

    def __str__(self) -> str:
        return f"{self.nom_fichier} ({self.get_statut_display().lower()})"

    @property
    def en_travail(self) -> bool:
        return self.statut in STATUTS_EN_TRAVAIL
