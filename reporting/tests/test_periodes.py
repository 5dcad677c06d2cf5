"""Periods that add up: consecutive annual bilans count each month once, a past periodic report lists what counted
then, and a year under way draws no month to come.

The expected figures are recomputed here from the rows (plain SQL on the monthly hours, the lots' targets spread
by hand over their days), not through ``reporting.indicateurs``.
"""

import datetime as dt
import html
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from clauses import demo
from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, PlacementFactory
from conventions import calendrier
from conventions.factories import ConventionFactory, DonneurDOrdreFactory
from conventions.models import Convention, DonneurDOrdre
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import STATUTS_AVEC_OBJECTIF, Lot, StatutMarche
from reporting import bilans
from reporting.documents import bilan_annuel, produire, rapport_periodique
from reporting.models import Rapport, TypeRapport
from reporting.tests.outils_pdf import convention_avec_heures, structure_porteuse, texte_pdf

pytestmark = pytest.mark.django_db

D = dt.date
UN_JOUR = dt.timedelta(days=1)


def heures_des_mois(donneur_id: int, premier: dt.date, dernier: dt.date) -> Decimal:
    """The donneur d'ordre's hours of the months from ``premier``'s to ``dernier``'s, in plain SQL."""
    with connection.cursor() as curseur:
        curseur.execute(
            """
            SELECT COALESCE(SUM(h.heures), 0)
            FROM clauses_heuresmensuelles h
            JOIN clauses_placement p ON p.id = h.placement_id
            JOIN marches_attribution a ON a.id = p.attribution_id
            JOIN marches_lot l ON l.id = a.lot_id
            JOIN marches_marche m ON m.id = l.marche_id
            WHERE m.donneur_d_ordre_id = %s AND h.mois >= %s AND h.mois <= %s
            """,
            [donneur_id, premier.replace(day=1), dernier],
        )
        return curseur.fetchone()[0]


def objectif_des_jours(donneur_id: int, debut: dt.date, fin: dt.date) -> Decimal:
    """Each lot's target × the share of its execution days within [debut, fin], summed, in whole hours."""
    total = 0.0
    lots = Lot.objects.filter(
        marche__donneur_d_ordre=donneur_id,
        marche__statut__in=STATUTS_AVEC_OBJECTIF,
        clause__isnull=False,
        date_debut__isnull=False,
        date_fin__isnull=False,
    ).select_related("clause")
    for lot in lots:
        communs = (min(fin, lot.date_fin) - max(debut, lot.date_debut)).days + 1
        if communs > 0:
            total += lot.clause.heures_objectif * communs / ((lot.date_fin - lot.date_debut).days + 1)
    return Decimal(str(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def verifier_les_bilans(convention: Convention, jour: dt.date) -> list[calendrier.Periode]:
    """Consecutive bilans (page figures and PDF figures) add up to the hours of the months they cover, and each
    bilan's target is its months' target."""
    periodes = bilans.periodes_commencees(convention, jour)
    donneur = convention.donneur_d_ordre_id
    pages, pdf = Decimal(0), Decimal(0)
    precedent = None
    for periode in periodes:
        mois = bilans.mois_du_bilan(periode.debut, periode.echeance)
        assert mois.debut.day == 1 and (mois.fin + UN_JOUR).day == 1, (periode, mois)
        if precedent is not None:
            assert mois.debut == precedent.fin + UN_JOUR, (periode, "a month counted twice or in no bilan")
        precedent = mois
        chiffres = bilans.chiffres_du_bilan(donneur, periode.debut, periode.echeance)["heures"]
        assert chiffres["realisees"] == heures_des_mois(donneur, mois.debut, mois.fin), periode
        assert chiffres["objectif"] == objectif_des_jours(donneur, mois.debut, mois.fin), periode
        rapport = Rapport(
            type=TypeRapport.BILAN_ANNUEL,
            convention=convention,
            periode_debut=periode.debut,
            periode_fin=periode.echeance,
        )
        contexte = bilan_annuel.contexte(rapport)
        assert contexte["chiffres"].heures == chiffres["realisees"], periode
        assert contexte["chiffres"].objectif == chiffres["objectif"], periode
        pages += chiffres["realisees"]
        pdf += contexte["chiffres"].heures
    if periodes:
        premier = bilans.mois_du_bilan(periodes[0].debut, periodes[0].echeance).debut
        dernier = bilans.mois_du_bilan(periodes[-1].debut, periodes[-1].echeance).fin
        attendu = heures_des_mois(donneur, premier, dernier)
        assert pages == pdf == attendu, (convention, pages, pdf, attendu)
    return periodes


# --- Which months a bilan counts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debut", "echeance", "premier", "dernier"),
    [
        (D(2025, 1, 1), D(2025, 12, 31), D(2025, 1, 1), D(2025, 12, 31)),
        (D(2025, 3, 15), D(2026, 3, 14), D(2025, 3, 1), D(2026, 2, 28)),
        (D(2025, 1, 31), D(2026, 1, 30), D(2025, 1, 1), D(2025, 12, 31)),
        (D(2024, 2, 29), D(2025, 2, 27), D(2024, 2, 1), D(2025, 1, 31)),
        (D(2025, 5, 2), D(2026, 5, 1), D(2025, 5, 1), D(2026, 4, 30)),
    ],
)
def test_a_month_counts_in_the_year_it_ends_in(debut, echeance, premier, dernier):
    assert bilans.mois_du_bilan(debut, echeance) == bilans.Periode(premier, dernier)


@pytest.mark.parametrize("date_effet", [D(2021, 1, 1), D(2021, 3, 15), D(2021, 1, 31), D(2020, 2, 29), D(2021, 5, 31)])
@pytest.mark.parametrize("duree_mois", [12, 6])
def test_the_months_of_consecutive_periods_follow_one_another(date_effet, duree_mois):
    precedent = None
    for numero in range(1, 15):
        periode = calendrier.periode(date_effet, numero, duree_mois)
        mois = bilans.mois_du_bilan(periode.debut, periode.echeance)
        # The month of the échéance's last day is in the bilan.
        assert mois.debut <= periode.debut and mois.fin <= periode.echeance
        if precedent is not None:
            assert mois.debut == precedent.fin + UN_JOUR
        precedent = mois


# --- Consecutive bilans add up ---------------------------------------------------------------------


def _convention_qui_commence_le(date_effet: dt.date) -> Convention:
    """A donneur d'ordre with a lot of 6 000 h from 1 January 2020 to 30 June 2026 and hours in every month of
    it, different from one month to the next (so that a month counted twice shows), and its convention."""
    donneur = DonneurDOrdreFactory()
    convention = ConventionFactory(
        donneur_d_ordre=donneur, date_signature=date_effet - dt.timedelta(days=10), date_effet=date_effet
    )
    marche = MarcheFactory(donneur_d_ordre=donneur, statut=StatutMarche.EN_EXECUTION)
    lot = LotFactory(marche=marche, date_debut=D(2020, 1, 1), date_fin=D(2026, 6, 30))
    ClauseInsertionFactory(lot=lot, heures_forcees=6000)
    placement = PlacementFactory(attribution=AttributionFactory(lot=lot), date_debut=D(2020, 1, 6))
    mois = D(2020, 1, 1)
    while mois <= D(2026, 6, 1):
        HeuresMensuellesFactory(placement=placement, mois=mois, heures=Decimal(mois.month * 10 + mois.year % 10))
        mois = calendrier.add_months(mois, 1)
    return convention


@pytest.mark.time_machine("2026-12-07T12:00+01:00")
@pytest.mark.parametrize("date_effet", [D(2021, 1, 1), D(2021, 3, 15), D(2021, 1, 31), D(2020, 2, 29)])
def test_consecutive_bilans_add_up_to_the_hours_of_their_months(date_effet):
    convention = _convention_qui_commence_le(date_effet)
    periodes = verifier_les_bilans(convention, timezone.localdate())
    assert len(periodes) >= 6


@pytest.mark.time_machine("2026-12-07T12:00+01:00")
def test_the_rule_is_printed_on_the_pdf_and_the_pages(client_facilitateur):
    structure_porteuse()
    convention = _convention_qui_commence_le(D(2021, 3, 15))
    periode = convention.periode_numero(2)
    rapport = Rapport.objects.create(
        type=TypeRapport.BILAN_ANNUEL,
        convention=convention,
        donneur_d_ordre=convention.donneur_d_ordre,
        periode_debut=periode.debut,
        periode_fin=periode.echeance,
    )
    regle = (
        "Les heures sont relevées par mois et chaque mois compte dans le bilan de l'année où il s'achève : "
        "ce bilan compte les mois de mars 2022 à février 2023, pour les heures comme pour l'objectif et les "
        "personnes."
    )
    texte = texte_pdf(produire(rapport).contenu)
    assert regle in texte
    # March 2022 to February 2023: (30 + 2) + … — the figure of the months, not of the days from 15 March.
    attendu = heures_des_mois(convention.donneur_d_ordre_id, D(2022, 3, 1), D(2023, 2, 28))
    assert f"{attendu:,.0f}".replace(",", " ") + " h" in texte
    page = client_facilitateur.get(reverse("reporting:bilan_edition", args=[convention.pk, 2]))
    assert regle in html.unescape(page.content.decode())


# --- A past periodic report describes its period ----------------------------------------------------


@pytest.mark.parametrize("statut", [StatutMarche.ACHEVE, StatutMarche.SOLDE])
def test_a_marche_closed_since_keeps_its_lots_in_a_past_report(statut):
    """Q2 2025: 840 h on the marché, which is « achevé » or « soldé » today; the table still lists it, and its
    total is the key figure."""
    donnees = convention_avec_heures()
    donnees["marche"].statut = statut
    donnees["marche"].save(update_fields=["statut"])
    rapport = Rapport.objects.create(
        type=TypeRapport.RAPPORT_PERIODIQUE,
        donneur_d_ordre=donnees["donneur"],
        periode_debut=D(2025, 4, 1),
        periode_fin=D(2025, 6, 30),
    )
    texte = texte_pdf(produire(rapport).contenu)
    assert "840 h heures d'insertion réalisées" in texte
    assert "Aucun lot" not in texte
    assert "Lot 1 — Corps d'état 1" in texte and "Bâtisseurs 1 SARL" in texte
    # Objectif of the quarter (2 lots × 1 200 h × 91/365 days), then the hours: the key figures' 598 h and 840 h.
    assert "Total 598 h 840 h 140 %" in texte
    assert "598 h objectif d'heures de la période" in texte


# --- A year under way draws no month to come -------------------------------------------------------


@pytest.mark.time_machine("2025-08-20T12:00+02:00")
def test_the_bilan_of_a_year_under_way_stops_at_the_last_complete_month():
    donnees = convention_avec_heures()
    convention = donnees["convention"]
    rapport = Rapport(
        type=TypeRapport.BILAN_ANNUEL, convention=convention, periode_debut=D(2025, 1, 1), periode_fin=D(2025, 12, 31)
    )
    contexte = bilan_annuel.contexte(rapport)
    assert contexte["en_cours"]
    mois = [m.mois for m in contexte["graphique"]["mois"]]
    assert mois == [D(2025, n, 1) for n in range(1, 8)]  # January to July: August is under way
    assert "sept." not in contexte["graphique"]["svg"] and "déc." not in contexte["graphique"]["svg"]


# --- Over the demo ---------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def demo_chargee(django_db_setup, django_db_blocker):
    """The demo, loaded once for the class and rolled back after it."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        assert demo.charger_demo(jour=timezone.localdate()).cree
        yield
        transaction.set_rollback(True)


def _trimestres_passes(jour: dt.date, depuis: int) -> list[tuple[dt.date, dt.date]]:
    trimestres = []
    for annee in range(depuis, jour.year + 1):
        for mois in (1, 4, 7, 10):
            debut = D(annee, mois, 1)
            fin = calendrier.add_months(debut, 3) - UN_JOUR
            if fin < jour:
                trimestres.append((debut, fin))
    return trimestres


def _lots_avec_heures(donneur_id: int, debut: dt.date, fin: dt.date) -> set[int]:
    with connection.cursor() as curseur:
        curseur.execute(
            """
            SELECT DISTINCT l.id
            FROM clauses_heuresmensuelles h
            JOIN clauses_placement p ON p.id = h.placement_id
            JOIN marches_attribution a ON a.id = p.attribution_id
            JOIN marches_lot l ON l.id = a.lot_id
            JOIN marches_marche m ON m.id = l.marche_id
            WHERE m.donneur_d_ordre_id = %s AND h.mois >= %s AND h.mois <= %s AND h.heures > 0
            """,
            [donneur_id, debut, fin],
        )
        return {ligne[0] for ligne in curseur.fetchall()}


@pytest.mark.usefixtures("demo_chargee")
class TestSurLaDemo:
    def test_every_demo_convention_s_bilans_add_up(self):
        jour = timezone.localdate()
        conventions = list(Convention.objects.select_related("donneur_d_ordre").order_by("pk"))
        assert {c.date_effet.day for c in conventions} - {1}, "the demo has conventions not starting on the 1st"
        avec_heures = 0
        for convention in conventions:
            periodes = verifier_les_bilans(convention, jour)
            avec_heures += any(heures_des_mois(convention.donneur_d_ordre_id, p.debut, p.echeance) for p in periodes)
        assert avec_heures >= 5
        # The bilans of donneurs d'ordre read the running totals: they agree with the hours.
        call_command("verifier_cumuls", stdout=StringIO())

    def test_a_past_periodic_report_lists_the_lots_that_had_hours(self):
        jour = timezone.localdate()
        verifies = 0
        for donneur in DonneurDOrdre.objects.order_by("pk"):
            for debut, fin in _trimestres_passes(jour, jour.year - 1):
                rapport = Rapport(
                    type=TypeRapport.RAPPORT_PERIODIQUE, donneur_d_ordre=donneur, periode_debut=debut, periode_fin=fin
                )
                contexte = rapport_periodique.contexte(rapport)
                listes = {lot.lot_id for marche in contexte["marches"] for lot in marche.lots}
                attendus = _lots_avec_heures(donneur.pk, debut, fin)
                assert attendus <= listes, (donneur.nom, debut, attendus - listes)
                assert contexte["total_heures"] == contexte["periode"].heures, (donneur.nom, debut)
                verifies += bool(attendus)
        assert verifies >= 10
