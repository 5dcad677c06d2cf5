"""The running totals of the hours (reporting.models CumulMensuel & co, PostgreSQL triggers) against a
recomputation from the hours after every kind of write, and the figures read from them against the figures
computed from the hours."""

import datetime as dt
import io
import re
import threading
import time
from decimal import ROUND_HALF_UP, Decimal

import pgtrigger
import pytest
from django.db import connection, transaction
from django.db.models import Sum

from clauses import importation
from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import (
    ClauseInsertion,
    CritereEligibilite,
    HeuresMensuelles,
    ModalitePlacement,
    MomentSortie,
    Participant,
    Placement,
    Situation,
    Sortie,
    TypeContrat,
)
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, FacilitateurFactory
from entreprises.factories import siret_n
from marches import services as marches_services
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import STATUTS_AVEC_OBJECTIF, Attribution, Lot, Marche, StatutMarche
from reporting import agregats, indicateurs
from reporting.cumuls import reconstruction
from reporting.indicateurs import repartitions
from reporting.models import (
    ContratJournalier,
    ContratTerritoire,
    CritereAnnuel,
    CumulLot,
    CumulMensuel,
    CumulTerritoire,
    MarcheAnnuel,
    ObjectifLot,
    PersonneAnnuelle,
    PresenceMensuelle,
    SortieJournaliere,
)
from reporting.tests.recomptage_orm import ecarts_orm

pytestmark = pytest.mark.django_db

D = dt.date


def exacts():
    """Every derived figure equals its recount, by the SQL of reporting.cumuls and by the ORM."""
    assert reconstruction.ecarts() == {}
    assert ecarts_orm() == {}


def _attendre(fil: threading.Thread, secondes: float = 10) -> bool:
    """Waits until another backend waits for a lock (``pg_locks``: a lock not granted) or ``fil`` has ended;
    True when it waits. Never a fixed sleep: the poll only watches PostgreSQL."""
    limite = time.monotonic() + secondes
    with connection.cursor() as curseur:
        while time.monotonic() < limite and fil.is_alive():
            curseur.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid())")
            if curseur.fetchone()[0]:
                return True
            time.sleep(0.005)
    return False


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
    ecarts = reconstruction.ecarts()
    # The people by criterion follow the people of the year, the row deleted by hand included.
    assert set(ecarts) == {"CumulMensuel", "PersonneAnnuelle", "CritereAnnuel"}
    assert ecarts["PersonneAnnuelle"]["manquantes"] and not ecarts["PersonneAnnuelle"]["en_trop"]


def _sans_cumuls(monkeypatch):
    """Every reader of the totals answers None, as for a scope they do not carry: the indicators then compute
    from the hours themselves, an independent path to compare with."""
    monkeypatch.setattr(agregats, "_cle_de_portee", lambda portee: None)


@pytest.mark.parametrize("annee", [2025, 2026])
def test_figures_from_the_totals_equal_the_figures_from_the_hours(territoire, monkeypatch, annee):
    periode = indicateurs.Periode.annee(annee)
    donneur = territoire["attributions"][0].lot.marche.donneur_d_ordre
    convention = donneur.conventions.get()
    portees = [{}, {"donneur": donneur}, {"convention": convention}, {"donneur": DonneurDOrdreFactory()}]

    def figures(portee):
        population = indicateurs.population_en_parcours(periode.debut, periode.fin, **portee)
        return (
            indicateurs.synthese_heures(periode.debut, periode.fin, **portee),
            indicateurs.heures_realisees(D(annee, 1, 10), D(annee, 11, 20), **portee),  # whole months
            indicateurs.heures_par_modalite(periode.debut, periode.fin, **portee),
            indicateurs.heures_par_mois(D(annee, 2, 14), **portee),
            population.synthese,
            sorted(Participant.objects.filter(pk__in=population.participants).values_list("pk", flat=True)),
            indicateurs.personnes_par_public(periode.debut, periode.fin, **portee),
            indicateurs.personnes_par_genre(periode.debut, periode.fin, **portee),
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
    with pytest.raises(CommandError, match="1 table.*rebuild_cumuls --wet-run"):
        call_command("verifier_cumuls")
    assert "cumuls des heures des lots (CumulLot)" in capsys.readouterr().err


# --- The lots' targets (ObjectifLot) ------------------------------------------------------------------------


@pytest.fixture
def lots_avec_objectif():
    """Three lots with a target, over two donneurs d'ordre, one with its target forced."""
    lots = []
    for i in range(3):
        marche = MarcheFactory(statut=StatutMarche.EN_EXECUTION)
        ConventionFactory(donneur_d_ordre=marche.donneur_d_ordre)
        lot = LotFactory(marche=marche, date_debut=D(2025, 3 + i, 1), date_fin=D(2026, 6 + i, 30))
        ClauseInsertionFactory(lot=lot, heures_forcees=1000 * (i + 1) if i else None)
        lots.append(lot)
    return lots


def test_the_lots_targets_follow_every_write(lots_avec_objectif):
    l0, l1, l2 = lots_avec_objectif
    exacts()
    assert ObjectifLot.objects.count() == 3
    clause = l1.clause
    clause.heures_forcees = 1234  # the target
    clause.save()
    exacts()
    Lot.objects.filter(pk=l0.pk).update(date_fin=D(2027, 1, 31))  # the dates
    exacts()
    Lot.objects.filter(pk=l0.pk).update(date_debut=None)  # no dates, no row
    exacts()
    Lot.objects.filter(pk=l2.pk).update(marche=l1.marche)  # another marché, another donneur d'ordre
    exacts()
    Marche.objects.filter(pk=l1.marche_id).update(statut=StatutMarche.SANS_SUITE)  # a marché that no longer counts
    exacts()
    Marche.objects.update(statut=StatutMarche.SOLDE, donneur_d_ordre=DonneurDOrdreFactory())  # every marché at once
    exacts()
    assert ObjectifLot.objects.count() == 2
    clause.delete()
    exacts()
    Marche.objects.filter(pk=l1.marche_id).delete()  # l2 is there now
    exacts()
    assert not ObjectifLot.objects.exists()


def test_the_lots_targets_follow_bulk_writes_and_truncate(lots_avec_objectif):
    marche = lots_avec_objectif[0].marche
    lots = Lot.objects.bulk_create(
        [
            Lot(marche=marche, numero=str(n), intitule="Lot", date_debut=D(2026, 1, 1), date_fin=D(2026, 12, 31))
            for n in range(10, 20)
        ]
    )
    ClauseInsertion.objects.bulk_create(
        [ClauseInsertionFactory.build(lot=lot, heures_forcees=100 + lot.pk) for lot in lots]
    )
    exacts()
    ClauseInsertion.objects.filter(lot__in=lots).update(heures_forcees=None)
    exacts()
    with connection.cursor() as curseur:
        curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        curseur.execute("TRUNCATE clauses_clauseinsertion CASCADE")
    exacts()
    assert not ObjectifLot.objects.exists()


def test_ecarts_sees_a_wrong_target(lots_avec_objectif):
    ObjectifLot.objects.filter(pk=lots_avec_objectif[0].pk).update(cible=1)
    assert set(reconstruction.ecarts()) == {"ObjectifLot"}


def _objectifs_attendus(periodes: dict, portee: dict) -> dict:
    """The targets of ``periodes`` computed in Python from the lots, their clauses and attributions (not from
    ObjectifLot): each target spread over its lot's execution days, the days in the period kept."""
    totaux = dict.fromkeys(periodes, 0.0)
    lots = Lot.objects.filter(clause__isnull=False, marche__statut__in=STATUTS_AVEC_OBJECTIF)
    for lot in lots.select_related("clause", "marche"):
        if lot.date_debut is None or lot.date_fin is None:
            continue
        clause = lot.clause
        cible = clause.heures_forcees if clause.heures_forcees is not None else clause.heures_calculees
        donneur = lot.marche.donneur_d_ordre_id
        if "attribution" in portee:
            attribution = portee["attribution"]
            if attribution.lot_id != lot.pk:
                continue
            cible = attribution.heures_objectif if attribution.heures_objectif is not None else cible
        else:
            du_lot = {"donneur": donneur, "convention": donneur, "marche": lot.marche_id, "lot": lot.pk}
            de_la_portee = {
                cle: objet.donneur_d_ordre_id if cle == "convention" else objet.pk for cle, objet in portee.items()
            }
            if any(du_lot[cle] != valeur for cle, valeur in de_la_portee.items()):
                continue
        jours_du_lot = (lot.date_fin - lot.date_debut).days + 1
        for cle, (debut, fin) in periodes.items():
            communs = max((min(lot.date_fin, fin) - max(lot.date_debut, debut)).days + 1, 0)
            totaux[cle] += float(cible) * communs / jours_du_lot
    return {cle: Decimal(total).quantize(Decimal(1), rounding=ROUND_HALF_UP) for cle, total in totaux.items()}


def test_targets_from_the_table_equal_the_targets_from_the_lots(lots_avec_objectif):
    l0, l1, _ = lots_avec_objectif
    AttributionFactory(lot=l1, heures_objectif=300)
    periodes = {"2025": (D(2025, 1, 1), D(2025, 12, 31)), "t": (D(2026, 2, 10), D(2026, 5, 20))}
    portees = [
        {},
        {"donneur": l0.marche.donneur_d_ordre},
        {"convention": l1.marche.donneur_d_ordre.conventions.get()},
        {"marche": l1.marche},
        {"lot": l0},
        {"attribution": l1.attributions.get()},
        {"donneur": DonneurDOrdreFactory()},
    ]
    avec = [indicateurs.objectifs_periodes(periodes, **portee) for portee in portees]
    assert avec[0]["2025"] > 0 and avec[-1] == {"2025": 0, "t": 0}
    assert avec[3]["2025"] != avec[4]["2025"] != avec[5]["2025"]  # three lots, three targets
    assert avec == [_objectifs_attendus(periodes, portee) for portee in portees]


def _en_parallele(fonction, erreurs: list) -> threading.Thread:
    """A thread running ``fonction`` on its own connection; what it raises goes to ``erreurs``."""

    def corps():
        try:
            fonction()
        except Exception as erreur:  # noqa: BLE001 - the test asserts erreurs is empty
            erreurs.append(erreur)
        finally:
            connection.close()

    return threading.Thread(target=corps)


def _course(premiere, seconde) -> tuple[bool, list]:
    """Two real transactions: ``premiere`` writes and stays open until ``seconde``, started once the first has
    written, is seen waiting for a lock (or has ended); then the first commits. Whether the second waited, and what
    either raised."""
    ecrite, fin, erreurs = threading.Event(), threading.Event(), []

    def ecrire():
        with transaction.atomic():
            premiere()
            ecrite.set()
            fin.wait(10)

    def suivre():
        ecrite.wait(10)
        with transaction.atomic():
            seconde()

    fils = [_en_parallele(ecrire, erreurs), _en_parallele(suivre, erreurs)]
    for f in fils:
        f.start()
    ecrite.wait(10)
    attend = _attendre(fils[1])
    fin.set()
    for f in fils:
        f.join(10)
    return attend, erreurs


def test_two_transactions_changing_one_lot_leave_its_target_exact(transactional_db, lots_avec_objectif):
    """One changes the lot's clause and waits before committing; the other moves its marché meanwhile: the
    second rewrite waits for the first commit and starts from it (without the lock on the lot, it would start
    from the clause it saw before and write over or beside the first)."""
    lot = lots_avec_objectif[1]
    autre = DonneurDOrdreFactory()
    attend, erreurs = _course(
        lambda: ClauseInsertion.objects.filter(lot=lot).update(heures_forcees=4321),
        lambda: Marche.objects.filter(pk=lot.marche_id).update(donneur_d_ordre=autre),
    )
    assert not erreurs, erreurs
    assert attend, "la mise à jour du marché doit attendre le lot"
    assert ObjectifLot.objects.filter(pk=lot.pk, cible=4321, donneur_d_ordre=autre).exists()
    exacts()


# --- The people of a year by criterion (CritereAnnuel) --------------------------------------------------------


def _critere(code):
    return CritereEligibilite.objects.get(code=code)


def test_people_by_criterion_follow_the_criteria_and_the_hours(territoire):
    p0, p1, p2 = territoire["personnes"]
    exacts()
    assert CritereAnnuel.objects.filter(critere=0).exists()  # nobody has a criterion yet
    p0.criteres.set([_critere("deld"), _critere("rsa")])  # leaves the people without any
    exacts()
    p0.criteres.set([_critere("rsa"), _critere("jeune")])  # one removed, one added
    exacts()
    p1.criteres.add(_critere("rsa"))
    Participant.criteres.through.objects.filter(participant=p0, critereeligibilite=_critere("jeune")).update(
        critereeligibilite=_critere("rqth")
    )
    exacts()
    p0.criteres.clear()  # back among the people without any
    exacts()
    # People entering and leaving a year: hours of a new year, hours set to zero, a person deleted.
    HeuresMensuellesFactory(placement=territoire["placements"][0], mois=D(2023, 5, 1), heures=Decimal("7"))
    exacts()
    HeuresMensuelles.objects.filter(placement__participant=p1, mois__year=2026).update(heures=Decimal("0"))
    exacts()
    p2.criteres.add(_critere("deld"))
    Placement.objects.filter(participant=p2).delete()  # a person is deleted with their placements only
    Participant.objects.filter(pk=p2.pk).delete()
    exacts()
    with connection.cursor() as curseur:
        curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        curseur.execute("TRUNCATE clauses_participant_criteres")
    exacts()
    assert set(CritereAnnuel.objects.values_list("critere", flat=True)) == {0}


@pytest.mark.parametrize("annee", [2025, 2026])
def test_people_by_criterion_read_from_the_table_equal_those_from_the_hours(territoire, monkeypatch, annee):
    p0, p1, _ = territoire["personnes"]
    p0.criteres.set([_critere("deld"), _critere("rsa")])
    p1.criteres.set([_critere("rsa")])
    periode = indicateurs.Periode.annee(annee)
    assert agregats.personnes_par_critere(periode.debut, periode.fin, {}) is not None
    avec = indicateurs.personnes_par_public(periode.debut, periode.fin)
    assert len(avec[0]) >= 2
    _sans_cumuls(monkeypatch)
    assert indicateurs.personnes_par_public(periode.debut, periode.fin) == avec


def test_people_by_criterion_answer_only_calendar_years_of_the_territory(territoire):
    donneur = territoire["attributions"][0].lot.marche.donneur_d_ordre
    assert agregats.personnes_par_critere(D(2026, 1, 1), D(2026, 6, 30), {}) is None
    assert agregats.personnes_par_critere(D(2026, 1, 1), D(2026, 12, 31), {"donneur": donneur}) is None


def test_a_criterion_added_while_a_person_enters_a_year_is_counted_once(transactional_db, territoire):
    """One transaction gives a person their first hours of 2024 and waits before committing; another gives
    them a criterion meanwhile: the second waits for the person, then counts the criterion in 2024 too."""
    personne = territoire["personnes"][2]
    placement = next(p for p in territoire["placements"] if p.participant_id == personne.pk)
    attend, erreurs = _course(
        lambda: HeuresMensuelles.objects.create(placement=placement, mois=D(2024, 3, 1), heures=Decimal("20")),
        lambda: personne.criteres.add(_critere("rsa")),
    )
    assert not erreurs, erreurs
    assert attend, "le critère doit attendre la personne"
    assert CritereAnnuel.objects.filter(annee=2024, critere=_critere("rsa").pk, personnes=1).exists()
    exacts()


# --- Contracts started and outcomes noted, by day (ContratJournalier, ContratTerritoire, SortieJournaliere) -----


@pytest.fixture
def sorties(territoire):
    """End-of-placement outcomes (and one six months later, which does not count) for some placements."""
    placements = territoire["placements"]
    for i, placement in enumerate(placements[:5]):
        SortieFactory(
            placement=placement, date_constat=D(2026, 3, 1 + i), situation=[Situation.CDI, Situation.CDD_COURT][i % 2]
        )
    SortieFactory(placement=placements[0], moment=MomentSortie.SIX_MOIS, date_constat=D(2026, 9, 1))
    return Sortie.objects.all()


def test_contracts_and_outcomes_follow_every_write(territoire, sorties):
    a0, a1, a2, a3 = territoire["attributions"]
    exacts()
    placement = Placement.objects.filter(attribution=a1).first()
    for changement in (
        {"type_contrat": TypeContrat.INTERIM},
        {"date_debut": D(2025, 2, 3)},
        {"attribution": a2},  # to another donneur d'ordre, with its outcomes
        {"date_fin": D(2026, 3, 31)},  # counts nothing
    ):
        Placement.objects.filter(pk=placement.pk).update(**changement)
        exacts()
    sortie = sorties.filter(moment=MomentSortie.FIN_PARCOURS).first()
    for changement in (
        {"situation": Situation.FONCTION_PUBLIQUE},
        {"date_constat": D(2026, 4, 30)},
        {"moment": MomentSortie.SIX_MOIS},  # no longer an end-of-placement outcome
        {"moment": MomentSortie.FIN_PARCOURS, "placement": territoire["placements"][-1]},
    ):
        Sortie.objects.filter(pk=sortie.pk).update(**changement)
        exacts()
    Attribution.objects.filter(pk=a0.pk).update(lot=a3.lot)
    exacts()
    Lot.objects.filter(pk=a2.lot_id).update(marche=a0.lot.marche)
    exacts()
    Marche.objects.update(donneur_d_ordre=DonneurDOrdreFactory())  # every marché at once
    exacts()
    Sortie.objects.filter(pk=sortie.pk).delete()
    territoire["placements"][1].delete()
    exacts()
    Placement.objects.bulk_create([PlacementFactory.build(attribution=a1, participant=territoire["personnes"][0])])
    exacts()
    with connection.cursor() as curseur:
        curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        curseur.execute("TRUNCATE clauses_sortie")
    exacts()
    assert not SortieJournaliere.objects.exists() and ContratJournalier.objects.exists()
    ContratJournalier.objects.filter(pk=ContratJournalier.objects.first().pk).update(contrats=99)
    assert set(reconstruction.ecarts()) == {"ContratJournalier"}


def test_contracts_and_outcomes_from_the_counts_equal_those_from_the_placements(territoire, sorties, monkeypatch):
    donneur = territoire["attributions"][0].lot.marche.donneur_d_ordre
    periodes = {"a": (D(2025, 1, 1), D(2025, 12, 31)), "b": (D(2026, 1, 5), D(2026, 3, 3))}
    portees = [
        {},
        {"donneur": donneur},
        {"convention": donneur.conventions.get()},
        {"donneur": DonneurDOrdreFactory()},
    ]

    def figures(portee):
        return (
            repartitions._contrats_par_type(periodes, portee),
            indicateurs.contrats_et_sorties(D(2025, 6, 1), D(2026, 3, 3), **portee),
        )

    avec = [figures(portee) for portee in portees]
    assert avec[1][1][0] and avec[1][1][1]  # contracts and outcomes for the donneur d'ordre
    assert agregats.contrats_et_sorties(D(2026, 1, 1), D(2026, 3, 3), {"donneur": donneur}) is not None
    assert (
        agregats.contrats_et_sorties(D(2026, 1, 1), D(2026, 3, 3), {"lot": territoire["attributions"][0].lot}) is None
    )
    _sans_cumuls(monkeypatch)
    assert [figures(portee) for portee in portees] == avec


@pytest.mark.parametrize("jour", [D(2025, 11, 15), D(2026, 1, 31), D(2026, 6, 1)])
def test_the_lots_and_marches_hours_from_the_totals_equal_those_from_the_hours(territoire, jour):
    """The portal's home reads a lot's hours to date and a marché's hours from the running totals."""
    lots = Lot.objects.all()
    depuis_les_heures = dict(
        HeuresMensuelles.objects.filter(mois__lte=jour)
        .order_by()
        .values_list("placement__attribution__lot")
        .annotate(total=Sum("heures"))
    )

    def sans_zeros(heures):
        return {lot: total for lot, total in heures.items() if total}

    assert sans_zeros(agregats.heures_des_lots_a_date(lots, jour)) == sans_zeros(depuis_les_heures)
    assert depuis_les_heures  # and, but on the last day, hours of later months to take away
    chiffres = marches_services.marches_avec_chiffres().order_by("pk").values_list("pk", "heures_realisees")
    tenus = (
        marches_services.marches_avec_chiffres(heures_realisees=agregats.heures_du_marche())
        .order_by("pk")
        .values_list("pk", "heures_realisees")
    )
    assert list(tenus) == list(chiffres)


# --- A moved link racing a write, the rebuild, the triggers' installation ----------------------------------------


def test_a_placement_moved_while_its_hours_are_written_takes_them_along(transactional_db, territoire):
    """One transaction writes hours for a placement and waits before committing; another moves the placement to
    another lot meanwhile: the move waits for the hours (SHARE lock on them), then takes them along. Without the
    lock the move would carry only the hours committed before it, and the new ones would stay on the old lot."""
    placement = territoire["placements"][0]
    ailleurs = territoire["attributions"][3]
    assert ailleurs.lot_id != placement.attribution.lot_id
    attend, erreurs = _course(
        lambda: HeuresMensuelles.objects.create(placement=placement, mois=D(2026, 5, 1), heures=Decimal("70")),
        lambda: Placement.objects.filter(pk=placement.pk).update(attribution=ailleurs),
    )
    assert not erreurs, erreurs
    assert attend, "le déplacement du placement doit attendre les heures en cours d'écriture"
    assert (
        CumulLot.objects.get(lot=ailleurs.lot_id).heures
        == HeuresMensuelles.objects.filter(placement__attribution=ailleurs).aggregate(s=Sum("heures"))["s"]
    )
    exacts()


def test_a_lot_moved_while_a_placement_starts_takes_its_contract_along(transactional_db, territoire):
    """The same race for the contracts by day: a placement created on a lot that another transaction moves to a
    marché of another donneur d'ordre is counted under the new donneur d'ordre (SHARE lock on the placements)."""
    attribution = territoire["attributions"][0]
    autre_marche = territoire["attributions"][3].lot.marche
    assert autre_marche.donneur_d_ordre_id != attribution.lot.marche.donneur_d_ordre_id
    personne = territoire["personnes"][0]
    attend, erreurs = _course(
        lambda: PlacementFactory(attribution=attribution, participant=personne, date_debut=D(2026, 4, 2)),
        lambda: Lot.objects.filter(pk=attribution.lot_id).update(marche=autre_marche),
    )
    assert not erreurs, erreurs
    assert attend, "le déplacement du lot doit attendre le placement en cours d'écriture"
    assert ContratJournalier.objects.filter(
        donneur_d_ordre=autre_marche.donneur_d_ordre_id, jour=D(2026, 4, 2)
    ).exists()
    exacts()


TABLES_DERIVEES = [
    CumulMensuel,
    CumulTerritoire,
    CumulLot,
    PresenceMensuelle,
    PersonneAnnuelle,
    MarcheAnnuel,
    ObjectifLot,
    CritereAnnuel,
    ContratJournalier,
    ContratTerritoire,
    SortieJournaliere,
]


def _contenu(modele) -> list[tuple]:
    champs = [champ.attname for champ in modele._meta.concrete_fields if not champ.primary_key or champ.is_relation]
    return sorted(modele.objects.values_list(*champs))


@pytest.mark.parametrize("modele", TABLES_DERIVEES, ids=lambda modele: modele.__name__)
def test_rebuild_cumuls_rebuilds_a_table_emptied_by_hand(territoire, sorties, lots_avec_objectif, modele):
    _critere_pour(territoire)
    avant = {m: _contenu(m) for m in TABLES_DERIVEES}
    assert avant[modele], "le jeu de données doit remplir chaque table"
    with connection.cursor() as curseur:
        curseur.execute(f"DELETE FROM {modele._meta.db_table}")
    assert set(reconstruction.ecarts()) >= {modele.__name__}
    reconstruction.reconstruire()
    exacts()
    assert {m: _contenu(m) for m in TABLES_DERIVEES} == avant


def _critere_pour(territoire):
    territoire["personnes"][0].criteres.set([_critere("rsa")])


def test_rebuild_cumuls_is_a_dry_run_without_wet_run(territoire, capsys):
    from django.core.management import call_command

    CumulLot.objects.update(heures=Decimal("3"))
    call_command("rebuild_cumuls")
    sortie = capsys.readouterr()
    assert "1 table(s) seraient corrigées" in sortie.out and "CumulLot" in sortie.err
    assert set(CumulLot.objects.values_list("heures", flat=True)) == {Decimal("3")}
    call_command("rebuild_cumuls", "--wet-run")
    assert "Cumuls reconstruits (11 tables, 1 étaient inexactes)" in capsys.readouterr().out
    exacts()


def test_loaddata_then_rebuild_cumuls_gives_exact_totals(territoire, tmp_path):
    """A restore of data only (dumpdata/loaddata) inserts the hours and the totals both, and the triggers count
    the hours again: the totals are doubled until rebuild_cumuls, which the README asks for after a restore."""
    from django.core.management import call_command

    fichier = tmp_path / "heures.json"
    call_command("dumpdata", "clauses.heuresmensuelles", output=str(fichier))
    with pgtrigger.ignore():  # the hours go, their totals stay: as the totals restored first
        HeuresMensuelles.objects.all().delete()
    call_command("loaddata", str(fichier), verbosity=0)
    assert (
        CumulLot.objects.get(lot=territoire["attributions"][0].lot_id).heures
        == 2
        * HeuresMensuelles.objects.filter(placement__attribution=territoire["attributions"][0]).aggregate(
            s=Sum("heures")
        )["s"]
    )
    reconstruction.reconstruire()
    exacts()


def test_every_trigger_is_installed_and_current(capsys):
    """The database's triggers are the models' (django-pgtrigger): none missing, none outdated, none left over."""
    from django.core.management import call_command

    call_command("pgtrigger", "ls")
    lignes = [re.sub(r"\x1b\[[0-9;]*m", "", ligne) for ligne in capsys.readouterr().out.splitlines() if ligne.strip()]
    assert len(lignes) >= 50
    assert all(ligne.split()[:2] == ["INSTALLED", "ENABLED"] for ligne in lignes), "\n".join(lignes)
