"""Reading generated PDFs back, and a convention whose year has hours: shared by the documents' tests."""

import datetime as dt
import io
import re
from decimal import Decimal

from pypdf import PdfReader

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import ModalitePlacement, TypeContrat
from conventions.factories import ConventionFactory, DonneurDOrdreFactory
from conventions.models import StructurePorteuse
from entreprises.factories import EntrepriseFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche

D = dt.date


def normaliser(texte: str) -> str:
    """Text as a reader reads it: French number grouping (no-break spaces) and line ends become one space, and
    words hyphenated at a line end (justified text) are joined again."""
    texte = re.sub(r"\u2010\s+", "", texte)
    return re.sub(r"\s+", " ", texte.replace("\xa0", " ").replace("\u202f", " ")).strip()


def pages_pdf(contenu: bytes) -> list[str]:
    assert contenu.startswith(b"%PDF-"), "Ce n'est pas un PDF."
    return [normaliser(page.extract_text() or "") for page in PdfReader(io.BytesIO(contenu)).pages]


def texte_pdf(contenu: bytes) -> str:
    return " ".join(pages_pdf(contenu))


def structure_porteuse() -> StructurePorteuse:
    structure = StructurePorteuse.get()
    structure.nom = "Agglomération du Pays d'Essai"
    structure.adresse = "1 place de la Mairie"
    structure.code_postal = "13200"
    structure.commune = "Arles"
    structure.signataire_qualite = "Le Président"
    structure.signataire_nom = "Jean Dupont-Essai"
    structure.save()
    return structure


# Participants' identities, which must never reach a document addressed to a donneur d'ordre.
NOMS = [("Zébulon", "Philomène"), ("Quasimodo", "Anatole"), ("Vercingétorix", "Berthe"), ("Tournesol", "Cunégonde")]


def convention_avec_heures(nombre_de_lots: int = 2):
    """A convention taking effect on 1 January 2025, its donneur's marché in execution with ``nombre_de_lots``
    lots (1 200 h each over 2025), and four people with hours in 2025 on the first lot.

    Hours of 2025: 100 + 80 + 60 + 40 a month for January to June on lot 1 = 1 680 h; 2024 has 50 h (outside).
    """
    structure_porteuse()
    donneur = DonneurDOrdreFactory(nom="Ville de Testville", adresse="2 rue du Test", code_postal="13000")
    convention = ConventionFactory(
        donneur_d_ordre=donneur, numero="CI-2025-001", date_signature=D(2024, 12, 15), date_effet=D(2025, 1, 1)
    )
    marche = MarcheFactory(
        donneur_d_ordre=donneur, objet="Rénovation de l'école Jules-Ferry", statut=StatutMarche.EN_EXECUTION
    )
    lots = []
    for n in range(nombre_de_lots):
        lot = LotFactory(
            marche=marche,
            numero=str(n + 1),
            intitule=f"Corps d'état {n + 1}",
            date_debut=D(2025, 1, 1),
            date_fin=D(2025, 12, 31),
        )
        ClauseInsertionFactory(lot=lot, heures_forcees=1200)
        AttributionFactory(lot=lot, entreprise=EntrepriseFactory(raison_sociale=f"Bâtisseurs {n + 1} SARL"))
        lots.append(lot)
    attribution = lots[0].attributions.get()
    placements = []
    for (nom, prenom), heures, contrat in zip(
        NOMS, (100, 80, 60, 40), (TypeContrat.CDD, TypeContrat.CDD, TypeContrat.INTERIM, TypeContrat.CDI), strict=True
    ):
        participant = ParticipantFactory(nom=nom, prenom=prenom, reside_qpv=nom == "Zébulon")
        placement = PlacementFactory(
            participant=participant,
            attribution=attribution,
            type_contrat=contrat,
            modalite=ModalitePlacement.EMBAUCHE_DIRECTE,
            date_debut=D(2025, 1, 6),
        )
        for mois in range(1, 7):
            HeuresMensuellesFactory(placement=placement, mois=D(2025, mois, 1), heures=Decimal(heures))
        placements.append(placement)
    HeuresMensuellesFactory(placement=placements[0], mois=D(2024, 12, 1), heures=Decimal(50))
    return {"donneur": donneur, "convention": convention, "marche": marche, "lots": lots, "placements": placements}


def identites(placements) -> list[str]:
    """Every name, first name, reference and birth date of the people of ``placements``, as text."""
    valeurs = []
    for placement in placements:
        p = placement.participant
        valeurs += [p.nom, p.prenom, p.reference, f"{p.date_naissance:%d/%m/%Y}"]
    return valeurs
