import datetime as dt
import io
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory, SortieFactory
from clauses.models import (
    CritereEligibilite,
    Genre,
    ModalitePlacement,
    MomentSortie,
    NiveauQualification,
    Participant,
    Placement,
    Situation,
    Sortie,
    TypeContrat,
)
from entreprises.factories import OperateurFactory, PrescripteurFactory
from entreprises.models import TypeOperateur
from marches.factories import AttributionFactory, MarcheFactory
from marches.models import StatutMarche

pytestmark = pytest.mark.django_db

AUJOURD_HUI = timezone.localdate()


def il_y_a(**kwargs) -> dt.date:
    return AUJOURD_HUI - relativedelta(**kwargs)


def critere(code: str) -> CritereEligibilite:
    return CritereEligibilite.objects.get(code=code)


def participant_complet(**kwargs) -> Participant:
    participant = ParticipantFactory(prescripteur=kwargs.pop("prescripteur", None) or PrescripteurFactory(), **kwargs)
    participant.criteres.set([critere("deld"), critere("rsa")])
    return participant


def donnees_participant(**surcharges) -> dict:
    donnees = {
        "nom": "Benali",
        "prenom": "Sofiane",
        "date_naissance": il_y_a(years=22).isoformat(),
        "genre": Genre.HOMME,
        "commune": "Arles",
        "code_postal": "13200",
        "reside_qpv": "on",
        "qpv": "Griffeuille",
        "niveau_qualification": NiveauQualification.INFRA_3,
        "criteres": [critere("deld").pk, critere("jeune").pk],
        "date_orientation": il_y_a(months=1).isoformat(),
    }
    donnees.update(surcharges)
    return {cle: valeur for cle, valeur in donnees.items() if valeur is not None}


def erreurs(reponse, champ: str = "__all__") -> str:
    return " ".join(reponse.context["form"].errors.get(champ, []))


# --- Access ----------------------------------------------------------------------------------------


def _urls():
    placement = PlacementFactory()
    sortie = SortieFactory(placement=placement)
    return [
        reverse("clauses:participants"),
        reverse("clauses:participant", args=[placement.participant_id]),
        reverse("clauses:participant_creation"),
        reverse("clauses:participant_modification", args=[placement.participant_id]),
        reverse("clauses:placements"),
        reverse("clauses:placement", args=[placement.pk]),
        reverse("clauses:placement_creation"),
        reverse("clauses:placement_modification", args=[placement.pk]),
        reverse("clauses:sortie_creation", args=[placement.pk]),
        reverse("clauses:sortie_modification", args=[sortie.pk]),
    ]


class TestAcces:
    def test_anonymous_is_sent_to_login(self, client):
        for url in _urls():
            reponse = client.get(url)
            assert reponse.status_code == 302, url
            assert reponse["Location"].startswith(reverse("connexion"))

    def test_a_referent_is_refused_and_changes_nothing(self, client_referent):
        for url in _urls():
            assert client_referent.get(url).status_code == 403, url
            assert client_referent.post(url, donnees_participant()).status_code == 403, url
        assert not Participant.objects.filter(nom="Benali").exists()
        assert Participant.objects.count() == 1
        assert Sortie.objects.count() == 1

    def test_a_referent_cannot_learn_which_ids_exist(self, client_referent):
        assert client_referent.get(reverse("clauses:sortie_creation", args=[999999])).status_code == 403

    @pytest.mark.parametrize(
        "nom",
        [
            "clauses:participant",
            "clauses:participant_modification",
            "clauses:placement",
            "clauses:placement_modification",
            "clauses:sortie_creation",
            "clauses:sortie_modification",
        ],
    )
    def test_unknown_id_is_404(self, client_facilitateur, nom):
        assert client_facilitateur.get(reverse(nom, args=[999999])).status_code == 404

    def test_urls_carry_no_name(self):
        participant = ParticipantFactory(nom="Confidentiel")
        assert "Confidentiel" not in reverse("clauses:participant", args=[participant.pk])


# --- Participants list -----------------------------------------------------------------------------


class TestListeParticipants:
    def test_columns_counts_and_hours(self, client_facilitateur):
        participant = participant_complet(nom="Durand", commune="Tarascon", reside_qpv=True, qpv="Barriol")
        en_cours = PlacementFactory(participant=participant, date_debut=il_y_a(months=2))
        HeuresMensuellesFactory(placement=en_cours, mois=il_y_a(months=2), heures=Decimal("100"))
        HeuresMensuellesFactory(placement=en_cours, mois=il_y_a(months=1), heures=Decimal("20.5"))
        termine = PlacementFactory(participant=participant, date_debut=il_y_a(years=2), date_fin=il_y_a(years=1))
        HeuresMensuellesFactory(placement=termine, mois=il_y_a(years=2), heures=Decimal("10"))
        ParticipantFactory(nom="Sans placement")

        reponse = client_facilitateur.get(reverse("clauses:participants"), {"tri": "nom"})
        assert reponse.status_code == 200
        ligne = next(p for p in reponse.context["object_list"] if p.pk == participant.pk)
        assert (ligne.nb_placements, ligne.total_heures, ligne.en_poste) == (2, Decimal("130.5"), True)
        contenu = reponse.content.decode()
        assert "130,5 h" in contenu
        assert "DELD" in contenu and "RSA" in contenu
        assert "Données confidentielles" in contenu
        assert f"{participant.age(AUJOURD_HUI)} ans" in contenu
        autre = next(p for p in reponse.context["object_list"] if p.nom == "Sans placement")
        assert (autre.nb_placements, autre.total_heures, autre.en_poste) == (0, Decimal(0), False)

    def test_filters(self, client_facilitateur):
        mission_locale = PrescripteurFactory()
        a = participant_complet(nom="Arnaud", genre=Genre.HOMME, reside_qpv=True, prescripteur=mission_locale)
        a.criteres.add(critere("jeune"))
        PlacementFactory(participant=a, date_debut=il_y_a(months=1))
        b = participant_complet(nom="Berthe", niveau_qualification=NiveauQualification.NIVEAU_4)
        PlacementFactory(participant=b, date_debut=il_y_a(years=1), date_fin=il_y_a(months=8))
        url = reverse("clauses:participants")

        def resultats(**filtres):
            return list(client_facilitateur.get(url, filtres).context["object_list"])

        assert resultats(genre="homme") == [a]
        assert resultats(reside_qpv="true") == [a]
        assert resultats(reside_qpv="false") == [b]
        assert resultats(critere=critere("jeune").pk) == [a]
        assert resultats(critere=critere("deld").pk) == [a, b]
        assert resultats(niveau="4") == [b]
        assert resultats(prescripteur=mission_locale.pk) == [a]
        assert resultats(en_poste="true") == [a]
        assert resultats(en_poste="false") == [b]
        assert resultats(q="berth") == [b]
        assert resultats(q=a.reference.lower()) == [a]
        assert resultats(tri="-nom") == [b, a]
        assert resultats(tri="placements") == [a, b]
        assert client_facilitateur.get(url, {"tri": "date_naissance; drop"}).status_code == 200

    def test_prescriber_filter_offers_only_prescribers(self, client_facilitateur):
        etti = OperateurFactory(type=TypeOperateur.ETTI, nom="ETTI du Rhône")
        reponse = client_facilitateur.get(reverse("clauses:participants"))
        assert etti not in reponse.context["filterset"].form.fields["prescripteur"].queryset

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        for _ in range(25):
            placement = PlacementFactory(participant=participant_complet(), date_debut=il_y_a(months=3))
            HeuresMensuellesFactory(placement=placement, mois=il_y_a(months=2))
            HeuresMensuellesFactory(placement=placement, mois=il_y_a(months=1))
        with django_assert_max_num_queries(8):  # the page: its count, its ids, then its rows with their figures
            reponse = client_facilitateur.get(reverse("clauses:participants"))
        assert len(reponse.context["object_list"]) == 25

    def test_export_includes_names_criteria_and_hours(self, client_facilitateur):
        participant = participant_complet(nom="Durand", prenom="Inès")
        HeuresMensuellesFactory(placement=PlacementFactory(participant=participant), heures=Decimal("35"))
        ParticipantFactory(nom="=HYPERLINK(1)")
        reponse = client_facilitateur.get(reverse("clauses:participants"), {"q": "durand", "format": "xlsx"})
        assert reponse.status_code == 200
        lignes = list(load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active.values)
        assert lignes[0][:3] == ("Référence", "Nom", "Prénom")
        assert len(lignes) == 2
        ligne = dict(zip(lignes[0], lignes[1], strict=True))
        assert (ligne["Nom"], ligne["Prénom"], ligne["Critères d'éligibilité"]) == ("Durand", "Inès", "DELD, RSA")
        assert (ligne["Placements"], ligne["Heures réalisées"]) == (1, 35)


# --- Participant page ------------------------------------------------------------------------------


class TestFicheParticipant:
    def test_shows_identity_placements_and_outcomes(self, client_facilitateur):
        participant = participant_complet(nom="Durand", notes="Permis B en cours")
        placement = PlacementFactory(
            participant=participant,
            modalite=ModalitePlacement.MAD_ETTI,
            operateur=OperateurFactory(type=TypeOperateur.ETTI, nom="Intérim Solidaire"),
            type_contrat=TypeContrat.INTERIM,
            date_debut=il_y_a(months=4),
            date_fin=il_y_a(months=1),
        )
        HeuresMensuellesFactory(placement=placement, mois=il_y_a(months=3), heures=Decimal("151.67"))
        SortieFactory(placement=placement, date_constat=il_y_a(months=1), situation=Situation.CDD_COURT)
        reponse = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]))
        contenu = reponse.content.decode()
        assert f"<title>Participant {participant.reference} — Clauses</title>" in contenu
        assert "Durand" not in contenu.split("</title>")[0]
        assert "Données confidentielles" in contenu
        assert "Permis B en cours" in contenu
        assert "emploi de longue durée" in contenu
        assert participant.prescripteur.nom in contenu
        assert placement.attribution.entreprise.raison_sociale in contenu
        assert "Intérim Solidaire" in contenu and "Mission d&#x27;intérim (CTTI)" in contenu
        assert "151,7 h" in contenu
        assert "CDD de moins de 6 mois" in contenu and "Emploi de transition" in contenu
        assert f"?participant={participant.pk}" in contenu
        assert reverse("clauses:placement", args=[placement.pk]) in contenu
        assert reverse("clauses:heures_grille", args=[placement.attribution_id]) in contenu
        assert reverse("clauses:lot", args=[placement.attribution.lot_id]) in contenu
        assert reverse("marches:marche", args=[placement.attribution.lot.marche_id]) in contenu
        assert "Sortie à 6 mois à saisir" not in contenu

    def test_six_month_hint(self, client_facilitateur):
        participant = participant_complet()
        ancien = PlacementFactory(participant=participant, date_debut=il_y_a(years=1), date_fin=il_y_a(months=7))
        deja_saisi = PlacementFactory(participant=participant, date_debut=il_y_a(years=2), date_fin=il_y_a(years=1))
        SortieFactory(placement=deja_saisi, moment=MomentSortie.SIX_MOIS, date_constat=il_y_a(months=5))
        PlacementFactory(participant=participant, date_debut=il_y_a(months=5), date_fin=il_y_a(months=2))
        reponse = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]))
        assert [p.pk for p in reponse.context["six_mois_a_saisir"]] == [ancien.pk]
        contenu = reponse.content.decode()
        assert contenu.count("Sortie à 6 mois à saisir") == 1
        assert f"{reverse('clauses:sortie_creation', args=[ancien.pk])}?moment=six_mois" in contenu

        SortieFactory(placement=ancien, moment=MomentSortie.SIX_MOIS, date_constat=il_y_a(months=1))
        reponse = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]))
        assert "Sortie à 6 mois à saisir" not in reponse.content.decode()

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        participant = participant_complet()
        for n in range(25):
            placement = PlacementFactory(
                participant=participant,
                operateur=OperateurFactory(type=TypeOperateur.ETTI),
                modalite=ModalitePlacement.MAD_ETTI,
                type_contrat=TypeContrat.INTERIM,
                date_debut=il_y_a(years=3),
                date_fin=il_y_a(months=n + 1),
            )
            HeuresMensuellesFactory(placement=placement, mois=il_y_a(years=3))
            SortieFactory(placement=placement, date_constat=il_y_a(months=n + 1))
        # The history of changes included, the structure porteuse's DPO, the access log's row and its volume check, and
        # the retention term (one query, clauses.protection.conservation).
        with django_assert_max_num_queries(11):
            reponse = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]))
        assert len(reponse.context["placements"]) == 25
        assert len(reponse.context["six_mois_a_saisir"]) == 20


# --- Participant form ------------------------------------------------------------------------------


class TestFormulaireParticipant:
    def test_create(self, client_facilitateur):
        mission_locale = PrescripteurFactory()
        reponse = client_facilitateur.post(
            reverse("clauses:participant_creation"), donnees_participant(prescripteur=mission_locale.pk)
        )
        participant = Participant.objects.get()
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("clauses:participant", args=[participant.pk])
        assert set(participant.criteres.values_list("code", flat=True)) == {"deld", "jeune"}
        assert (participant.prescripteur, participant.qpv) == (mission_locale, "Griffeuille")

    def test_form_page_renders(self, client_facilitateur):
        reponse = client_facilitateur.get(reverse("clauses:participant_creation"))
        contenu = reponse.content.decode()
        assert "Cochez" not in contenu
        assert "Éligibilité" in contenu and "Données confidentielles" in contenu

    @pytest.mark.parametrize(
        ("surcharges", "champ", "message"),
        [
            ({"date_naissance": il_y_a(years=15).isoformat()}, "date_naissance", "entre 16 et 70 ans"),
            ({"date_naissance": il_y_a(years=71).isoformat()}, "date_naissance", "entre 16 et 70 ans"),
            ({"code_postal": "1320"}, "code_postal", "5 chiffres"),
            ({"code_postal": "13A00"}, "code_postal", "5 chiffres"),
            ({"qpv": ""}, "qpv", "Indiquez le quartier prioritaire"),
            ({"criteres": []}, "criteres", "Cochez au moins un critère d'éligibilité."),
            ({"date_orientation": (AUJOURD_HUI + dt.timedelta(days=3)).isoformat()}, "date_orientation", "futur"),
            ({"genre": "autre"}, "genre", "Sélectionnez un choix valide"),
            ({"nom": ""}, "nom", "Ce champ est obligatoire"),
        ],
    )
    def test_bad_input_is_explained(self, client_facilitateur, surcharges, champ, message):
        reponse = client_facilitateur.post(reverse("clauses:participant_creation"), donnees_participant(**surcharges))
        assert reponse.status_code == 200
        assert message in erreurs(reponse, champ)
        assert not Participant.objects.exists()

    def test_criteria_must_fit_the_person(self, client_facilitateur):
        url = reverse("clauses:participant_creation")
        age_30 = il_y_a(years=30).isoformat()
        reponse = client_facilitateur.post(url, donnees_participant(date_naissance=age_30))
        assert "concerne les moins de 26 ans" in erreurs(reponse, "criteres")
        reponse = client_facilitateur.post(url, donnees_participant(criteres=[critere("senior").pk]))
        assert "ne s'applique pas" in erreurs(reponse, "criteres")
        assert not Participant.objects.exists()

    def test_only_prescribers_are_offered(self, client_facilitateur):
        etti = OperateurFactory(type=TypeOperateur.ETTI)
        reponse = client_facilitateur.post(
            reverse("clauses:participant_creation"), donnees_participant(prescripteur=etti.pk)
        )
        assert "Sélectionnez un choix valide" in erreurs(reponse, "prescripteur")

    def test_duplicate_is_refused_with_a_link(self, client_facilitateur):
        existant = ParticipantFactory(nom="BENALI", prenom="sofiane", date_naissance=il_y_a(years=22))
        reponse = client_facilitateur.post(reverse("clauses:participant_creation"), donnees_participant())
        assert "déjà suivie" in erreurs(reponse)
        assert f'href="{reverse("clauses:participant", args=[existant.pk])}"' in reponse.content.decode()
        assert Participant.objects.count() == 1

    def test_edit_keeps_itself_out_of_duplicates_and_clears_the_quarter(self, client_facilitateur):
        participant = participant_complet(reside_qpv=True, qpv="Griffeuille")
        donnees = donnees_participant(
            nom=participant.nom,
            prenom=participant.prenom,
            date_naissance=participant.date_naissance.isoformat(),
            reside_qpv=None,
            criteres=[critere("deld").pk],
        )
        reponse = client_facilitateur.post(reverse("clauses:participant_modification", args=[participant.pk]), donnees)
        assert reponse.status_code == 302
        participant.refresh_from_db()
        assert (participant.reside_qpv, participant.qpv) == (False, "")
        assert list(participant.criteres.values_list("code", flat=True)) == ["deld"]


# --- Placements ------------------------------------------------------------------------------------


def donnees_placement(participant, attribution, **surcharges) -> dict:
    donnees = {
        "participant": participant.pk,
        "attribution": attribution.pk,
        "modalite": ModalitePlacement.EMBAUCHE_DIRECTE,
        "type_contrat": TypeContrat.CDD,
        "poste": "Peintre",
        "date_debut": "2026-03-02",
        "date_fin_prevue": "2026-08-31",
        "duree_hebdomadaire": "35",
    }
    donnees.update(surcharges)
    return {cle: valeur for cle, valeur in donnees.items() if valeur is not None}


class TestFormulairePlacement:
    def test_prefill_and_create(self, client_facilitateur):
        participant, attribution = ParticipantFactory(), AttributionFactory()
        url = reverse("clauses:placement_creation")
        reponse = client_facilitateur.get(url, {"participant": participant.pk, "attribution": attribution.pk})
        assert reponse.context["form"].initial == {"participant": participant.pk, "attribution": attribution.pk}
        marche = attribution.lot.marche
        libelle = (
            f"{attribution.entreprise.raison_sociale} — Lot {attribution.lot.numero} — "
            f"{marche.objet} ({marche.donneur_d_ordre.nom})"
        )
        assert libelle in reponse.content.decode()
        assert client_facilitateur.get(url, {"participant": "x"}).status_code == 200

        reponse = client_facilitateur.post(url, donnees_placement(participant, attribution))
        placement = Placement.objects.get()
        assert reponse["Location"] == reverse("clauses:placement", args=[placement.pk])
        assert placement.duree_hebdomadaire == Decimal("35")

    def test_attribution_choices_are_limited_and_cheap(self, client_facilitateur, django_assert_max_num_queries):
        en_preparation = AttributionFactory(lot__marche=MarcheFactory(statut=StatutMarche.EN_PREPARATION))
        for statut in (StatutMarche.ATTRIBUE, StatutMarche.ACHEVE):
            AttributionFactory(lot__marche=MarcheFactory(statut=statut))
        for _ in range(25):
            AttributionFactory()
            ParticipantFactory()
        with django_assert_max_num_queries(5):
            reponse = client_facilitateur.get(reverse("clauses:placement_creation"))
        choix = reponse.context["form"].fields["attribution"].queryset
        assert choix.count() == 27
        assert en_preparation not in choix

    @pytest.mark.parametrize(
        ("surcharges", "champ", "message"),
        [
            ({"modalite": ModalitePlacement.MAD_ETTI, "type_contrat": TypeContrat.INTERIM}, "operateur", "Indiquez"),
            ({"modalite": ModalitePlacement.MAD_ETTI}, "type_contrat", "« Mission d'intérim (CTTI) »"),
            ({"modalite": ModalitePlacement.MAD_AI}, "type_contrat", "« Mise à disposition (AI) »"),
            ({"modalite": ModalitePlacement.SOUS_TRAITANCE_SIAE}, "type_contrat", "« CDDI"),
            ({"modalite": ModalitePlacement.FORMATION}, "type_contrat", "« Formation »"),
            ({"type_contrat": TypeContrat.INTERIM}, "type_contrat", "ne correspond pas"),
            ({"type_contrat": TypeContrat.CDDI}, "type_contrat", "ne correspond pas"),
            ({"date_fin": "2026-03-01"}, "date_fin", "ne peut pas précéder le début"),
            ({"date_fin_prevue": "2026-01-01"}, "date_fin_prevue", "ne peut pas précéder le début"),
            ({"duree_hebdomadaire": "60"}, "duree_hebdomadaire", "inférieure ou égale à 48"),
            ({"date_debut": ""}, "date_debut", "obligatoire"),
        ],
    )
    def test_bad_input_is_explained(self, client_facilitateur, surcharges, champ, message):
        reponse = client_facilitateur.post(
            reverse("clauses:placement_creation"),
            donnees_placement(ParticipantFactory(), AttributionFactory(), **surcharges),
        )
        assert reponse.status_code == 200
        assert message in erreurs(reponse, champ)
        assert not Placement.objects.exists()

    def test_operator_rules(self, client_facilitateur):
        participant, attribution = ParticipantFactory(), AttributionFactory()
        geiq = OperateurFactory(type=TypeOperateur.GEIQ)
        url = reverse("clauses:placement_creation")
        donnees = donnees_placement(
            participant, attribution, modalite=ModalitePlacement.MAD_ETTI, type_contrat=TypeContrat.INTERIM
        )
        reponse = client_facilitateur.post(url, {**donnees, "operateur": geiq.pk})
        assert "l'opérateur doit être : ETTI" in erreurs(reponse, "operateur")
        reponse = client_facilitateur.post(url, {**donnees_placement(participant, attribution), "operateur": geiq.pk})
        assert "Une embauche directe ne passe pas par un opérateur" in erreurs(reponse, "operateur")
        prescripteur = PrescripteurFactory()
        reponse = client_facilitateur.post(url, {**donnees, "operateur": prescripteur.pk})
        assert "Sélectionnez un choix valide" in erreurs(reponse, "operateur")
        etti = OperateurFactory(type=TypeOperateur.ETTI)
        assert client_facilitateur.post(url, {**donnees, "operateur": etti.pk}).status_code == 302
        assert Placement.objects.get().operateur == etti

    def test_start_outside_the_lot_period_warns_but_saves(self, client_facilitateur):
        participant, attribution = ParticipantFactory(), AttributionFactory()
        reponse = client_facilitateur.post(
            reverse("clauses:placement_creation"),
            donnees_placement(participant, attribution, date_debut="2025-11-03", date_fin_prevue=None),
            follow=True,
        )
        assert Placement.objects.exists()
        textes = [str(m) for m in reponse.context["messages"]]
        assert any("hors de la période d'exécution du lot" in t and "1er janvier 2026" in t for t in textes)

    def test_edit(self, client_facilitateur):
        placement = PlacementFactory()
        reponse = client_facilitateur.post(
            reverse("clauses:placement_modification", args=[placement.pk]),
            donnees_placement(placement.participant, placement.attribution, date_fin="2026-04-30"),
        )
        assert reponse.status_code == 302
        placement.refresh_from_db()
        assert placement.date_fin == dt.date(2026, 4, 30)


class TestListePlacements:
    def test_columns_filters_and_sort(self, client_facilitateur):
        ancien = PlacementFactory(
            participant=ParticipantFactory(nom="Arnaud"),
            attribution__entreprise__raison_sociale="Peintures du Rhône",
            date_debut=il_y_a(years=1),
            date_fin=il_y_a(months=6),
        )
        HeuresMensuellesFactory(placement=ancien, mois=il_y_a(years=1), heures=Decimal("70"))
        HeuresMensuellesFactory(placement=ancien, mois=il_y_a(months=11), heures=Decimal("80"))
        etti = OperateurFactory(type=TypeOperateur.ETTI)
        courant = PlacementFactory(
            participant=ParticipantFactory(nom="Berthe"),
            modalite=ModalitePlacement.MAD_ETTI,
            operateur=etti,
            type_contrat=TypeContrat.INTERIM,
            date_debut=il_y_a(months=1),
        )
        url = reverse("clauses:placements")

        def resultats(**filtres):
            return list(client_facilitateur.get(url, filtres).context["object_list"])

        assert resultats() == [courant, ancien]
        assert resultats(tri="debut") == [ancien, courant]
        assert resultats(tri="-heures") == [ancien, courant]
        assert resultats(modalite="mad_etti") == [courant]
        assert resultats(type_contrat="cdd") == [ancien]
        assert resultats(en_cours="true") == [courant]
        assert resultats(en_cours="false") == [ancien]
        assert resultats(entreprise="rhône") == [ancien]
        assert resultats(entreprise=ancien.attribution.entreprise.siret[:9]) == [ancien]
        assert resultats(donneur=courant.attribution.lot.marche.donneur_d_ordre_id) == [courant]
        assert resultats(q="berthe") == [courant]
        contenu = client_facilitateur.get(url).content.decode()
        assert "150 h" in contenu and "En cours" in contenu

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        for _ in range(25):
            placement = PlacementFactory(participant=participant_complet(), operateur=None)
            HeuresMensuellesFactory(placement=placement)
        with django_assert_max_num_queries(6):  # the page: its count, its ids, then its rows with their figures
            reponse = client_facilitateur.get(reverse("clauses:placements"))
        assert len(reponse.context["object_list"]) == 25

    def test_export(self, client_facilitateur):
        placement = PlacementFactory(participant=ParticipantFactory(nom="Durand"))
        HeuresMensuellesFactory(placement=placement, heures=Decimal("42.5"))
        reponse = client_facilitateur.get(reverse("clauses:placements"), {"format": "xlsx"})
        lignes = list(load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active.values)
        ligne = dict(zip(lignes[0], lignes[1], strict=True))
        assert (ligne["Nom"], ligne["Entreprise"], ligne["Heures réalisées"]) == (
            "Durand",
            placement.attribution.entreprise.raison_sociale,
            42.5,
        )
        assert ligne["Type de contrat"] == "CDD"


class TestFichePlacement:
    def test_shows_hours_and_outcomes(self, client_facilitateur):
        placement = PlacementFactory(date_debut=il_y_a(years=1), date_fin=il_y_a(months=7))
        HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 1, 1), heures=Decimal("120"))
        HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1), heures=Decimal("30.25"))
        SortieFactory(placement=placement, date_constat=il_y_a(months=7), situation=Situation.FORMATION_QUALIFIANTE)
        reponse = client_facilitateur.get(reverse("clauses:placement", args=[placement.pk]))
        contenu = reponse.content.decode()
        assert placement.participant.nom not in contenu.split("</title>")[0]
        assert "Janvier 2026" in contenu and "150,25 h" in contenu
        assert "Formation qualifiante" in contenu and "Sortie positive" in contenu
        assert "Sortie à 6 mois à saisir" in contenu
        assert (
            f'href="{reverse("clauses:heures_grille", args=[placement.attribution_id])}">Saisir les heures' in contenu
        )

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        placement = PlacementFactory(date_debut=dt.date(2024, 1, 1))
        for n in range(25):
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2024, 1, 1) + relativedelta(months=n))
        SortieFactory(placement=placement)
        with django_assert_max_num_queries(8):  # the history of changes, the access log's row and its volume check
            reponse = client_facilitateur.get(reverse("clauses:placement", args=[placement.pk]))
        assert len(reponse.context["heures"]) == 25


# --- Outcomes --------------------------------------------------------------------------------------


class TestSorties:
    def test_situations_are_grouped_by_national_category(self, client_facilitateur):
        placement = PlacementFactory()
        reponse = client_facilitateur.get(reverse("clauses:sortie_creation", args=[placement.pk]))
        contenu = reponse.content.decode()
        for groupe in ("Emploi durable", "Emploi de transition", "Sortie positive", "Autre sortie"):
            assert f'<optgroup label="{groupe}">' in contenu

    def test_create_end_and_six_month_outcomes(self, client_facilitateur):
        fin = il_y_a(months=8)
        placement = PlacementFactory(date_debut=il_y_a(years=1), date_fin=fin)
        url = reverse("clauses:sortie_creation", args=[placement.pk])
        assert client_facilitateur.get(url, {"moment": "six_mois"}).context["form"].initial["moment"] == "six_mois"
        reponse = client_facilitateur.post(
            url, {"moment": "fin", "date_constat": fin.isoformat(), "situation": Situation.CDD_COURT}
        )
        assert reponse["Location"] == reverse("clauses:participant", args=[placement.participant_id])
        reponse = client_facilitateur.post(
            url,
            {
                "moment": "six_mois",
                "date_constat": (fin + relativedelta(months=6)).isoformat(),
                "situation": Situation.CDI,
                "employeur": placement.attribution.entreprise.raison_sociale,
            },
        )
        assert reponse.status_code == 302
        six_mois = Sortie.objects.get(moment=MomentSortie.SIX_MOIS)
        assert six_mois.categorie.label == "Emploi durable"

    @pytest.mark.parametrize(
        ("moment", "decalage", "champ", "message"),
        [
            ("fin", relativedelta(days=-1), "date_constat", "avant la fin du placement"),
            ("six_mois", relativedelta(months=5), "date_constat", "au plus tôt six mois après"),
        ],
    )
    def test_dates_are_checked(self, client_facilitateur, moment, decalage, champ, message):
        fin = il_y_a(months=8)
        placement = PlacementFactory(date_debut=il_y_a(years=1), date_fin=fin)
        reponse = client_facilitateur.post(
            reverse("clauses:sortie_creation", args=[placement.pk]),
            {"moment": moment, "date_constat": (fin + decalage).isoformat(), "situation": Situation.CDI},
        )
        assert message in erreurs(reponse, champ)
        assert not Sortie.objects.exists()

    def test_future_date_and_missing_end(self, client_facilitateur):
        placement = PlacementFactory(date_debut=il_y_a(months=3), date_fin=None)
        url = reverse("clauses:sortie_creation", args=[placement.pk])
        demain = (AUJOURD_HUI + dt.timedelta(days=1)).isoformat()
        reponse = client_facilitateur.post(url, {"moment": "fin", "date_constat": demain, "situation": "cdi"})
        assert "dans le futur" in erreurs(reponse, "date_constat")
        hier = (AUJOURD_HUI - dt.timedelta(days=1)).isoformat()
        reponse = client_facilitateur.post(url, {"moment": "six_mois", "date_constat": hier, "situation": "cdi"})
        assert "Renseignez d'abord la fin effective" in erreurs(reponse, "moment")
        avant = il_y_a(months=4).isoformat()
        reponse = client_facilitateur.post(url, {"moment": "fin", "date_constat": avant, "situation": "cdi"})
        assert "précéder le début" in erreurs(reponse, "date_constat")
        assert (
            client_facilitateur.post(url, {"moment": "fin", "date_constat": hier, "situation": "cdi"}).status_code
            == 302
        )

    def test_one_outcome_per_moment(self, client_facilitateur):
        placement = PlacementFactory(date_debut=il_y_a(years=1), date_fin=il_y_a(months=8))
        SortieFactory(placement=placement, date_constat=il_y_a(months=8))
        reponse = client_facilitateur.post(
            reverse("clauses:sortie_creation", args=[placement.pk]),
            {"moment": "fin", "date_constat": il_y_a(months=7).isoformat(), "situation": Situation.CHOMAGE},
        )
        assert "déjà enregistrée pour ce placement" in erreurs(reponse, "moment")
        assert Sortie.objects.count() == 1

    def test_edit(self, client_facilitateur):
        placement = PlacementFactory(date_debut=il_y_a(years=1), date_fin=il_y_a(months=8))
        sortie = SortieFactory(placement=placement, date_constat=il_y_a(months=8))
        reponse = client_facilitateur.post(
            reverse("clauses:sortie_modification", args=[sortie.pk]),
            {"moment": "fin", "date_constat": il_y_a(months=8).isoformat(), "situation": Situation.CONTRAT_AIDE},
        )
        assert reponse.status_code == 302
        sortie.refresh_from_db()
        assert sortie.situation == Situation.CONTRAT_AIDE
