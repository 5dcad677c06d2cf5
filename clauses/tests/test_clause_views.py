import datetime as dt
import html
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document as Docx
from pypdf import PdfReader

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, PlacementFactory
from clauses.models import ClauseInsertion, CorpsDEtat, ModaliteJuridique
from marches.factories import AttributionFactory, LotFactory
from marches.models import StatutMarche

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode()).replace("\xa0", " ")


def donnees_calcul(**extra) -> dict:
    return {
        "montant_ht": "1000000",
        "part_main_oeuvre": "50",
        "taux_insertion": "5",
        "cout_horaire": "30",
        "corps_d_etat": "",
        "corps_precedent": "",
        **extra,
    }


def condition_execution() -> ModaliteJuridique:
    return ModaliteJuridique.objects.get(code="condition_execution")


class TestAcces:
    NOMS_GET = ["clauses:lot", "clauses:calcul_objectif", "clauses:redaction"]
    NOMS_POST = ["clauses:calcul_objectif", "clauses:calcul_apercu", "clauses:redaction_docx", "clauses:redaction_pdf"]

    def test_anonymous_is_sent_to_login(self, client):
        lot = LotFactory()
        for nom in self.NOMS_GET:
            reponse = client.get(reverse(nom, args=[lot.pk]))
            assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("connexion"))

    def test_a_referent_is_refused(self, client_referent):
        clause = ClauseInsertionFactory(taux_insertion=Decimal("5"))
        for nom in self.NOMS_GET:
            assert client_referent.get(reverse(nom, args=[clause.lot.pk])).status_code == 403
        for nom in self.NOMS_POST:
            reponse = client_referent.post(
                reverse(nom, args=[clause.lot.pk]), donnees_calcul(taux_insertion="10", ccap="X")
            )
            assert reponse.status_code == 403
        clause.refresh_from_db()
        assert clause.taux_insertion == 5

    def test_unknown_lot_is_404(self, client_facilitateur):
        for nom in self.NOMS_GET:
            assert client_facilitateur.get(reverse(nom, args=[999999])).status_code == 404
        for nom in self.NOMS_POST:
            assert client_facilitateur.post(reverse(nom, args=[999999]), donnees_calcul()).status_code == 404

    def test_downloads_and_preview_are_post_only(self, client_facilitateur):
        lot = LotFactory()
        for nom in ("clauses:calcul_apercu", "clauses:redaction_docx", "clauses:redaction_pdf"):
            assert client_facilitateur.get(reverse(nom, args=[lot.pk])).status_code == 405


class TestPageLot:
    def test_clause_progress_and_attributions(self, client_facilitateur):
        clause = ClauseInsertionFactory(
            lot__date_debut=dt.date(2025, 1, 1), lot__date_fin=dt.date(2025, 12, 31), heures_forcees=700
        )
        clause.motif_forcage = "Reprise du personnel en place"
        clause.save()
        clause.modalites.set([condition_execution()])
        attribution = AttributionFactory(lot=clause.lot, heures_objectif=700)
        HeuresMensuellesFactory(placement__attribution=attribution, mois=dt.date(2025, 3, 1), heures=Decimal("120"))
        reponse = client_facilitateur.get(reverse("clauses:lot", args=[clause.lot.pk]))
        contenu = texte(reponse)
        assert "Condition d'exécution (article L2112-2)" in contenu
        assert "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h" in contenu
        assert "objectif forcé (le calcul donne 833 h). Motif : Reprise du personnel en place" in contenu
        # The period is over: 700 h were expected, 120 h done.
        assert "700 h" in contenu and "120 h" in contenu and "En retard" in contenu
        # Judged at the end of the last complete month, like the home page and the alerts.
        from django.utils import timezone

        from clauses.objectif import date_d_arrete
        from config.formats import date_longue

        assert f"Attendu au {date_longue(date_d_arrete(timezone.localdate()))}" in contenu
        assert attribution.entreprise.raison_sociale in contenu
        assert reverse("clauses:heures_grille", args=[attribution.pk]) in contenu
        assert reverse("clauses:calcul_objectif", args=[clause.lot.pk]) in contenu
        assert reverse("clauses:redaction", args=[clause.lot.pk]) in contenu

    def test_why_nothing_is_expected(self, client_facilitateur):
        """A lot of a marché not yet awarded shows its planned dates: they are not what is missing."""
        clause = ClauseInsertionFactory(
            lot__marche__statut=StatutMarche.EN_CONSULTATION,
            lot__date_debut=dt.date(2026, 1, 1),
            lot__date_fin=dt.date(2026, 12, 31),
        )
        contenu = texte(client_facilitateur.get(reverse("clauses:lot", args=[clause.lot.pk])))
        assert "du 1er janvier 2026 au 31 décembre 2026" in contenu
        assert "(marché en consultation : rien n'est attendu avant son attribution)" in contenu
        assert "période d'exécution non renseignée" not in contenu
        sans_dates = ClauseInsertionFactory(
            lot__marche__statut=StatutMarche.EN_EXECUTION, lot__date_debut=None, lot__date_fin=None
        )
        contenu = texte(client_facilitateur.get(reverse("clauses:lot", args=[sans_dates.lot.pk])))
        assert "(période d'exécution non renseignée)" in contenu

    def test_a_lot_without_clause(self, client_facilitateur):
        lot = LotFactory(date_debut=None, date_fin=None)
        contenu = texte(client_facilitateur.get(reverse("clauses:lot", args=[lot.pk])))
        assert "Aucune clause n'est encore enregistrée" in contenu
        assert "Aucun attributaire enregistré" in contenu

    def test_query_count_does_not_grow_with_attributions(self, client_facilitateur, django_assert_max_num_queries):
        clause = ClauseInsertionFactory()
        clause.modalites.set(ModaliteJuridique.objects.all())
        for _ in range(25):
            placement = PlacementFactory(attribution__lot=clause.lot)
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 1, 1))
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1))
        with django_assert_max_num_queries(8):
            reponse = client_facilitateur.get(reverse("clauses:lot", args=[clause.lot.pk]))
        assert len(reponse.context["attributions"]) == 25
        assert reponse.context["attributions"][0].heures_realisees == 240


class TestCalculateur:
    def url(self, lot):
        return reverse("clauses:calcul_objectif", args=[lot.pk])

    def test_get_prefills_the_lot_amount(self, client_facilitateur):
        lot = LotFactory(montant_ht=Decimal("300000"))
        reponse = client_facilitateur.get(self.url(lot))
        assert reponse.status_code == 200
        form = reponse.context["form"]
        assert form["montant_ht"].value() == "300000"
        assert form["taux_insertion"].value() == "5"
        contenu = texte(reponse)
        assert "Condition d'exécution (article L2112-2)" in contenu
        assert 'hx-post="' + reverse("clauses:calcul_apercu", args=[lot.pk]) in contenu

    def test_get_shows_the_saved_clause(self, client_facilitateur):
        clause = ClauseInsertionFactory(heures_forcees=600, motif_forcage="Reprise")
        reponse = client_facilitateur.get(self.url(clause.lot))
        assert reponse.context["form"]["part_main_oeuvre"].value() == "50"
        contenu = texte(reponse)
        assert "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h" in contenu
        assert "Objectif forcé retenu : <strong>600 h</strong> (le calcul donne 833 h)" in contenu

    def test_domain_example(self, client_facilitateur):
        lot = LotFactory()
        reponse = client_facilitateur.post(
            self.url(lot), donnees_calcul(modalites=[condition_execution().pk], part_qpv_minimum="5")
        )
        assert reponse["Location"] == reverse("clauses:lot", args=[lot.pk])
        clause = ClauseInsertion.objects.get(lot=lot)
        assert clause.heures_calculees == 833 and clause.heures_objectif == 833
        assert list(clause.modalites.all()) == [condition_execution()]
        assert clause.part_qpv_minimum == 5

    def test_preview_shows_the_formula(self, client_facilitateur):
        lot = LotFactory()
        reponse = client_facilitateur.post(
            reverse("clauses:calcul_apercu", args=[lot.pk]), donnees_calcul(), HTTP_HX_REQUEST="true"
        )
        contenu = texte(reponse)
        assert "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h" in contenu
        assert "≈ 0,52 ETP (1 600 h)" in contenu
        assert "<html" not in contenu
        assert not ClauseInsertion.objects.exists()

    def test_painting_lot_of_the_journey(self, client_facilitateur):
        """Painting: the corps d'état brings its 70 % labour share; 7 % at 30 €/h."""
        lot = LotFactory(montant_ht=Decimal("300000"))
        peinture = CorpsDEtat.objects.get(libelle="Peinture intérieure")
        donnees = donnees_calcul(
            montant_ht="300000", corps_d_etat=str(peinture.pk), part_main_oeuvre="", taux_insertion="7"
        )
        apercu = client_facilitateur.post(
            reverse("clauses:calcul_apercu", args=[lot.pk]), donnees, HTTP_HX_REQUEST="true"
        )
        contenu = texte(apercu)
        assert "300 000 € × 70 % × 7 % ÷ 30 €/h = 490 h" in contenu
        # The share and the corps it came from are sent back out of band.
        assert 'hx-swap-oob="innerHTML:#champ-part"' in contenu and 'value="70"' in contenu
        assert f'name="corps_precedent" id="id_corps_precedent" value="{peinture.pk}"' in contenu

        # Once the share is known, changing the rate does not send it again.
        donnees.update(part_main_oeuvre="70", corps_precedent=str(peinture.pk), taux_insertion="10")
        contenu = texte(client_facilitateur.post(reverse("clauses:calcul_apercu", args=[lot.pk]), donnees))
        assert "= 700 h" in contenu and "champ-part" not in contenu

        donnees["taux_insertion"] = "7"
        client_facilitateur.post(self.url(lot), donnees)
        clause = ClauseInsertion.objects.get(lot=lot)
        assert (clause.heures_calculees, clause.corps_d_etat, clause.part_main_oeuvre) == (490, peinture, 70)

    def test_without_javascript_a_new_corps_is_shown_before_saving(self, client_facilitateur):
        lot = LotFactory(montant_ht=Decimal("300000"))
        peinture = CorpsDEtat.objects.get(libelle="Peinture intérieure")
        reponse = client_facilitateur.post(
            self.url(lot), donnees_calcul(montant_ht="300000", corps_d_etat=str(peinture.pk), taux_insertion="7")
        )
        assert reponse.status_code == 200
        assert not ClauseInsertion.objects.exists()
        contenu = texte(reponse)
        assert "La part de main-d'œuvre du corps d'état « Peinture intérieure » a été reprise" in contenu
        assert "= 490 h" in contenu
        assert reponse.context["form"]["corps_precedent"].value() == str(peinture.pk)

    def test_recalculate_button_does_not_save(self, client_facilitateur):
        lot = LotFactory()
        reponse = client_facilitateur.post(self.url(lot), donnees_calcul(taux_insertion="10", action="recalculer"))
        assert reponse.status_code == 200 and "= 1 667 h" in texte(reponse)
        assert not ClauseInsertion.objects.exists()

    def test_override_requires_a_motive(self, client_facilitateur):
        lot = LotFactory()
        reponse = client_facilitateur.post(self.url(lot), donnees_calcul(heures_forcees="600"))
        assert "motif_forcage" in reponse.context["form"].errors
        contenu = texte(reponse)
        # The calculated value stays beside the override.
        assert "Objectif forcé retenu : <strong>600 h</strong> (le calcul donne 833 h)" in contenu
        assert not ClauseInsertion.objects.exists()

        client_facilitateur.post(
            self.url(lot), donnees_calcul(heures_forcees="600", motif_forcage="Reprise du personnel")
        )
        clause = ClauseInsertion.objects.get(lot=lot)
        assert (clause.heures_calculees, clause.heures_forcees, clause.heures_objectif) == (833, 600, 600)

    def test_update_and_remove_the_override(self, client_facilitateur):
        clause = ClauseInsertionFactory(heures_forcees=600, motif_forcage="Reprise")
        client_facilitateur.post(self.url(clause.lot), donnees_calcul(cout_horaire="25", motif_forcage="Reprise"))
        clause.refresh_from_db()
        assert (clause.heures_calculees, clause.heures_forcees, clause.motif_forcage) == (1000, None, "")
        assert ClauseInsertion.objects.count() == 1

    @pytest.mark.parametrize(
        ("champ", "valeur"),
        [("montant_ht", "-1"), ("part_main_oeuvre", "120"), ("taux_insertion", "abc"), ("cout_horaire", "0")],
    )
    def test_bad_inputs(self, client_facilitateur, champ, valeur):
        lot = LotFactory()
        reponse = client_facilitateur.post(self.url(lot), donnees_calcul(**{champ: valeur}))
        assert champ in reponse.context["form"].errors
        assert "Renseignez le montant HT" in texte(reponse)
        assert not ClauseInsertion.objects.exists()
        apercu = client_facilitateur.post(
            reverse("clauses:calcul_apercu", args=[lot.pk]), donnees_calcul(**{champ: valeur})
        )
        assert "Renseignez le montant HT" in texte(apercu)


class TestRedaction:
    def clause(self, **kwargs):
        clause = ClauseInsertionFactory(lot__numero="4", lot__intitule="Peinture intérieure", **kwargs)
        clause.modalites.set([condition_execution()])
        return clause

    def test_page_prefills_one_textarea_per_destination(self, client_facilitateur, facilitateur):
        clause = self.clause(lot__marche__facilitateur=facilitateur)
        reponse = client_facilitateur.get(reverse("clauses:redaction", args=[clause.lot.pk]))
        form = reponse.context["form"]
        assert "833 heures (huit cent trente-trois heures)" in form.initial["ccap"]
        assert "camille@exemple.fr" in form.initial["ccap"]
        assert "Information des candidats" in form.initial["avis"]
        contenu = texte(reponse)
        assert "Vos modifications ne sont pas enregistrées" in contenu
        assert "Télécharger en .docx" in contenu and "Télécharger en PDF" in contenu

    def test_without_clause_go_to_the_calculator(self, client_facilitateur):
        lot = LotFactory()
        reponse = client_facilitateur.get(reverse("clauses:redaction", args=[lot.pk]))
        assert reponse["Location"] == reverse("clauses:calcul_objectif", args=[lot.pk])

    def test_docx_holds_the_posted_text(self, client_facilitateur):
        clause = self.clause()
        reponse = client_facilitateur.post(
            reverse("clauses:redaction_docx", args=[clause.lot.pk]),
            {"ccap": "Article X – Clause\nLe titulaire réalise 833 heures, texte revu.", "avis": "Avis revu."},
        )
        assert reponse.status_code == 200
        assert reponse["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
        assert reponse["Content-Disposition"].startswith("attachment;") and ".docx" in reponse["Content-Disposition"]
        paragraphes = [p.text for p in Docx(io.BytesIO(reponse.content)).paragraphs]
        assert "Le titulaire réalise 833 heures, texte revu." in paragraphes
        assert "Avis revu." in paragraphes
        assert any("Peinture intérieure" in p for p in paragraphes)

    def test_pdf_holds_the_posted_text(self, client_facilitateur):
        clause = self.clause()
        reponse = client_facilitateur.post(
            reverse("clauses:redaction_pdf", args=[clause.lot.pk]),
            {"ccap": "Le titulaire réalise 833 heures d'insertion.", "avis": ""},
        )
        assert reponse["Content-Type"] == "application/pdf"
        contenu = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(reponse.content)).pages)
        assert "833 heures" in contenu and "Peinture intérieure" in contenu

    def test_empty_texts_are_refused(self, client_facilitateur):
        clause = self.clause()
        reponse = client_facilitateur.post(
            reverse("clauses:redaction_docx", args=[clause.lot.pk]), {"ccap": " ", "avis": ""}, follow=True
        )
        assert "Les textes sont vides" in texte(reponse)
