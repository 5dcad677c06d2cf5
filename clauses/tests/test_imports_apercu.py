"""The preview says what will change before anything is written, and its whole report can be downloaded."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory
from clauses.models import HeuresMensuelles, Participant
from clauses.tests.test_imports_views import ENTETE, mois_avant, placement, releve, xlsx  # noqa: F401
from conventions.factories import FacilitateurFactory
from entreprises.factories import siret_n

pytestmark = pytest.mark.django_db

URL = "clauses:import_releve"


def telecharger(client, reponse, format_fichier, url=URL):
    return client.get(reverse(url), {"rapport": reponse.context["jeton_rapport"], "format": format_fichier})


def lignes_csv(reponse) -> list[list[str]]:
    return list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))


def lignes_xlsx(reponse) -> list[tuple]:
    return list(load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active.values)


class TestCeQuiVaChanger:
    def test_old_and_new_hours_new_rows_and_unchanged_rows(self, client_facilitateur, placement):  # noqa: F811
        m1, m2, m3 = mois_avant(3), mois_avant(2), mois_avant(1)
        HeuresMensuellesFactory(placement=placement, mois=m1, heures=10)
        HeuresMensuellesFactory(placement=placement, mois=m3, heures=7)
        fichier = releve(placement, (f"{m1:%m/%Y}", 20), (f"{m2:%m/%Y}", "35,5"), (f"{m3:%m/%Y}", 7))
        reponse = client_facilitateur.post(reverse(URL), {"fichier": fichier})
        contenu = reponse.content.decode()
        personne = f"{placement.participant.reference} {placement.participant.prenom} {placement.participant.nom}"
        changements = [
            (c.lignes_texte, c.objet, c.avant, c.apres, c.libelle) for c in reponse.context["rapport"].changements
        ]
        assert changements == [
            ("2", f"{personne}, Peintures du Rhône, {m1:%m/%Y}", "10 h", "20 h", "Mise à jour"),
            ("3", f"{personne}, Peintures du Rhône, {m2:%m/%Y}", "", "35,5 h", "Ajout"),
            ("4", f"{personne}, Peintures du Rhône, {m3:%m/%Y}", "7 h", "7 h", "Inchangée"),
        ]
        assert "Ce que l'import va changer" in contenu
        assert "<td>10 h</td>" in contenu.replace('<td class="text-break">', "<td>")
        assert "1 ligne déjà enregistrée à l'identique" in contenu
        assert HeuresMensuelles.objects.get(mois=m1).heures == 10  # nothing written yet

    def test_weekly_rows_are_announced(self, client_facilitateur, placement):  # noqa: F811
        m1 = f"{mois_avant(1):%m/%Y}"
        reponse = client_facilitateur.post(reverse(URL), {"fichier": releve(placement, (m1, 8), (m1, 9))})
        contenu = reponse.content.decode()
        assert "leurs heures sont additionnées" in contenu and "8 + 9 = 17 heures." in contenu
        client_facilitateur.post(reverse(URL), {"jeton": reponse.context["jeton"]})
        assert HeuresMensuelles.objects.get().heures == 17

    def test_a_participants_preview_shows_the_fields_before_and_after(self, client_facilitateur):
        existante = ParticipantFactory(nom="Durand", prenom="Inès", date_naissance="1999-05-17", commune="Arles")
        fichier = xlsx(
            [
                ["Nom", "Prénom", "Date de naissance", "Genre", "Niveau de qualification", "Commune"],
                ["Durand", "Inès", "17/05/1999", existante.genre, existante.niveau_qualification, "Tarascon"],
                ["Abdi", "Sam", "03/02/1988", "H", "Niveau 4", ""],
            ],
            nom="participants.xlsx",
        )
        reponse = client_facilitateur.post(reverse("clauses:import_participants"), {"fichier": fichier})
        changements = [(c.objet, c.avant, c.apres, c.libelle) for c in reponse.context["rapport"].changements]
        assert changements == [
            (
                f"{existante.reference} Inès Durand (né(e) le 17/05/1999)",
                "Commune : Arles",
                "Commune : Tarascon",
                "Mise à jour",
            ),
            ("Sam Abdi (né(e) le 03/02/1988)", "", "nouvelle fiche", "Ajout"),
        ]
        assert Participant.objects.get().commune == "Arles"


class TestRapportTelechargeable:
    def test_every_error_is_in_the_download_with_its_line(self, client_facilitateur, placement):  # noqa: F811
        reference = placement.participant.reference
        lignes = [ENTETE] + [[siret_n(77), reference, f"{mois_avant(1):%m/%Y}", 10] for _ in range(1200)]
        reponse = client_facilitateur.post(reverse(URL), {"fichier": xlsx(lignes)})
        contenu = reponse.content.decode()
        assert contenu.count(f"SIRET {siret_n(77)} inconnu") == 1000
        assert "… et 200 autres erreurs : le rapport complet les donne toutes." in contenu
        assert reponse.context["jeton"] == ""  # nothing to confirm

        fichier_csv = lignes_csv(telecharger(client_facilitateur, reponse, "csv"))
        assert fichier_csv[0] == ["Ligne(s)", "Résultat", "Concerne", "Avant", "Après", "Message"]
        assert len(fichier_csv) == 1201
        assert fichier_csv[1] == [
            "2",
            "Erreur",
            "",
            "",
            "",
            f"SIRET {siret_n(77)} inconnu : aucune entreprise n'a ce SIRET.",
        ]
        assert [int(ligne[0]) for ligne in fichier_csv[1:]] == list(range(2, 1202))

        fichier_xlsx = lignes_xlsx(telecharger(client_facilitateur, reponse, "xlsx"))
        assert len(fichier_xlsx) == 1201 and fichier_xlsx[-1][:2] == (1201, "Erreur")
        assert not HeuresMensuelles.objects.exists()

    def test_the_download_lists_each_rows_outcome(self, client_facilitateur, placement):  # noqa: F811
        m1 = mois_avant(1)
        HeuresMensuellesFactory(placement=placement, mois=m1, heures=10)
        reponse = client_facilitateur.post(reverse(URL), {"fichier": releve(placement, (f"{m1:%m/%Y}", 12))})
        [_, ligne] = lignes_csv(telecharger(client_facilitateur, reponse, "csv"))
        assert ligne[0:2] == ["2", "Mise à jour"] and ligne[3:5] == ["10 h", "12 h"]

    def test_a_formula_in_a_name_is_not_a_formula_in_the_download(self, client_facilitateur, placement):  # noqa: F811
        siret = placement.attribution.entreprise.siret
        # A CSV cell is text: in a workbook, openpyxl would write the name as a formula with no value.
        fichier = SimpleUploadedFile(
            "releve.csv",
            (
                "SIRET;Nom;Prénom;Date de naissance;Mois;Heures\n"
                f'{siret};"=HYPERLINK(""http://x"")";a;01/01/2000;{mois_avant(1):%m/%Y};1\n'
            ).encode(),
        )
        reponse = client_facilitateur.post(reverse(URL), {"fichier": fichier})
        [_, ligne] = lignes_csv(telecharger(client_facilitateur, reponse, "csv"))
        assert all(not cellule.startswith(("=", "+", "-", "@")) for cellule in ligne)

    def test_only_the_facilitator_who_uploaded_may_download(self, client_facilitateur, placement):  # noqa: F811
        reponse = client_facilitateur.post(reverse(URL), {"fichier": releve(placement, ("13/2026", 1))})
        autre = Client()
        autre.force_login(FacilitateurFactory())
        assert telecharger(autre, reponse, "csv").status_code == 404
        assert telecharger(client_facilitateur, reponse, "pdf").status_code == 404
        # Not through the other import's page either.
        assert telecharger(client_facilitateur, reponse, "csv", url="clauses:import_participants").status_code == 404
        assert client_facilitateur.get(reverse(URL), {"rapport": "../../x", "format": "csv"}).status_code == 404
        assert telecharger(client_facilitateur, reponse, "csv").status_code == 200

    def test_a_new_upload_replaces_the_previous_report(self, client_facilitateur, placement):  # noqa: F811
        premiere = client_facilitateur.post(reverse(URL), {"fichier": releve(placement, ("13/2026", 1))})
        client_facilitateur.post(reverse(URL), {"fichier": releve(placement, ("14/2026", 1))})
        assert telecharger(client_facilitateur, premiere, "csv").status_code == 404

    def test_a_referent_cannot_download(self, client_referent):
        reponse = client_referent.get(
            reverse(URL), {"rapport": "12345678-1234-4234-8234-1234567890ab", "format": "csv"}
        )
        assert reponse.status_code == 403
