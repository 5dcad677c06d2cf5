"""Monthly hours of placements: what the grid of an attribution shows, and how a typed value is saved.

One row of ``HeuresMensuelles`` per placement and month; an empty cell means no row. The grid runs a
fixed number of queries: the placements with their yearly total, their hours of the year (prefetched),
the monthly totals and the overall total, all summed by the database.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Min, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from clauses.models import HEURES_MAX_PAR_MOIS, HeuresMensuelles, Placement, SourceHeures
from config.formats import date_longue
from marches.models import Attribution

MOIS_RE = re.compile(r"^(\d{4})-(\d{2})$")
CENTIEME = Decimal("0.01")
_ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=12, decimal_places=2))


# --- Months ------------------------------------------------------------------------------------------


def premier_du_mois(jour: dt.date) -> dt.date:
    return jour.replace(day=1)


def mois_suivant(mois: dt.date) -> dt.date:
    return dt.date(mois.year + mois.month // 12, mois.month % 12 + 1, 1)


def dernier_jour(mois: dt.date) -> dt.date:
    return mois_suivant(mois) - dt.timedelta(days=1)


def mois_depuis_texte(texte: str) -> dt.date | None:
    """« 2026-03 » (the form used in URLs and field names) → 1 March 2026; None when malformed."""
    correspondance = MOIS_RE.match(texte or "")
    if not correspondance:
        return None
    annee, mois = int(correspondance[1]), int(correspondance[2])
    if not 1 <= mois <= 12 or annee < 1900:
        return None
    return dt.date(annee, mois, 1)


def mois_en_texte(mois: dt.date) -> str:
    return f"{mois:%Y-%m}"


def mois_en_francais(mois: dt.date) -> str:
    return date_format(mois, "F Y")


def nom_champ(placement_id: int, mois: dt.date) -> str:
    """Name of a grid input: unique per placement and month, so the whole grid can be posted at once."""
    return f"h-{placement_id}-{mois_en_texte(mois)}"


def mois_du_placement(placement: Placement, mois: dt.date) -> bool:
    """True when the placement runs during at least one day of ``mois``."""
    if placement.date_debut > dernier_jour(mois):
        return False
    return placement.date_fin is None or placement.date_fin >= mois


# --- Validation of one value -----------------------------------------------------------------------


def formater_heures(valeur: Decimal) -> str:
    """7.50 → « 7,5 »; 260 → « 260 »: how the messages quote a number of hours."""
    texte = f"{valeur.normalize():f}"
    return texte.replace(".", ",")


def lire_heures(texte: str) -> Decimal | None:
    """A typed number of hours (decimal point or comma) → Decimal; None when empty.

    Raises ValidationError with a French message on anything else or outside 0–220.
    """
    texte = (texte or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not texte:
        return None
    try:
        valeur = Decimal(texte)
    except InvalidOperation:
        raise ValidationError("Saisissez un nombre d'heures, par exemple 35 ou 7,5.", code="nombre") from None
    if not valeur.is_finite():
        raise ValidationError("Saisissez un nombre d'heures, par exemple 35 ou 7,5.", code="nombre")
    verifier_borne(valeur)
    return valeur.quantize(CENTIEME, rounding=ROUND_HALF_UP)


def verifier_borne(valeur: Decimal) -> None:
    if valeur < 0:
        raise ValidationError("Le nombre d'heures ne peut pas être négatif.", code="negatif")
    if valeur > HEURES_MAX_PAR_MOIS:
        raise ValidationError(
            f"{formater_heures(valeur)} heures en un mois dépasse le maximum de "
            f"{formater_heures(HEURES_MAX_PAR_MOIS)}.",
            code="maximum",
        )


def verifier_mois(placement: Placement, mois: dt.date, aujourd_hui: dt.date | None = None) -> None:
    """Hours belong to a month the placement covers, and not to a month that has not begun."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    if mois > premier_du_mois(aujourd_hui):
        raise ValidationError(f"Le mois de {mois_en_francais(mois)} n'a pas encore commencé.", code="mois_futur")
    if placement.date_debut > dernier_jour(mois):
        raise ValidationError(f"Le placement commence le {date_longue(placement.date_debut)}.", code="avant_debut")
    if placement.date_fin is not None and placement.date_fin < mois:
        raise ValidationError(f"Le placement s'est terminé le {date_longue(placement.date_fin)}.", code="apres_fin")


# --- Writes ------------------------------------------------------------------------------------------


def _appliquer(placement_id: int, mois: dt.date, valeur: Decimal | None, existante, user) -> None:
    if valeur is None:
        if existante is not None:
            existante.delete()
        return
    if existante is None:
        try:
            with transaction.atomic():
                HeuresMensuelles.objects.create(
                    placement_id=placement_id, mois=mois, heures=valeur, source=SourceHeures.SAISIE, saisi_par=user
                )
            return
        except IntegrityError:
            # Saved by someone else in the meantime (another tab, an import): the last typed value wins.
            existante = HeuresMensuelles.objects.get(placement_id=placement_id, mois=mois)
    if existante.heures != valeur:
        existante.heures = valeur
        existante.source = SourceHeures.SAISIE
        existante.saisi_par = user
        existante.save(update_fields=["heures", "source", "saisi_par", "modifie_le"])


def enregistrer_heures(
    placement: Placement, mois: dt.date, texte: str, user, aujourd_hui: dt.date | None = None
) -> Decimal | None:
    """Saves what was typed in one cell (empty deletes the month); returns the stored value.

    Raises ValidationError, with nothing written, when the value or the month is refused.
    """
    valeur = lire_heures(texte)
    verifier_mois(placement, mois, aujourd_hui)
    with transaction.atomic():
        existante = HeuresMensuelles.objects.select_for_update().filter(placement=placement, mois=mois).first()
        _appliquer(placement.pk, mois, valeur, existante, user)
    return valeur


@dataclass
class ErreurCellule:
    placement: Placement
    mois: dt.date
    message: str

    @property
    def nom_champ(self) -> str:
        return nom_champ(self.placement.pk, self.mois)

    def __str__(self) -> str:
        return f"{self.placement.participant.reference}, {mois_en_francais(self.mois)} : {self.message}"


def enregistrer_grille(
    attribution: Attribution, saisies: dict[tuple[int, dt.date], str], user, aujourd_hui: dt.date | None = None
) -> list[ErreurCellule]:
    """Saves a whole posted grid, all or nothing: returns the refused cells, and writes only when none is.

    ``saisies`` maps (placement id, month) to the typed text. Unchanged cells are not rewritten, so
    imported hours keep their source and author.
    """
    placements = {
        p.pk: p for p in attribution.placements.select_related("participant").filter(pk__in={pk for pk, _ in saisies})
    }
    existantes = {
        (h.placement_id, h.mois): h
        for h in HeuresMensuelles.objects.filter(placement__in=placements.values(), mois__in={m for _, m in saisies})
    }
    erreurs, a_ecrire = [], []
    for (placement_id, mois), texte in sorted(saisies.items(), key=lambda e: (e[0][0], e[0][1])):
        placement = placements.get(placement_id)
        if placement is None:
            continue
        existante = existantes.get((placement_id, mois))
        try:
            valeur = lire_heures(texte)
            if valeur is None and existante is None:
                continue
            if existante is not None and valeur == existante.heures:
                continue
            verifier_mois(placement, mois, aujourd_hui)
        except ValidationError as erreur:
            erreurs.append(ErreurCellule(placement, mois, " ".join(erreur.messages)))
            continue
        a_ecrire.append((placement_id, mois, valeur, existante))
    if erreurs:
        return erreurs
    with transaction.atomic():
        for placement_id, mois, valeur, existante in a_ecrire:
            _appliquer(placement_id, mois, valeur, existante, user)
    return []


# --- Reads: the grid ---------------------------------------------------------------------------------


def objectif_attribution(attribution: Attribution) -> tuple[int | None, str]:
    """The target the grid compares against, and where it comes from."""
    if attribution.heures_objectif is not None:
        return attribution.heures_objectif, "objectif de l'attributaire"
    clause = getattr(attribution.lot, "clause", None)
    if clause is not None:
        return clause.heures_objectif, "objectif du lot"
    return None, ""


@dataclass
class Cellule:
    placement: Placement
    mois: dt.date
    active: bool
    valeur: Decimal | None = None
    saisie: str = ""  # what was typed, shown back with an error
    erreur: str = ""

    @property
    def nom(self) -> str:
        return nom_champ(self.placement.pk, self.mois)

    @property
    def identifiant(self) -> str:
        return f"c-{self.placement.pk}-{mois_en_texte(self.mois)}"

    @property
    def mois_texte(self) -> str:
        return mois_en_texte(self.mois)

    @property
    def libelle(self) -> str:
        return f"Heures de {self.placement.participant.reference} en {mois_en_francais(self.mois)}"

    @property
    def maximum(self) -> str:
        return formater_heures(HEURES_MAX_PAR_MOIS)

    @property
    def valeur_champ(self) -> str:
        if self.erreur:
            return self.saisie
        # French decimal comma: the field is text, so what is shown is what Camille would type.
        return "" if self.valeur is None else f"{self.valeur.normalize():f}".replace(".", ",")


@dataclass
class Ligne:
    placement: Placement
    cellules: list[Cellule]
    total: Decimal


@dataclass
class Avancement:
    realisees: Decimal
    objectif: int | None
    origine_objectif: str

    @property
    def taux(self) -> Decimal | None:
        return self.realisees / self.objectif if self.objectif else None


@dataclass
class Grille:
    attribution: Attribution
    annee: int
    annee_precedente: int | None
    annee_suivante: int | None
    mois: list[dt.date]
    lignes: list[Ligne]
    totaux_mois: list[tuple[dt.date, Decimal]]
    total_annee: Decimal
    avancement: Avancement
    erreurs: list[ErreurCellule] = field(default_factory=list)


def total_placement_annee(placement_id: int, annee: int) -> Decimal:
    return HeuresMensuelles.objects.filter(placement_id=placement_id, mois__year=annee).aggregate(
        t=Coalesce(Sum("heures"), _ZERO)
    )["t"]


def total_attribution_annee(attribution_id: int, annee: int) -> Decimal:
    return HeuresMensuelles.objects.filter(placement__attribution_id=attribution_id, mois__year=annee).aggregate(
        t=Coalesce(Sum("heures"), _ZERO)
    )["t"]


def total_mois(attribution_id: int, mois: dt.date) -> Decimal:
    return HeuresMensuelles.objects.filter(placement__attribution_id=attribution_id, mois=mois).aggregate(
        t=Coalesce(Sum("heures"), _ZERO)
    )["t"]


def avancement_attribution(attribution: Attribution) -> Avancement:
    realisees = HeuresMensuelles.objects.filter(placement__attribution=attribution).aggregate(
        t=Coalesce(Sum("heures"), _ZERO)
    )["t"]
    objectif, origine = objectif_attribution(attribution)
    return Avancement(realisees=realisees, objectif=objectif, origine_objectif=origine)


def premier_mois_grille(attribution: Attribution, aujourd_hui: dt.date) -> dt.date:
    debut = attribution.placements.aggregate(d=Min("date_debut"))["d"] or attribution.date_debut or aujourd_hui
    return premier_du_mois(debut)


def construire_grille(
    attribution: Attribution,
    annee: int | None = None,
    aujourd_hui: dt.date | None = None,
    saisies: dict[tuple[int, dt.date], str] | None = None,
    erreurs: list[ErreurCellule] | None = None,
) -> Grille:
    """The months of ``annee`` from the first placement (or the attribution's start) to this month.

    ``saisies`` and ``erreurs`` put a refused posted grid back on screen as it was typed.
    """
    aujourd_hui = aujourd_hui or timezone.localdate()
    courant = premier_du_mois(aujourd_hui)
    premier = min(premier_mois_grille(attribution, aujourd_hui), courant)
    annee = min(max(annee or courant.year, premier.year), courant.year)
    mois = []
    m = max(premier, dt.date(annee, 1, 1))
    while m.year == annee and m <= courant:
        mois.append(m)
        m = mois_suivant(m)
    debut, fin = dt.date(annee, 1, 1), dt.date(annee, 12, 1)

    placements = (
        attribution.placements.select_related("participant")
        .annotate(total=Coalesce(Sum("heures__heures", filter=Q(heures__mois__year=annee)), _ZERO))
        .prefetch_related(
            Prefetch("heures", queryset=HeuresMensuelles.objects.entre(debut, fin), to_attr="heures_annee")
        )
        .order_by("participant__nom", "participant__prenom", "date_debut", "pk")
    )
    saisies = saisies or {}
    erreurs_par_cellule = {(e.placement.pk, e.mois): e.message for e in erreurs or []}
    lignes = []
    for placement in placements:
        valeurs = {h.mois: h.heures for h in placement.heures_annee}
        cellules = []
        for m in mois:
            cle = (placement.pk, m)
            cellules.append(
                Cellule(
                    placement=placement,
                    mois=m,
                    active=mois_du_placement(placement, m),
                    valeur=valeurs.get(m),
                    saisie=saisies.get(cle, ""),
                    erreur=erreurs_par_cellule.get(cle, ""),
                )
            )
        lignes.append(Ligne(placement=placement, cellules=cellules, total=placement.total))

    par_mois = dict(
        HeuresMensuelles.objects.filter(placement__attribution=attribution)
        .entre(debut, fin)
        .order_by()
        .values("mois")
        .annotate(t=Sum("heures"))
        .values_list("mois", "t")
    )
    totaux = [(m, par_mois.get(m, Decimal(0))) for m in mois]
    return Grille(
        attribution=attribution,
        annee=annee,
        annee_precedente=annee - 1 if annee > premier.year else None,
        annee_suivante=annee + 1 if annee < courant.year else None,
        mois=mois,
        lignes=lignes,
        totaux_mois=totaux,
        total_annee=sum(par_mois.values(), Decimal(0)),
        avancement=avancement_attribution(attribution),
        erreurs=erreurs or [],
    )
