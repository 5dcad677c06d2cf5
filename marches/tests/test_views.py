import datetime as dt
import html
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, PlacementFactory
from conventions.factories import DonneurDOrdreFactory, FacilitateurFactory
from entreprises.factories import EntrepriseFactory, siret_n
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Attribution, AvisFaisabilite, Lot, Marche, StatutMarche

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def marche_complet(**kwargs) -> Marche:
    """A marché with two lots, clauses (833 h each), attributions and realised hours on the first lot."""
    marche = MarcheFactory(**kwargs)
    lot1, lot2 = LotFactory(marche=marche, numero="1"), LotFactory(marche=marche, numero="2")
    ClauseInsertionFactory(lot=lot1)
    ClauseInsertionFactory(lot=lot2, heures_forcees=167, motif_forcage="Reprise du personnel")
    a1 = AttributionFactory(lot=lot1, heures_objectif=500)
    AttributionFactory(lot=lot1, heures_objectif=333)
    placement = PlacementFactory(attribution=a1)
    HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 1, 1), heures=Decimal("100"))
    HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1), heures=Decimal("66.5"))
    # A second placement: its hours must not be multiplied by the other joins.
    HeuresMensuellesFactory(placement__attribution=a1, heures=Decimal("40"))
    return marche


def marche_valide(donneur, **extra) -> dict:
    return {
        "donneur_d_ordre": donneur.pk,
        "objet": "Réhabilitation de 120 logements",
        "type": "travaux",
        "avis_faisabilite": "favorable",
        **extra,
    }


class TestAcces:
    def urls(self):
        marche = MarcheFactory()
        lot = LotFactory(marche=marche)
        attribution = AttributionFactory(lot=lot)
        return [
            reverse("marches:marches"),
            reverse("marches:marche", args=[marche.pk]),
            reverse("marches:marche_creation"),
            reverse("marches:marche_modification", args=[marche.pk]),
            reverse("marches:lot_creation", args=[marche.pk]),
            reverse("marches:lot_modification", args=[lot.pk]),
            reverse("marches:attribution_creation", args=[lot.pk]),
            reverse("marches:attribution_modification", args=[attribution.pk]),
        ]

    def test_anonymous_is_sent_to_login(self, client):
        for url in self.urls():
            reponse = client.get(url)
            assert reponse.status_code == 302, url
            assert reponse["Location"].startswith(reverse("connexion"))

    def test_a_referent_is_refused(self, client_referent):
        for url in self.urls():
            assert client_referent.get(url).status_code == 403, url

    def test_a_referent_cannot_tell_which_ids_exist(self, client_referent):
        # The role is checked before the object is looked up: 403 for an id that exists or not.
        for nom in ("marches:lot_creation", "marches:attribution_creation", "marches:lot_modification"):
            assert client_referent.get(reverse(nom, args=[999999])).status_code == 403, nom

    def test_a_referent_cannot_post(self, client_referent):
        marche = MarcheFactory(statut=StatutMarche.EN_PREPARATION, objet="Avant")
        lot = LotFactory(marche=marche, intitule="Avant")
        donneur = DonneurDOrdreFactory()
        posts = [
            (reverse("marches:marche_creation"), marche_valide(donneur)),
            (reverse("marches:marche_modification", args=[marche.pk]), marche_valide(donneur, objet="Après")),
            (reverse("marches:marche_statut", args=[marche.pk]), {"statut": "en_consultation"}),
            (reverse("marches:lot_creation", args=[marche.pk]), {"numero": "9", "intitule": "X"}),
            (reverse("marches:lot_modification", args=[lot.pk]), {"numero": "9", "intitule": "Après"}),
            (reverse("marches:attribution_creation", args=[lot.pk]), {"siret": EntrepriseFactory().siret}),
        ]
        for url, donnees in posts:
            assert client_referent.post(url, donnees).status_code == 403, url
        marche.refresh_from_db()
        lot.refresh_from_db()
        assert (marche.objet, marche.statut, lot.intitule) == ("Avant", StatutMarche.EN_PREPARATION, "Avant")
        assert Marche.objects.count() == 1 and Lot.objects.count() == 1 and not Attribution.objects.exists()

    @pytest.mark.parametrize(
        "nom",
        [
            "marches:marche",
            "marches:marche_modification",
            "marches:lot_creation",
            "marches:lot_modification",
            "marches:attribution_creation",
            "marches:attribution_modification",
        ],
    )
    def test_unknown_id_is_404(self, client_facilitateur, nom):
        assert client_facilitateur.get(reverse(nom, args=[999999])).status_code == 404


class TestListe:
    def test_columns_with_figures(self, client_facilitateur):
        marche = marche_complet(objet="École Jules Ferry")
        reponse = client_facilitateur.get(reverse("marches:marches"))
        [ligne] = reponse.context["object_list"]
        assert ligne == marche
        assert ligne.nb_lots == 2
        assert ligne.heures_objectif == 833 + 167
        assert ligne.heures_realisees == Decimal("206.5")
        assert ligne.taux_realisation == pytest.approx(0.2065)
        contenu = texte(reponse)
        assert "École Jules Ferry" in contenu and "En exécution" in contenu
        assert "1\xa0000 h" in contenu and "206,5 h" in contenu and "21 %" in contenu

    def test_filters_search_and_sort(self, client_facilitateur, facilitateur):
        bailleur = DonneurDOrdreFactory(nom="Habitat du Delta")
        a = MarcheFactory(objet="Peinture des halls", donneur_d_ordre=bailleur, facilitateur=facilitateur)
        b = MarcheFactory(
            objet="Nettoyage des locaux",
            type="services",
            statut=StatutMarche.EN_PREPARATION,
            reference="2026-017",
            avis_faisabilite=AvisFaisabilite.FAVORABLE,
            facilitateur=FacilitateurFactory(),
        )
        ClauseInsertionFactory(lot__marche=b)
        url = reverse("marches:marches")

        def resultat(**params):
            return list(client_facilitateur.get(url, params).context["object_list"])

        assert resultat(q="delta") == [a]
        assert resultat(q="2026-017") == [b]
        assert resultat(q="halls") == [a]
        assert resultat(statut="en_preparation") == [b]
        assert resultat(type="services") == [b]
        assert resultat(donneur_d_ordre=bailleur.pk) == [a]
        assert resultat(facilitateur=facilitateur.pk) == [a]
        assert resultat(mes_marches="true") == [a]
        assert resultat(avis_faisabilite="favorable") == [b]
        assert resultat(tri="-objectif") == [b, a]
        assert resultat(tri="objet") == [b, a]
        assert resultat(tri="-objet") == [a, b]

    def test_whole_sums_are_not_divided_as_integers(self, client_facilitateur):
        clause = ClauseInsertionFactory()  # 833 h
        HeuresMensuellesFactory(placement__attribution__lot=clause.lot, heures=Decimal("400"))
        [ligne] = client_facilitateur.get(reverse("marches:marches")).context["object_list"]
        assert ligne.taux_realisation == pytest.approx(400 / 833)

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        for _ in range(25):
            marche_complet()
        with django_assert_max_num_queries(8):
            reponse = client_facilitateur.get(reverse("marches:marches"))
        assert len(reponse.context["object_list"]) == 25

    def test_export(self, client_facilitateur):
        marche_complet(objet="École Jules Ferry")
        MarcheFactory(objet="Autre")
        reponse = client_facilitateur.get(reverse("marches:marches"), {"q": "ferry", "format": "xlsx"})
        assert reponse.status_code == 200
        lignes = list(load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active.values)
        assert lignes[0][:3] == ("Objet", "Référence", "Donneur d'ordre")
        assert len(lignes) == 2
        assert lignes[1][0] == "École Jules Ferry"
        assert lignes[1][9:12] == (1000, 206.5, 20.7)


class TestFicheMarche:
    def test_detail_shows_blocks_lots_and_attributaires(self, client_facilitateur):
        marche = marche_complet(
            faisabilite_duree="11 mois, second œuvre surtout",
            formation_amont=True,
            date_attribution=dt.date(2026, 3, 2),
        )
        entreprise = marche.lots.get(numero="1").attributions.first().entreprise
        reponse = client_facilitateur.get(reverse("marches:marche", args=[marche.pk]))
        contenu = texte(reponse)
        assert "Avant attribution" in contenu and "11 mois, second œuvre surtout" in contenu
        assert "Envisagée" in contenu and "2 mars 2026" in contenu
        assert entreprise.raison_sociale in contenu
        assert "833 h" in contenu and "167 h" in contenu and "206,5 h" in contenu
        assert "25 % réalisé" in contenu  # lot 1: 206.5 / 833
        assert reverse("marches:lot_creation", args=[marche.pk]) in contenu
        assert reverse("clauses:lot", args=[marche.lots.get(numero="1").pk]) in contenu

    def test_query_count_does_not_grow_with_lots(self, client_facilitateur, django_assert_max_num_queries):
        marche = MarcheFactory()
        for n in range(25):
            lot = LotFactory(marche=marche, numero=str(n))
            ClauseInsertionFactory(lot=lot)
            HeuresMensuellesFactory(placement__attribution__lot=lot)
            AttributionFactory(lot=lot)
        with django_assert_max_num_queries(8):
            reponse = client_facilitateur.get(reverse("marches:marche", args=[marche.pk]))
        assert len(reponse.context["lots"]) == 25

    def test_empty_marche(self, client_facilitateur):
        marche = MarcheFactory(montant_estime_ht=None)
        contenu = texte(client_facilitateur.get(reverse("marches:marche", args=[marche.pk])))
        assert "Aucun lot pour l'instant" in contenu


class TestStatut:
    def url(self, marche):
        return reverse("marches:marche_statut", args=[marche.pk])

    def test_next_statut(self, client_facilitateur):
        marche = MarcheFactory(statut=StatutMarche.EN_PREPARATION)
        reponse = client_facilitateur.post(self.url(marche), {"statut": "en_consultation"}, follow=True)
        marche.refresh_from_db()
        assert marche.statut == StatutMarche.EN_CONSULTATION
        assert "désormais « en consultation »" in texte(reponse)

    def test_award_needs_the_award_date(self, client_facilitateur):
        marche = MarcheFactory(statut=StatutMarche.EN_CONSULTATION, date_attribution=None)
        reponse = client_facilitateur.post(self.url(marche), {"statut": "attribue"}, follow=True)
        marche.refresh_from_db()
        assert marche.statut == StatutMarche.EN_CONSULTATION
        assert "Renseignez la date d'attribution" in texte(reponse)

        marche.date_attribution = dt.date(2026, 3, 2)
        marche.save()
        client_facilitateur.post(self.url(marche), {"statut": "attribue"})
        marche.refresh_from_db()
        assert marche.statut == StatutMarche.ATTRIBUE

    def test_a_statut_out_of_sequence_is_refused(self, client_facilitateur):
        marche = MarcheFactory(statut=StatutMarche.EN_PREPARATION)
        reponse = client_facilitateur.post(self.url(marche), {"statut": "solde"}, follow=True)
        marche.refresh_from_db()
        assert marche.statut == StatutMarche.EN_PREPARATION
        assert "Choisissez l'un des statuts proposés" in texte(reponse)

    def test_get_is_not_allowed(self, client_facilitateur):
        assert client_facilitateur.get(self.url(MarcheFactory())).status_code == 405

    def test_the_form_offers_the_next_statuts_only(self, client_facilitateur):
        marche = MarcheFactory(statut=StatutMarche.EN_CONSULTATION)
        form = client_facilitateur.get(reverse("marches:marche", args=[marche.pk])).context["statut_form"]
        assert [v for v, _ in form.fields["statut"].choices] == ["attribue", "en_preparation", "sans_suite"]


class TestFormulaireMarche:
    def test_create_defaults_to_me(self, client_facilitateur, facilitateur):
        donneur = DonneurDOrdreFactory()
        page = client_facilitateur.get(reverse("marches:marche_creation"))
        assert page.context["form"]["facilitateur"].value() == facilitateur.pk
        contenu = texte(page)
        for legende in ("Identification", "Avant attribution : faisabilité", "Calendrier"):
            assert legende in contenu
        assert 'type="date"' in contenu
        reponse = client_facilitateur.post(
            reverse("marches:marche_creation"),
            marche_valide(
                donneur, facilitateur=facilitateur.pk, date_debut_prevue="2026-04-01", faisabilite_duree="11 mois"
            ),
        )
        marche = Marche.objects.get()
        assert reponse.status_code == 302 and reponse["Location"] == reverse("marches:marche", args=[marche.pk])
        assert marche.facilitateur == facilitateur
        assert marche.statut == StatutMarche.EN_PREPARATION
        assert marche.date_debut_prevue == dt.date(2026, 4, 1)

    def test_dates_in_order_and_positive_amount(self, client_facilitateur):
        reponse = client_facilitateur.post(
            reverse("marches:marche_creation"),
            marche_valide(
                DonneurDOrdreFactory(),
                date_debut_prevue="2026-05-01",
                date_fin_prevue="2026-04-01",
                montant_estime_ht="-5",
            ),
        )
        erreurs = reponse.context["form"].errors
        assert "ne peut pas précéder le début" in " ".join(erreurs["date_fin_prevue"])
        assert "montant_estime_ht" in erreurs
        assert not Marche.objects.exists()

    def test_edit(self, client_facilitateur):
        marche = MarcheFactory()
        client_facilitateur.post(
            reverse("marches:marche_modification", args=[marche.pk]),
            marche_valide(marche.donneur_d_ordre, objet="Nouvel objet", avis_faisabilite="reserve"),
        )
        marche.refresh_from_db()
        assert (marche.objet, marche.avis_faisabilite) == ("Nouvel objet", "reserve")


class TestLots:
    def test_create_then_go_to_the_calculator(self, client_facilitateur):
        marche = MarcheFactory()
        reponse = client_facilitateur.post(
            reverse("marches:lot_creation", args=[marche.pk]),
            {"numero": "3", "intitule": "Peinture", "montant_ht": "300000", "date_debut": "2026-04-01"},
        )
        lot = Lot.objects.get()
        assert lot.marche == marche and lot.montant_ht == 300000
        assert reponse["Location"] == reverse("clauses:calcul_objectif", args=[lot.pk])

    def test_number_unique_per_marche(self, client_facilitateur):
        lot = LotFactory(numero="2")
        LotFactory(numero="2")  # another marché may have its own lot 2
        reponse = client_facilitateur.post(
            reverse("marches:lot_creation", args=[lot.marche.pk]), {"numero": "2", "intitule": "Doublon"}
        )
        assert "déjà un lot n° 2" in " ".join(reponse.context["form"].errors["numero"])
        assert lot.marche.lots.count() == 1

    def test_edit_keeps_its_number_and_checks_dates(self, client_facilitateur):
        lot = LotFactory(numero="1")
        url = reverse("marches:lot_modification", args=[lot.pk])
        reponse = client_facilitateur.post(
            url, {"numero": "1", "intitule": "Gros œuvre", "date_debut": "2026-06-01", "date_fin": "2026-01-01"}
        )
        assert "date_fin" in reponse.context["form"].errors
        reponse = client_facilitateur.post(url, {"numero": "1", "intitule": "Gros œuvre"})
        assert reponse["Location"] == reverse("clauses:lot", args=[lot.pk])
        lot.refresh_from_db()
        assert lot.intitule == "Gros œuvre"


class TestAttributions:
    def test_create_by_siret_with_spaces(self, client_facilitateur):
        lot = LotFactory()
        entreprise = EntrepriseFactory()
        s = entreprise.siret
        reponse = client_facilitateur.post(
            reverse("marches:attribution_creation", args=[lot.pk]),
            {"siret": f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}", "role": "titulaire", "heures_objectif": "400"},
        )
        attribution = Attribution.objects.get()
        assert (attribution.lot, attribution.entreprise, attribution.heures_objectif) == (lot, entreprise, 400)
        assert reponse["Location"] == reverse("clauses:lot", args=[lot.pk])

    def test_unknown_siret_links_to_the_company_form(self, client_facilitateur):
        lot = LotFactory()
        reponse = client_facilitateur.post(
            reverse("marches:attribution_creation", args=[lot.pk]), {"siret": siret_n(777), "role": "titulaire"}
        )
        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "Aucune entreprise de l'annuaire" in contenu
        assert f'href="{reverse("entreprises:entreprise_creation")}"' in contenu
        assert not Attribution.objects.exists()

    def test_malformed_siret(self, client_facilitateur):
        reponse = client_facilitateur.post(
            reverse("marches:attribution_creation", args=[LotFactory().pk]), {"siret": "12 34", "role": "titulaire"}
        )
        assert "14 chiffres" in " ".join(reponse.context["form"].errors["siret"])

    def test_same_company_twice_on_a_lot(self, client_facilitateur):
        attribution = AttributionFactory()
        reponse = client_facilitateur.post(
            reverse("marches:attribution_creation", args=[attribution.lot.pk]),
            {"siret": attribution.entreprise.siret, "role": "co_traitant"},
        )
        assert "déjà attributaire" in " ".join(reponse.context["form"].errors["siret"])

    def test_shares_over_the_target_warn(self, client_facilitateur):
        clause = ClauseInsertionFactory()  # 833 h
        AttributionFactory(lot=clause.lot, heures_objectif=600)
        reponse = client_facilitateur.post(
            reverse("marches:attribution_creation", args=[clause.lot.pk]),
            {"siret": EntrepriseFactory().siret, "role": "co_traitant", "heures_objectif": "300"},
            follow=True,
        )
        assert Attribution.objects.count() == 2
        contenu = texte(reponse)
        assert "Les parts attribuées (900 h au total) dépassent l'objectif du lot (833 h)" in contenu

    def test_shares_within_the_target_do_not_warn(self, client_facilitateur):
        clause = ClauseInsertionFactory()
        reponse = client_facilitateur.post(
            reverse("marches:attribution_creation", args=[clause.lot.pk]),
            {"siret": EntrepriseFactory().siret, "role": "titulaire", "heures_objectif": "833"},
            follow=True,
        )
        assert "dépassent" not in texte(reponse)

    def test_edit(self, client_facilitateur):
        attribution = AttributionFactory(heures_objectif=100)
        url = reverse("marches:attribution_modification", args=[attribution.pk])
        page = client_facilitateur.get(url)
        assert page.context["form"]["siret"].value() == attribution.entreprise.siret
        client_facilitateur.post(
            url,
            {
                "siret": attribution.entreprise.siret,
                "role": "mandataire",
                "heures_objectif": "250",
                "date_debut": "2026-02-01",
            },
        )
        attribution.refresh_from_db()
        assert (attribution.role, attribution.heures_objectif) == ("mandataire", 250)
