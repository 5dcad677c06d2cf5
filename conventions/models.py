import base64
import datetime as dt
import hashlib
import mimetypes

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from config.fichiers import FichierProtege, ImageProtegee
from conventions import calendrier
from conventions.calendrier import EtatConvention
from conventions.noms import avec_article
from conventions.validation import ErreursHorsFormulaireMixin, verifier_dates_ordonnees
from entreprises.validators import valider_siret

# --- Users -----------------------------------------------------------------------------------------


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def facilitateurs(self):
        return self.filter(is_facilitateur=True, is_active=True)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: admin, facilitator or référent (through Referent rows). Email is the login."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    is_facilitateur = models.BooleanField(
        "facilitateur", default=False, help_text="Accède au tableau de bord des clauses."
    )
    is_staff = models.BooleanField(
        "accès à l'administration", default=False, help_text="Peut se connecter à l'administration Django."
    )
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


# --- Structure porteuse -----------------------------------------------------------------------------

# Above this, a logo is left out rather than embedded: a header image should weigh a few kilobytes.
TAILLE_MAX_LOGO = 2 * 1024 * 1024

# Retention of the participants' identity, in years (docs/donnees-personnelles.md says why these defaults).
DUREE_CONSERVATION_PAR_DEFAUT = 5
DUREE_SANS_PLACEMENT_PAR_DEFAUT = 2
DUREE_CONSERVATION_MAX = 30


class StructurePorteuse(models.Model):
    """The public body that employs the facilitators. One row per instance, edited in the admin."""

    nom = models.CharField("nom", max_length=200)
    sigle = models.CharField("sigle", max_length=30, blank=True)
    service = models.CharField("service", max_length=200, blank=True, help_text="Ex. : service emploi.")
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    logo = ImageProtegee(
        "logo",
        vue="conventions:structure_logo",
        upload_to="structure/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "svg"])],
    )
    adresse = models.CharField("adresse", max_length=250, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    commune = models.CharField("commune", max_length=100, blank=True)
    email = models.EmailField("e-mail", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    signataire_nom = models.CharField("signataire", max_length=200, blank=True)
    signataire_qualite = models.CharField(
        "qualité du signataire", max_length=200, blank=True, help_text="Ex. : le Président."
    )
    # How long a participant's identity is kept (clauses.protection.conservation; docs/donnees-personnelles.md):
    # counted from the last sign of their follow-up, then the person is anonymised by the daily purge.
    conservation_annees = models.PositiveSmallIntegerField(
        "conservation des données des personnes placées (années)",
        default=DUREE_CONSERVATION_PAR_DEFAUT,
        validators=[MinValueValidator(1), MaxValueValidator(DUREE_CONSERVATION_MAX)],
        help_text=(
            "Comptées à partir du dernier signe du suivi : fin du dernier placement et sortie à 6 mois, dernier mois "
            "d'heures, dernière sortie constatée (le plus tardif). Ensuite, la personne est anonymisée ; les "
            "chiffres publiés ne changent pas."
        ),
    )
    conservation_sans_placement_annees = models.PositiveSmallIntegerField(
        "conservation des données des personnes jamais placées (années)",
        default=DUREE_SANS_PLACEMENT_PAR_DEFAUT,
        validators=[MinValueValidator(1), MaxValueValidator(DUREE_CONSERVATION_MAX)],
        help_text=(
            "Comptées à partir de l'enregistrement de la personne ou de sa date d'orientation (la plus tardive)."
        ),
    )
    # The « Mentions légales » page (config.pages_legales) reads these: a public body publishing a site names its
    # director of publication and its host (loi n° 2004-575, art. 6), and its data protection officer (RGPD, art. 37).
    directeur_publication = models.CharField(
        "directeur ou directrice de la publication",
        max_length=200,
        blank=True,
        help_text="Par défaut, le signataire et sa qualité.",
    )
    hebergeur = models.TextField(
        "hébergeur du site",
        blank=True,
        help_text="Nom, adresse et téléphone de qui héberge les serveurs : la structure ou son prestataire.",
    )
    dpo_email = models.EmailField(
        "e-mail du délégué à la protection des données",
        blank=True,
        help_text="Adresse à laquelle exercer ses droits sur ses données personnelles.",
    )
    url_donnees_personnelles = models.URLField(
        "page d'information sur les données personnelles",
        blank=True,
        help_text="Page du site de la structure qui présente ce traitement de données, s'il y en a une.",
    )
    # The data protection officer (GDPR art. 37 to 39): printed on the information notice each participant is given,
    # and told of an account reading far more people than usual (config.acces), with ``dpo_email`` above.
    dpo_nom = models.CharField(
        "délégué à la protection des données (DPO)",
        max_length=200,
        blank=True,
        help_text="Nom de la personne ou du service désigné auprès de la CNIL.",
    )
    dpo_adresse = models.TextField(
        "adresse postale du DPO",
        blank=True,
        help_text="Sur plusieurs lignes. Vide : l'adresse de la structure porteuse figure sur la notice.",
    )

    class Meta:
        verbose_name = "structure porteuse"
        verbose_name_plural = "structure porteuse"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="structure_porteuse_unique")]

    def __str__(self) -> str:
        return self.nom

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def logo_en_data_uri(self) -> str | None:
        """The logo as a ``data:`` URI, read through the storage; None without a readable logo. Documents embed
        it so, and the admin shows it so: the stored file itself is served only as a download
        (``conventions:structure_logo``)."""
        if not self.logo:
            return None
        type_mime = mimetypes.guess_type(self.logo.name)[0] or "application/octet-stream"
        if not type_mime.startswith("image/"):
            return None
        try:
            if self.logo.size > TAILLE_MAX_LOGO:
                return None
            with self.logo.open("rb") as fichier:
                contenu = fichier.read()
        except OSError:
            # A logo missing from the storage must not stop a report: the name is still in the header.
            return None
        return f"data:{type_mime};base64,{base64.b64encode(contenu).decode('ascii')}"

    @property
    def nom_avec_article(self) -> str:
        """The name inside a sentence: « la Ville d'Arles » (conventions.noms)."""
        return avec_article(self.nom)

    @classmethod
    def get(cls) -> "StructurePorteuse":
        """The instance's structure porteuse; a placeholder row until an admin fills it in."""
        obj, _ = cls.objects.get_or_create(pk=1, defaults={"nom": "Structure porteuse (à renseigner)"})
        return obj


# --- Donneurs d'ordre ------------------------------------------------------------------------------


class TypeDonneur(models.TextChoices):
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI (communauté, métropole)"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    BAILLEUR = "bailleur", "Bailleur social"
    ETABLISSEMENT_PUBLIC = "etablissement_public", "Établissement public"
    SEM_SPL = "sem_spl", "SEM / SPL"
    HOPITAL = "hopital", "Établissement de santé"
    ETAT = "etat", "Services de l'État"
    AUTRE = "autre", "Autre"


class Periodicite(models.TextChoices):
    MENSUELLE = "mensuelle", "Mensuelle"
    TRIMESTRIELLE = "trimestrielle", "Trimestrielle"


class DonneurDOrdreQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True)

    def for_user(self, user):
        """The donneurs d'ordre a référent belongs to."""
        return self.filter(referents__user=user)


class DonneurDOrdre(models.Model):
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=30, choices=TypeDonneur.choices)
    siret = models.CharField("SIRET", max_length=14, unique=True, null=True, blank=True, validators=[valider_siret])
    adresse = models.CharField("adresse", max_length=250, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    commune = models.CharField("commune", max_length=100, blank=True)
    email = models.EmailField("e-mail", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    periodicite_rapport = models.CharField(
        "périodicité des rapports", max_length=15, choices=Periodicite.choices, default=Periodicite.TRIMESTRIELLE
    )
    actif = models.BooleanField("actif", default=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = DonneurDOrdreQuerySet.as_manager()

    class Meta:
        verbose_name = "donneur d'ordre"
        verbose_name_plural = "donneurs d'ordre"
        ordering = ["nom"]
        indexes = [models.Index(fields=["nom"], name="donneur_nom_idx")]

    def __str__(self) -> str:
        return self.nom

    def save(self, *args, **kwargs):
        # An empty SIRET is stored as NULL so that the unique constraint ignores it.
        self.siret = self.siret or None
        super().save(*args, **kwargs)

    @property
    def nom_avec_article(self) -> str:
        """The name inside a sentence: « la Ville d'Arles » (conventions.noms)."""
        return avec_article(self.nom)


class Referent(models.Model):
    """Membership of a user in a donneur d'ordre: the référent the convention asks it to designate."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referents", verbose_name="utilisateur"
    )
    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.CASCADE, related_name="referents", verbose_name="donneur d'ordre"
    )
    fonction = models.CharField("fonction", max_length=200, blank=True)
    principal = models.BooleanField("référent principal", default=True)
    cree_le = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "référent"
        verbose_name_plural = "référents"
        ordering = ["donneur_d_ordre__nom", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "donneur_d_ordre"], name="referent_unique_par_donneur"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.donneur_d_ordre}"


# --- Conventions -----------------------------------------------------------------------------------


class DenoncePar(models.TextChoices):
    STRUCTURE_PORTEUSE = "structure_porteuse", "La structure porteuse"
    DONNEUR_D_ORDRE = "donneur_d_ordre", "Le donneur d'ordre"


class ConventionQuerySet(models.QuerySet):
    def for_donneur(self, donneur):
        return self.filter(donneur_d_ordre=donneur)

    def signees(self):
        return self.filter(date_signature__isnull=False)


class Convention(ErreursHorsFormulaireMixin, models.Model):
    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.PROTECT, related_name="conventions", verbose_name="donneur d'ordre"
    )
    numero = models.CharField("numéro", max_length=50, blank=True)
    objet = models.CharField("objet", max_length=250, default="Clauses d'insertion dans les marchés")
    date_signature = models.DateField("date de signature", null=True, blank=True)
    date_effet = models.DateField("date d'effet", help_text="Premier jour de la première période annuelle.")
    duree_mois = models.PositiveSmallIntegerField(
        "durée d'une période (mois)", default=12, validators=[MinValueValidator(1)]
    )
    preavis_mois = models.PositiveSmallIntegerField("préavis de dénonciation (mois)", default=3)
    date_denonciation = models.DateField(
        "date de dénonciation",
        null=True,
        blank=True,
        help_text="Jour où l'une des parties a refusé la reconduction tacite.",
    )
    denoncee_par = models.CharField("dénoncée par", max_length=20, choices=DenoncePar.choices, blank=True)
    motif_denonciation = models.TextField("motif de la dénonciation", blank=True)
    document = FichierProtege(
        "convention signée",
        vue="conventions:convention_document",
        upload_to="conventions/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
    notes = models.TextField("notes", blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention de coopération"
        verbose_name_plural = "conventions de coopération"
        ordering = ["donneur_d_ordre__nom", "-date_effet"]
        constraints = [
            models.CheckConstraint(condition=Q(duree_mois__gte=1), name="convention_duree_positive"),
            models.CheckConstraint(condition=Q(preavis_mois__lt=F("duree_mois")), name="convention_preavis_court"),
            models.CheckConstraint(
                condition=Q(date_denonciation__isnull=True) | Q(date_denonciation__gte=F("date_effet")),
                name="convention_denonciation_apres_effet",
            ),
            models.CheckConstraint(
                condition=Q(date_denonciation__isnull=True) | ~Q(denoncee_par=""),
                name="convention_denonciation_auteur",
            ),
        ]
        indexes = [models.Index(fields=["donneur_d_ordre", "date_effet"], name="convention_donneur_idx")]

    def __str__(self) -> str:
        ref = f" n° {self.numero}" if self.numero else ""
        return f"Convention{ref} — {self.donneur_d_ordre}"

    @property
    def designation(self) -> str:
        """The convention inside a sentence: « la convention n° CI-2025-007 avec la Ville d'Arles »."""
        ref = f" n° {self.numero}" if self.numero else " de coopération"
        return f"la convention{ref} avec {avec_article(self.donneur_d_ordre.nom)}"

    def clean(self):
        verifier_dates_ordonnees(
            self, (("date_effet", "date_denonciation", "La dénonciation ne peut pas précéder la date d'effet."),)
        )
        erreurs = {}
        if self.duree_mois is not None and self.preavis_mois is not None and self.preavis_mois >= self.duree_mois:
            erreurs["preavis_mois"] = "Le préavis doit être plus court que la durée d'une période."
        if self.date_denonciation is not None and not self.denoncee_par:
            erreurs["denoncee_par"] = "Indiquez quelle partie a dénoncé la convention."
        if erreurs:
            raise ValidationError(erreurs)

    # Calendar: conventions.calendrier's rules, for this convention. Every method takes the day it is asked about
    # (default: today) so that tests and reminders can ask about any day.

    @staticmethod
    def _jour(jour: dt.date | None) -> dt.date:
        return jour or timezone.localdate()

    def periode_numero(self, numero: int) -> calendrier.Periode:
        return calendrier.periode(self.date_effet, numero, self.duree_mois, self.preavis_mois)

    @property
    def periode_finale(self) -> calendrier.Periode | None:
        """The last period when notice was given, else None (the convention renews indefinitely)."""
        return calendrier.periode_finale(self)

    @property
    def date_fin(self) -> dt.date | None:
        return calendrier.date_fin(self)

    def etat(self, jour: dt.date | None = None) -> str:
        return calendrier.etat(self, self._jour(jour))

    def get_etat_display(self, jour: dt.date | None = None) -> str:
        return EtatConvention(self.etat(jour)).label

    def periode_courante(self, jour: dt.date | None = None) -> calendrier.Periode:
        """The period containing ``jour``; the first one before the start, the last one after the end."""
        return calendrier.periode_courante(self, self._jour(jour))

    def prochaine_echeance(self, jour: dt.date | None = None) -> dt.date | None:
        """The échéance of the current period, or None once the convention is over."""
        return calendrier.situation(self, self._jour(jour)).echeance

    def date_limite_denonciation(self, jour: dt.date | None = None) -> dt.date | None:
        """The last day notice can be given to stop the next renewal; None if there is nothing to stop (the
        convention is unsigned, given notice, or ended)."""
        return calendrier.situation(self, self._jour(jour)).date_limite

    def echeance_denoncable(self, jour: dt.date | None = None) -> dt.date | None:
        """The échéance that notice given by ``date_limite_denonciation`` would end the convention at.

        Once this period's deadline has passed, it is the next period's échéance, not the next échéance.
        """
        return calendrier.situation(self, self._jour(jour)).echeance_denoncable

    def nombre_reconductions(self, jour: dt.date | None = None) -> int:
        """How many times the convention was tacitly renewed by ``jour``."""
        return calendrier.situation(self, self._jour(jour)).reconductions

    def avenants_en_vigueur(self, jour: dt.date | None = None):
        return self.avenants.filter(date_effet__lte=self._jour(jour))


class Avenant(ErreursHorsFormulaireMixin, models.Model):
    """An amendment; it takes effect at the annual renewal that follows its signature."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="avenants", verbose_name="convention"
    )
    numero = models.PositiveSmallIntegerField("numéro", validators=[MinValueValidator(1)])
    objet = models.CharField("objet", max_length=250)
    description = models.TextField("description", blank=True)
    date_signature = models.DateField("date de signature")
    date_effet = models.DateField(
        "prend effet le", editable=False, help_text="Date du renouvellement annuel qui suit la signature."
    )
    document = FichierProtege(
        "avenant signé",
        vue="conventions:avenant_document",
        upload_to="avenants/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "avenant"
        verbose_name_plural = "avenants"
        ordering = ["convention", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "numero"], name="avenant_numero_unique"),
            models.CheckConstraint(condition=Q(date_effet__gt=F("date_signature")), name="avenant_effet_apres"),
        ]

    def __str__(self) -> str:
        return f"Avenant n° {self.numero} — {self.objet}"

    def save(self, *args, **kwargs):
        self.date_effet = self.convention.periode_courante(self.date_signature).date_renouvellement
        super().save(*args, **kwargs)

    def clean(self):
        convention = self.convention if self.convention_id else None
        if convention is None or convention.date_effet is None or self.date_signature is None:
            return
        # After the end of a dénoncée convention there is no renewal left for the avenant to take effect at.
        if convention.periode_courante(self.date_signature).date_renouvellement <= self.date_signature:
            raise ValidationError(
                {"date_signature": "La convention est terminée à cette date : l'avenant ne prendrait pas effet."}
            )


# --- Invitations -----------------------------------------------------------------------------------


def hacher_jeton(jeton: str) -> str:
    """The stored form of an invitation token: whoever reads the table cannot rebuild the link."""
    return hashlib.sha256(jeton.encode()).hexdigest()


def duree_invitation() -> dt.timedelta:
    return dt.timedelta(days=settings.CLAUSES_INVITATION_JOURS)


class InvitationQuerySet(models.QuerySet):
    def ouvertes(self):
        """Neither accepted nor cancelled, expired or not: what the facilitator may still resend."""
        return self.filter(acceptee_le__isnull=True, revoquee_le__isnull=True)

    def valides(self, maintenant: dt.datetime | None = None):
        """Open and not expired: a link that still works."""
        return self.ouvertes().filter(expire_le__gt=maintenant or timezone.now())

    def par_jeton(self, jeton: str):
        return self.filter(token_hash=hacher_jeton(jeton))


class Invitation(models.Model):
    """A one-time link sent by email that makes its holder a référent of a donneur d'ordre.

    Only the token's hash is stored; the token itself is in the emailed link and nowhere else.
    """

    email = models.EmailField("adresse e-mail")
    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.CASCADE, related_name="invitations", verbose_name="donneur d'ordre"
    )
    prenom = models.CharField("prénom", max_length=150, blank=True)
    nom = models.CharField("nom", max_length=150, blank=True)
    fonction = models.CharField("fonction", max_length=200, blank=True)
    invite_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_envoyees",
        verbose_name="invitée par",
    )
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True, editable=False)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    envoyee_le = models.DateTimeField("dernier envoi le", default=timezone.now)
    expire_le = models.DateTimeField("expire le")
    acceptee_le = models.DateTimeField("acceptée le", null=True, blank=True)
    acceptee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="acceptée par",
    )
    revoquee_le = models.DateTimeField("annulée le", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-cree_le"]
        constraints = [
            # A new invitation cancels the open one: at most one link per person and donneur d'ordre works.
            models.UniqueConstraint(
                fields=["email", "donneur_d_ordre"],
                condition=Q(acceptee_le__isnull=True, revoquee_le__isnull=True),
                name="invitation_ouverte_unique",
            ),
            models.CheckConstraint(
                condition=Q(acceptee_le__isnull=True) | Q(revoquee_le__isnull=True),
                name="invitation_acceptee_ou_annulee",
            ),
        ]
        indexes = [models.Index(fields=["donneur_d_ordre", "email"], name="invitation_donneur_idx")]

    def __str__(self) -> str:
        return f"Invitation de {self.email} — {self.donneur_d_ordre}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def date_expiration(self) -> dt.date:
        return timezone.localdate(self.expire_le)

    @property
    def expiree(self) -> bool:
        return self.expire_le <= timezone.now()

    @property
    def statut(self) -> str:
        if self.acceptee_le:
            return "Acceptée"
        if self.revoquee_le:
            return "Annulée"
        return "Expirée" if self.expiree else "En attente"
