"""The portal's statistics, reports and bilans: own organisation only, small counts masked, no identity."""

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory, SortieFactory
from clauses.models import Genre, Situation, TypeContrat
from conventions.factories import (
    ConventionFactory,
    DonneurDOrdreFactory,
    FacilitateurFactory,
    ReferentFactory,
    UserFactory,
)
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from reporting.models import BilanAnnuel, Rapport, StatutRapport, TypeRapport

pytestmark = pytest.mark.django_db

STATISTIQUES = reverse("portail:statistiques")
RAPPORTS = reverse("portail:rapports")
NOMS = ("Quasimodo-Zébulon", "Philibertine", "Anastorre", "Belzébuth")


@pytest.fixture
def donneur():
    return DonneurDOrdreFactory(nom="Ville d'Arles")


@pytest.fixture
def referent(donneur):
    return ReferentFactory(donneur_d_ordre=donneur).user


@pytest.fixture
def client_a(client, referent):
    client.force_login(referent)
    return client


def attribution_de(donneur):
    return AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur)))


def personne(attribution, *, mois=dt.date(2026, 3, 1), type_contrat=TypeContrat.CDD, **kwargs):
    """A participant with hours in ``mois`` on ``attribution``; distinctive identity by default."""
    kwargs.setdefault("nom", NOMS[0])
    kwargs.setdefault("prenom", NOMS[1])
    kwargs.setdefault("date_naissance", dt.date(1987, 3, 14))
    participant = ParticipantFactory(**kwargs)
    placement = PlacementFactory(
        participant=participant, attribution=attribution, date_debut=mois.replace(day=2), type_contrat=type_contrat
    )
    HeuresMensuellesFactory(placement=placement, mois=mois)
    return participant


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def identites(participants) -> list[str]:
    traces = []
    for p in participants:
        naissance = p.date_naissance
        traces += [
            p.nom,
            p.prenom,
            p.reference,
            naissance.isoformat(),
            f"{naissance:%d/%m/%Y}",
            f"{naissance.day} mars",
        ]
    return traces


def assert_sans_identite(reponse, participants):
    contenu = texte(reponse)
    for trace in identites(participants):
        assert trace not in contenu, trace
    assert "P-0" not in contenu


def cellule(reponse, tableau: str, libelle: str) -> str:
    """The count shown in row ``libelle`` of table ``tableau`` (by its id)."""
    contenu = texte(reponse)
    debut = contenu.index(f'id="tableau-{tableau}"')
    fin = contenu.index("</table>", debut)
    bloc = contenu[debut:fin]
    ligne = bloc[bloc.index(f">{libelle}</th>") :]
    return ligne.split('<td class="nombre', 1)[1].split(">", 1)[1].split("</td>", 1)[0]


# --- Access ---------------------------------------------------------------------------------------------


class TestAccess:
    @pytest.mark.parametrize("url", [STATISTIQUES, RAPPORTS])
    def test_anonymous_goes_to_login(self, client, url):
        reponse = client.get(url)
        assert reponse.status_code == 302
        assert reponse["Location"].startswith(reverse("connexion"))

    @pytest.mark.parametrize("url", [STATISTIQUES, RAPPORTS])
    def test_no_membership_is_refused(self, client, url):
        client.force_login(UserFactory())
        assert client.get(url).status_code == 403

    def test_a_facilitator_without_membership_is_refused(self, client):
        client.force_login(FacilitateurFactory())
        assert client.get(STATISTIQUES).status_code == 403


# --- Statistics ----------------------------------------------------------------------------------------


class TestStatistiques:
    def test_tables_with_suppression_and_no_identity(self, client_a, donneur):
        attribution = attribution_de(donneur)
        participants = [
            # Nine women and one man: the man reads « < 3 », and since Femme = 10 - Homme would give him back, the
            # 9 goes too; the total of 10 stays (reporting.diffusion: protect the cells, never the total).
            *(personne(attribution, genre=Genre.FEMME) for _ in range(9)),
            personne(attribution, genre=Genre.HOMME, nom=NOMS[2], prenom=NOMS[3]),
        ]
        # Another organisation's people are not counted.
        autres = [personne(attribution_de(DonneurDOrdreFactory()), genre=Genre.HOMME) for _ in range(5)]

        reponse = client_a.get(STATISTIQUES, {"annee": 2026})

        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "Statistiques des participants — 2026" in contenu
        assert "Règle de diffusion : les totaux sont toujours publiés" in contenu
        assert cellule(reponse, "genre", "Femme") == "masqué"
        assert cellule(reponse, "genre", "Homme") == "< 3"
        assert 'Personnes en parcours</dt>\n    <dd class="col-sm-7 col-lg-9">10</dd>' in contenu
        # Born in 1987: 39 on 31 December 2026; an empty row reads « < 3 » like 1 or 2.
        assert cellule(reponse, "age", "26 à 49 ans") == "masqué"
        assert cellule(reponse, "age", "Moins de 26 ans") == "< 3"
        assert cellule(reponse, "contrat", "CDD") == "masqué"
        assert cellule(reponse, "contrat", "CDI") == "< 3"
        assert '<th scope="col">Genre</th>' in contenu
        assert "<caption" in contenu
        assert_sans_identite(reponse, participants + autres)

    def test_a_cell_of_three_shows(self, client_a, donneur):
        attribution = attribution_de(donneur)
        for _ in range(3):
            personne(attribution, genre=Genre.HOMME)
        for _ in range(7):
            personne(attribution, genre=Genre.FEMME)
        reponse = client_a.get(STATISTIQUES, {"annee": 2026})
        assert cellule(reponse, "genre", "Homme") == "3"
        assert cellule(reponse, "genre", "Femme") == "7"

    def test_under_ten_people_no_breakdown_but_the_total(self, client_a, donneur):
        attribution = attribution_de(donneur)
        for _ in range(9):
            personne(attribution, genre=Genre.FEMME)
        reponse = client_a.get(STATISTIQUES, {"annee": 2026})
        contenu = texte(reponse)
        assert 'Personnes en parcours</dt>\n    <dd class="col-sm-7 col-lg-9">9</dd>' in contenu
        assert contenu.count("Répartition non publiée : moins de 10 personnes.") == 4  # genre, âge, niveau, public
        assert "Répartition non publiée : moins de 10 contrats." in contenu
        assert ">Femme</th>" not in contenu

    def test_outcomes(self, client_a, donneur):
        attribution = attribution_de(donneur)
        for situation in (Situation.CDI,) * 4 + (Situation.CDD_COURT,) + (Situation.FORMATION_QUALIFIANTE,) * 5:
            SortieFactory(placement=PlacementFactory(attribution=attribution), situation=situation)
        reponse = client_a.get(STATISTIQUES, {"annee": 2026})
        # The two « < 3 » (1 and 0) add up to 10 - 4 - 5 = 1: each may be 0 or 1, so nothing else is masked.
        assert cellule(reponse, "sortie", "Emploi durable") == "4"
        assert cellule(reponse, "sortie", "Emploi de transition") == "< 3"
        assert cellule(reponse, "sortie", "Sortie positive") == "5"
        assert cellule(reponse, "sortie", "Autre sortie") == "< 3"
        assert cellule(reponse, "sortie", "Total") == "10"

    def test_the_year_is_chosen_and_bad_input_falls_back_to_this_year(self, client_a, donneur):
        personne(attribution_de(donneur), mois=dt.date(2025, 5, 1))
        annee = timezone.localdate().year
        assert "Statistiques des participants — 2025" in texte(client_a.get(STATISTIQUES, {"annee": 2025}))
        for mauvaise in ("abc", "1900", "", "2026-01"):
            reponse = client_a.get(STATISTIQUES, {"annee": mauvaise})
            assert reponse.status_code == 200
            assert f"Statistiques des participants — {annee}" in texte(reponse)

    def test_the_current_organisation_only(self, client, donneur):
        """A référent of two organisations sees the one chosen in the switcher."""
        autre = DonneurDOrdreFactory(nom="Zzz Métropole")
        user = ReferentFactory(donneur_d_ordre=donneur).user
        ReferentFactory(user=user, donneur_d_ordre=autre)
        for i in range(10):
            personne(attribution_de(autre), genre=Genre.HOMME if i < 7 else Genre.FEMME)
        client.force_login(user)
        assert ">Homme</th>" not in texte(client.get(STATISTIQUES, {"annee": 2026}))
        client.post(reverse("portail:changer_donneur"), {"donneur": autre.pk})
        assert cellule(client.get(STATISTIQUES, {"annee": 2026}), "genre", "Homme") == "7"

    def test_queries_do_not_grow_with_people(self, client_a, donneur, django_assert_max_num_queries):
        attribution = attribution_de(donneur)
        personne(attribution)
        client_a.get(STATISTIQUES, {"annee": 2026})
        for i in range(12):
            p = personne(attribution, genre=Genre.HOMME if i % 2 else Genre.FEMME)
            SortieFactory(placement=p.placements.get())
        # The hours and people (one walk), their breakdowns, publics, contracts with outcomes, and the request's own.
        with django_assert_max_num_queries(7):
            assert client_a.get(STATISTIQUES, {"annee": 2026}).status_code == 200


# --- Reports ---------------------------------------------------------------------------------------------


def rapport(donneur, statut=StatutRapport.PRET, **kwargs) -> Rapport:
    rapport = Rapport.objects.create(
        type=kwargs.pop("type", TypeRapport.RAPPORT_PERIODIQUE),
        donneur_d_ordre=donneur,
        periode_debut=dt.date(2026, 1, 1),
        periode_fin=dt.date(2026, 3, 31),
        **kwargs,
    )
    if statut == StatutRapport.PRET:
        rapport.enregistrer_fichier("rapport.pdf", b"%PDF-1.7 rapport de test")
    elif statut != StatutRapport.EN_ATTENTE:
        Rapport.objects.filter(pk=rapport.pk).update(statut=statut)
    return rapport


class TestRapports:
    def test_lists_own_ready_reports_and_transmitted_bilans(self, client_a, donneur):
        pret = rapport(donneur, type=TypeRapport.RAPPORT_MARCHE)
        rapport(donneur, statut=StatutRapport.EN_ATTENTE, type=TypeRapport.COURRIER_ECHEANCE)
        rapport(donneur, statut=StatutRapport.ECHEC, type=TypeRapport.BILAN_TERRITORIAL)
        rapport(DonneurDOrdreFactory(), type=TypeRapport.BILAN_ANNUEL)
        convention = ConventionFactory(donneur_d_ordre=donneur, numero="C-42")
        transmis = BilanAnnuel.objects.create(
            convention=convention,
            numero_periode=1,
            periode_debut=dt.date(2024, 7, 1),
            periode_fin=dt.date(2025, 6, 30),
            texte_qualitatif="Une année dense.",
            transmis_le=timezone.now(),
        )
        BilanAnnuel.objects.create(
            convention=convention,
            numero_periode=2,
            periode_debut=dt.date(2025, 7, 1),
            periode_fin=dt.date(2026, 6, 30),
            texte_qualitatif="Brouillon",
        )

        reponse = client_a.get(RAPPORTS)

        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "Rapport de marché" in contenu
        assert reverse("portail:rapport_telecharger", args=[pret.pk]) in contenu
        assert "Courrier d'échéance" not in contenu
        assert "Bilan territorial" not in contenu
        assert "Bilan annuel" not in contenu.replace("Bilans annuels", "")
        assert reverse("portail:bilan", args=[transmis.pk]) in contenu
        assert "Bilan du 1er juillet 2025" not in contenu

    def test_empty(self, client_a):
        contenu = texte(client_a.get(RAPPORTS))
        assert "Aucun rapport ne vous a encore été adressé." in contenu
        assert "Aucun bilan annuel ne vous a encore été transmis." in contenu

    def test_list_queries_do_not_grow(self, client_a, donneur, django_assert_max_num_queries):
        rapport(donneur)
        client_a.get(RAPPORTS)
        for _ in range(10):
            rapport(donneur, convention=ConventionFactory(donneur_d_ordre=donneur), marche=MarcheFactory())
        with django_assert_max_num_queries(8):
            assert client_a.get(RAPPORTS).status_code == 200

    def test_download(self, client_a, donneur):
        pret = rapport(donneur)
        reponse = client_a.get(reverse("portail:rapport_telecharger", args=[pret.pk]))
        assert reponse.status_code == 200
        assert b"".join(reponse.streaming_content) == b"%PDF-1.7 rapport de test"
        assert reponse["Content-Disposition"].startswith("attachment;")
        assert 'filename="rapport-periodique-2026-01-01-2026-03-31.pdf"' in reponse["Content-Disposition"]

    def test_another_organisation_s_report_does_not_exist(self, client_a):
        autre = rapport(DonneurDOrdreFactory())
        assert client_a.get(reverse("portail:rapport_telecharger", args=[autre.pk])).status_code == 404

    def test_a_report_not_ready_does_not_exist(self, client_a, donneur):
        attente = rapport(donneur, statut=StatutRapport.EN_ATTENTE)
        assert client_a.get(reverse("portail:rapport_telecharger", args=[attente.pk])).status_code == 404
        assert client_a.get(reverse("portail:rapport_telecharger", args=[999999])).status_code == 404

    def test_a_missing_file_is_a_404_not_a_500(self, client_a, donneur):
        pret = rapport(donneur)
        pret.fichier.storage.delete(pret.fichier.name)
        assert client_a.get(reverse("portail:rapport_telecharger", args=[pret.pk])).status_code == 404

    def test_download_refused_without_membership(self, client, donneur):
        pret = rapport(donneur)
        client.force_login(UserFactory())
        assert client.get(reverse("portail:rapport_telecharger", args=[pret.pk])).status_code == 403


# --- A bilan on the portal -------------------------------------------------------------------------------


def bilan_de(donneur, *, transmis=True, **kwargs) -> BilanAnnuel:
    convention = ConventionFactory(donneur_d_ordre=donneur, date_effet=dt.date(2024, 7, 1))
    return BilanAnnuel.objects.create(
        convention=convention,
        numero_periode=2,
        periode_debut=dt.date(2025, 7, 1),
        periode_fin=dt.date(2026, 6, 30),
        texte_qualitatif=kwargs.pop("texte_qualitatif", "Trois chantiers ont ouvert.\n\nLes parcours se poursuivent."),
        transmis_le=timezone.now() if transmis else None,
        **kwargs,
    )


class TestBilan:
    def test_figures_text_and_tables_without_identity(self, client_a, donneur):
        attribution = attribution_de(donneur)
        participants = [personne(attribution, genre=Genre.FEMME) for _ in range(5)]
        participants.append(personne(attribution, genre=Genre.HOMME, nom=NOMS[2], prenom=NOMS[3]))
        # Outside the convention's year (July 2025 – June 2026): not counted.
        personne(attribution, mois=dt.date(2026, 8, 1), genre=Genre.HOMME)
        bilan = bilan_de(donneur)

        reponse = client_a.get(reverse("portail:bilan", args=[bilan.pk]))

        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "Bilan du 1er juillet 2025 au 30 juin 2026" in contenu
        assert "<p>Trois chantiers ont ouvert.</p>" in contenu
        assert "720 h" in contenu  # 6 people × 120 h in March 2026
        # Six people in the year: the total, no breakdown.
        assert "Personnes en parcours sur la période : <strong>6</strong>" in contenu
        assert "Répartition non publiée : moins de 10 personnes." in contenu
        assert "Règle de diffusion : les totaux sont toujours publiés" in contenu
        assert_sans_identite(reponse, participants)

    def test_not_transmitted_does_not_exist(self, client_a, donneur):
        bilan = bilan_de(donneur, transmis=False)
        assert client_a.get(reverse("portail:bilan", args=[bilan.pk])).status_code == 404

    def test_another_organisation_s_bilan_does_not_exist(self, client_a):
        bilan = bilan_de(DonneurDOrdreFactory())
        url = reverse("portail:bilan", args=[bilan.pk])
        assert client_a.get(url).status_code == 404
        assert client_a.post(url, {"commentaire_donneur": "Intrusion"}).status_code == 404
        bilan.refresh_from_db()
        assert bilan.commentaire_donneur == ""

    def test_no_membership_is_refused(self, client, donneur):
        bilan = bilan_de(donneur)
        client.force_login(UserFactory())
        url = reverse("portail:bilan", args=[bilan.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"commentaire_donneur": "Intrusion"}).status_code == 403
        bilan.refresh_from_db()
        assert bilan.commentaire_donneur == ""

    def test_comment_records_who_and_when_and_can_be_edited(self, client_a, donneur, referent):
        bilan = bilan_de(donneur)
        url = reverse("portail:bilan", args=[bilan.pk])

        reponse = client_a.post(url, {"commentaire_donneur": "  Merci pour ce bilan.  "})

        assert reponse.status_code == 302
        assert reponse["Location"] == url
        bilan.refresh_from_db()
        assert bilan.commentaire_donneur == "Merci pour ce bilan."
        assert bilan.commentaire_par == referent
        premier = bilan.commentaire_le
        assert premier is not None
        contenu = texte(client_a.get(url))
        assert "Votre commentaire a été enregistré." in contenu
        assert "Merci pour ce bilan." in contenu

        client_a.post(url, {"commentaire_donneur": "Complément : deux marchés à venir."})
        bilan.refresh_from_db()
        assert bilan.commentaire_donneur == "Complément : deux marchés à venir."
        assert bilan.commentaire_le >= premier

    @pytest.mark.parametrize("saisie", ["", "   ", "x" * 5001])
    def test_bad_comment_is_refused(self, client_a, donneur, saisie):
        bilan = bilan_de(donneur, commentaire_donneur="Avant")
        reponse = client_a.post(reverse("portail:bilan", args=[bilan.pk]), {"commentaire_donneur": saisie})
        assert reponse.status_code == 200
        assert reponse.context["form"].errors
        bilan.refresh_from_db()
        assert bilan.commentaire_donneur == "Avant"

    def test_queries_do_not_grow_with_people(self, client_a, donneur, django_assert_max_num_queries):
        attribution = attribution_de(donneur)
        bilan = bilan_de(donneur)
        url = reverse("portail:bilan", args=[bilan.pk])
        client_a.get(url)
        for _ in range(12):
            personne(attribution)
        with django_assert_max_num_queries(9):
            assert client_a.get(url).status_code == 200
