import datetime as dt
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from clauses.factories import ParticipantFactory, PlacementFactory
from clauses.models import HeuresMensuelles, Participant, Placement
from conventions.factories import FacilitateurFactory
from entreprises.factories import EntrepriseFactory, siret_n
from marches.factories import AttributionFactory

pytestmark = pytest.mark.django_db

ENTETE = ["SIRET", "Référence participant", "Mois", "Heures"]


def mois_avant(n: int) -> dt.date:
    m = timezone.localdate().replace(day=1)
    for _ in range(n):
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return m


def xlsx(lignes, nom="releve.xlsx") -> SimpleUploadedFile:
    classeur = Workbook()
    for ligne in lignes:
        classeur.active.append(ligne)
    sortie = io.BytesIO()
    classeur.save(sortie)
    return SimpleUploadedFile(nom, sortie.getvalue())


def jeton_de(reponse) -> str:
    return reponse.context["jeton"]


def stockes() -> list[str]:
    if not default_storage.exists("imports"):
        return []
    return default_storage.listdir("imports")[1]


def fichiers_stockes() -> list[str]:
    """The uploads kept for confirmation (the previews' reports are kept beside them)."""
    return [nom for nom in stockes() if not nom.endswith(".rapport.json")]


def rapports_stockes() -> list[str]:
    return [nom for nom in stockes() if nom.endswith(".rapport.json")]


@pytest.fixture
def placement():
    entreprise = EntrepriseFactory(raison_sociale="Peintures du Rhône", siret=siret_n(1))
    return PlacementFactory(attribution=AttributionFactory(entreprise=entreprise), date_debut=mois_avant(4))


def releve(placement, *lignes):
    return xlsx(
        [ENTETE] + [[placement.attribution.entreprise.siret, placement.participant.reference, m, h] for m, h in lignes]
    )


URLS = ["clauses:imports", "clauses:import_releve", "clauses:import_participants"]


class TestAcces:
    @pytest.mark.parametrize("nom", URLS)
    def test_anonymous_is_sent_to_login(self, client, nom):
        reponse = client.get(reverse(nom))
        assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("connexion"))

    @pytest.mark.parametrize("nom", URLS)
    def test_a_referent_is_refused(self, client_referent, nom):
        assert client_referent.get(reverse(nom)).status_code == 403

    def test_a_referent_cannot_import(self, client_referent, placement):
        reponse = client_referent.post(
            reverse("clauses:import_releve"), {"fichier": releve(placement, (f"{mois_avant(1):%m/%Y}", 10))}
        )
        assert reponse.status_code == 403
        assert (
            client_referent.get(reverse("clauses:import_modele"), {"type": "releve", "format": "csv"}).status_code
            == 403
        )
        assert not HeuresMensuelles.objects.exists() and fichiers_stockes() == []


class TestPages:
    def test_index_lists_both_imports_and_templates(self, client_facilitateur):
        contenu = client_facilitateur.get(reverse("clauses:imports")).content.decode()
        assert reverse("clauses:import_releve") in contenu and reverse("clauses:import_participants") in contenu
        assert "type=participants&amp;format=csv" in contenu

    @pytest.mark.parametrize(("type_import", "premiere"), [("releve", "SIRET"), ("participants", "Nom")])
    def test_templates(self, client_facilitateur, type_import, premiere):
        url = reverse("clauses:import_modele")
        reponse = client_facilitateur.get(url, {"type": type_import, "format": "xlsx"})
        assert reponse["Content-Disposition"].startswith("attachment;")
        lignes = list(load_workbook(io.BytesIO(reponse.content)).active.values)
        assert lignes[0][0] == premiere and len(lignes) == 2
        reponse = client_facilitateur.get(url, {"type": type_import, "format": "csv"})
        assert reponse.content.decode("utf-8-sig").startswith(premiere + ";")
        assert client_facilitateur.get(url, {"type": "autre", "format": "csv"}).status_code == 404
        assert client_facilitateur.get(url).status_code == 404


class TestImportReleve:
    def test_preview_then_confirm(self, client_facilitateur, facilitateur, placement):
        url = reverse("clauses:import_releve")
        m1, m2 = f"{mois_avant(2):%m/%Y}", f"{mois_avant(1):%m/%Y}"
        reponse = client_facilitateur.post(url, {"fichier": releve(placement, (m1, 35), (m2, "12,5"))})
        assert reponse.status_code == 200
        contenu = reponse.content.decode()
        assert "2 lignes lues : 2 lignes ajoutées, 0 mise à jour, 0 inchangée." in contenu
        assert "Confirmer l'import" in contenu
        jeton = jeton_de(reponse)
        assert re.fullmatch(r"[0-9a-f-]{36}", jeton)
        assert fichiers_stockes() == [f"{jeton}.xlsx"]
        assert not HeuresMensuelles.objects.exists()

        reponse = client_facilitateur.post(url, {"jeton": jeton, "confirmer": ""}, follow=True)
        assert reponse.redirect_chain[-1][0] == reverse("clauses:imports")
        assert "terminé : 2 lignes ajoutées, 0 mise à jour, 0 inchangée." in reponse.content.decode()
        assert HeuresMensuelles.objects.count() == 2
        assert set(HeuresMensuelles.objects.values_list("saisi_par", flat=True)) == {facilitateur.pk}
        assert stockes() == []
        # The token is spent.
        assert client_facilitateur.post(url, {"jeton": jeton}).status_code == 400
        # The same file again: nothing to do.
        reponse = client_facilitateur.post(url, {"fichier": releve(placement, (m1, 35), (m2, "12,5"))})
        assert "0 ligne ajoutée, 0 mise à jour, 2 inchangées" in reponse.content.decode()
        assert "Rien à importer" in reponse.content.decode() and reponse.context["jeton"] == ""

    def test_errors_are_listed_and_nothing_is_stored(self, client_facilitateur, placement):
        m1 = f"{mois_avant(1):%m/%Y}"
        reference, siret = placement.participant.reference, placement.attribution.entreprise.siret
        fichier = xlsx([ENTETE, [siret_n(77), reference, m1, 10], [siret, reference, m1, 260]])
        reponse = client_facilitateur.post(reverse("clauses:import_releve"), {"fichier": fichier})
        contenu = reponse.content.decode()
        assert f"Ligne 2 : SIRET {siret_n(77)} inconnu" in contenu
        assert "Ligne 3 : 260 heures en un mois dépasse le maximum de 220." in contenu
        assert "Rien ne sera enregistré" in contenu and "Confirmer" not in contenu
        assert fichiers_stockes() == [] and not HeuresMensuelles.objects.exists()
        # Only the report is kept, for its download: its token cannot confirm anything.
        assert rapports_stockes() == [f"{reponse.context['jeton_rapport']}.rapport.json"]
        reponse = client_facilitateur.post(
            reverse("clauses:import_releve"), {"jeton": reponse.context["jeton_rapport"]}
        )
        assert reponse.status_code == 400 and not HeuresMensuelles.objects.exists()

    def test_file_level_errors(self, client_facilitateur):
        url = reverse("clauses:import_releve")
        reponse = client_facilitateur.post(url, {"fichier": SimpleUploadedFile("photo.xlsx", b"\x89PNG\r\n\x1a\n")})
        assert "n&#x27;est pas un classeur XLSX" in reponse.content.decode()
        reponse = client_facilitateur.post(url, {"fichier": SimpleUploadedFile("notes.txt", b"bonjour")})
        assert reponse.context["form"].errors["fichier"] == [
            "Le fichier doit être un classeur XLSX ou un fichier CSV (.xlsx ou .csv)."
        ]
        reponse = client_facilitateur.post(url, {})
        assert reponse.context["form"].errors["fichier"]

    def test_over_10_mb_is_refused_clearly(self, client_facilitateur):
        gros = SimpleUploadedFile("releve.csv", b"SIRET;Mois;Heures\r\n" + b"x" * (11 * 1024 * 1024))
        reponse = client_facilitateur.post(reverse("clauses:import_releve"), {"fichier": gros})
        assert reponse.status_code == 200
        assert reponse.context["form"].errors["fichier"] == [
            "Le fichier pèse 11,0 Mo : la taille maximale est de 10 Mo. Découpez-le en plusieurs fichiers."
        ]
        assert fichiers_stockes() == []

    def test_a_10_mb_file_of_valid_rows_is_imported(self, client_facilitateur):
        attribution = AttributionFactory(entreprise=EntrepriseFactory(siret=siret_n(5)))
        participants = Participant.objects.bulk_create(
            ParticipantFactory.build(reference=f"P-{i:06d}") for i in range(1, 1001)
        )
        Placement.objects.bulk_create(
            PlacementFactory.build(participant=p, attribution=attribution, date_debut=mois_avant(11))
            for p in participants
        )
        mois = [f"{mois_avant(n):%m/%Y}" for n in range(10)]
        remplissage = "x" * 1000
        lignes = ["SIRET;Référence participant;Mois;Heures;Commentaire"] + [
            f"{siret_n(5)};{p.reference};{m};7,5;{remplissage}" for p in participants for m in mois
        ]
        contenu = "\r\n".join(lignes).encode("cp1252")
        assert 9.5 * 1024 * 1024 < len(contenu) <= 10 * 1024 * 1024
        url = reverse("clauses:import_releve")
        reponse = client_facilitateur.post(url, {"fichier": SimpleUploadedFile("gros.csv", contenu)})
        assert reponse.status_code == 200
        assert "10000 lignes lues : 10000 lignes ajoutées" in reponse.content.decode()
        reponse = client_facilitateur.post(url, {"jeton": jeton_de(reponse)})
        assert reponse.status_code == 302
        assert HeuresMensuelles.objects.count() == 10000

    def test_only_the_uploader_can_confirm(self, client, client_facilitateur, placement):
        url = reverse("clauses:import_releve")
        reponse = client_facilitateur.post(url, {"fichier": releve(placement, (f"{mois_avant(1):%m/%Y}", 10))})
        jeton = jeton_de(reponse)
        autre = FacilitateurFactory()
        client.logout()
        from django.test import Client

        client_autre = Client()
        client_autre.force_login(autre)
        reponse = client_autre.post(url, {"jeton": jeton})
        assert reponse.status_code == 400
        assert "plus disponible" in reponse.content.decode()
        assert not HeuresMensuelles.objects.exists() and fichiers_stockes() == [f"{jeton}.xlsx"]

    @pytest.mark.parametrize("jeton", ["../../settings.py", "0" * 36, "", "12345678-1234-4234-8234-1234567890ab"])
    def test_forged_tokens_are_refused(self, client_facilitateur, jeton):
        reponse = client_facilitateur.post(reverse("clauses:import_releve"), {"jeton": jeton})
        assert reponse.status_code == 400
        assert not HeuresMensuelles.objects.exists()

    def test_cancel_deletes_the_stored_file(self, client_facilitateur, placement):
        url = reverse("clauses:import_releve")
        reponse = client_facilitateur.post(url, {"fichier": releve(placement, (f"{mois_avant(1):%m/%Y}", 10))})
        reponse = client_facilitateur.post(url, {"jeton": jeton_de(reponse), "annuler": ""})
        assert reponse.status_code == 302
        assert stockes() == [] and not HeuresMensuelles.objects.exists()

    def test_revalidated_at_confirmation(self, client_facilitateur, placement):
        url = reverse("clauses:import_releve")
        reponse = client_facilitateur.post(url, {"fichier": releve(placement, (f"{mois_avant(1):%m/%Y}", 10))})
        # The placement ends before that month between preview and confirmation.
        placement.date_fin = mois_avant(3)
        placement.save()
        reponse = client_facilitateur.post(url, {"jeton": jeton_de(reponse)})
        assert reponse.status_code == 200
        assert "aucun placement" in reponse.content.decode()
        assert not HeuresMensuelles.objects.exists() and fichiers_stockes() == []


class TestImportParticipants:
    def test_preview_then_confirm(self, client_facilitateur):
        fichier = xlsx(
            [
                ["Nom", "Prénom", "Date de naissance", "Genre", "Niveau de qualification", "Critères"],
                ["Durand", "Inès", "17/05/1999", "F", "Niveau 3", "deld; qpv"],
            ],
            nom="participants.xlsx",
        )
        url = reverse("clauses:import_participants")
        reponse = client_facilitateur.post(url, {"fichier": fichier})
        assert "1 ligne lue : 1 ligne ajoutée, 0 mise à jour, 0 inchangée." in reponse.content.decode()
        assert not Participant.objects.exists()
        client_facilitateur.post(url, {"jeton": jeton_de(reponse)})
        participant = Participant.objects.get()
        assert participant.reference.startswith("P-") and participant.criteres.count() == 1
        assert participant.reside_qpv  # « qpv » among the criteria of a file written before it was a column only

    def test_a_releve_token_cannot_confirm_a_participants_import(self, client_facilitateur, placement):
        reponse = client_facilitateur.post(
            reverse("clauses:import_releve"), {"fichier": releve(placement, (f"{mois_avant(1):%m/%Y}", 10))}
        )
        reponse = client_facilitateur.post(reverse("clauses:import_participants"), {"jeton": jeton_de(reponse)})
        assert reponse.status_code == 400
