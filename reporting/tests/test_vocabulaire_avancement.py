"""One vocabulary for progress and lateness: a lot in a given situation reads the same word on the facilitator's lot
page, the portal's marché page, the rapport de marché, the periodic report and the annual bilan
(``clauses.objectif.SituationAvancement``)."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, PlacementFactory
from clauses.objectif import SituationAvancement, situation_avancement
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, ReferentFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting.documents import produire
from reporting.models import Rapport, TypeRapport
from reporting.tests.outils_pdf import structure_porteuse, texte_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2025-08-20T12:00+02:00")]

D = dt.date
S = SituationAvancement
ANNEE = (D(2025, 1, 1), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("objectif", "realisees", "attendues", "attendu"),
    [
        (0, Decimal(0), None, S.SANS_OBJECTIF),
        (None, Decimal(50), Decimal(10), S.SANS_OBJECTIF),
        (1200, Decimal(0), None, S.NON_EVALUE),
        (1200, Decimal(0), Decimal(0), S.RIEN_ATTENDU),
        (1200, Decimal(79), Decimal(100), S.EN_RETARD),
        (1200, Decimal(80), Decimal(100), S.DANS_LES_TEMPS),
    ],
)
def test_the_situation_of_a_lot(objectif, realisees, attendues, attendu):
    assert situation_avancement(objectif, realisees, attendues) == attendu


def test_the_labels():
    assert dict(S.choices) == {
        "sans_objectif": "Pas d'objectif",
        "non_evalue": "Non évalué",
        "rien_attendu": "Rien d'attendu à ce jour",
        "en_retard": "En retard",
        "dans_les_temps": "Dans les temps",
    }


@pytest.fixture
def lots():
    """On 20 August 2025 (progress judged at 31 July): a lot on schedule, one late, one whose execution starts on
    1 August, one without a clause, and the lot of a marché still under consultation."""
    structure_porteuse()
    donneur = DonneurDOrdreFactory(nom="Ville de Testville")
    ConventionFactory(donneur_d_ordre=donneur, date_signature=D(2024, 12, 1), date_effet=D(2025, 1, 1))
    marche = MarcheFactory(donneur_d_ordre=donneur, objet="Groupe scolaire", statut=StatutMarche.EN_EXECUTION)
    consultation = MarcheFactory(donneur_d_ordre=donneur, objet="Médiathèque", statut=StatutMarche.EN_CONSULTATION)

    def lot(m, numero, intitule, debut, fin, objectif, heures=()):
        lot = LotFactory(marche=m, numero=numero, intitule=intitule, date_debut=debut, date_fin=fin)
        if objectif:
            ClauseInsertionFactory(lot=lot, heures_forcees=objectif)
        placement = PlacementFactory(attribution=AttributionFactory(lot=lot), date_debut=D(2025, 1, 6))
        for mois, valeur in heures:
            HeuresMensuellesFactory(placement=placement, mois=mois, heures=Decimal(valeur))
        return lot

    return {
        "donneur": donneur,
        "marches": [marche, consultation],
        # 700 h done, 1 200 h × 212 / 365 = 697 h expected by 31 July.
        S.DANS_LES_TEMPS: lot(marche, "1", "Gros œuvre", *ANNEE, 1200, [(D(2025, m, 1), 100) for m in range(1, 8)]),
        S.EN_RETARD: lot(marche, "2", "Peinture", *ANNEE, 1200, [(D(2025, 2, 1), 10)]),
        S.RIEN_ATTENDU: lot(marche, "3", "Toiture", D(2025, 8, 1), D(2026, 7, 31), 600),
        S.SANS_OBJECTIF: lot(marche, "4", "Menuiserie", *ANNEE, None, [(D(2025, 3, 1), 20)]),
        S.NON_EVALUE: lot(consultation, "1", "Études", *ANNEE, 500),
    }


def _texte_pdf(rapport: Rapport) -> str:
    return texte_pdf(produire(rapport).contenu)


def _mots_du_lot(texte: str, lot) -> set[str]:
    """The words of progress printed on ``lot``'s rows: after each occurrence of its title, up to the next lot's,
    the first label (a row of the people's table has none)."""
    titre = f"Lot {lot.numero} — {lot.intitule}"
    mots = set()
    for morceau in texte.split(titre)[1:]:
        rang = morceau.split("Lot ", 1)[0][:200]
        premiers = sorted((rang.find(s.label), s.label) for s in S if s.label in rang)
        if premiers:
            mots.add(premiers[0][1])
    return mots


def _mots(texte: str) -> set[str]:
    return {situation.label for situation in S if situation.label in texte}


def test_pages_and_pdfs_say_the_same_word_for_the_same_lot(lots, client):
    donneur = lots["donneur"]
    situations = [s for s in S if s in lots]
    vus: dict[str, dict[S, set[str]]] = {}

    # The facilitator's lot page (a lot with a target: the others have no progress block).
    from conventions.factories import FacilitateurFactory

    client.force_login(FacilitateurFactory())
    vus["page du lot"] = {}
    for situation in situations:
        if situation == S.SANS_OBJECTIF:
            continue
        contenu = html.unescape(client.get(reverse("clauses:lot", args=[lots[situation].pk])).content.decode())
        bloc = contenu.split('id="titre-avancement"', 1)[1].split("</section>", 1)[0]
        vus["page du lot"][situation] = _mots(bloc)

    # The portal's marché page, as a référent of the donneur d'ordre.
    client.force_login(ReferentFactory(donneur_d_ordre=donneur).user)
    vus["portail"] = {}
    for situation in situations:
        lot = lots[situation]
        contenu = html.unescape(client.get(reverse("portail:marche", args=[lot.marche_id])).content.decode())
        carte = contenu.split(f'id="lot-{lot.pk}"', 1)[1].split("</article>", 1)[0]
        vus["portail"][situation] = _mots(carte.split("</div>", 1)[0])

    # The rapport de marché (the donneur's copy), the periodic report and the annual bilan. The marché under
    # consultation has neither hours nor a target yet: the documents list no row for its lot.
    debut, fin = ANNEE  # a year under way, judged at 31 July
    documents = {
        "rapport de marché": Rapport(type=TypeRapport.RAPPORT_MARCHE, marche=lots["marches"][0]),
        "rapport périodique": Rapport(type=TypeRapport.RAPPORT_PERIODIQUE),
        "bilan annuel": Rapport(type=TypeRapport.BILAN_ANNUEL, convention=donneur.conventions.get()),
    }
    for nom, rapport in documents.items():
        rapport.donneur_d_ordre, rapport.periode_debut, rapport.periode_fin = donneur, debut, fin
        texte = _texte_pdf(rapport)
        assert "Conforme" not in texte
        vus[nom] = {s: _mots_du_lot(texte, lots[s]) for s in situations if s != S.NON_EVALUE}

    for document, par_situation in vus.items():
        for situation, mots in par_situation.items():
            assert mots == {situation.label}, (document, situation, mots)
    assert {s for d in vus.values() for s in d} == set(situations)


def test_the_digest_says_since_when_an_alert_is_overdue_not_en_retard():
    """« En retard » is a lot behind its hours; an alert whose day has passed says since when, as the dashboard."""
    from conventions.factories import FacilitateurFactory
    from reporting import emails
    from reporting.alertes import Alerte, GroupeAlertes, TypeAlerte

    structure_porteuse()
    jour = D(2025, 8, 20)
    alertes = [
        Alerte(TypeAlerte.BILAN, "Bilan de la convention CI-1 à préparer", None, D(2025, 8, 4), -16),
        Alerte(TypeAlerte.SORTIE_SIX_MOIS, "Suivi à six mois de P-000001", None, D(2025, 9, 1), 12),
    ]
    groupes = [
        GroupeAlertes(TypeAlerte.BILAN, alertes[:1], 1),
        GroupeAlertes(TypeAlerte.SORTIE_SIX_MOIS, alertes[1:], 1),
    ]
    message = emails.digest_hebdomadaire(FacilitateurFactory(), groupes, jour)
    texte, (corps_html, _) = message.body, message.alternatives[0]
    assert "[depuis le 4 août 2025] Bilan de la convention CI-1 à préparer" in texte
    assert "<strong>Depuis le 4 août 2025 :</strong> Bilan de la convention CI-1 à préparer" in corps_html
    for corps in (texte, corps_html):
        assert "retard" not in corps.lower()
