"""The sheets of the people: participants with their eligibility criteria, and their placements.

A participant is known by their reference: Clauses' own (P-000012), or the facilitator's (any text, which only
the file's other sheets use: Clauses keeps its own); without a reference, by name, first name and birth date,
as the participants' import knows them. A P- reference unknown to Clauses is kept for the person it creates, so
that a portfolio exported by Clauses and imported into an empty base keeps its references (the sequence that
numbers participants then skips them). A placement is known by its participant, its attribution (lot and
entreprise) and its first day.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from clauses.importation.lecture import Colonne, normaliser, texte_cellule
from clauses.importation.participants import ANCIEN_CRITERE_QPV, NON, OUI
from clauses.importation.portefeuille.annuaires import precharger_entreprises
from clauses.importation.portefeuille.cellules import (
    Champ,
    Ligne,
    booleen,
    choix,
    code_postal,
    date_,
    decimal_,
    designation,
    email,
    liste,
    notes,
    texte,
)
from clauses.importation.portefeuille.lots import precharger_lots
from clauses.importation.portefeuille.moteur import AMBIGU, Entree, Genre, Lue, TypeFeuille, par_lots
from clauses.importation.portefeuille.references import (
    colonne_donneur,
    colonne_lot,
    colonne_marche,
    colonne_siret_entreprise,
)
from clauses.importation.rapport import lignes_parmi
from clauses.importation.releve import REFERENCE
from clauses.models import (
    OPERATEUR_PAR_MODALITE,
    SEQUENCE_DES_REFERENCES,
    CritereEligibilite,
    ModalitePlacement,
    NiveauQualification,
    Participant,
    Placement,
    TypeContrat,
)
from clauses.models import Genre as GenreParticipant
from entreprises.models import TYPES_PRESCRIPTEURS, TypeOperateur


def reference_clauses(texte_reference: str) -> str | None:
    """« P-12 », « p 000012 » → « P-000012 »; None for a reference that is not Clauses' own."""
    correspondance = REFERENCE.match(texte_reference.upper().replace(" ", ""))
    return f"P-{int(correspondance[1]):06d}" if correspondance else None


def cle_reference(texte_reference: str) -> str:
    """How a reference is compared between sheets: Clauses' own written as Clauses does, another without case or
    spaces."""
    return reference_clauses(texte_reference) or texte_reference.upper().replace(" ", "")


def colonnes_participant() -> tuple[Colonne, ...]:
    """The columns naming a participant in the sheets of placements, hours and outcomes."""
    return (
        Colonne(
            "participant",
            "Référence participant",
            ("Référence", "Réf. participant", "Identifiant participant", "N° participant"),
            "P-000012",
            "La référence de la personne (feuille Participants, ou celle de Clauses) ; à défaut : Nom, Prénom et "
            "Date de naissance.",
        ),
        Colonne("nom", "Nom", ("Nom du participant",), "", "Si la référence manque."),
        Colonne("prenom", "Prénom", ("Prénom du participant",), "", "Si la référence manque."),
        Colonne("date_naissance", "Date de naissance", ("Né(e) le", "Naissance"), "", "Si la référence manque."),
    )


# --- Participants -------------------------------------------------------------------------------------------

PARTICIPANTS = TypeFeuille(
    cle="participants",
    titre="Participants",
    synonymes=("Participant", "Personnes", "Bénéficiaires", "Salariés en insertion"),
    colonnes=(
        Colonne(
            "reference",
            "Référence",
            ("Référence participant", "Réf.", "Identifiant", "N° participant"),
            "P-000012",
            "Celle de Clauses (P-000012) ou la vôtre ; vide, la personne est reconnue par son nom, son prénom et sa "
            "date de naissance.",
        ),
        Colonne("nom", "Nom", ("Nom de naissance", "Nom de famille"), "Durand", "Texte."),
        Colonne("prenom", "Prénom", ("Prénom(s)", "Prénoms"), "Inès", "Texte."),
        Colonne(
            "date_naissance",
            "Date de naissance",
            ("Né le", "Née le", "Né(e) le", "Naissance"),
            "17/05/1999",
            "JJ/MM/AAAA.",
        ),
        Colonne("genre", "Genre", ("Sexe",), "F", "F, H, Femme ou Homme."),
        Colonne("commune", "Commune", ("Commune de résidence", "Ville"), "Arles", "Texte."),
        Colonne("code_postal", "Code postal", ("CP",), "13200", "5 chiffres."),
        Colonne("reside_qpv", "QPV", ("Réside en QPV", "Habitant QPV"), "oui", "oui ou non (non par défaut)."),
        Colonne(
            "qpv", "Quartier", ("Quartier prioritaire", "Quartier QPV"), "Barriol", "Texte : le quartier prioritaire."
        ),
        Colonne(
            "niveau",
            "Niveau de qualification",
            ("Niveau", "Qualification"),
            "Niveau 3 (CAP, BEP)",
            "Sans diplôme ou infra niveau 3, Niveau 3, Niveau 4, Niveau 5 ou Niveau 6 et plus.",
        ),
        Colonne(
            "criteres",
            "Critères",
            ("Critères d'éligibilité", "Publics"),
            "deld; rsa",
            "Codes ou libellés des critères d'éligibilité, séparés par « ; ».",
        ),
        Colonne(
            "prescripteur",
            "Prescripteur",
            ("Orienté par",),
            "France Travail Arles",
            "Nom ou SIRET d'un prescripteur (feuille Opérateurs ou Clauses).",
        ),
        Colonne(
            "identifiant_france_travail",
            "Identifiant France Travail",
            ("Identifiant FT", "N° France Travail"),
            "",
            "Texte.",
        ),
        Colonne("telephone", "Téléphone", ("Tél.",), "", "Texte."),
        Colonne("email", "E-mail", ("Courriel",), "", "Adresse."),
        Colonne("date_orientation", "Date d'orientation", ("Orienté le",), "", "JJ/MM/AAAA."),
        Colonne("notes", "Notes", (), "", "Texte."),
    ),
    obligatoires=("nom", "prenom", "date_naissance", "genre", "niveau"),
    cle_naturelle="La référence ; à défaut, le nom, le prénom et la date de naissance.",
    description=(
        "Les personnes recrutées au titre des clauses, une par ligne (données personnelles : facilitateurs seuls)."
    ),
)


@dataclass
class _Personne:
    libelle: str
    reside_qpv: bool

    def __str__(self) -> str:
        return self.libelle


def _identite(nom: str, prenom: str, naissance: dt.date) -> tuple:
    return normaliser(nom), normaliser(prenom), naissance


CHAMPS_PARTICIPANT = [
    "nom",
    "prenom",
    "date_naissance",
    "genre",
    "commune",
    "code_postal",
    "reside_qpv",
    "qpv",
    "niveau_qualification",
    "prescripteur_id",
    "identifiant_france_travail",
    "telephone",
    "email",
    "date_orientation",
    "notes",
]


class Participants(Genre):
    definition = PARTICIPANTS
    modele = Participant
    champs = (
        Champ("nom", "nom", texte(150), True),
        Champ("prenom", "prenom", texte(150), True),
        Champ("date_naissance", "date_naissance", date_, True),
        Champ(
            "genre", "genre", choix(GenreParticipant, f="femme", h="homme", feminin="femme", masculin="homme"), True
        ),
        Champ("commune", "commune", texte(100)),
        Champ("code_postal", "code_postal", code_postal),
        Champ(
            "niveau",
            "niveau_qualification",
            choix(NiveauQualification, **{"6": "6_plus", "sans diplome": "infra_3"}),
            True,
        ),
        Champ("identifiant_france_travail", "identifiant_france_travail", texte(20)),
        Champ("telephone", "telephone", texte(30)),
        Champ("email", "email", email),
        Champ("date_orientation", "date_orientation", date_),
        Champ("notes", "notes", notes(5000)),
    )
    libelles = {
        "prescripteur_id": "Prescripteur",
        "niveau_qualification": "Niveau",
        "reside_qpv": "QPV",
        "qpv": "Quartier",
    }

    def __init__(self, contexte):
        super().__init__(contexte)
        self.criteres: dict[str, int] | None = None
        self.codes_criteres: dict[int, str] = {}
        self.par_identite: dict[tuple, list[Entree]] = defaultdict(list)
        self.criteres_base: dict[int, set[int]] = {}
        self.criteres_a_poser: list[tuple[Entree, set[int]]] = []
        self.references_gardees: list[tuple[Entree, str | None]] = []
        self.en_base_reference: dict[str, Entree] = {}
        self.en_base_identite: dict[tuple, list[Entree]] = defaultdict(list)
        self.dates_lues: set[dt.date] = set()

    def preparer(self, tableau) -> None:
        if self.criteres is None:
            self.criteres = {}
            for pk, code, libelle in CritereEligibilite.objects.values_list("pk", "code", "libelle"):
                self.criteres[normaliser(code)] = self.criteres[normaliser(libelle)] = pk
                self.codes_criteres[pk] = code

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        brut_reference = ligne.lire("reference", texte(100)) or ""
        valeurs = ligne.champs(self.champs)
        self._lire_qpv(ligne, valeurs)
        criteres = self._lire_criteres(ligne, valeurs)
        if ligne.rempli("prescripteur"):
            prescripteur = self.contexte["operateurs"].trouver(ligne, "prescripteur")
            if prescripteur is not None:
                if getattr(prescripteur.d, "type", None) not in TYPES_PRESCRIPTEURS:
                    ligne.erreur(
                        "prescripteur",
                        f"{prescripteur.d} n'est pas un prescripteur (France Travail, Mission locale…).",
                    )
                else:
                    valeurs["prescripteur_id"] = prescripteur
        if not {"nom", "prenom", "date_naissance"} <= valeurs.keys():
            return None
        identite = _identite(valeurs["nom"], valeurs["prenom"], valeurs["date_naissance"])
        cle = ("ref", cle_reference(brut_reference)) if brut_reference else ("id", identite)
        lue = Lue(
            ligne, cle, valeurs, (identite, reference_clauses(brut_reference) if brut_reference else None, criteres)
        )
        lue.entree.d = _Personne(f"{brut_reference or ''} {valeurs['prenom']} {valeurs['nom']}".strip(), False)
        self.par_identite[identite].append(lue.entree)
        return lue

    def _lire_qpv(self, ligne: Ligne, valeurs: dict) -> None:
        qpv, quartier = normaliser(texte_cellule(ligne.brut("reside_qpv"))), ligne.lire("qpv", texte(150))
        if qpv in OUI:
            valeurs["reside_qpv"] = True
        elif qpv in NON:
            valeurs["reside_qpv"], valeurs["qpv"] = False, ""
            if quartier:
                ligne.erreur("qpv", f"quartier « {quartier} » renseigné alors que QPV vaut « non ».")
        elif qpv:
            ligne.erreur("reside_qpv", f"« {texte_cellule(ligne.brut('reside_qpv'))} » : oui ou non attendu.")
        if quartier and qpv not in NON:
            valeurs["qpv"], valeurs["reside_qpv"] = quartier, True

    def _lire_criteres(self, ligne: Ligne, valeurs: dict) -> set[int] | None:
        if not ligne.rempli("criteres"):
            return None
        assert self.criteres is not None
        choisis: set[int] = set()
        for morceau in liste(ligne.brut("criteres")):
            critere = self.criteres.get(normaliser(morceau))
            if critere is not None:
                choisis.add(critere)
            elif normaliser(morceau) in ANCIEN_CRITERE_QPV:
                # Residence in a QPV is the QPV column now (clauses migration 0009): older files say it here.
                valeurs["reside_qpv"] = True
            else:
                ligne.erreur("criteres", f"« {morceau} » n'est pas un critère d'éligibilité de Clauses.")
        return choisis

    def cle_en_base(self, lue: Lue) -> tuple | None:
        return lue.cle

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        """By Clauses' reference when the row gives one; else by identity (a reference of the facilitator's own, or
        none), which must be unique."""
        lues_par_cle = {lue.cle: lue for lue in self.lues}
        references = {lue.extra[1] for lue in lues_par_cle.values() if lue.extra[1]}
        dates = {lue.extra[0][2] for lue in lues_par_cle.values() if not lue.extra[1]}
        colonnes = ("pk", "reference", *CHAMPS_PARTICIPANT)
        par_reference = {
            ligne[1]: dict(zip(colonnes, ligne, strict=True))
            for ligne in lignes_parmi(Participant.objects, "reference", references, *colonnes)
        }
        par_identite: dict[tuple, list[dict]] = defaultdict(list)
        for ligne in lignes_parmi(Participant.objects, "date_naissance", dates, *colonnes):
            fiche = dict(zip(colonnes, ligne, strict=True))
            par_identite[_identite(fiche["nom"], fiche["prenom"], fiche["date_naissance"])].append(fiche)
        resultat: dict[tuple, dict] = {}
        for cle, lue in lues_par_cle.items():
            identite, reference, _ = lue.extra
            if reference:
                if reference in par_reference:
                    resultat[cle] = par_reference[reference]
                continue
            trouves = par_identite.get(identite, [])
            if len(trouves) > 1:
                fiches = ", ".join(sorted(f["reference"] for f in trouves))
                resultat[cle] = {
                    AMBIGU: f"plusieurs participants de Clauses ont ce nom, ce prénom et cette date de "
                    f"naissance (fiches {fiches}) : donnez la référence."
                }
            elif trouves:
                resultat[cle] = trouves[0]
        ids = [fiche["pk"] for fiche in resultat.values() if AMBIGU not in fiche]
        for lot in par_lots(ids):
            for participant, critere in Participant.criteres.through.objects.filter(
                participant_id__in=lot
            ).values_list("participant_id", "critereeligibilite_id"):
                self.criteres_base.setdefault(participant, set()).add(critere)
        return resultat

    def completer(self, lue: Lue, existant: dict | None) -> None:
        if existant is None:
            lue.valeurs.setdefault("reside_qpv", False)
        if lue.valeurs.get("reside_qpv") is False:
            lue.valeurs["qpv"] = ""

    def autres_changements(self, lue: Lue, existant: dict) -> dict:
        criteres = lue.extra[2]
        avant = self.criteres_base.get(existant["pk"], set())
        if criteres is None or criteres == avant:
            return {}
        return {"Critères": (self._codes(avant), self._codes(criteres))}

    def _codes(self, criteres: set[int]) -> str:
        return "; ".join(sorted(self.codes_criteres[c] for c in criteres)) or "aucun"

    def apres_conclusion(self, lue: Lue, apres: dict) -> None:
        lue.entree.d = _Personne(
            f"{apres.get('reference') or lue.extra[1] or ''} {apres.get('prenom', '')} {apres.get('nom', '')}".strip(),
            bool(apres.get("reside_qpv")),
        )
        if not lue.ligne.valide:
            return
        criteres = lue.extra[2]
        if lue.entree.pk is None:
            self.references_gardees.append((lue.entree, lue.extra[1]))
            self.criteres_a_poser.append((lue.entree, criteres or set()))
        elif criteres is not None and criteres != self.criteres_base.get(lue.entree.pk, set()):
            self.criteres_a_poser.append((lue.entree, criteres))

    def decrire_cle(self, lue: Lue) -> str:
        return str(lue.entree.d)

    def decrire(self, valeurs: dict, extra: dict | None = None, avant: bool = False) -> str:
        return super().decrire({k: v for k, v in valeurs.items() if k not in ("nom", "prenom")}, extra, avant)

    def instance(self, lue: Lue):
        return Participant(**{k: (v.pk if isinstance(v, Entree) else v) for k, v in lue.valeurs.items()})

    def appliquer(self) -> None:
        """New people keep their P- reference when it is free, else get the sequence's next ones."""
        gardees = {reference for _, reference in self.references_gardees if reference}
        libres = gardees - set(Participant.objects.filter(reference__in=gardees).values_list("reference", flat=True))
        sans = [entree for entree, reference in self.references_gardees if reference not in libres]
        nouvelles = iter(Participant.objects.nouvelles_references(len(sans)))
        reference_de = {}
        for entree, reference in self.references_gardees:
            reference_de[id(entree)] = reference if reference in libres else next(nouvelles)
        objets = []
        for lue in self.a_creer:
            objet = self.instance(lue)
            objet.reference = reference_de[id(lue.entree)]
            objets.append(objet)
        Participant.objects.bulk_create(objets, batch_size=2000)
        for lue, objet in zip(self.a_creer, objets, strict=True):
            lue.entree.pk = objet.pk
        if libres:
            # Numbers handed out here must never come out of the sequence: it goes past the largest one kept.
            plus_grand = max(int(reference[2:]) for reference in libres)
            with connection.cursor() as curseur:
                curseur.execute(
                    f"SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM {SEQUENCE_DES_REFERENCES})))",
                    [SEQUENCE_DES_REFERENCES, plus_grand],
                )
        self.mettre_a_jour(self.a_modifier)
        Through = Participant.criteres.through
        remplaces = [entree.pk for entree, _ in self.criteres_a_poser]
        for lot in par_lots(remplaces):
            Through.objects.filter(participant_id__in=lot).delete()
        Through.objects.bulk_create(
            [
                Through(participant_id=e.pk, critereeligibilite_id=c)
                for e, criteres in self.criteres_a_poser
                for c in criteres
            ],
            batch_size=5000,
        )

    # References from the other sheets.

    def precharger(self, references: set[str], dates: set[dt.date]) -> None:
        references = {r for r in references if r not in self.en_base_reference}
        for pk, reference, nom, prenom, reside in lignes_parmi(
            Participant.objects, "reference", references, "pk", "reference", "nom", "prenom", "reside_qpv"
        ):
            self.en_base_reference[reference] = Entree(pk, d=_Personne(f"{reference} {prenom} {nom}", reside))
        dates -= self.dates_lues
        self.dates_lues |= dates
        for pk, reference, nom, prenom, naissance, reside in lignes_parmi(
            Participant.objects,
            "date_naissance",
            dates,
            "pk",
            "reference",
            "nom",
            "prenom",
            "date_naissance",
            "reside_qpv",
        ):
            entree = self.en_base_reference.setdefault(
                reference, Entree(pk, d=_Personne(f"{reference} {prenom} {nom}", reside))
            )
            self.en_base_identite[_identite(nom, prenom, naissance)].append(entree)

    def trouver(self, ligne: Ligne) -> Entree | None:
        """The participant a row of another sheet names: by reference, else by name, first name and birth date."""
        if ligne.rempli("participant"):
            brut = ligne.lire("participant", designation)
            entree = self.index.get(("ref", cle_reference(brut)))
            if entree is None and (reference := reference_clauses(brut)):
                entree = self.en_base_reference.get(reference)
            if entree is None:
                ligne.erreur(
                    "participant",
                    f"aucun participant de référence « {brut} », ni dans {self.la_feuille} ni dans Clauses.",
                )
            return entree
        nom, prenom = ligne.lire("nom", texte(150)), ligne.lire("prenom", texte(150))
        naissance = ligne.lire("date_naissance", date_)
        if not (nom and prenom and naissance):
            if ligne.valide:
                ligne.erreur(
                    "participant",
                    "participant non désigné : donnez sa référence, ou son nom, son prénom et sa date de naissance.",
                )
            return None
        identite = _identite(nom, prenom, naissance)
        trouves = self.par_identite.get(identite) or self.en_base_identite.get(identite, [])
        personne = f"{prenom} {nom}, né(e) le {naissance:%d/%m/%Y}"
        if len(trouves) > 1:
            ligne.erreur("participant", f"plusieurs participants s'appellent {personne} : donnez la référence.")
            return None
        if not trouves:
            ligne.erreur("nom", f"aucun participant {personne}, ni dans {self.la_feuille} ni dans Clauses.")
            return None
        return trouves[0]


def precharger_participants(contexte, tableau) -> None:
    references, dates = set(), set()
    i_reference, i_date = tableau.colonnes.get("participant"), tableau.colonnes.get("date_naissance")
    for _, valeurs in tableau.lignes:
        if i_reference is not None and (brut := texte_cellule(valeurs[i_reference])):
            if reference := reference_clauses(brut):
                references.add(reference)
        elif i_date is not None and (naissance := _date_ou_rien(valeurs[i_date])):
            dates.add(naissance)
    contexte["participants"].precharger(references, dates)


def _date_ou_rien(valeur: object) -> dt.date | None:
    try:
        return date_(valeur)
    except ValueError:
        return None


# --- Placements ----------------------------------------------------------------------------------------------

PLACEMENTS = TypeFeuille(
    cle="placements",
    titre="Placements",
    synonymes=("Placement", "Contrats", "Parcours", "Recrutements"),
    colonnes=(
        *colonnes_participant(),
        colonne_donneur(),
        colonne_marche(),
        colonne_lot(),
        colonne_siret_entreprise(),
        Colonne(
            "modalite",
            "Modalité",
            ("Modalité du placement", "Modalité de recrutement"),
            "Mise à disposition par une ETTI",
            "Embauche directe par l'attributaire, Mise à disposition par une ETTI, par une AI, par un GEIQ, "
            "Sous-traitance ou co-traitance avec une EI ou un ACI, Heures de formation.",
        ),
        Colonne(
            "operateur",
            "Opérateur",
            ("Structure d'insertion", "SIAE"),
            "Delta Intérim Insertion",
            "Nom ou SIRET (feuille Opérateurs ou Clauses) ; vide pour une embauche directe.",
        ),
        Colonne(
            "type_contrat",
            "Type de contrat",
            ("Contrat",),
            "Mission d'intérim (CTTI)",
            "CDI, CDI de chantier, CDD, Contrat d'apprentissage, Contrat de professionnalisation, Mission d'intérim "
            "(CTTI), CDDI, Mise à disposition (AI), Formation ou Autre.",
        ),
        Colonne("poste", "Poste", ("Poste occupé", "Métier"), "Peintre", "Texte."),
        Colonne("date_debut", "Début", ("Date de début", "Début du contrat"), "02/06/2025", "JJ/MM/AAAA."),
        Colonne("date_fin_prevue", "Fin prévue", (), "31/10/2025", "JJ/MM/AAAA."),
        Colonne("date_fin", "Fin effective", ("Date de fin", "Fin"), "", "JJ/MM/AAAA."),
        Colonne(
            "duree_hebdomadaire",
            "Durée hebdomadaire (h)",
            ("Durée hebdomadaire", "Heures par semaine"),
            "35",
            "De 0 à 48.",
        ),
        Colonne(
            "reside_qpv",
            "Résidait en QPV à l'embauche",
            ("QPV à l'embauche",),
            "",
            "oui ou non ; vide, la case QPV du participant.",
        ),
        Colonne("notes", "Notes", (), "", "Texte."),
    ),
    obligatoires=("donneur", "marche", "lot", "siret", "modalite", "type_contrat", "date_debut"),
    cle_naturelle="Le participant, l'attribution (donneur d'ordre, marché, lot, SIRET) et la date de début.",
    description=(
        "Les contrats, mises à disposition et formations des participants chez les attributaires, un par ligne."
    ),
)


@dataclass
class _Placement:
    participant: Entree
    entreprise: int | Entree
    lot: Entree | int | None
    debut: dt.date
    fin: dt.date | None
    libelle: str = ""

    def __str__(self) -> str:
        return self.libelle


class Placements(Genre):
    definition = PLACEMENTS
    modele = Placement
    champs = (
        Champ("modalite", "modalite", choix(ModalitePlacement), True),
        Champ("type_contrat", "type_contrat", choix(TypeContrat, CTTI="interim", interim="interim"), True),
        Champ("poste", "poste", texte(150)),
        Champ("date_fin_prevue", "date_fin_prevue", date_),
        Champ("date_fin", "date_fin", date_),
        Champ("duree_hebdomadaire", "duree_hebdomadaire", decimal_(4, 1, maximum=Decimal(48))),
        Champ("reside_qpv", "reside_qpv", booleen),
        Champ("notes", "notes", notes(5000)),
    )
    libelles = {"participant_id": "Participant", "attribution_id": "Attributaire", "operateur_id": "Opérateur"}

    def __init__(self, contexte):
        super().__init__(contexte)
        # (participant, entreprise) → the placements there: the file's by their entries, the stored ones by their ids.
        self.du_fichier: dict[tuple[int, int], list[Entree]] = defaultdict(list)
        self.en_base: dict[tuple[int, int], list[Entree]] = defaultdict(list)
        self.participants_lus: set[int] = set()

    def preparer(self, tableau) -> None:
        precharger_lots(self.contexte, tableau)
        lots = self.contexte["lots"]
        self.contexte["attributions"].precharger({e.pk for e in lots.en_base.values() if e.pk is not None})
        precharger_entreprises(self.contexte, tableau, "siret")
        precharger_participants(self.contexte, tableau)

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        participant = self.contexte["participants"].trouver(ligne)
        lot = self.contexte["lots"].trouver(ligne)
        entreprise = self.contexte["entreprises"].trouver(ligne, "siret")
        debut = ligne.lire("date_debut", date_, True)
        valeurs = ligne.champs(self.champs)
        attribution = None
        if lot is not None and entreprise is not None:
            attribution = self.contexte["attributions"].chercher(lot, entreprise)
            if attribution is None:
                ligne.erreur(
                    "siret",
                    f"{entreprise.d} n'est pas attributaire du {lot.d}, ni dans "
                    f"{self.contexte['attributions'].la_feuille} ni dans Clauses.",
                )
        if ligne.rempli("operateur"):
            operateur = self.contexte["operateurs"].trouver(ligne, "operateur")
            if operateur is not None:
                valeurs["operateur_id"] = operateur
                attendus = OPERATEUR_PAR_MODALITE.get(ModalitePlacement(valeurs.get("modalite") or "embauche_directe"))
                if attendus is not None and getattr(operateur.d, "type", None) not in attendus:
                    noms = ", ".join(TypeOperateur(t).label.split(" — ")[0] for t in sorted(attendus))
                    ligne.erreur("operateur", f"pour cette modalité, l'opérateur doit être : {noms}.")
        if participant is None or attribution is None or debut is None:
            return None
        cle = (participant, attribution, debut)
        lue = Lue(
            ligne, cle, {"participant_id": participant, "attribution_id": attribution, "date_debut": debut, **valeurs}
        )
        lue.entree.d = _Placement(
            participant, entreprise, lot, debut, None, f"{participant.d} chez {entreprise.d} dès le {debut:%d/%m/%Y}"
        )
        self.du_fichier[(id(participant), id(entreprise))].append(lue.entree)
        return lue

    def completer(self, lue: Lue, existant: dict | None) -> None:
        if existant is None and "reside_qpv" not in lue.valeurs:
            lue.valeurs["reside_qpv"] = bool(getattr(lue.cle[0].d, "reside_qpv", False))

    def verifier(self, lue: Lue, apres: dict) -> None:
        debut = apres.get("date_debut")
        for champ, message in (
            ("date_fin", "la fin effective précède le début."),
            ("date_fin_prevue", "la fin prévue précède le début."),
        ):
            if debut and apres.get(champ) and apres[champ] < debut:
                lue.ligne.erreur(champ, message)
        lue.entree.d.fin = apres.get("date_fin") or apres.get("date_fin_prevue")

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        voulues = set(cles)
        resultat: dict[tuple, dict] = {}
        champs = [
            "pk",
            "participant_id",
            "attribution_id",
            "date_debut",
            "operateur_id",
            *(c.champ for c in self.champs),
        ]
        for lot in par_lots({participant for participant, _, _ in cles}):
            for ligne in Placement.objects.order_by().filter(participant_id__in=lot).values(*champs):
                cle = (ligne["participant_id"], ligne["attribution_id"], ligne["date_debut"])
                if cle not in voulues:
                    continue
                if cle in resultat:
                    resultat[cle] = {
                        AMBIGU: "deux placements de Clauses ont ce participant, cet attributaire et ce début."
                    }
                else:
                    resultat[cle] = ligne
        return resultat

    def decrire_cle(self, lue: Lue) -> str:
        return str(lue.entree.d)

    # References from the other sheets (hours, outcomes).

    def precharger(self, participants: set[int]) -> None:
        nouveaux = participants - self.participants_lus
        self.participants_lus |= nouveaux
        for lot in par_lots(nouveaux):
            for pk, participant, entreprise, lot_id, debut, fin, fin_prevue in (
                Placement.objects.order_by()
                .filter(participant_id__in=lot)
                .values_list(
                    "pk",
                    "participant_id",
                    "attribution__entreprise_id",
                    "attribution__lot_id",
                    "date_debut",
                    "date_fin",
                    "date_fin_prevue",
                )
            ):
                self.en_base[(participant, entreprise)].append(
                    Entree(pk, d=_Placement(participant, entreprise, lot_id, debut, fin or fin_prevue))
                )

    def candidats(self, participant: Entree, entreprise: Entree) -> list[Entree]:
        """The placements of a participant at an entreprise: the file's, and the stored ones the file does not hold."""
        du_fichier = self.du_fichier.get((id(participant), id(entreprise)), [])
        connus = {e.pk for e in du_fichier if e.pk is not None}
        en_base = []
        if participant.pk is not None and entreprise.pk is not None:
            en_base = [e for e in self.en_base.get((participant.pk, entreprise.pk), []) if e.pk not in connus]
        return [*du_fichier, *en_base]


GENRES = (Participants, Placements)
