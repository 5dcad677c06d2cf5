"""The whole portfolio of Clauses as a portfolio file, in the layout its import reads: « export the base, import it
into an empty base » gives the same figures (``clauses/tests/test_portefeuille_aller_retour.py``).

Each sheet is one query read in chunks (``iterator``), its references written as the import resolves them: a
donneur d'ordre or an opérateur by its SIRET (its name when it has none), a marché by its reference (its objet when
it has none), a participant by their reference, a placement by its participant, entreprise, first day and lot.
Choices are written by their labels, as a facilitator types them. Nothing is held in memory but a chunk.

The participant's identity is written in the Participants sheet only; the other sheets name people by reference.
Not exported: what the import does not bring in (proposals of attributaires waiting on the portal, bilans, reports,
documents, invitations, the hours' source and author).
"""

from collections.abc import Iterable, Iterator

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, NullIf

from clauses.importation.portefeuille import annuaires, lots, marches, organisations, parcours, suivi
from clauses.importation.portefeuille.modele import ENTETE_LISEZ_MOI, LISEZ_MOI, ecrire, lignes_lisez_moi
from clauses.importation.portefeuille.moteur import TypeFeuille
from clauses.models import (
    Genre,
    HeuresMensuelles,
    ModalitePlacement,
    MomentSortie,
    NiveauQualification,
    Participant,
    Placement,
    Situation,
    Sortie,
    TypeContrat,
)
from conventions.models import Avenant, Convention, DenoncePar, DonneurDOrdre, Periodicite, Referent, TypeDonneur
from entreprises.models import Entreprise, Operateur, TypeOperateur
from marches.models import (
    Attribution,
    AvisFaisabilite,
    Lot,
    Marche,
    Origine,
    RoleAttributaire,
    StatutMarche,
    TypeMarche,
)

MORCEAU = 5000
# The columns that name a participant by identity: the export names them by reference.
IDENTITE = ("nom", "prenom", "date_naissance")


def _libelles(enum) -> dict[str, str]:
    return {code: str(libelle) for code, libelle in enum.choices}


def _donneur(chemin: str = ""):
    """SQL: a donneur d'ordre's SIRET, or its name when it has none."""
    return Coalesce(f"{chemin}siret", f"{chemin}nom")


def _marche(chemin: str = ""):
    """SQL: a marché's reference, or its objet when it has none."""
    return Coalesce(NullIf(f"{chemin}reference", Value("")), f"{chemin}objet")


def _lignes(requete, *champs, **expressions) -> Iterator[dict]:
    """The rows' fields and computed columns by the sheet's column keys (annotated under other names: a key may be
    a field's name, « marche » for a lot)."""
    annotations = {f"x_{cle}": expression for cle, expression in expressions.items()}
    lignes = requete.annotate(**annotations).values(*champs, *annotations).iterator(chunk_size=MORCEAU)
    for ligne in lignes:
        yield {cle.removeprefix("x_"): valeur for cle, valeur in ligne.items()}


def _choix(valeur: str | None, libelles: dict[str, str]) -> str | None:
    return libelles.get(valeur, valeur) if valeur else None


# --- One function per sheet: its kind and its rows, in the order of the kind's exported columns. -----------


def donneurs() -> Iterable[dict]:
    types, periodicites = _libelles(TypeDonneur), _libelles(Periodicite)
    for d in DonneurDOrdre.objects.order_by("nom", "pk").values().iterator(chunk_size=MORCEAU):
        yield {
            **d,
            "type": _choix(d["type"], types),
            "periodicite": _choix(d["periodicite_rapport"], periodicites),
        }


def referents() -> Iterable[dict]:
    yield from _lignes(
        Referent.objects.order_by("donneur_d_ordre__nom", "user__email"),
        "fonction",
        "principal",
        donneur=_donneur("donneur_d_ordre__"),
        email=F("user__email"),
        prenom=F("user__first_name"),
        nom=F("user__last_name"),
        telephone=F("user__telephone"),
    )


def conventions() -> Iterable[dict]:
    par = _libelles(DenoncePar)
    for c in _lignes(
        Convention.objects,
        "date_effet",
        "numero",
        "objet",
        "date_signature",
        "duree_mois",
        "preavis_mois",
        "date_denonciation",
        "denoncee_par",
        "motif_denonciation",
        "notes",
        donneur=_donneur("donneur_d_ordre__"),
    ):
        yield {**c, "denoncee_par": _choix(c["denoncee_par"], par)}


def avenants() -> Iterable[dict]:
    yield from _lignes(
        Avenant.objects,
        "numero",
        "objet",
        "date_signature",
        "description",
        donneur=_donneur("convention__donneur_d_ordre__"),
        date_effet_convention=F("convention__date_effet"),
    )


def entreprises() -> Iterable[dict]:
    yield from Entreprise.objects.order_by("siret").values().iterator(chunk_size=MORCEAU)


def operateurs() -> Iterable[dict]:
    types = _libelles(TypeOperateur)
    for o in Operateur.objects.order_by("type", "nom", "pk").values().iterator(chunk_size=MORCEAU):
        yield {**o, "type": _choix(o["type"], types)}


def marches_() -> Iterable[dict]:
    types, statuts, origines = _libelles(TypeMarche), _libelles(StatutMarche), _libelles(Origine)
    avis = _libelles(AvisFaisabilite)
    for m in (
        Marche.objects.order_by("pk")
        .annotate(
            donneur=_donneur("donneur_d_ordre__"),
            facilitateur_email=F("facilitateur__email"),
            declare_par_email=F("declare_par__email"),
        )
        .values()
        .iterator(chunk_size=MORCEAU)
    ):
        yield {
            **m,
            "type": _choix(m["type"], types),
            "statut": _choix(m["statut"], statuts),
            "origine": _choix(m["origine"], origines),
            "avis_faisabilite": _choix(m["avis_faisabilite"], avis),
            "facilitateur": m["facilitateur_email"],
            "declare_par": m["declare_par_email"],
        }


def lots_() -> Iterable[dict]:
    clause = "clause__"
    for lot in _lignes(
        Lot.objects.order_by("pk"),
        "numero",
        "intitule",
        "montant_ht",
        "date_debut",
        "date_fin",
        donneur=_donneur("marche__donneur_d_ordre__"),
        marche=_marche("marche__"),
        a_clause=Case(When(clause__isnull=False, then=Value(True)), default=Value(False)),
        corps_d_etat=F(f"{clause}corps_d_etat__libelle"),
        clause_montant_ht=F(f"{clause}montant_ht"),
        part_main_oeuvre=F(f"{clause}part_main_oeuvre"),
        taux_insertion=F(f"{clause}taux_insertion"),
        cout_horaire=F(f"{clause}cout_horaire"),
        heures_forcees=F(f"{clause}heures_forcees"),
        heures_calculees=F(f"{clause}heures_calculees"),
        motif_forcage=F(f"{clause}motif_forcage"),
        part_qpv_minimum=F(f"{clause}part_qpv_minimum"),
        modalites=ArrayAgg(
            f"{clause}modalites__libelle",
            filter=Q(**{f"{clause}modalites__isnull": False}),
            distinct=True,
            order_by="clause__modalites__libelle",
            default=Value([]),
        ),
    ):
        if not lot["a_clause"]:
            yield {**lot, "modalites": None}
            continue
        objectif = lot["heures_forcees"] if lot["heures_forcees"] is not None else lot["heures_calculees"]
        yield {**lot, "modalites": "; ".join(lot["modalites"]), "objectif": objectif}


def attributions() -> Iterable[dict]:
    roles = _libelles(RoleAttributaire)
    for a in _lignes(
        Attribution.objects.order_by("pk"),
        "role",
        "montant_ht",
        "heures_objectif",
        "date_notification",
        "date_debut",
        "date_fin",
        "contact_nom",
        "contact_email",
        "contact_telephone",
        donneur=_donneur("lot__marche__donneur_d_ordre__"),
        marche=_marche("lot__marche__"),
        lot_numero=F("lot__numero"),
        siret=F("entreprise__siret"),
    ):
        yield {**a, "lot": a["lot_numero"], "role": _choix(a["role"], roles)}


def participants() -> Iterable[dict]:
    genres, niveaux = _libelles(Genre), _libelles(NiveauQualification)
    for p in _lignes(
        Participant.objects.order_by("reference"),
        "reference",
        "nom",
        "prenom",
        "date_naissance",
        "genre",
        "commune",
        "code_postal",
        "reside_qpv",
        "qpv",
        "niveau_qualification",
        "identifiant_france_travail",
        "telephone",
        "email",
        "date_orientation",
        "notes",
        prescripteur=Coalesce("prescripteur__siret", "prescripteur__nom"),
        codes=ArrayAgg("criteres__code", filter=Q(criteres__isnull=False), distinct=True, default=Value([])),
    ):
        yield {
            **p,
            "genre": _choix(p["genre"], genres),
            "niveau": _choix(p["niveau_qualification"], niveaux),
            "criteres": "; ".join(sorted(p["codes"])),
        }


def _placement(chemin: str) -> dict:
    """The columns naming a placement (participant, entreprise, first day, lot), for the hours and outcomes."""
    return {
        "participant": F(f"{chemin}participant__reference"),
        "siret": F(f"{chemin}attribution__entreprise__siret"),
        "debut_placement": F(f"{chemin}date_debut"),
        "donneur": _donneur(f"{chemin}attribution__lot__marche__donneur_d_ordre__"),
        "marche": _marche(f"{chemin}attribution__lot__marche__"),
        "lot": F(f"{chemin}attribution__lot__numero"),
    }


def placements() -> Iterable[dict]:
    modalites, contrats = _libelles(ModalitePlacement), _libelles(TypeContrat)
    colonnes = _placement("")
    colonnes.pop("debut_placement")
    for p in _lignes(
        Placement.objects.order_by("pk"),
        "poste",
        "date_debut",
        "date_fin_prevue",
        "date_fin",
        "duree_hebdomadaire",
        "reside_qpv",
        "notes",
        "modalite",
        "type_contrat",
        operateur=Coalesce("operateur__siret", "operateur__nom"),
        **colonnes,
    ):
        yield {**p, "modalite": _choix(p["modalite"], modalites), "type_contrat": _choix(p["type_contrat"], contrats)}


def heures() -> Iterable[dict]:
    for h in _lignes(
        HeuresMensuelles.objects.order_by("placement_id", "mois"), "mois", "heures", **_placement("placement__")
    ):
        yield {**h, "mois": f"{h['mois']:%m/%Y}"}


def sorties() -> Iterable[dict]:
    moments, situations = _libelles(MomentSortie), _libelles(Situation)
    for s in _lignes(
        Sortie.objects.order_by("pk"),
        "moment",
        "date_constat",
        "situation",
        "employeur",
        "commentaire",
        **_placement("placement__"),
    ):
        yield {**s, "moment": _choix(s["moment"], moments), "situation": _choix(s["situation"], situations)}


SOURCES = (
    (organisations.DONNEURS, donneurs),
    (organisations.REFERENTS, referents),
    (organisations.CONVENTIONS, conventions),
    (organisations.AVENANTS, avenants),
    (annuaires.ENTREPRISES, entreprises),
    (annuaires.OPERATEURS, operateurs),
    (marches.MARCHES, marches_),
    (lots.LOTS, lots_),
    (lots.ATTRIBUTIONS, attributions),
    (parcours.PARTICIPANTS, participants),
    (parcours.PLACEMENTS, placements),
    (suivi.HEURES, heures),
    (suivi.SORTIES, sorties),
)


def colonnes_exportees(type_: TypeFeuille) -> list:
    if type_.cle in ("placements", "heures", "sorties"):
        return [c for c in type_.colonnes if c.cle not in IDENTITE]
    return list(type_.colonnes)


def _rangees(type_: TypeFeuille, lignes: Iterable[dict]) -> Iterator[list]:
    cles = [c.cle for c in colonnes_exportees(type_)]
    for ligne in lignes:
        yield [ligne.get(cle) for cle in cles]


def exporter(sortie, format_fichier: str = "xlsx") -> None:
    """Write the whole portfolio to the file ``sortie``: the Lisez-moi, then one sheet per kind."""
    feuilles: list[tuple[str, list[str], Iterable[list]]] = [
        (LISEZ_MOI, ENTETE_LISEZ_MOI, lignes_lisez_moi(t for t, _ in SOURCES))
    ]
    feuilles += [
        (type_.titre, [c.titre for c in colonnes_exportees(type_)], _rangees(type_, source()))
        for type_, source in SOURCES
    ]
    ecrire(sortie, format_fichier, feuilles)
