import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.heures import mois_suivant
from clauses.models import HeuresMensuelles, SourceHeures
from marches.factories import AttributionFactory

pytestmark = pytest.mark.django_db


def mois_courant() -> dt.date:
    return timezone.localdate().replace(day=1)


def mois_avant(n: int) -> dt.date:
    m = mois_courant()
    for _ in range(n):
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return m


def url_cellule(placement, mois: dt.date) -> str:
    return reverse("clauses:heures_cellule", args=[placement.pk, f"{mois:%Y-%m}"])


def champ(placement, mois: dt.date) -> str:
    return f"h-{placement.pk}-{mois:%Y-%m}"


@pytest.fixture
def placement():
    attribution = AttributionFactory(heures_objectif=400, entreprise__raison_sociale="Peintures du Rhône")
    return PlacementFactory(
        attribution=attribution,
        date_debut=mois_avant(3) + dt.timedelta(days=4),
        participant=ParticipantFactory(nom="Durand", prenom="Inès"),
    )


def poster_cellule(client, placement, mois, valeur):
    return client.post(url_cellule(placement, mois), {champ(placement, mois): valeur}, headers={"HX-Request": "true"})


class TestAcces:
    def test_anonymous_is_sent_to_login(self, client, placement):
        for reponse in (
            client.get(reverse("clauses:heures_grille", args=[placement.attribution.pk])),
            client.post(url_cellule(placement, mois_avant(1)), {champ(placement, mois_avant(1)): "10"}),
        ):
            assert reponse.status_code == 302
            assert reponse["Location"].startswith(reverse("connexion"))
        assert not HeuresMensuelles.objects.exists()

    def test_a_referent_is_refused(self, client_referent, placement):
        url_grille = reverse("clauses:heures_grille", args=[placement.attribution.pk])
        mois = mois_avant(1)
        assert client_referent.get(url_grille).status_code == 403
        assert client_referent.post(url_grille, {champ(placement, mois): "10"}).status_code == 403
        assert client_referent.get(url_cellule(placement, mois)).status_code == 403
        assert poster_cellule(client_referent, placement, mois, "10").status_code == 403
        assert not HeuresMensuelles.objects.exists()

    def test_unknown_ids_are_404(self, client_facilitateur, placement):
        assert client_facilitateur.get(reverse("clauses:heures_grille", args=[999999])).status_code == 404
        assert client_facilitateur.post(reverse("clauses:heures_cellule", args=[999999, "2026-01"])).status_code == 404
        assert (
            client_facilitateur.post(reverse("clauses:heures_cellule", args=[placement.pk, "2026-13"])).status_code
            == 404
        )

    def test_cell_only_accepts_post(self, client_facilitateur, placement):
        assert client_facilitateur.get(url_cellule(placement, mois_avant(1))).status_code == 405


class TestGrille:
    # Five months back and two months back in the same year (from March to May they are not: the grid of the
    # earlier year would not show the hours).
    @pytest.mark.time_machine("2027-10-15T12:00+02:00")
    def test_title_rows_columns_and_disabled_months(self, client_facilitateur, placement):
        attribution = placement.attribution
        # An earlier placement opens the grid three months before the first one.
        autre = PlacementFactory(
            attribution=attribution,
            date_debut=mois_avant(5),
            date_fin=mois_avant(4) + dt.timedelta(days=10),
            participant=ParticipantFactory(nom="Abdi", prenom="Sam"),
        )
        HeuresMensuellesFactory(placement=placement, mois=mois_avant(2), heures=Decimal("35.5"))
        annee = mois_avant(5).year
        reponse = client_facilitateur.get(reverse("clauses:heures_grille", args=[attribution.pk]), {"annee": annee})
        assert reponse.status_code == 200
        contenu = reponse.content.decode()
        lot = attribution.lot
        assert f"Heures de Peintures du Rhône — Lot {lot.numero} — {lot.intitule} ({lot.marche.objet})" in contenu
        grille = reponse.context["grille"]
        assert [ligne.placement for ligne in grille.lignes] == [autre, placement]
        assert grille.mois[0] == max(mois_avant(5), dt.date(annee, 1, 1))
        assert grille.mois[-1] <= mois_courant()
        assert len(grille.mois) <= 12
        # Cells outside a placement's dates are a dash, not an input.
        ligne_autre = grille.lignes[0]
        assert [c.active for c in ligne_autre.cellules if c.mois >= mois_avant(3)] == [False] * len(
            [c for c in ligne_autre.cellules if c.mois >= mois_avant(3)]
        )
        assert "Hors de la période du placement" in contenu
        assert f'aria-label="Heures de {placement.participant.reference} en ' in contenu
        assert 'value="35,5"' in contenu
        assert 'hx-trigger="change"' in contenu
        assert "Enregistrer la grille" in contenu
        assert "400 h" in contenu

    def test_year_navigation(self, client_facilitateur):
        attribution = AttributionFactory()
        debut = dt.date(mois_courant().year - 2, 6, 1)
        PlacementFactory(attribution=attribution, date_debut=debut)
        url = reverse("clauses:heures_grille", args=[attribution.pk])
        grille = client_facilitateur.get(url).context["grille"]
        assert grille.annee == mois_courant().year
        assert grille.annee_precedente == mois_courant().year - 1 and grille.annee_suivante is None
        grille = client_facilitateur.get(url, {"annee": debut.year}).context["grille"]
        assert grille.mois[0] == debut and len(grille.mois) == 7 and grille.annee_precedente is None
        # A year out of range or garbage falls back to the nearest shown year instead of failing.
        assert client_facilitateur.get(url, {"annee": "1999"}).context["grille"].annee == debut.year
        assert client_facilitateur.get(url, {"annee": "abc"}).status_code == 200

    def test_empty_states(self, client_facilitateur):
        attribution = AttributionFactory()
        reponse = client_facilitateur.get(reverse("clauses:heures_grille", args=[attribution.pk]))
        assert "Aucun placement" in reponse.content.decode()
        assert "Aucun objectif d'heures" in reponse.content.decode()

    def test_target_falls_back_to_the_lot_clause(self, client_facilitateur):
        attribution = AttributionFactory(heures_objectif=None)
        ClauseInsertionFactory(lot=attribution.lot)  # 833 h
        reponse = client_facilitateur.get(reverse("clauses:heures_grille", args=[attribution.pk]))
        assert "objectif de 833 h (objectif du lot)" in reponse.content.decode()

    def test_query_count_does_not_grow(self, client_facilitateur, django_assert_max_num_queries):
        attribution = AttributionFactory(heures_objectif=1000)
        ClauseInsertionFactory(lot=attribution.lot)
        for i in range(25):
            p = PlacementFactory(attribution=attribution, date_debut=mois_avant(11))
            for n in range(i % 6):
                HeuresMensuellesFactory(placement=p, mois=mois_avant(n), heures=10)
        url = reverse("clauses:heures_grille", args=[attribution.pk])
        with django_assert_max_num_queries(9):
            reponse = client_facilitateur.get(url)
        assert len(reponse.context["grille"].lignes) == 25


class TestCellule:
    def test_save_returns_cell_and_totals(self, client_facilitateur, facilitateur, placement):
        mois = mois_avant(1)
        autre = PlacementFactory(attribution=placement.attribution, date_debut=mois_avant(3))
        HeuresMensuellesFactory(placement=autre, mois=mois, heures=20)
        reponse = poster_cellule(client_facilitateur, placement, mois, "35.5")
        assert reponse.status_code == 200
        heures = HeuresMensuelles.objects.get(placement=placement)
        assert (heures.mois, heures.heures, heures.source, heures.saisi_par) == (
            mois,
            Decimal("35.5"),
            SourceHeures.SAISIE,
            facilitateur,
        )
        contenu = reponse.content.decode()
        assert f'id="c-{placement.pk}-{mois:%Y-%m}"' in contenu
        assert 'value="35,5"' in contenu
        assert f'<td id="total-p{placement.pk}" class="nombre fw-semibold" hx-swap-oob="true">35,5 h</td>' in contenu
        assert f'<td id="total-m{mois:%Y-%m}" class="nombre fw-semibold" hx-swap-oob="true">55,5 h</td>' in contenu
        assert 'id="avancement"' in contenu and "hx-swap-oob" in contenu
        assert "55,5 h</span> réalisées sur un objectif de 400 h" in contenu
        assert 'value="14"' in contenu  # the progress bar: 55.5 / 400 ≈ 14 %
        assert "enregistré" in contenu

    def test_update_then_empty_deletes(self, client_facilitateur, placement):
        mois = mois_avant(1)
        HeuresMensuellesFactory(placement=placement, mois=mois, heures=10, source=SourceHeures.IMPORT)
        poster_cellule(client_facilitateur, placement, mois, "12,5")
        heures = HeuresMensuelles.objects.get()
        assert heures.heures == Decimal("12.5") and heures.source == SourceHeures.SAISIE
        reponse = poster_cellule(client_facilitateur, placement, mois, "")
        assert reponse.status_code == 200
        assert not HeuresMensuelles.objects.exists()
        assert "case vidée" in reponse.content.decode()

    @pytest.mark.parametrize(
        ("valeur", "message"),
        [
            ("260", "260 heures en un mois dépasse le maximum de 220."),
            ("-3", "ne peut pas être négatif"),
            ("abc", "Saisissez un nombre"),
        ],
    )
    def test_bad_value_is_explained_in_the_cell(self, client_facilitateur, placement, valeur, message):
        reponse = poster_cellule(client_facilitateur, placement, mois_avant(1), valeur)
        assert reponse.status_code == 200
        contenu = reponse.content.decode()
        assert message in contenu
        assert 'aria-invalid="true"' in contenu and f'value="{valeur}"' in contenu
        assert "hx-swap-oob" not in contenu
        assert not HeuresMensuelles.objects.exists()

    def test_month_outside_the_placement_is_refused(self, client_facilitateur, placement):
        placement.date_fin = mois_avant(1) + dt.timedelta(days=2)
        placement.save()
        debut = placement.date_debut
        reponse = poster_cellule(client_facilitateur, placement, mois_avant(4), "10")
        assert f"Le placement commence le {debut.day} " in reponse.content.decode()
        reponse = poster_cellule(client_facilitateur, placement, mois_courant(), "10")
        assert "est terminé le 3 " in reponse.content.decode()
        reponse = poster_cellule(client_facilitateur, placement, mois_suivant(mois_courant()), "10")
        assert "pas encore commencé" in reponse.content.decode()
        assert not HeuresMensuelles.objects.exists()

    def test_without_htmx_redirects_to_the_grid(self, client_facilitateur, placement):
        mois = mois_avant(1)
        reponse = client_facilitateur.post(url_cellule(placement, mois), {champ(placement, mois): "7"})
        assert reponse.status_code == 302
        assert reponse["Location"].startswith(reverse("clauses:heures_grille", args=[placement.attribution.pk]))
        assert HeuresMensuelles.objects.get().heures == 7


class TestGrilleSansJavaScript:
    def test_whole_grid_is_saved(self, client_facilitateur, placement):
        url = reverse("clauses:heures_grille", args=[placement.attribution.pk])
        m1, m2 = mois_avant(2), mois_avant(1)
        HeuresMensuellesFactory(placement=placement, mois=mois_avant(3), heures=5)
        reponse = client_facilitateur.post(
            url,
            {
                "annee": str(m1.year),
                champ(placement, m1): "30",
                champ(placement, m2): "40,5",
                champ(placement, mois_avant(3)): "",
            },
        )
        assert reponse.status_code == 302
        assert dict(HeuresMensuelles.objects.values_list("mois", "heures")) == {m1: 30, m2: Decimal("40.5")}

    def test_all_or_nothing_with_errors_listed(self, client_facilitateur, placement):
        url = reverse("clauses:heures_grille", args=[placement.attribution.pk])
        reponse = client_facilitateur.post(
            url,
            {
                champ(placement, mois_avant(2)): "30",
                champ(placement, mois_avant(1)): "260",
                champ(placement, mois_avant(5)): "10",
            },
        )
        assert reponse.status_code == 200
        contenu = reponse.content.decode()
        assert "Rien n'a été enregistré : 2 valeurs à corriger." in contenu
        assert "260 heures en un mois dépasse le maximum de 220." in contenu
        assert "Le placement commence le" in contenu
        assert not HeuresMensuelles.objects.exists()

    def test_another_attributions_placement_is_ignored(self, client_facilitateur, placement):
        etranger = PlacementFactory(date_debut=mois_avant(3))
        url = reverse("clauses:heures_grille", args=[placement.attribution.pk])
        client_facilitateur.post(url, {champ(etranger, mois_avant(1)): "30"})
        assert not HeuresMensuelles.objects.exists()
