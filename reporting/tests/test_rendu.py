"""The PDF foundation: base template, header and page numbers on every page, local resources only, file names."""

import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from config.formats import date_longue
from reporting.documents import rendu
from reporting.documents.rendu import RessourceRefusee, nom_de_fichier, rendre_pdf
from reporting.tests.outils_pdf import normaliser, pages_pdf, structure_porteuse

pytestmark = pytest.mark.django_db

GABARIT_LONG = """{% extends "reporting/pdf/base.html" %}
{% block titre %}Document d'essai{% endblock %}
{% block sous_titre %}Sous-titre d'essai{% endblock %}
{% block contenu %}<table><thead><tr><th scope="col">Ligne</th><th scope="col" class="nombre">Heures</th></tr></thead>
<tbody>{% for i in lignes %}
<tr><th scope="row">Ligne {{ i }}</th><td class="nombre">{{ i }} h</td></tr>
{% endfor %}</tbody>
</table>{% endblock %}
"""


@pytest.fixture
def gabarits(settings, tmp_path):
    """A template directory of the test's own, searched first."""
    dossier = tmp_path / "gabarits"
    (dossier / "essai").mkdir(parents=True)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [dossier, *settings.TEMPLATES[0]["DIRS"]]}]

    def ecrire(nom: str, texte: str) -> str:
        (dossier / "essai" / nom).write_text(texte, encoding="utf-8")
        return f"essai/{nom}"

    return ecrire


def _logo_png() -> bytes:
    sortie = io.BytesIO()
    Image.new("RGB", (120, 40), (0, 0, 145)).save(sortie, format="PNG")
    return sortie.getvalue()


def test_every_page_has_the_header_the_logo_and_its_number(gabarits):
    structure = structure_porteuse()
    structure.logo.save("logo.png", ContentFile(_logo_png()), save=True)
    contenu = rendre_pdf(gabarits("long.html", GABARIT_LONG), {"lignes": range(150)})

    lecteur = PdfReader(io.BytesIO(contenu))
    pages = pages_pdf(contenu)
    assert len(pages) >= 3
    for numero, (page, texte) in enumerate(zip(lecteur.pages, pages, strict=True), start=1):
        assert "Agglomération du Pays d'Essai" in texte
        assert f"Page {numero} sur {len(pages)}" in texte
        assert "Document d'essai" in texte  # the running title
        assert len(page.images) == 1  # the logo, embedded
        assert "Ligne Heures" in texte  # the table's header repeats
    assert lecteur.metadata.title == "Agglomération du Pays d'Essai"
    assert "Sous-titre d'essai" in pages[0]
    # No row is cut in two: each of the 150 is whole on one page.
    assert all(sum(f"Ligne {i} {i} h" in texte for texte in pages) == 1 for i in range(150))


def test_french_whatever_the_active_language(gabarits):
    structure_porteuse()
    with translation.override("en"):
        texte = normaliser(" ".join(pages_pdf(rendre_pdf(gabarits("long.html", GABARIT_LONG), {"lignes": [1]}))))
    assert f"document produit le {normaliser(date_longue(timezone.localdate()))}" in texte


def test_a_logo_missing_from_the_storage_does_not_stop_a_document(gabarits):
    structure = structure_porteuse()
    structure.logo.name = "structure/disparu.png"
    structure.save()
    assert rendu.logo_en_data_uri(structure) is None
    assert (
        "Agglomération du Pays d'Essai"
        in pages_pdf(rendre_pdf(gabarits("long.html", GABARIT_LONG), {"lignes": [1]}))[0]
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("https://exemple.invalid/image.png", "Ressource distante refusée"),
        ("file:///etc/hostname", "Fichier hors des fichiers statiques refusé"),
        ("../../../etc/hostname", "Fichier hors des fichiers statiques refusé"),
    ],
)
def test_only_local_static_files_and_embedded_data_load(gabarits, source, message):
    gabarit = gabarits(
        "distant.html",
        '{% extends "reporting/pdf/base.html" %}{% block contenu %}<img src="' + source + '" alt="">{% endblock %}',
    )
    with pytest.raises(RessourceRefusee, match=message):
        rendre_pdf(gabarit, {})


@pytest.mark.parametrize(
    ("parties", "nom"),
    [
        (("Bilan annuel", "Ville d'Arles", 2025, 2026), "bilan-annuel-ville-d-arles-2025-2026.pdf"),
        (
            ("rapport trimestriel", "Œuvre & Cie — Saint-Étienne", None, ""),
            "rapport-trimestriel-oeuvre-cie-saint-etienne.pdf",
        ),
        (("courrier échéance", "L’Isle-sur-la-Sorgue"), "courrier-echeance-l-isle-sur-la-sorgue.pdf"),
        ((), "document.pdf"),
    ],
)
def test_file_names(parties, nom):
    assert nom_de_fichier(*parties) == nom
