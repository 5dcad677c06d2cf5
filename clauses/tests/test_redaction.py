import datetime as dt
import io
from decimal import Decimal

import pytest
from docx import Document as Docx
from pypdf import PdfReader

from clauses import redaction
from clauses.factories import ClauseInsertionFactory
from clauses.models import ModaliteJuridique, ModeleClause
from conventions.factories import FacilitateurFactory
from conventions.models import StructurePorteuse


@pytest.mark.parametrize(
    ("n", "lettres"),
    [
        (0, "zéro"),
        (1, "un"),
        (16, "seize"),
        (21, "vingt et un"),
        (71, "soixante et onze"),
        (77, "soixante-dix-sept"),
        (80, "quatre-vingts"),
        (81, "quatre-vingt-un"),
        (91, "quatre-vingt-onze"),
        (100, "cent"),
        (200, "deux cents"),
        (280, "deux cent quatre-vingts"),
        (833, "huit cent trente-trois"),
        (1000, "mille"),
        (1600, "mille six cents"),
        (80_000, "quatre-vingt mille"),
        (200_000, "deux cent mille"),
        (2_400_000, "deux millions quatre cent mille"),
    ],
)
def test_en_lettres(n, lettres):
    assert redaction.en_lettres(n) == lettres


def test_formula_in_french_number_format():
    calcul = redaction.Calcul(Decimal("1000000"), Decimal("50"), Decimal("5"), Decimal("30"), 833)
    # Django's French format groups thousands with a non-breaking space.
    assert calcul.formule.replace("\xa0", " ") == "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h"
    assert calcul.equivalent_etp.replace("\xa0", " ") == "≈ 0,52 ETP (1 600 h)"
    assert (
        redaction.Calcul(Decimal("300000"), Decimal("70.00"), Decimal("7.5"), Decimal("32.50"), 485).formule.replace(
            "\xa0", " "
        )
        == "300 000 € × 70 % × 7,5 % ÷ 32,5 €/h = 485 h"
    )


@pytest.mark.django_db
class TestTextes:
    def test_default_templates_are_loaded_and_valid(self):
        codes = set(ModeleClause.objects.values_list("code", flat=True))
        assert {"condition-execution-ccap", "condition-execution-avis", "reserve-siae-ccap"} <= codes
        for modele in ModeleClause.objects.all():
            modele.full_clean()

    def test_unknown_variable_is_refused(self):
        modele = ModeleClause(code="x", titre="X", destination="ccap", texte="$heures h pour $inconnue")
        with pytest.raises(Exception, match=r"Variable inconnue : \$inconnue"):
            modele.full_clean()

    def test_texts_for_the_chosen_modalities(self):
        StructurePorteuse.objects.update_or_create(pk=1, defaults={"nom": "CA Arles Crau", "telephone": "04 90 00"})
        facilitateur = FacilitateurFactory(first_name="Camille", last_name="Martin", email="camille@ca.fr")
        clause = ClauseInsertionFactory(lot__numero="3", lot__intitule="Peinture", part_qpv_minimum=Decimal("5"))
        clause.modalites.set([ModaliteJuridique.objects.get(code="condition_execution")])
        textes = redaction.textes_proposes(clause, facilitateur, StructurePorteuse.get())
        ccap, avis = textes["ccap"], textes["avis"]
        assert "Article X – Clause d'insertion sociale" in ccap
        assert "833 heures (huit cent trente-trois heures)" in ccap
        assert "lot n° 3 « Peinture »" in ccap
        assert "L2112-2" in ccap
        assert "Camille Martin (CA Arles Crau)" in ccap and "camille@ca.fr" in ccap
        assert "Au moins 5 % de ces heures" in ccap
        assert "$" not in ccap + avis
        assert "Information des candidats" in avis
        # Only the chosen modality's texts.
        assert "Marché réservé" not in ccap

    def test_admin_text_is_never_a_django_template(self):
        ModeleClause.objects.create(
            code="piege", titre="Piège", destination="ccap", modalite=None, texte="{{ settings.SECRET_KEY }} $heures h"
        )
        clause = ClauseInsertionFactory()
        textes = redaction.textes_proposes(clause, None, StructurePorteuse.get())
        assert "{{ settings.SECRET_KEY }} 833 h" in textes["ccap"]


@pytest.mark.django_db
def test_docx_and_pdf_carry_the_texts():
    structure = StructurePorteuse.get()
    document = redaction.Document(
        titre="Clause sociale d'insertion — École",
        sous_titre="Commune — lot n° 1",
        sections=[("Article du CCAP", "Article X – Clause\nLe titulaire réalise 833 heures."), ("Avis", "")],
        structure=structure,
        date=dt.date(2026, 3, 2),
    )
    docx = Docx(io.BytesIO(redaction.document_docx(document)))
    paragraphes = [p.text for p in docx.paragraphs]
    assert "Le titulaire réalise 833 heures." in paragraphes
    assert "Avis" not in paragraphes  # an empty section is left out
    pdf = PdfReader(io.BytesIO(redaction.document_pdf(document)))
    contenu = " ".join(page.extract_text() for page in pdf.pages)
    assert "833 heures" in contenu and structure.nom in contenu and "Page 1 sur 1" in contenu


def test_headings_of_the_drafted_text():
    texte = (
        "Clause sociale – Information\nLe titulaire réalise 833 heures.\n"
        "X.1 – Engagement\nSuite du texte.\n\nBloc suivant"
    )
    assert redaction.Document.paragraphes(texte) == [
        ("Clause sociale – Information", True),
        ("Le titulaire réalise 833 heures.", False),
        ("X.1 – Engagement", True),
        ("Suite du texte.", False),
        ("Bloc suivant", True),
    ]
