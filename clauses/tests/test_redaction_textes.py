"""The shipped clause texts read as a public buyer reads them: « l'acheteur », penalties without VAT, the CCAG's
cap either kept or derogated from by name, L2112-2-1 when the marché is at or above the European thresholds; and
the stored texts brought up to date unless an admin edited them."""

import html
import importlib
import io
import re
import subprocess

import pytest
from django.apps import apps
from django.urls import reverse
from docx import Document as Docx

from clauses import redaction
from clauses.factories import ClauseInsertionFactory
from clauses.models import ModaliteJuridique, ModeleClause
from conventions.models import StructurePorteuse

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("clauses.migrations.0010_textes_des_clauses_2026")
MIGRATION_0011 = importlib.import_module("clauses.migrations.0011_textes_des_clauses_article_et_contradictoire")
ANCIENS = {m[0]: m[4] for m in importlib.import_module("clauses.migrations.0005_modeles_clauses").MODELES}


def _clause(*codes: str, donneur: str = "Ville d'Arles"):
    clause = ClauseInsertionFactory(
        lot__numero="2", lot__intitule="Gros œuvre", lot__marche__donneur_d_ordre__nom=donneur
    )
    clause.modalites.set(ModaliteJuridique.objects.filter(code__in=codes))
    return clause


def _textes(clause, options=None) -> str:
    textes = redaction.textes_proposes(clause, None, StructurePorteuse.get(), options)
    return "\n".join(textes.values())


def _article_penalites(texte: str) -> str:
    return texte.split("X.5 – Contrôle et pénalités\n", 1)[1]


def test_every_shipped_text_speaks_of_the_buyer_and_of_penalties_without_vat():
    texte = _textes(_clause(*ModaliteJuridique.objects.values_list("code", flat=True)))
    assert "pouvoir adjudicateur" not in texte
    assert "l'acheteur" in texte and "L'acheteur, " in texte
    assert not re.search(r"euros?\s+HT", texte)
    assert "30 euros par heure d'insertion non réalisée" in texte and "100 euros par jour de retard" in texte
    assert "Ces pénalités ne sont pas soumises à la TVA." in texte
    # Neither an uncapped penalty nor any $name left behind, without the options.
    assert "ne sont pas plafonnées" not in texte and "n'est pas plafonné" not in texte
    assert "$" not in texte


def test_the_ccag_cap_applies_unless_the_facilitator_derogates_from_a_named_article():
    clause = _clause("condition_execution")
    sans = _article_penalites(_textes(clause))
    assert (
        "Elles s'ajoutent aux autres pénalités prévues par le marché et sont soumises, le cas échéant, au plafond "
        "fixé par le cahier des clauses administratives générales (CCAG) auquel se réfère le marché." in sans
    )
    avec = _article_penalites(_textes(clause, redaction.OptionsRedaction(deroger_plafond=True, article_ccag="19.2.2")))
    assert (
        "Par dérogation à l'article 19.2.2 du cahier des clauses administratives générales (CCAG) auquel se réfère "
        "le marché, le montant de ces pénalités n'est pas plafonné" in avec
    )
    assert "liste des dérogations au CCAG du présent CCAP" in avec
    sans_article = _textes(clause, redaction.OptionsRedaction(deroger_plafond=True))
    assert "Par dérogation à l'article [article à compléter] du cahier des clauses" in sans_article


@pytest.mark.parametrize(
    ("donneur", "acheteur"),
    [
        ("Ville d'Arles", "L'acheteur, la Ville d'Arles, a inscrit"),
        ("Syndicat mixte des eaux du Delta", "L'acheteur, le Syndicat mixte des eaux du Delta, a inscrit"),
        ("Office public de l'habitat du Pays d'Arles", "L'acheteur, l'Office public de l'habitat du Pays d'Arles, a"),
        ("Delta Rhône Habitat", "L'acheteur, Delta Rhône Habitat, a inscrit"),
    ],
)
def test_the_notice_names_the_buyer_with_its_article(donneur, acheteur):
    """« L'acheteur, Ville d'Arles, a inscrit… » read as a label inside the sentence."""
    textes = redaction.textes_proposes(_clause("condition_execution", donneur=donneur), None, StructurePorteuse.get())
    assert acheteur in textes["avis"]


def test_the_buyer_hears_the_holder_in_writing_within_fifteen_days():
    """The contradictory procedure of the CCAG 2021, stated with its form and its time, before any penalty."""
    texte = _textes(_clause("condition_execution", "critere_attribution"))
    phrase = (
        "Avant de les appliquer, l'acheteur invite le titulaire, par écrit, à présenter ses observations dans un "
        "délai de quinze jours."
    )
    assert texte.count(phrase) == 2


def test_l2112_2_1_is_cited_for_a_marche_at_or_above_the_european_thresholds():
    clause = _clause("condition_execution")
    assert "L2112-2-1" not in _textes(clause)
    textes = redaction.textes_proposes(
        clause, None, StructurePorteuse.get(), redaction.OptionsRedaction(seuils_europeens=True)
    )
    for destination in ("ccap", "avis"):
        assert "prévue à l'article L2112-2-1 du Code de la commande publique" in textes[destination]
        assert "seuils européens" in textes[destination]


def test_social_services_cite_r2123_1_3():
    modalite = ModaliteJuridique.objects.get(code="insertion_qualification")
    assert modalite.article == "R2123-1 3°"
    assert "procédure adaptée" in modalite.libelle


class TestMigration:
    def test_a_text_still_as_shipped_is_rewritten_an_edited_one_is_kept(self):
        ModeleClause.objects.filter(code="condition-execution-ccap").update(texte=ANCIENS["condition-execution-ccap"])
        edite = ANCIENS["condition-execution-avis"].replace("Le pouvoir adjudicateur", "Notre pouvoir adjudicateur")
        ModeleClause.objects.filter(code="condition-execution-avis").update(texte=edite)
        ModaliteJuridique.objects.filter(code="insertion_qualification").update(
            libelle="Marché d'insertion et de qualification", article="R2123-1"
        )
        MIGRATION.charger(apps, None)
        ccap = ModeleClause.objects.get(code="condition-execution-ccap").texte
        assert ccap == MIGRATION.TEXTES["condition-execution-ccap"] and "$plafond_penalites" in ccap
        assert ModeleClause.objects.get(code="condition-execution-avis").texte == edite
        assert ModaliteJuridique.objects.get(code="insertion_qualification").article == "R2123-1 3°"

    def test_a_renamed_modality_keeps_its_name(self):
        ModaliteJuridique.objects.filter(code="insertion_qualification").update(libelle="MIQ", article="R2123-1")
        MIGRATION.charger(apps, None)
        modalite = ModaliteJuridique.objects.get(code="insertion_qualification")
        assert (modalite.libelle, modalite.article) == ("MIQ", "R2123-1 3°")

    def test_the_database_holds_the_new_texts(self):
        for code, texte in {**MIGRATION.TEXTES, **MIGRATION_0011.TEXTES}.items():
            assert ModeleClause.objects.get(code=code).texte == texte


class TestMigration0011:
    def test_a_text_still_as_0010_shipped_it_is_rewritten_an_edited_one_is_kept(self):
        ModeleClause.objects.filter(code="condition-execution-avis").update(
            texte=MIGRATION.TEXTES["condition-execution-avis"]
        )
        edite = MIGRATION.TEXTES["condition-execution-ccap"] + "\nX.6 – Clause ajoutée par l'acheteur"
        ModeleClause.objects.filter(code="condition-execution-ccap").update(texte=edite)
        MIGRATION_0011.charger(apps, None)
        avis = ModeleClause.objects.get(code="condition-execution-avis").texte
        assert avis == MIGRATION_0011.TEXTES["condition-execution-avis"] and "L'acheteur, $le_donneur," in avis
        assert ModeleClause.objects.get(code="condition-execution-ccap").texte == edite

    def test_it_changes_only_the_buyer_s_name_and_the_observations(self):
        assert sorted(MIGRATION_0011.TEXTES) == [
            "condition-execution-avis",
            "condition-execution-ccap",
            "critere-attribution-ccap",
        ]
        for code, texte in MIGRATION_0011.TEXTES.items():
            avant = MIGRATION.TEXTES[code]
            assert (
                texte.replace(MIGRATION_0011.CONTRADICTOIRE, MIGRATION_0011.CONTRADICTOIRE_AVANT).replace(
                    MIGRATION_0011.ACHETEUR, MIGRATION_0011.ACHETEUR_AVANT
                )
                == avant
            )

    def test_going_back_restores_the_0010_texts(self):
        MIGRATION_0011.revenir(apps, None)
        for code in MIGRATION_0011.TEXTES:
            assert ModeleClause.objects.get(code=code).texte == MIGRATION.TEXTES[code]
        MIGRATION_0011.charger(apps, None)
        for code, texte in MIGRATION_0011.TEXTES.items():
            assert ModeleClause.objects.get(code=code).texte == texte


def _pdf(contenu: bytes) -> str:
    """The PDF's text as a reader copies it (pdftotext), words hyphenated at a line's end joined again."""
    texte = subprocess.run(["pdftotext", "-", "-"], input=contenu, capture_output=True, check=True).stdout.decode()
    texte = re.sub(r"[\u2010-]\n", "", texte)
    return " ".join(texte.replace("\xa0", " ").split())


class TestPageEtDocuments:
    def test_the_options_on_the_page_reach_the_pdf_and_the_docx(self, client_facilitateur):
        clause = _clause("condition_execution")
        url = reverse("clauses:redaction", args=[clause.lot.pk])
        page = client_facilitateur.get(
            url, {"seuils_europeens": "on", "deroger_plafond": "on", "article_ccag": "19.2.2"}
        )
        assert page.status_code == 200
        contenu = html.unescape(page.content.decode())
        assert "Déroger au plafond des pénalités du CCAG" in contenu
        # Where to look, as published commentaries give it, for the facilitator to check in the CCAG.
        assert "19.2.2 (Travaux), 14.1.2 (FCS, PI, TIC)" in contenu
        textes = {d: page.context["form"].initial[d] for d in ("ccap", "avis")}
        assert "Par dérogation à l'article 19.2.2 du cahier des clauses" in textes["ccap"]
        assert "L2112-2-1" in textes["ccap"]

        pdf = client_facilitateur.post(reverse("clauses:redaction_pdf", args=[clause.lot.pk]), textes)
        lu = _pdf(pdf.content)
        assert "30 euros par heure d'insertion non réalisée" in lu
        assert "Par dérogation à l'article 19.2.2 du cahier des clauses" in lu
        assert "pouvoir adjudicateur" not in lu and "HT par" not in lu

        docx = client_facilitateur.post(reverse("clauses:redaction_docx", args=[clause.lot.pk]), textes)
        paragraphes = "\n".join(p.text for p in Docx(io.BytesIO(docx.content)).paragraphs)
        assert "X.5 – Contrôle et pénalités" in paragraphes
        assert "Ces pénalités ne sont pas soumises à la TVA." in paragraphes

    def test_without_options_the_page_keeps_the_cap(self, client_facilitateur):
        clause = _clause("condition_execution")
        page = client_facilitateur.get(reverse("clauses:redaction", args=[clause.lot.pk]))
        ccap = page.context["form"].initial["ccap"]
        assert "sont soumises, le cas échéant, au plafond" in ccap and "dérogation" not in ccap
