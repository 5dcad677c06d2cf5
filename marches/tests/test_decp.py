"""The données essentielles de la commande publique: reading the national JSON, keeping the territory's marchés all
or nothing and idempotently, the marchés proposed to the facilitator, and a marché created from one of them."""

import copy
import datetime as dt
import html
import io
import json
import threading
import tracemalloc
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from entreprises.models import Entreprise
from marches.decp import importation, lecture, services, telechargement
from marches.models import (
    ImportDECP,
    Marche,
    MarcheDECP,
    Origine,
    RoleAttributaire,
    SourceImportDECP,
    StatutMarche,
    TypeMarche,
)
from marches.tasks import importer_decp
from marches.tests.decp_territoire import (
    ARLES,
    BAILLEUR,
    DEPARTEMENT,
    EXEMPLE,
    GROS_OEUVRE,
    INCONNUE,
    TARASCON,
    VRD,
    VRD_BIS,
    importer_exemple,
    territoire,
)

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def exemple() -> dict:
    return json.loads(EXEMPLE.read_text(encoding="utf-8"))


def fichier_json(donnees) -> io.BytesIO:
    return io.BytesIO(json.dumps(donnees, ensure_ascii=False).encode())


def importer(donnees, **kwargs) -> importation.RapportDECP:
    return importation.importer(fichier_json(donnees), nom="test.json", **kwargs)


def etat() -> list[tuple]:
    """Every kept record, all its columns: what « nothing changed » compares."""
    return list(MarcheDECP.objects.order_by("pk").values_list())


@pytest.fixture
def monde():
    return territoire()


# --- Reading ---------------------------------------------------------------------------------------------------


class TestLecture:
    def test_the_sample_is_read_record_by_record_whatever_the_window(self, monkeypatch):
        with EXEMPLE.open("rb") as fichier:
            attendu = list(lecture.enregistrements(fichier))
        # A window of 50 characters cuts every record, string and number somewhere.
        monkeypatch.setattr(lecture, "FENETRE", 50)
        with EXEMPLE.open("rb") as fichier:
            assert list(lecture.enregistrements(fichier)) == attendu
        assert [genre for genre, _ in attendu].count(lecture.MARCHE) == 11
        assert [genre for genre, _ in attendu].count(lecture.CONCESSION) == 1

    def test_memory_stays_bounded_whatever_the_file_s_size(self, monkeypatch, tmp_path):
        """5 MB of marchés of other buyers read with a 64 KB window: memory holds a window and a record."""
        modele = exemple()["marches"]["marche"][0]
        chemin = tmp_path / "national.json"
        with chemin.open("w", encoding="utf-8") as sortie:
            sortie.write('{"marches": {"marche": [')
            for n in range(5_000):
                sortie.write(("," if n else "") + json.dumps({**modele, "id": f"X{n}", "acheteur": {"id": "0" * 14}}))
            sortie.write("]}}")
        assert chemin.stat().st_size > 4.5 * 1024 * 1024
        monkeypatch.setattr(lecture, "FENETRE", 64 * 1024)
        tracemalloc.start()
        try:
            with chemin.open("rb") as fichier:
                rapport, retenus = importation.lire(fichier, {})
            _, pic = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (rapport.lus, rapport.hors_territoire, retenus) == (5_000, 5_000, {})
        assert pic < 1024 * 1024, pic

    def test_a_record_of_the_2024_format(self):
        marche = next(m for m in exemple()["marches"]["marche"] if m["id"] == "2026-0877")
        enregistrement = lecture.verifier(4, marche)
        assert isinstance(enregistrement, lecture.EnregistrementDECP)
        assert enregistrement.acheteur_siret == ARLES
        assert enregistrement.type == TypeMarche.TRAVAUX
        assert enregistrement.montant == Decimal("5600000.00")
        assert enregistrement.date_notification == dt.date(2026, 10, 12)
        assert enregistrement.considerations_sociales == ("Clause sociale",)
        assert [t.identifiant for t in enregistrement.titulaires] == [VRD, VRD_BIS]
        assert (enregistrement.lieu_code, enregistrement.lieu_type_code) == ("13004", "Code commune")

    def test_considerations_written_as_the_xml_conversion_writes_them(self):
        marche = next(m for m in exemple()["marches"]["marche"] if m["id"] == "DRH-2026-31")
        assert marche["considerationsSociales"] == {"considerationSociale": ["Marché réservé"]}
        assert lecture.verifier(3, marche).considerations_sociales == ("Marché réservé",)

    @pytest.mark.parametrize(
        ("cpv", "attendu"),
        [("45210000-2", "travaux"), ("39160000-1", "fournitures"), ("48000000-8", "fournitures"),
         ("77310000-6", "services"), ("03000000-1", "fournitures")],
    )  # fmt: skip
    def test_the_kind_follows_the_cpv_division(self, cpv, attendu):
        assert lecture.type_par_cpv(cpv) == attendu

    def test_every_fault_of_a_record_is_named(self):
        marche = copy.deepcopy(exemple()["marches"]["marche"][0])
        marche.update(
            montant="beaucoup",
            dateNotification="2026-13-01",
            codeCPV="452",
            considerationsSociales=["Clause sociale", "Insertion"],
            titulaires=[{"titulaire": {"typeIdentifiant": "SIRET", "id": "123"}}],
        )
        del marche["objet"]
        erreur = lecture.verifier(7, marche)
        assert isinstance(erreur, lecture.ErreurDECP)
        assert erreur.texte.startswith("Marché n° 7 (id « 2026-0412 ») : ")
        for morceau in (
            "le champ « objet » est absent ou vide",
            "le montant « beaucoup » n'est pas un nombre",
            "« dateNotification » : « 2026-13-01 » n'est pas une date AAAA-MM-JJ",
            "« codeCPV » : « 452 » n'est pas un code CPV",
            "valeur inconnue « Insertion »",
            "titulaire n° 1 : le SIRET « 123 » n'a pas 14 chiffres",
        ):
            assert morceau in erreur.texte

    def test_the_2019_format(self, monde):
        rapport = importer(
            {
                "marches": [
                    {
                        "_type": "Marché",
                        "id": "20190042",
                        "uid": f"{ARLES}20190042",
                        "acheteur": {"id": ARLES, "nom": "Ville d'Arles"},
                        "nature": "Marché",
                        "objet": "Rénovation de la salle des fêtes",
                        "codeCPV": "45453000-7",
                        "procedure": "Procédure adaptée",
                        "lieuExecution": {"code": "13200", "typeCode": "Code postal", "nom": "Arles"},
                        "dureeMois": 8,
                        "dateNotification": "2019-03-04+01:00",
                        "datePublicationDonnees": "2019-03-20",
                        "montant": 412000.5,
                        "formePrix": "Ferme",
                        "titulaires": [
                            {"typeIdentifiant": "SIRET", "id": INCONNUE, "denominationSociale": "Bâti Provence"}
                        ],
                        "modifications": [],
                    },
                    {"_type": "Contrat de concession", "id": "DSP1", "autoriteConcedante": {"id": ARLES}},
                ]
            }
        )
        assert rapport.valide, rapport.resume
        assert (rapport.crees, rapport.concessions) == (1, 1)
        decp = MarcheDECP.objects.get()
        assert decp.date_notification == dt.date(2019, 3, 4)
        assert decp.montant == Decimal("412000.50")
        assert decp.considerations_sociales == []
        assert decp.titulaires == [{"id": INCONNUE, "type_identifiant": "SIRET", "denomination": "Bâti Provence"}]


# --- Importing -------------------------------------------------------------------------------------------------


class TestImport:
    def test_the_sample_keeps_the_territory_s_marches(self, monde):
        rapport = importer_exemple()
        assert rapport.valide, rapport.resume
        assert (rapport.lus, rapport.concessions, rapport.hors_territoire) == (11, 1, 1)
        assert (rapport.retenus, rapport.crees, rapport.mis_a_jour, rapport.inchanges) == (10, 10, 0, 0)
        # Buyers matched by SIRET.
        par_donneur = {m.identifiant: m.donneur_d_ordre for m in MarcheDECP.objects.select_related("donneur_d_ordre")}
        assert par_donneur["2026-0412"] == monde["donneurs"]["arles"]
        assert par_donneur["2026-0588"] == monde["donneurs"]["tarascon"]
        assert par_donneur["DRH-2026-31"] == monde["donneurs"]["bailleur"]
        assert "2026-NIM-77" not in par_donneur
        import_ = ImportDECP.objects.get()
        assert import_.reussi and import_.source == SourceImportDECP.TELEVERSEMENT
        assert "10 nouveaux" in import_.resume and "1 d'autres acheteurs ignoré" in import_.resume

    def test_the_same_file_twice_changes_nothing(self, monde):
        importer_exemple()
        avant = etat()
        rapport = importer_exemple()
        assert (rapport.crees, rapport.mis_a_jour, rapport.inchanges) == (0, 0, 10)
        assert etat() == avant

    def test_a_marche_published_again_is_updated(self, monde):
        importer_exemple()
        donnees = exemple()
        donnees["marches"]["marche"][0]["montant"] = 1900000
        donnees["marches"]["marche"][0]["considerationsSociales"] = ["Clause sociale", "Critère social"]
        rapport = importer(donnees)
        assert (rapport.crees, rapport.mis_a_jour, rapport.inchanges) == (0, 1, 9)
        decp = MarcheDECP.objects.get(identifiant="2026-0412")
        assert decp.montant == Decimal("1900000")
        assert decp.considerations_sociales == ["Clause sociale", "Critère social"]

    def test_a_marche_published_twice_in_a_file_counts_once(self, monde):
        donnees = exemple()
        double = copy.deepcopy(donnees["marches"]["marche"][0])
        double["montant"] = 2000000
        donnees["marches"]["marche"].append(double)
        rapport = importer(donnees)
        assert (rapport.crees, rapport.doublons) == (10, 1)
        assert MarcheDECP.objects.get(identifiant="2026-0412").montant == Decimal("2000000")

    def test_the_same_id_of_two_buyers_is_two_marches(self, monde):
        donnees = exemple()
        autre = copy.deepcopy(donnees["marches"]["marche"][0])
        autre["acheteur"]["id"] = TARASCON
        donnees["marches"]["marche"].append(autre)
        assert importer(donnees).crees == 11
        assert MarcheDECP.objects.filter(identifiant="2026-0412").count() == 2

    def test_invalid_records_are_all_listed_and_nothing_is_written(self, monde):
        importer_exemple()
        avant = etat()
        donnees = exemple()
        marches = donnees["marches"]["marche"]
        marches[0]["montant"] = 1900000  # a valid change, which must not be written either
        del marches[1]["dateNotification"]
        marches[4]["titulaires"] = "Terrassements du Rhône"
        marches[4]["considerationsSociales"] = ["Pas de clause"]
        del marches[5]["acheteur"]
        # Another territory's mistake is not ours: unchecked.
        del marches[10]["montant"]
        rapport = importer(donnees)
        assert not rapport.valide
        assert rapport.nb_erreurs == 3
        textes = [e.texte for e in rapport.erreurs]
        assert textes[0].startswith("Marché n° 2 (id « 2026-0588 ») : le champ « dateNotification »")
        assert textes[1].startswith("Marché n° 5 (id « C13-2026-0902 ») : ")
        assert (
            "titulaire n° 1 : un objet est attendu" in textes[1] and "valeur inconnue « Pas de clause »" in textes[1]
        )
        assert textes[2] == (
            "Marché n° 6 (id « CHPA-26-1011 ») : « acheteur.id » doit être le SIRET de l'acheteur (14 chiffres)."
        )
        assert rapport.resume == "11 marchés lus, 3 marchés du territoire invalides : rien n'a été enregistré."
        assert etat() == avant
        assert not ImportDECP.objects.latest("pk").reussi

    @pytest.mark.parametrize(
        ("contenu", "message"),
        [
            (b"", "Le fichier n'est pas un fichier JSON"),
            (b"id;objet\n1;Travaux", "Le fichier n'est pas un fichier JSON"),
            (b'{"donnees": []}', "ne contient pas de champ « marches »"),
            (b"\xff\xfe{}", "n'est pas un texte UTF-8"),
        ],
    )
    def test_a_file_that_is_not_a_decp_file(self, monde, contenu, message):
        rapport = importation.importer(io.BytesIO(contenu), nom="x.json")
        assert message in rapport.erreur_fichier
        assert rapport.resume.startswith("Fichier refusé : ") and rapport.resume.endswith("Rien n'a été enregistré.")
        assert not MarcheDECP.objects.exists()

    def test_a_file_cut_in_the_middle_writes_nothing(self, monde, monkeypatch):
        monkeypatch.setattr(lecture, "FENETRE", 200)
        contenu = EXEMPLE.read_bytes()
        rapport = importation.importer(io.BytesIO(contenu[: len(contenu) // 2]), nom="coupe.json")
        assert rapport.erreur_fichier.startswith("JSON invalide dans la liste « marches.marche », élément n° ")
        assert not MarcheDECP.objects.exists()

    def test_a_syntax_error_names_its_record(self, monde):
        contenu = EXEMPLE.read_text(encoding="utf-8").replace('"montant": 240000,', '"montant": 240000,,', 1)
        rapport = importation.importer(io.BytesIO(contenu.encode()), nom="x.json")
        assert rapport.erreur_fichier == (
            "JSON invalide dans la liste « marches.marche », élément n° 2 : nom de champ entre guillemets attendu."
        )


# --- What the facilitator is proposed, and the marché created ---------------------------------------------------


class TestPropositions:
    def test_marches_with_a_social_consideration_not_followed_yet(self, monde):
        importer_exemple()
        assert [m.identifiant for m in services.propositions()] == [
            "2026-0877",
            "DRH-2026-31",
            "2026-0588",
            "2026-0412",
        ]

    def test_a_marche_created_from_a_record(self, monde, facilitateur):
        importer_exemple()
        decp = MarcheDECP.objects.get(identifiant="2026-0877")
        marche = services.creer_marche(decp, facilitateur)
        assert (marche.donneur_d_ordre, marche.facilitateur) == (monde["donneurs"]["arles"], facilitateur)
        assert (marche.statut, marche.origine, marche.type) == (StatutMarche.ATTRIBUE, Origine.DECP, "travaux")
        assert (marche.reference, marche.montant_estime_ht) == ("2026-0877", Decimal("5600000"))
        assert (marche.date_attribution, marche.date_debut_prevue, marche.date_fin_prevue) == (
            dt.date(2026, 10, 12),
            dt.date(2026, 10, 12),
            dt.date(2028, 10, 11),
        )
        lot = marche.lots.get()
        assert (lot.numero, lot.montant_ht, lot.date_fin) == ("Unique", Decimal("5600000"), dt.date(2028, 10, 11))
        assert sorted(lot.attributions.values_list("entreprise__siret", "role")) == [
            (VRD_BIS, RoleAttributaire.TITULAIRE),
            (VRD, RoleAttributaire.TITULAIRE),
        ]
        decp.refresh_from_db()
        assert decp.marche == marche
        assert "2026-0877" not in [m.identifiant for m in services.propositions()]
        # Twice (a double click, two facilitators): refused, nothing more created.
        with pytest.raises(ValidationError, match="déjà suivi dans Clauses"):
            services.creer_marche(decp, facilitateur)
        assert Marche.objects.count() == 1

    def test_an_unknown_titulaire_is_added_only_when_confirmed(self, monde, facilitateur):
        importer_exemple()
        decp = MarcheDECP.objects.get(identifiant="2026-0588")
        [titulaire] = services.titulaires(decp)
        assert titulaire.entreprise is None and titulaire.creable
        marche = services.creer_marche(decp, facilitateur)
        assert not marche.lots.get().attributions.exists()
        assert not Entreprise.objects.filter(siret=INCONNUE).exists()

        decp = MarcheDECP.objects.get(identifiant="2026-0412")
        decp.titulaires.append({"id": INCONNUE, "type_identifiant": "SIRET", "denomination": ""})
        decp.save()
        marche = services.creer_marche(decp, facilitateur, {INCONNUE: "Jardins de Tarascon SCOP"})
        assert sorted(marche.lots.get().attributions.values_list("entreprise__siret", flat=True)) == sorted(
            [GROS_OEUVRE, INCONNUE]
        )
        assert Entreprise.objects.get(siret=INCONNUE).raison_sociale == "Jardins de Tarascon SCOP"

    def test_a_titulaire_without_siret_is_left_out(self, monde, facilitateur):
        importer_exemple()
        decp = MarcheDECP.objects.get(identifiant="CHPA-26-1011")
        [titulaire] = services.titulaires(decp)
        assert not titulaire.creable and "numéro TVA" in titulaire.ecarte
        marche = services.creer_marche(decp, facilitateur, {"IT01234567890": "Ristorazione SpA"})
        assert not marche.lots.get().attributions.exists()


class TestPages:
    def test_the_list_shows_the_proposals_and_the_imports(
        self, client_facilitateur, monde, django_assert_max_num_queries
    ):
        importer_exemple()
        with django_assert_max_num_queries(12):
            reponse = client_facilitateur.get(reverse("marches:decp"))
        contenu = texte(reponse)
        assert "Réfection de la voirie du quartier Barriol" in contenu
        assert "Fourniture de mobilier scolaire" not in contenu  # no social consideration
        assert "10 marchés enregistrés, dont 0 déjà suivi" in contenu
        assert "exemple_decp.json" in contenu

    def test_an_upload(self, client_facilitateur, monde):
        reponse = client_facilitateur.post(
            reverse("marches:decp_import"),
            {"fichier": SimpleUploadedFile("decp.json", EXEMPLE.read_bytes(), "application/json")},
            follow=True,
        )
        assert reponse.redirect_chain == [(reverse("marches:decp"), 302)]
        assert "Import de « decp.json » terminé : 11 marchés lus, 10 du territoire, 10 nouveaux" in texte(reponse)
        assert MarcheDECP.objects.count() == 10
        assert ImportDECP.objects.get().utilisateur.email == "camille@exemple.fr"

    def test_a_refused_upload_lists_every_error(self, client_facilitateur, monde):
        donnees = exemple()
        del donnees["marches"]["marche"][1]["montant"]
        donnees["marches"]["marche"][2]["dateNotification"] = "01/07/2026"
        reponse = client_facilitateur.post(
            reverse("marches:decp_import"),
            {"fichier": SimpleUploadedFile("decp.json", json.dumps(donnees).encode(), "application/json")},
        )
        assert reponse.status_code == 400
        contenu = texte(reponse)
        assert "Marché n° 2 (id « 2026-0588 ») : le champ « montant » est absent." in contenu
        assert "Marché n° 3 (id « DRH-2026-31 ») : « dateNotification » : « 01/07/2026 »" in contenu
        assert not MarcheDECP.objects.exists()

    def test_an_upload_that_is_not_json(self, client_facilitateur, monde):
        reponse = client_facilitateur.post(
            reverse("marches:decp_import"), {"fichier": SimpleUploadedFile("decp.csv", b"id;objet", "text/csv")}
        )
        assert reponse.status_code == 400
        assert "Le fichier doit être au format JSON" in texte(reponse)

    def test_review_then_create(self, client_facilitateur, monde, facilitateur):
        importer_exemple()
        decp = MarcheDECP.objects.get(identifiant="2026-0588")
        url = reverse("marches:decp_examen", args=[decp.pk])
        contenu = texte(client_facilitateur.get(url))
        assert f"SIRET {INCONNUE}" in contenu and "entreprise absente de l'annuaire" in contenu
        # Confirmed without a name: the form says what is missing, nothing is created.
        reponse = client_facilitateur.post(url, {f"ajouter_{INCONNUE}": "on", f"raison_{INCONNUE}": " "})
        assert reponse.status_code == 400
        assert "Saisissez la raison sociale de l'entreprise" in texte(reponse)
        assert not Marche.objects.exists()
        reponse = client_facilitateur.post(
            url, {f"ajouter_{INCONNUE}": "on", f"raison_{INCONNUE}": "Jardins de Tarascon SCOP"}, follow=True
        )
        marche = Marche.objects.get()
        assert reponse.redirect_chain == [(reverse("marches:marche", args=[marche.pk]), 302)]
        assert "est désormais suivi dans Clauses, avec son lot et 1 attributaire" in texte(reponse)
        assert marche.lots.get().attributions.get().entreprise.raison_sociale == "Jardins de Tarascon SCOP"
        # The page of a followed record links to its marché; a second POST creates nothing.
        assert "Ce marché est suivi dans Clauses" in texte(client_facilitateur.get(url))
        reponse = client_facilitateur.post(url, {}, follow=True)
        assert "déjà suivi dans Clauses" in texte(reponse)
        assert Marche.objects.count() == 1

    def test_a_referent_is_refused(self, client_referent, monde):
        importer_exemple()
        decp = MarcheDECP.objects.first()
        for url in (
            reverse("marches:decp"),
            reverse("marches:decp_import"),
            reverse("marches:decp_examen", args=[decp.pk]),
        ):
            assert client_referent.get(url).status_code == 403
        assert client_referent.post(reverse("marches:decp_examen", args=[decp.pk])).status_code == 403
        assert not Marche.objects.exists()


# --- The scheduled fetch -----------------------------------------------------------------------------------------


class TestTelechargement:
    def test_off_by_default(self, monde, settings):
        assert settings.CLAUSES_DECP_URL == ""
        assert importer_decp() == "désactivé"
        assert not ImportDECP.objects.exists()

    def test_fetched_from_the_configured_address(self, monde, settings):
        dossier = str(EXEMPLE.parent)

        class Fichiers(SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=dossier, **kwargs)

            def log_message(self, *args):
                pass

        serveur = ThreadingHTTPServer(("127.0.0.1", 0), Fichiers)
        fil = threading.Thread(target=serveur.serve_forever, daemon=True)
        fil.start()
        try:
            base = f"http://127.0.0.1:{serveur.server_address[1]}"
            settings.CLAUSES_DECP_URL = f"{base}/{EXEMPLE.name}"
            assert importer_decp().startswith("11 marchés lus, 10 du territoire, 10 nouveaux")
            # Run again (beat catching up, a message delivered twice): nothing changes.
            avant = etat()
            assert "0 mis à jour, 10 inchangés" in importer_decp()
            assert etat() == avant
            # Too large, then missing: recorded as failed, nothing written.
            settings.CLAUSES_DECP_TAILLE_MAX_MO = 0
            assert telechargement.importer_depuis_l_adresse() is None
            settings.CLAUSES_DECP_TAILLE_MAX_MO = 2048
            assert telechargement.importer_depuis_l_adresse(f"{base}/absent.json") is None
        finally:
            serveur.shutdown()
            serveur.server_close()
        echecs = list(ImportDECP.objects.filter(reussi=False).order_by("pk").values_list("resume", flat=True))
        assert echecs == [
            "Téléchargement impossible : le fichier dépasse 0 Mo (CLAUSES_DECP_TAILLE_MAX_MO). "
            "Rien n'a été enregistré.",
            "Téléchargement impossible : le serveur a répondu 404. Rien n'a été enregistré.",
        ]
        assert ImportDECP.objects.filter(reussi=True, source=SourceImportDECP.PROGRAMME).count() == 2

    def test_an_address_that_is_not_http(self, monde):
        assert telechargement.importer_depuis_l_adresse("file:///etc/passwd") is None
        assert "doit commencer par https://" in ImportDECP.objects.get().resume


def test_the_departement_and_the_bailleur_are_matched(monde):
    importer_exemple()
    assert (
        MarcheDECP.objects.filter(acheteur_siret=DEPARTEMENT).get().donneur_d_ordre == monde["donneurs"]["departement"]
    )
    assert set(MarcheDECP.objects.filter(acheteur_siret=BAILLEUR).values_list("identifiant", flat=True)) == {
        "DRH-2026-31",
        "DRH-2026-44",
    }
