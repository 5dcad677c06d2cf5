"""The figures the national survey asks for and the territorial bilan lacked: companies involved, hours by sector,
trade and kind of donneur d'ordre, new entrants, people by public in the reference table's order, outcomes six
months later and by situation. Each is checked against a count by hand on a small territory, and against plain SQL
written apart from the ORM's."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import (
    CATEGORIE_PAR_SITUATION,
    ClauseInsertion,
    CorpsDEtat,
    CritereEligibilite,
    ModaliteJuridique,
    MomentSortie,
    Situation,
)
from conventions.factories import DonneurDOrdreFactory
from conventions.models import TypeDonneur
from entreprises.factories import EntrepriseFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche, TypeMarche
from reporting import indicateurs
from reporting.documents import bilan_territorial
from reporting.indicateurs import Periode

pytestmark = pytest.mark.django_db

D = dt.date
AN = Periode.annee(2025)


def _sql(requete: str, parametres: list) -> list[tuple]:
    with connection.cursor() as curseur:
        curseur.execute(requete, parametres)
        return curseur.fetchall()


@pytest.fixture
def territoire():
    """A commune and a bailleur social; six companies; five people.

    - E1 holds lot L1 (travaux, painting, 2025) and lot L3 (same marché, no clause): hours in 2025 on L1.
    - E2 holds lot L2 (services, a clause without trade, 2025): no hours — bound by a clause only.
    - E3 holds lot L4 (fournitures, no clause): hours in 2025 — hired without a clause.
    - E4 holds lot L5, whose clause ran in 2023 only; E5 a lot of a marché still in preparation; E6 a lot
      without a clause and a zero row of hours in 2025: none of them counts in 2025.
    - E7 holds lot L7 (the bailleur's, masonry, no dates known): a clause carried out, dates unknown.

    People: Ana (first placement March 2025), Bruno (November 2024, then February and December 2025), Chloé
    (28 December 2025, no hours yet), Driss (January and June 2025), Émile (January 2026).
    """
    commune = DonneurDOrdreFactory(nom="Ville d'Arles", type=TypeDonneur.COMMUNE)
    bailleur = DonneurDOrdreFactory(nom="Delta Habitat", type=TypeDonneur.BAILLEUR)
    peinture = CorpsDEtat.objects.get(libelle="Peinture intérieure")
    maconnerie = CorpsDEtat.objects.get(libelle="Gros œuvre, maçonnerie")
    travaux = MarcheFactory(donneur_d_ordre=commune, type=TypeMarche.TRAVAUX)
    services = MarcheFactory(donneur_d_ordre=commune, type=TypeMarche.SERVICES)
    fournitures = MarcheFactory(donneur_d_ordre=commune, type=TypeMarche.FOURNITURES)
    logements = MarcheFactory(donneur_d_ordre=bailleur, type=TypeMarche.TRAVAUX)
    annee = {"date_debut": D(2025, 1, 1), "date_fin": D(2025, 12, 31)}

    l1 = LotFactory(marche=travaux, **annee)
    ClauseInsertionFactory(lot=l1, corps_d_etat=peinture)
    l2 = LotFactory(marche=services, **annee)
    ClauseInsertionFactory(lot=l2, corps_d_etat=None)
    l3 = LotFactory(marche=travaux, **annee)
    l4 = LotFactory(marche=fournitures, **annee)
    l5 = LotFactory(marche=travaux, date_debut=D(2023, 1, 1), date_fin=D(2023, 12, 31))
    ClauseInsertionFactory(lot=l5)
    l6 = LotFactory(marche=MarcheFactory(donneur_d_ordre=commune, statut=StatutMarche.EN_PREPARATION), **annee)
    ClauseInsertionFactory(lot=l6)
    l6bis = LotFactory(marche=fournitures, **annee)
    l7 = LotFactory(marche=logements, date_debut=None, date_fin=None)
    ClauseInsertionFactory(lot=l7, corps_d_etat=maconnerie)

    e1, e2, e3, e4, e5, e6, e7 = (EntrepriseFactory(raison_sociale=f"E{i}") for i in range(1, 8))
    a1 = AttributionFactory(lot=l1, entreprise=e1)
    AttributionFactory(lot=l3, entreprise=e1)
    AttributionFactory(lot=l2, entreprise=e2)
    a4 = AttributionFactory(lot=l4, entreprise=e3)
    AttributionFactory(lot=l5, entreprise=e4)
    AttributionFactory(lot=l6, entreprise=e5)
    a6bis = AttributionFactory(lot=l6bis, entreprise=e6)
    a7 = AttributionFactory(lot=l7, entreprise=e7)

    deld = CritereEligibilite.objects.get(code="deld")
    rqth = CritereEligibilite.objects.get(code="rqth")
    ana, bruno, chloe, driss, emile = (
        ParticipantFactory(prenom=p) for p in ("Ana", "Bruno", "Chloé", "Driss", "Émile")
    )
    ana.criteres.set([deld, rqth])
    bruno.criteres.set([deld])

    def placement(participant, attribution, debut, *heures):
        p = PlacementFactory(participant=participant, attribution=attribution, date_debut=debut)
        for mois, valeur in heures:
            HeuresMensuellesFactory(placement=p, mois=mois, heures=Decimal(valeur))
        return p

    p_ana = placement(ana, a1, D(2025, 3, 3), (D(2025, 3, 1), 100), (D(2025, 4, 1), 50))
    placement(bruno, a1, D(2024, 11, 4), (D(2024, 11, 1), 70))
    p_bruno = placement(bruno, a4, D(2025, 2, 3), (D(2025, 2, 1), 40))
    placement(chloe, a7, D(2025, 12, 28))
    p_driss = placement(driss, a7, D(2025, 1, 6), (D(2025, 1, 1), "60.5"))
    placement(driss, a1, D(2025, 6, 2), (D(2025, 6, 1), 20))
    placement(emile, a1, D(2026, 1, 5), (D(2026, 1, 1), 35))
    placement(bruno, a6bis, D(2025, 12, 1), (D(2025, 12, 1), 0))

    # Outcomes: at the end of the placement, and six months later (the follow-up's date is what counts).
    SortieFactory(placement=p_ana, date_constat=D(2025, 4, 30), situation=Situation.CDD_COURT)
    SortieFactory(placement=p_ana, moment=MomentSortie.SIX_MOIS, date_constat=D(2025, 10, 30), situation=Situation.CDI)
    SortieFactory(placement=p_bruno, date_constat=D(2025, 2, 28), situation=Situation.CHOMAGE)
    SortieFactory(
        placement=p_bruno,
        moment=MomentSortie.SIX_MOIS,
        date_constat=D(2025, 8, 28),
        situation=Situation.FORMATION_QUALIFIANTE,
    )
    SortieFactory(
        placement=p_driss, moment=MomentSortie.SIX_MOIS, date_constat=D(2026, 1, 15), situation=Situation.CDI
    )
    return {
        "commune": commune,
        "bailleur": bailleur,
        "travaux": travaux,
        "peinture": peinture,
        "maconnerie": maconnerie,
        "e": (e1, e2, e3, e4, e5, e6, e7),
    }


class TestEntreprises:
    def test_by_hand(self, territoire):
        # With hours: E1, E3, E7 (E6's only row is zero). Bound by a clause carried out in 2025: E1 (L1), E2, E7
        # (dates unknown). E4's clause ran in 2023, E5's marché is not awarded.
        assert indicateurs.entreprises_impliquees(AN.debut, AN.fin) == indicateurs.Entreprises(
            impliquees=4, avec_heures=3, attributaires=3
        )

    def test_scoped(self, territoire):
        assert indicateurs.entreprises_impliquees(AN.debut, AN.fin, donneur=territoire["bailleur"]) == (
            indicateurs.Entreprises(1, 1, 1)
        )
        assert indicateurs.entreprises_impliquees(AN.debut, AN.fin, marche=territoire["travaux"]) == (
            indicateurs.Entreprises(1, 1, 1)
        )
        e1 = territoire["e"][0]
        assert indicateurs.entreprises_impliquees(AN.debut, AN.fin, entreprise=e1) == indicateurs.Entreprises(1, 1, 1)

    def test_as_plain_sql_counts_them(self, territoire):
        lignes = _sql(
            """
            WITH avec_heures AS (
                SELECT DISTINCT a.entreprise_id
                FROM marches_attribution a
                JOIN clauses_placement p ON p.attribution_id = a.id
                JOIN clauses_heuresmensuelles h ON h.placement_id = p.id
                WHERE h.mois BETWEEN %s AND %s AND h.heures > 0
            ), attributaires AS (
                SELECT DISTINCT a.entreprise_id
                FROM marches_attribution a
                JOIN marches_lot l ON l.id = a.lot_id
                JOIN marches_marche m ON m.id = l.marche_id
                JOIN clauses_clauseinsertion c ON c.lot_id = l.id
                WHERE m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')
                  AND (l.date_debut IS NULL OR l.date_debut <= %s)
                  AND (l.date_fin IS NULL OR l.date_fin >= %s)
            )
            SELECT (SELECT count(*) FROM (SELECT * FROM avec_heures UNION SELECT * FROM attributaires) u),
                   (SELECT count(*) FROM avec_heures),
                   (SELECT count(*) FROM attributaires)
            """,
            [AN.debut, AN.fin, AN.fin, AN.debut],
        )
        assert tuple(lignes[0]) == tuple(vars(indicateurs.entreprises_impliquees(AN.debut, AN.fin)).values())

    def test_donneurs_with_hours(self, territoire):
        assert indicateurs.donneurs_avec_heures(AN.debut, AN.fin) == 2
        assert indicateurs.donneurs_avec_heures(D(2026, 1, 1), D(2026, 12, 31)) == 1


class TestHeures:
    def test_by_sector(self, territoire):
        parts = indicateurs.heures_par_type_de_marche(AN.debut, AN.fin)
        # Travaux: Ana 150, Driss 20 (L1) and 60.5 (L7, the bailleur's); fournitures: Bruno 40 (E6's zero row).
        assert [(p.code, p.libelle, p.valeur) for p in parts] == [
            ("travaux", "Travaux", Decimal("230.5")),
            ("services", "Services", Decimal("0")),
            ("fournitures", "Fournitures", Decimal("40")),
        ]
        assert sum(p.valeur for p in parts) == indicateurs.heures_realisees(AN.debut, AN.fin)
        assert parts[0].part == Decimal("230.5") / Decimal("270.5")

    def test_by_trade(self, territoire):
        parts = indicateurs.heures_par_corps_d_etat(AN.debut, AN.fin)
        # In the reference table's order: masonry before painting; Bruno's hours on a lot without a clause after.
        assert [(p.libelle, p.valeur) for p in parts] == [
            ("Gros œuvre, maçonnerie", Decimal("60.5")),
            ("Peinture intérieure", Decimal("170")),
            (indicateurs.NON_RENSEIGNE, Decimal("40")),
        ]
        assert parts[0].code == str(territoire["maconnerie"].pk)
        lignes = _sql(
            """
            SELECT c.corps_d_etat_id, sum(h.heures)
            FROM clauses_heuresmensuelles h
            JOIN clauses_placement p ON p.id = h.placement_id
            JOIN marches_attribution a ON a.id = p.attribution_id
            LEFT JOIN clauses_clauseinsertion c ON c.lot_id = a.lot_id
            WHERE h.mois BETWEEN %s AND %s
            GROUP BY c.corps_d_etat_id HAVING sum(h.heures) > 0
            """,
            [AN.debut, AN.fin],
        )
        assert {("" if corps is None else str(corps)): total for corps, total in lignes} == {
            p.code: p.valeur for p in parts
        }

    def test_by_kind_of_donneur(self, territoire):
        parts = {p.code: p.valeur for p in indicateurs.heures_par_type_de_donneur(AN.debut, AN.fin)}
        assert parts[TypeDonneur.COMMUNE] == Decimal("210")
        assert parts[TypeDonneur.BAILLEUR] == Decimal("60.5")
        assert set(parts) == set(TypeDonneur.values)  # every kind, zeros included

    def test_by_legal_modality(self, territoire):
        execution = ModaliteJuridique.objects.get(code="condition_execution")
        attribution = ModaliteJuridique.objects.get(code="critere_attribution")
        ClauseInsertion.objects.get(corps_d_etat=territoire["peinture"]).modalites.set([execution, attribution])
        ClauseInsertion.objects.get(corps_d_etat=territoire["maconnerie"]).modalites.set([execution])
        parts = indicateurs.heures_par_modalite_juridique(AN.debut, AN.fin)
        # A clause combining two modalities counts its hours in each; Bruno's hours have no clause.
        assert [(p.code, p.valeur) for p in parts] == [
            ("condition_execution", Decimal("230.5")),
            ("critere_attribution", Decimal("170")),
            ("", Decimal("40")),
        ]
        assert parts[-1].libelle == indicateurs.SANS_MODALITE
        # The territorial bilan's table, which leaves out the hours without a modality, reads the same.
        bilan = bilan_territorial.heures_par_modalite_juridique(AN)
        assert [(p.libelle, p.valeur) for p in bilan] == [(p.libelle, p.valeur) for p in parts[:-1]]

    def test_scoped(self, territoire):
        parts = indicateurs.heures_par_corps_d_etat(AN.debut, AN.fin, donneur=territoire["bailleur"])
        assert [(p.libelle, p.valeur) for p in parts] == [("Gros œuvre, maçonnerie", Decimal("60.5"))]


class TestPersonnes:
    def test_new_entrants(self, territoire):
        # Ana, Chloé (no hours yet) and Driss (once, for two placements); Bruno started in 2024, Émile in 2026.
        assert indicateurs.nouveaux_entrants(AN.debut, AN.fin) == 3
        assert indicateurs.nouveaux_entrants(D(2026, 1, 1), D(2026, 12, 31)) == 1
        # Through a scope: those of them who started a placement of it.
        assert indicateurs.nouveaux_entrants(AN.debut, AN.fin, donneur=territoire["bailleur"]) == 2
        assert indicateurs.nouveaux_entrants(AN.debut, AN.fin, marche=territoire["travaux"]) == 2

    def test_new_entrants_as_plain_sql_counts_them(self, territoire):
        ((attendu,),) = _sql(
            """
            SELECT count(*) FROM (
                SELECT participant_id FROM clauses_placement GROUP BY participant_id
                HAVING min(date_debut) BETWEEN %s AND %s
            ) premiers
            """,
            [AN.debut, AN.fin],
        )
        assert indicateurs.nouveaux_entrants(AN.debut, AN.fin) == attendu == 3

    def test_by_public_in_the_reference_table_s_order(self, territoire):
        parts, total = indicateurs.personnes_par_public_eligible(AN.debut, AN.fin)
        # People with hours in 2025: Ana (DELD, RQTH), Bruno (DELD), Driss (none). Chloé has no hours yet.
        assert total == 3
        codes = list(CritereEligibilite.objects.order_by("ordre", "libelle").values_list("code", flat=True))
        assert [p.code for p in parts] == [*codes, ""]
        valeurs = {p.code: p.valeur for p in parts}
        assert (valeurs["deld"], valeurs["rqth"], valeurs["rsa"], valeurs[""]) == (2, 1, 0, 1)
        assert parts[-1].libelle == indicateurs.SANS_CRITERE
        # The same counts as the breakdown largest first.
        publics, _ = indicateurs.personnes_par_public(AN.debut, AN.fin)
        assert {p.code: p.valeur for p in publics} == {c: v for c, v in valeurs.items() if v}

    def test_six_months_later(self, territoire):
        parts = {p.code: p.valeur for p in indicateurs.sorties_a_six_mois(AN.debut, AN.fin)}
        # Ana's CDI (emploi durable) and Bruno's training (sortie positive); Driss's follow-up is in 2026.
        assert parts == {"emploi_durable": 1, "emploi_transition": 0, "sortie_positive": 1, "autre": 0}
        lignes = _sql(
            "SELECT situation, count(*) FROM clauses_sortie WHERE moment = 'six_mois' "
            "AND date_constat BETWEEN %s AND %s GROUP BY situation",
            [AN.debut, AN.fin],
        )
        assert dict(lignes) == {"cdi": 1, "formation_qualifiante": 1}

    def test_by_situation_adds_up_to_the_categories(self, territoire):
        for moment, par_categorie in (
            (MomentSortie.FIN_PARCOURS, indicateurs.sorties_par_categorie),
            (MomentSortie.SIX_MOIS, indicateurs.sorties_a_six_mois),
        ):
            situations = indicateurs.sorties_par_situation(AN.debut, AN.fin, moment=moment)
            assert [p.code for p in situations] == list(Situation.values)
            sommes: dict[str, int] = {}
            for part in situations:
                categorie = CATEGORIE_PAR_SITUATION[Situation(part.code)].value
                sommes[categorie] = sommes.get(categorie, 0) + part.valeur
            assert sommes == {p.code: p.valeur for p in par_categorie(AN.debut, AN.fin)}
        fin = {p.code: p.valeur for p in indicateurs.sorties_par_situation(AN.debut, AN.fin) if p.valeur}
        assert fin == {"cdd_moins_6_mois": 1, "chomage": 1}


def test_each_is_one_query(territoire, django_assert_num_queries):
    for fonction in (
        indicateurs.entreprises_impliquees,
        indicateurs.donneurs_avec_heures,
        indicateurs.heures_par_type_de_marche,
        indicateurs.heures_par_type_de_donneur,
        indicateurs.heures_par_corps_d_etat,
        indicateurs.heures_par_modalite_juridique,
        indicateurs.nouveaux_entrants,
        indicateurs.sorties_a_six_mois,
        indicateurs.sorties_par_situation,
    ):
        with django_assert_num_queries(1):
            fonction(AN.debut, AN.fin)
