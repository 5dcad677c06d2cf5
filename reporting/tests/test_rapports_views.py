"""The facilitator's report archive and the documents asked for on demand: the list, the requests from each
page, the state partial that polls until the document is ready or failed, the retry and the download."""

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions.factories import ConventionFactory, DonneurDOrdreFactory, ReferentFactory
from conventions.models import Periodicite
from marches.factories import MarcheFactory
from reporting import demandes_rapports
from reporting.demandes_rapports import DemandeRapportForm, periodes_periodiques
from reporting.models import BilanAnnuel, Rapport, StatutRapport, TypeRapport

pytestmark = pytest.mark.django_db

ARCHIVE = reverse("reporting:rapports")
DEMANDE = reverse("reporting:rapport_demande")
HTMX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.7 rapport de test"


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def rapport(statut=StatutRapport.PRET, **kwargs) -> Rapport:
    kwargs.setdefault("type", TypeRapport.RAPPORT_PERIODIQUE)
    kwargs.setdefault("periode_debut", dt.date(2026, 1, 1))
    kwargs.setdefault("periode_fin", dt.date(2026, 3, 31))
    rapport = Rapport.objects.create(**kwargs)
    if statut == StatutRapport.PRET:
        rapport.enregistrer_fichier("rapport.pdf", PDF)
    elif statut == StatutRapport.ECHEC:
        rapport.enregistrer_echec("Le gabarit du rapport est introuvable.")
    elif statut != StatutRapport.EN_ATTENTE:
        Rapport.objects.filter(pk=rapport.pk).update(statut=statut)
    rapport.refresh_from_db()
    return rapport


@pytest.fixture
def donneur():
    return DonneurDOrdreFactory(nom="Ville d'Arles", periodicite_rapport=Periodicite.TRIMESTRIELLE)


@pytest.fixture
def marche(donneur):
    return MarcheFactory(
        donneur_d_ordre=donneur, objet="Groupe scolaire Mistral", date_debut_prevue=dt.date(2025, 9, 1)
    )


@pytest.fixture
def convention(donneur):
    # Periods: n° 1 from 1 July 2024, n° 2 from 1 July 2025…
    return ConventionFactory(donneur_d_ordre=donneur, numero="C-2024-07", date_effet=dt.date(2024, 7, 1))


# --- Who may come ------------------------------------------------------------------------------------------


def test_referents_are_refused_everywhere_and_nothing_changes(client_referent, donneur, marche):
    pret = rapport(donneur_d_ordre=donneur)
    echec = rapport(StatutRapport.ECHEC, donneur_d_ordre=donneur)
    urls = [
        ARCHIVE,
        DEMANDE,
        reverse("reporting:rapport_etat", args=[pret.pk]),
        reverse("reporting:rapport_telecharger", args=[pret.pk]),
        reverse("reporting:rapport_relance", args=[echec.pk]),
    ]
    for url in urls:
        assert client_referent.get(url).status_code == 403, url
        reponse = client_referent.post(url, {"type": "rapport_marche", "marche": marche.pk, "copie": "nominative"})
        assert reponse.status_code == 403, url
    assert Rapport.objects.count() == 2


def test_anonymous_goes_to_login(client):
    reponse = client.get(ARCHIVE)
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("connexion"))


# --- The archive -------------------------------------------------------------------------------------------


class TestArchive:
    def test_lists_every_report_with_its_state(self, client_facilitateur, facilitateur, donneur, marche):
        pret = rapport(donneur_d_ordre=donneur, demande_par=facilitateur)
        Rapport.objects.filter(pk=pret.pk).update(
            envoye_le=timezone.now(), destinataires="referente@arles.fr\nmaire@arles.fr"
        )
        rapport(StatutRapport.ECHEC, type=TypeRapport.RAPPORT_MARCHE, marche=marche, nominatif=True)
        rapport(StatutRapport.EN_ATTENTE, type=TypeRapport.BILAN_TERRITORIAL)

        reponse = client_facilitateur.get(ARCHIVE)

        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "3 résultats" in contenu
        assert "Rapport périodique" in contenu and "Ville d'Arles" in contenu
        assert "du 1er janvier 2026" in contenu and "au 31 mars 2026" in contenu
        assert "Camille Martin" in contenu  # who asked
        assert "Calendrier" in contenu  # the ones nobody asked for: the schedule's
        assert "referente@arles.fr" in contenu and "maire@arles.fr" in contenu
        assert pret.empreinte[:12] in contenu and pret.empreinte not in contenu.replace(
            f'title="{pret.empreinte}"', ""
        )
        assert reverse("reporting:rapport_telecharger", args=[pret.pk]) in contenu
        # The statut is a word, the badge's colour only repeats it.
        for mot in ("Prêt", "Échec", "En attente"):
            assert f">{mot}</span>" in contenu
        assert "Le gabarit du rapport est introuvable." in contenu
        assert "copie nominative" in contenu and "marché « Groupe scolaire Mistral »" in contenu
        assert "tout le territoire" in contenu
        # Only a ready row has a download link.
        assert contenu.count("/telecharger/") == 1

    def test_filters(self, client_facilitateur, donneur, marche):
        autre = DonneurDOrdreFactory(nom="Habitat du Delta")
        periodique = rapport(donneur_d_ordre=donneur)
        de_marche = rapport(
            StatutRapport.ECHEC, type=TypeRapport.RAPPORT_MARCHE, donneur_d_ordre=donneur, marche=marche
        )
        ancien = rapport(donneur_d_ordre=autre, periode_debut=dt.date(2024, 7, 1), periode_fin=dt.date(2025, 6, 30))

        def trouves(**filtres):
            objets = client_facilitateur.get(ARCHIVE, filtres).context["object_list"]
            return {r.pk for r in objets}

        assert trouves(type="rapport_marche") == {de_marche.pk}
        assert trouves(statut="pret") == {periodique.pk, ancien.pk}
        assert trouves(donneur_d_ordre=autre.pk) == {ancien.pk}
        # A year is every year the period touches: a convention's year straddles two.
        assert trouves(annee=str(2025)) == {ancien.pk}
        assert trouves(annee=str(2024)) == {ancien.pk}
        reponse = client_facilitateur.get(ARCHIVE, {"type": "courrier_echeance"})
        assert "Aucun rapport ne correspond à ces critères." in texte(reponse)

    def test_sorting_and_pagination(self, client_facilitateur, donneur):
        for mois in range(1, 13):
            rapport(
                StatutRapport.EN_ATTENTE,
                donneur_d_ordre=donneur,
                periode_debut=dt.date(2025, mois, 1),
                periode_fin=dt.date(2025, mois, 28),
            )
        objets = client_facilitateur.get(ARCHIVE, {"tri": "periode"}).context["object_list"]
        assert [r.periode_debut.month for r in objets] == list(range(1, 13))
        objets = client_facilitateur.get(ARCHIVE, {"tri": "-periode"}).context["object_list"]
        assert [r.periode_debut.month for r in objets] == list(range(12, 0, -1))

        for _ in range(40):
            rapport(StatutRapport.EN_ATTENTE, donneur_d_ordre=donneur)
        premiere = client_facilitateur.get(ARCHIVE)
        assert len(premiere.context["object_list"]) == 50
        assert "Page 1 sur 2" in texte(premiere)
        assert len(client_facilitateur.get(ARCHIVE, {"page": 2}).context["object_list"]) == 2

    def test_export(self, client_facilitateur, donneur):
        rapport(donneur_d_ordre=donneur)
        reponse = client_facilitateur.get(ARCHIVE, {"format": "xlsx"})
        assert reponse.status_code == 200
        assert reponse["Content-Disposition"].startswith('attachment; filename="rapports-')
        reponse.close()

    def test_query_count_does_not_grow(
        self, client_facilitateur, facilitateur, donneur, django_assert_max_num_queries
    ):
        def quelques_rapports():
            convention = ConventionFactory(donneur_d_ordre=donneur)
            rapport(donneur_d_ordre=donneur, convention=convention, demande_par=facilitateur)
            rapport(StatutRapport.ECHEC, type=TypeRapport.RAPPORT_MARCHE, marche=MarcheFactory(), nominatif=True)
            rapport(StatutRapport.EN_ATTENTE, type=TypeRapport.BILAN_TERRITORIAL)

        quelques_rapports()
        client_facilitateur.get(ARCHIVE)
        for _ in range(8):
            quelques_rapports()
        with django_assert_max_num_queries(8):
            assert client_facilitateur.get(ARCHIVE, {"statut": "", "tri": "donneur"}).status_code == 200

    def test_in_the_menu(self, client_facilitateur):
        contenu = texte(client_facilitateur.get(ARCHIVE))
        assert f'<a class="nav-link active" href="{ARCHIVE}" aria-current="page">Rapports</a>' in contenu


class TestTelechargement:
    def test_attachment(self, client_facilitateur, donneur):
        pret = rapport(donneur_d_ordre=donneur)
        reponse = client_facilitateur.get(reverse("reporting:rapport_telecharger", args=[pret.pk]))
        assert reponse.status_code == 200
        assert b"".join(reponse.streaming_content) == PDF
        assert reponse["Content-Disposition"] == 'attachment; filename="rapport-periodique-2026-01-01-2026-03-31.pdf"'
        reponse.close()

    def test_the_nominative_copy_says_so_in_its_name(self, client_facilitateur, marche):
        pret = rapport(type=TypeRapport.RAPPORT_MARCHE, marche=marche, nominatif=True)
        reponse = client_facilitateur.get(reverse("reporting:rapport_telecharger", args=[pret.pk]))
        assert 'filename="rapport-marche-2026-01-01-2026-03-31-nominatif.pdf"' in reponse["Content-Disposition"]
        reponse.close()

    @pytest.mark.parametrize("statut", [StatutRapport.EN_ATTENTE, StatutRapport.EN_COURS, StatutRapport.ECHEC])
    def test_nothing_to_download_before_it_is_ready(self, client_facilitateur, donneur, statut):
        pas_pret = rapport(statut, donneur_d_ordre=donneur)
        assert client_facilitateur.get(reverse("reporting:rapport_telecharger", args=[pas_pret.pk])).status_code == 404

    def test_a_missing_file_is_a_404(self, client_facilitateur, donneur):
        pret = rapport(donneur_d_ordre=donneur)
        pret.fichier.storage.delete(pret.fichier.name)
        assert client_facilitateur.get(reverse("reporting:rapport_telecharger", args=[pret.pk])).status_code == 404


# --- Asking for a document -------------------------------------------------------------------------------------


class TestDemande:
    def test_a_nominative_rapport_de_marche_from_the_marche_page(
        self, client_facilitateur, facilitateur, marche, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as taches:
            reponse = client_facilitateur.post(
                DEMANDE, {"type": "rapport_marche", "marche": marche.pk, "copie": "nominative"}
            )
        nouveau = Rapport.objects.get()
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("reporting:rapport_etat", args=[nouveau.pk])
        assert len(taches) == 1  # the worker is queued once the row is committed
        assert nouveau.type == TypeRapport.RAPPORT_MARCHE
        assert nouveau.statut == StatutRapport.EN_ATTENTE
        assert nouveau.marche == marche and nouveau.nominatif
        assert nouveau.donneur_d_ordre is None  # a nominative copy is addressed to no one
        assert (nouveau.periode_debut, nouveau.periode_fin) == (dt.date(2025, 9, 1), timezone.localdate())
        assert nouveau.demande_par == facilitateur

    def test_the_donneur_s_copy_is_addressed_to_it(self, client_facilitateur, marche):
        client_facilitateur.post(
            DEMANDE,
            {
                "type": "rapport_marche",
                "marche": marche.pk,
                "copie": "donneur",
                "debut": "2026-01-01",
                "fin": "2026-06-30",
            },
        )
        nouveau = Rapport.objects.get()
        assert not nouveau.nominatif and nouveau.donneur_d_ordre == marche.donneur_d_ordre
        assert (nouveau.periode_debut, nouveau.periode_fin) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))

    def test_with_htmx_the_state_partial_comes_back_and_polls(self, client_facilitateur, marche):
        reponse = client_facilitateur.post(
            DEMANDE, {"type": "rapport_marche", "marche": marche.pk, "copie": "nominative"}, **HTMX
        )
        nouveau = Rapport.objects.get()
        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "<html" not in contenu
        assert 'hx-trigger="every 2s"' in contenu
        assert f'hx-get="{reverse("reporting:rapport_etat", args=[nouveau.pk])}?connu=en_attente"' in contenu
        assert "En attente" in contenu

    def test_bilan_annuel_of_a_period(self, client_facilitateur, convention):
        client_facilitateur.post(DEMANDE, {"type": "bilan_annuel", "convention": convention.pk, "numero_periode": 1})
        nouveau = Rapport.objects.get()
        assert (nouveau.periode_debut, nouveau.periode_fin) == (dt.date(2024, 7, 1), dt.date(2025, 6, 30))
        assert nouveau.convention == convention and nouveau.donneur_d_ordre == convention.donneur_d_ordre
        assert not nouveau.nominatif

    def test_bilan_annuel_keeps_the_dates_of_its_written_bilan(self, client_facilitateur, convention):
        BilanAnnuel.objects.create(
            convention=convention,
            numero_periode=1,
            periode_debut=dt.date(2024, 6, 1),
            periode_fin=dt.date(2025, 5, 31),
        )
        client_facilitateur.post(DEMANDE, {"type": "bilan_annuel", "convention": convention.pk, "numero_periode": 1})
        nouveau = Rapport.objects.get()
        assert (nouveau.periode_debut, nouveau.periode_fin) == (dt.date(2024, 6, 1), dt.date(2025, 5, 31))

    def test_rapport_periodique_takes_the_last_complete_quarter(self, client_facilitateur, donneur):
        client_facilitateur.post(DEMANDE, {"type": "rapport_periodique", "donneur": donneur.pk})
        nouveau = Rapport.objects.get()
        jour = timezone.localdate()
        debut_trimestre = dt.date(jour.year, 3 * ((jour.month - 1) // 3) + 1, 1)
        assert nouveau.periode_fin == debut_trimestre - dt.timedelta(days=1)
        assert nouveau.periode_debut == dt.date(nouveau.periode_fin.year, nouveau.periode_fin.month - 2, 1)
        assert nouveau.donneur_d_ordre == donneur

    def test_bilan_territorial_of_a_year(self, client_facilitateur):
        client_facilitateur.post(DEMANDE, {"type": "bilan_territorial", "debut": "2025-01-01", "fin": "2025-12-31"})
        nouveau = Rapport.objects.get()
        assert nouveau.donneur_d_ordre is None and not nouveau.nominatif
        assert (nouveau.periode_debut, nouveau.periode_fin) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    @pytest.mark.parametrize(
        ("donnees", "message"),
        [
            (
                {"type": "bilan_territorial", "debut": "2025-12-31", "fin": "2025-01-01"},
                "La fin de la période ne peut pas précéder son début.",
            ),
            (
                {"type": "bilan_territorial", "debut": "2025-01-01"},
                "Indiquez le début et la fin de la période, ou aucun des deux.",
            ),
            ({"type": "bilan_territorial", "debut": "2025-02-30", "fin": "2025-12-31"}, "Saisissez une date valide"),
            (
                {"type": "bilan_territorial", "debut": "2999-01-01", "fin": "2999-12-31"},
                "La période ne peut pas commencer après aujourd'hui.",
            ),
            ({"type": "courrier_echeance"}, "Ce document ne se produit pas à la demande."),
            ({}, "Choisissez le document à produire."),
            ({"type": "rapport_marche", "marche": 999999, "copie": "donneur"}, "Ce marché n'existe pas (ou plus)."),
            ({"type": "rapport_marche"}, "Choisissez le marché du rapport"),
            (
                {"type": "bilan_annuel", "convention": 999999, "numero_periode": 1},
                "Cette convention n'existe pas (ou plus).",
            ),
            ({"type": "rapport_periodique", "donneur": 999999}, "Ce donneur d'ordre n'existe pas (ou plus)."),
            ({"type": "rapport_periodique"}, "Choisissez le donneur d'ordre du rapport périodique."),
        ],
    )
    def test_refused_with_a_french_message(self, client_facilitateur, donnees, message):
        reponse = client_facilitateur.post(DEMANDE, donnees)
        assert reponse.status_code == 200
        assert message in texte(reponse)
        assert not Rapport.objects.exists()
        # The same refusal, where htmx would have put the document's state.
        reponse = client_facilitateur.post(DEMANDE, donnees, **HTMX)
        contenu = texte(reponse)
        assert message in contenu and 'role="alert"' in contenu and "<html" not in contenu
        assert not Rapport.objects.exists()

    def test_a_period_that_has_not_started(self, client_facilitateur, convention):
        reponse = client_facilitateur.post(
            DEMANDE, {"type": "bilan_annuel", "convention": convention.pk, "numero_periode": 40}
        )
        assert "La période n° 40 de cette convention n'a pas commencé." in texte(reponse)
        reponse = client_facilitateur.post(DEMANDE, {"type": "bilan_annuel", "convention": convention.pk})
        assert "Indiquez l'année de la convention" in texte(reponse)
        assert not Rapport.objects.exists()

    def test_a_double_click_follows_the_first_row(self, client_facilitateur, marche):
        donnees = {"type": "rapport_marche", "marche": marche.pk, "copie": "nominative"}
        premiere = client_facilitateur.post(DEMANDE, donnees)
        seconde = client_facilitateur.post(DEMANDE, donnees, follow=True)
        assert Rapport.objects.count() == 1
        assert premiere["Location"] == seconde.redirect_chain[0][0]
        assert "Ce document est déjà en préparation" in texte(seconde)
        # Once it failed, asking again makes a new row.
        Rapport.objects.get().enregistrer_echec("Panne")
        client_facilitateur.post(DEMANDE, donnees)
        assert Rapport.objects.count() == 2

    def test_the_form_page_names_the_scope_it_was_opened_for(self, client_facilitateur, marche, donneur):
        contenu = texte(client_facilitateur.get(DEMANDE, {"type": "rapport_marche", "marche": marche.pk}))
        assert "Groupe scolaire Mistral" in contenu
        assert "Copie nominative du facilitateur" in contenu
        contenu = texte(client_facilitateur.get(DEMANDE, {"type": "rapport_periodique", "donneur": donneur.pk}))
        assert f'<option value="{donneur.pk}" selected>' in contenu
        # A wrong link only leaves the scope unnamed.
        assert client_facilitateur.get(DEMANDE, {"marche": "abc", "convention": 999999}).status_code == 200


class TestPeriodes:
    def test_quarters_and_months(self):
        trimestres = periodes_periodiques(Periodicite.TRIMESTRIELLE, dt.date(2026, 2, 10), 3)
        assert trimestres == [
            (dt.date(2025, 10, 1), dt.date(2025, 12, 31), "4e trimestre 2025"),
            (dt.date(2025, 7, 1), dt.date(2025, 9, 30), "3e trimestre 2025"),
            (dt.date(2025, 4, 1), dt.date(2025, 6, 30), "2e trimestre 2025"),
        ]
        assert periodes_periodiques(Periodicite.TRIMESTRIELLE, dt.date(2026, 4, 1), 1)[0][2] == "1er trimestre 2026"
        mois = periodes_periodiques(Periodicite.MENSUELLE, dt.date(2026, 3, 1), 2)
        assert mois == [
            (dt.date(2026, 2, 1), dt.date(2026, 2, 28), "février 2026"),
            (dt.date(2026, 1, 1), dt.date(2026, 1, 31), "janvier 2026"),
        ]

    def test_a_marche_not_started_yet_is_reported_from_today(self, donneur):
        marche = MarcheFactory(donneur_d_ordre=donneur, date_debut_prevue=dt.date(2030, 1, 1))
        jour = dt.date(2026, 5, 4)
        formulaire = DemandeRapportForm({"type": "rapport_marche", "marche": marche.pk}, jour=jour)
        assert formulaire.is_valid(), formulaire.errors
        assert (formulaire.demande.debut, formulaire.demande.fin) == (jour, jour)


# --- Following it: the state partial ----------------------------------------------------------------------------


def etat(client, rapport, **params):
    return client.get(reverse("reporting:rapport_etat", args=[rapport.pk]), params, **HTMX)


class TestEtat:
    def test_waiting_polls(self, client_facilitateur, donneur):
        attente = rapport(StatutRapport.EN_ATTENTE, donneur_d_ordre=donneur)
        contenu = texte(etat(client_facilitateur, attente))
        assert 'hx-trigger="every 2s"' in contenu and "En attente" in contenu
        assert "/telecharger/" not in contenu

    def test_an_unchanged_state_answers_204(self, client_facilitateur, donneur, django_assert_max_num_queries):
        attente = rapport(StatutRapport.EN_ATTENTE, donneur_d_ordre=donneur)
        with django_assert_max_num_queries(3):
            reponse = etat(client_facilitateur, attente, connu="en_attente")
        assert reponse.status_code == 204 and reponse.content == b""
        Rapport.objects.filter(pk=attente.pk).update(statut=StatutRapport.EN_COURS)
        reponse = etat(client_facilitateur, attente, connu="en_attente")
        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "En cours" in contenu and 'hx-trigger="every 2s"' in contenu and "connu=en_cours" in contenu

    def test_ready_shows_the_link_and_stops(self, client_facilitateur, donneur):
        attente = rapport(StatutRapport.EN_ATTENTE, donneur_d_ordre=donneur)
        attente.enregistrer_fichier("rapport.pdf", PDF)
        reponse = etat(client_facilitateur, attente, connu="en_attente")
        contenu = texte(reponse)
        assert reponse.status_code == 200
        assert reverse("reporting:rapport_telecharger", args=[attente.pk]) in contenu
        assert "Télécharger le PDF" in contenu
        assert "hx-trigger" not in contenu

    def test_failed_shows_the_message_and_relancer(self, client_facilitateur, donneur):
        echec = rapport(StatutRapport.ECHEC, donneur_d_ordre=donneur)
        contenu = texte(etat(client_facilitateur, echec, connu="en_cours"))
        assert "Le gabarit du rapport est introuvable." in contenu
        assert "Relancer" in contenu and reverse("reporting:rapport_relance", args=[echec.pk]) in contenu
        assert "hx-trigger" not in contenu and "/telecharger/" not in contenu

    def test_a_row_waiting_for_too_long_is_no_longer_polled(self, client_facilitateur, donneur):
        attente = rapport(StatutRapport.EN_ATTENTE, donneur_d_ordre=donneur)
        Rapport.objects.filter(pk=attente.pk).update(cree_le=timezone.now() - dt.timedelta(minutes=45))
        reponse = etat(client_facilitateur, attente, connu="en_attente")
        contenu = texte(reponse)
        assert reponse.status_code == 200
        assert "hx-trigger" not in contenu and "Actualiser l'état du document" in contenu
        assert "worker Celery" in contenu

    def test_without_htmx_the_row_s_page(self, client_facilitateur, facilitateur, marche):
        echec = rapport(StatutRapport.ECHEC, type=TypeRapport.RAPPORT_MARCHE, marche=marche, nominatif=True)
        Rapport.objects.filter(pk=echec.pk).update(demande_par=facilitateur)
        reponse = client_facilitateur.get(reverse("reporting:rapport_etat", args=[echec.pk]))
        contenu = texte(reponse)
        assert reponse.status_code == 200
        assert "<h1" in contenu and "Rapport de marché du 1er janvier 2026 au 31 mars 2026" in contenu
        assert "copie nominative du facilitateur" in contenu and "par Camille Martin" in contenu
        assert "Le gabarit du rapport est introuvable." in contenu
        assert 'aria-live="polite"' in contenu

    def test_unknown_row(self, client_facilitateur):
        assert client_facilitateur.get(reverse("reporting:rapport_etat", args=[999999])).status_code == 404


class TestRelance:
    def test_a_failed_document_is_asked_again_on_a_new_row(self, client_facilitateur, facilitateur, marche):
        echec = rapport(StatutRapport.ECHEC, type=TypeRapport.RAPPORT_MARCHE, marche=marche, nominatif=True)
        reponse = client_facilitateur.post(reverse("reporting:rapport_relance", args=[echec.pk]), **HTMX)
        nouveau = Rapport.objects.exclude(pk=echec.pk).get()
        assert reponse.status_code == 200 and 'hx-trigger="every 2s"' in texte(reponse)
        assert (nouveau.type, nouveau.marche, nouveau.nominatif, nouveau.donneur_d_ordre) == (
            TypeRapport.RAPPORT_MARCHE,
            marche,
            True,
            None,
        )
        assert (nouveau.periode_debut, nouveau.periode_fin) == (echec.periode_debut, echec.periode_fin)
        assert nouveau.statut == StatutRapport.EN_ATTENTE and nouveau.demande_par == facilitateur
        echec.refresh_from_db()
        assert echec.statut == StatutRapport.ECHEC and echec.message_erreur  # the failure is kept

    def test_without_htmx_it_goes_to_the_new_row(self, client_facilitateur, donneur):
        echec = rapport(StatutRapport.ECHEC, donneur_d_ordre=donneur)
        reponse = client_facilitateur.post(reverse("reporting:rapport_relance", args=[echec.pk]))
        nouveau = Rapport.objects.exclude(pk=echec.pk).get()
        assert reponse["Location"] == reverse("reporting:rapport_etat", args=[nouveau.pk])

    def test_only_a_failed_document(self, client_facilitateur, donneur):
        pret = rapport(donneur_d_ordre=donneur)
        reponse = client_facilitateur.post(reverse("reporting:rapport_relance", args=[pret.pk]), follow=True)
        assert "Seul un document en échec se relance." in texte(reponse)
        assert Rapport.objects.count() == 1
        assert client_facilitateur.get(reverse("reporting:rapport_relance", args=[pret.pk])).status_code == 405


# --- The buttons on the dashboard's pages --------------------------------------------------------------------------


class TestBoutons:
    def test_marche_page(self, client_facilitateur, marche):
        contenu = texte(client_facilitateur.get(reverse("marches:marche", args=[marche.pk])))
        assert "Rapport de marché (PDF), copie nominative" in contenu
        assert "Rapport de marché (PDF), copie pour le donneur d'ordre" in contenu
        assert f'hx-post="{DEMANDE}"' in contenu and 'hx-target="#rapport-marche-etat"' in contenu

    def test_convention_page(self, client_facilitateur, convention):
        contenu = texte(client_facilitateur.get(reverse("conventions:convention", args=[convention.pk])))
        assert "Générer le bilan annuel (PDF)" in contenu
        assert 'name="numero_periode" value="1"' in contenu

    def test_donneur_page(self, client_facilitateur, donneur):
        contenu = texte(client_facilitateur.get(reverse("conventions:donneur", args=[donneur.pk])))
        assert "Rapport périodique (PDF) du dernier trimestre complet" in contenu

    def test_home_page(self, client_facilitateur):
        contenu = texte(client_facilitateur.get(reverse("reporting:accueil")))
        assert "Archive des rapports" in contenu and ARCHIVE in contenu
        annee = timezone.localdate().year
        assert f"Bilan territorial {annee} (PDF)" in contenu
        assert f'name="debut" value="{annee}-01-01"' in contenu

    def test_each_page_s_request_is_accepted(self, client_facilitateur, marche, convention, donneur):
        annee = timezone.localdate().year
        for donnees in (
            {"type": "rapport_marche", "marche": marche.pk, "copie": "donneur"},
            {"type": "bilan_annuel", "convention": convention.pk, "numero_periode": 1},
            {"type": "rapport_periodique", "donneur": donneur.pk},
            {"type": "bilan_territorial", "debut": f"{annee}-01-01", "fin": f"{annee}-12-31"},
        ):
            assert client_facilitateur.post(DEMANDE, donnees, **HTMX).status_code == 200
        assert Rapport.objects.count() == 4
        assert set(Rapport.objects.values_list("statut", flat=True)) == {StatutRapport.EN_ATTENTE}


def test_a_referent_s_own_request_is_not_reused_by_the_facilitator(client_facilitateur, donneur):
    """A double click is the same person's: the facilitator's request never follows a référent's row."""
    referent = ReferentFactory(donneur_d_ordre=donneur).user
    demande = demandes_rapports.Demande(
        TypeRapport.RAPPORT_PERIODIQUE, dt.date(2026, 1, 1), dt.date(2026, 3, 31), donneur=donneur
    )
    sien, _ = demandes_rapports.demander(demande, referent)
    client_facilitateur.post(
        DEMANDE, {"type": "rapport_periodique", "donneur": donneur.pk, "debut": "2026-01-01", "fin": "2026-03-31"}
    )
    assert Rapport.objects.exclude(pk=sien.pk).count() == 1
