"""The running totals of the hours (reporting.models CumulMensuel & co, PostgreSQL triggers) against a
recomputation from the hours after every kind of write, and the figures read from them against the figures
computed from the hours."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection, transaction

from clauses import importation
from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import HeuresMensuelles, ModalitePlacement, Participant, Placement
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, FacilitateurFactory
from entreprises.factories import siret_n
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Attribution, Lot, Marche
from reporting import agregats, indicators
from reporting.models import CumulLot, CumulMensuel, PersonneAnnuelle

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="les cumuls sont tenus par PostgreSQL"),
]

D = dt.date


def exacts():
    assert agregats.ecarts() == {}


@pytest.fixture
def territoire():
    """Two donneurs d'ordre, two marchés each, hours over 2025 and 2026 (some at zero)."""
    attributions = []
    for _ in range(2):
        donneur = DonneurDOrdreFactory()
        ConventionFactory(donneur_d_ordre=donneur)
        for _ in range(2):
            attributions.append(AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur))))
    personnes = [ParticipantFactory() for _ in range(3)]
    placements = []
    for i, attribution in enumerate(attributions):
        for j, personne in enumerate(personnes[: 1 + i % 3]):
            modalite = [ModalitePlacement.EMBAUCHE_DIRECTE, ModalitePlacement.MAD_ETTI][j % 2]
            placement = PlacementFactory(attribution=attribution, participant=personne, modalite=modalite)
            placements.append(placement)
            for mois in (D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)):
                heures = Decimal("0") if (i + j + mois.month) % 5 == 0 else Decimal(35 + i * 10 + j) + Decimal("0.5")
                HeuresMensuellesFactory(placement=placement, mois=mois, heures=heures)
    return {"attributions": attributions, "personnes": personnes, "placements": placements}


def test_totals_follow_hours_written_row_by_row(territoire):
    exacts()
    assert CumulMensuel.objects.exists() and PersonneAnnuelle.objects.exists() and CumulLot.objects.exists()
    ligne = HeuresMensuelles.objects.filter(heures__gt=0).first()
    ligne.heures = Decimal("0")
    ligne.save()
    exacts()
    ligne.heures = Decimal("151.67")
    ligne.save()
    exacts()
    ligne.mois = D(2024, 12, 1)  # another month, another year
    ligne.save()
    exacts()
    ligne.delete()
    exacts()


def test_totals_follow_bulk_writes_and_statement_updates(territoire):
    placement = territoire["placements"][0]
    HeuresMensuelles.objects.bulk_create(
        [HeuresMensuelles(placement=placement, mois=D(2024, m, 1), heures=Decimal(m)) for m in range(1, 13)]
    )
    exacts()
    HeuresMensuelles.objects.filter(mois__year=2024).update(heures=Decimal("7.25"))
    exacts()
    HeuresMensuelles.objects.filter(mois__year=2026).delete()
    exacts()
    HeuresMensuelles.objects.all().delete()
    exacts()
    assert not CumulMensuel.objects.exists() and not CumulLot.objects.exists()


def test_totals_follow_moved_links(territoire):
    a0, a1, a2, a3 = territoire["attributions"]
    autre_personne = ParticipantFactory()
    placement = Placement.objects.filter(attribution=a1).first()
    for changement in (
        {"attribution": a2},  # to another donneur d'ordre
        {"participant": autre_personne},
        {"modalite": ModalitePlacement.FORMATION},
        {"date_fin": D(2026, 3, 31)},  # not a link: nothing to move
    ):
        Placement.objects.filter(pk=placement.pk).update(**changement)
        exacts()
    Attribution.objects.filter(pk=a0.pk).update(lot=a3.lot)
    exacts()
    Lot.objects.filter(pk=a2.lot_id).update(marche=a0.lot.marche)
    exacts()
    Marche.objects.filter(pk=a3.lot.marche_id).update(donneur_d_ordre=a0.lot.marche.donneur_d_ordre)
    exacts()
    nouveau = DonneurDOrdreFactory()
    Marche.objects.update(donneur_d_ordre=nouveau)  # every marché at once
    exacts()


def test_totals_follow_deletions_of_what_hours_hang_from(territoire):
    territoire["placements"][0].delete()
    exacts()
    marche = territoire["attributions"][3].lot.marche
    Placement.objects.filter(attribution__lot__marche=marche).delete()  # hours go first, by the ORM's cascade
    exacts()
    assert not CumulLot.objects.filter(lot__marche=marche).exists()


def test_totals_follow_a_statement_import_and_its_rollback(territoire):
    placement = territoire["placements"][-1]
    attribution = placement.attribution
    attribution.entreprise.siret = siret_n(7)
    attribution.entreprise.save()
    lignes = [["SIRET", "Référence participant", "Nom", "Prénom", "Date de naissance", "Mois", "Heures", "Modalité"]]
    for mois, heures in (("01/2026", "12"), ("03/2026", "40,5"), ("04/2026", "0")):  # an update, then new rows
        lignes.append([siret_n(7), placement.participant.reference, "", "", "", mois, heures, ""])
    contenu = "\r\n".join(";".join(ligne) for ligne in lignes).encode()
    with pytest.raises(RuntimeError), transaction.atomic():
        importation.importer(
            importation.RELEVE, io.BytesIO(contenu), "releve.csv", len(contenu), FacilitateurFactory(), D(2026, 6, 15)
        )
        exacts()
        raise RuntimeError("annulé")
    exacts()
    rapport = importation.importer(
        importation.RELEVE, io.BytesIO(contenu), "releve.csv", len(contenu), FacilitateurFactory(), D(2026, 6, 15)
    )
    assert not rapport.erreurs, rapport.erreurs
    assert HeuresMensuelles.objects.filter(placement=placement, mois=D(2026, 3, 1), heures=Decimal("40.5")).exists()
    exacts()


def test_emptying_the_hours_by_truncate_empties_the_totals(territoire):
    with connection.cursor() as curseur:
        curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending foreign-key checks
        curseur.execute("TRUNCATE clauses_heuresmensuelles")
    exacts()
    assert not CumulMensuel.objects.exists()


def test_ecarts_sees_a_wrong_total(territoire):
    CumulMensuel.objects.filter(pk=CumulMensuel.objects.first().pk).update(heures=Decimal("1"))
    PersonneAnnuelle.objects.first().delete()
    ecarts = agregats.ecarts()
    assert set(ecarts) == {"CumulMensuel", "PersonneAnnuelle"}
    assert ecarts["PersonneAnnuelle"]["manquantes"] and not ecarts["PersonneAnnuelle"]["en_trop"]


def _sans_cumuls(monkeypatch):
    monkeypatch.setattr(agregats, "disponibles", lambda: False)


@pytest.mark.parametrize("annee", [2025, 2026])
def test_figures_from_the_totals_equal_the_figures_from_the_hours(territoire, monkeypatch, annee):
    periode = indicators.Periode.annee(annee)
    donneur = territoire["attributions"][0].lot.marche.donneur_d_ordre
    convention = donneur.conventions.get()
    portees = [{}, {"donneur": donneur}, {"convention": convention}, {"donneur": DonneurDOrdreFactory()}]

    def figures(portee):
        population = indicators.population_en_parcours(periode.debut, periode.fin, **portee)
        return (
            indicators.synthese_heures(periode.debut, periode.fin, **portee),
            indicators.heures_realisees(D(annee, 1, 10), D(annee, 11, 20), **portee),  # whole months
            indicators.heures_par_modalite(periode.debut, periode.fin, **portee),
            indicators.heures_par_mois(D(annee, 2, 14), **portee),
            population.synthese,
            sorted(Participant.objects.filter(pk__in=population.participants).values_list("pk", flat=True)),
            indicators.personnes_par_public(periode.debut, periode.fin, **portee),
            indicators.personnes_par_genre(periode.debut, periode.fin, **portee),
        )

    avec = [figures(portee) for portee in portees]
    assert any(f[0].heures for f in avec) and any(f[0].personnes for f in avec)
    _sans_cumuls(monkeypatch)
    assert [figures(portee) for portee in portees] == avec


def test_the_totals_answer_only_what_they_hold_exactly(territoire):
    donneur = territoire["attributions"][0].lot.marche.donneur_d_ordre
    lot = territoire["attributions"][0].lot
    assert agregats.synthese(D(2026, 1, 1), D(2026, 12, 31), {}) is not None
    assert agregats.synthese(D(2026, 1, 1), D(2026, 6, 30), {}) is None  # the territory: calendar years only
    assert agregats.synthese(D(2025, 12, 1), D(2026, 11, 30), {}) is None
    assert agregats.synthese(D(2025, 12, 1), D(2026, 11, 30), {"donneur": donneur}) is not None  # any months
    assert agregats.heures(D(2026, 1, 1), D(2026, 6, 30), {"donneur": donneur}) is not None
    assert agregats.heures(D(2026, 1, 1), D(2026, 6, 30), {"lot": lot}) is None  # finer than a donneur
    assert agregats.heures(D(2026, 1, 1), D(2026, 6, 30), {"donneur": donneur, "lot": lot}) is None


def test_verifier_cumuls_says_exact_then_names_the_wrong_table(territoire, capsys):
    from django.core.management import CommandError, call_command

    call_command("verifier_cumuls")
    assert "Cumuls exacts" in capsys.readouterr().out
    CumulLot.objects.update(heures=Decimal("3"))
    with pytest.raises(CommandError, match="1 table"):
        call_command("verifier_cumuls")
    assert "heures par lot (CumulLot)" in capsys.readouterr().err
