"""The Content-Security-Policy in a real browser: no page breaks it, and no page logs an error.

Chromium reports every refused inline script, inline style or foreign source as a `securitypolicyviolation`
event (and a console error). The pages are walked on the demo territory, as a facilitator, an administrator
and a référent, including an htmx save in the hours grid (htmx must neither inject a <style> nor eval).
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clauses.demo import (
    COMPTE_ADMIN,
    COMPTE_FACILITATEUR,
    COMPTE_REFERENT_COMMUNE,
    MOT_DE_PASSE_DEMO,
    charger_demo,
)
from clauses.factories import ParticipantFactory, PlacementFactory
from clauses.importation.portefeuille import travail as travail_portefeuille
from clauses.importation.portefeuille.rapport import BilanFeuille, RapportPortefeuille
from clauses.models import ImportPortefeuille, Participant, StatutImportPortefeuille
from config.models import Consultation
from entreprises.models import Entreprise, Operateur
from marches.factories import AttributionFactory
from marches.models import Lot, Marche, MarcheDECP
from tests.navigateur import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)

# Registered before any page script runs (Playwright injects it outside the page's policy).
ECOUTE_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI || "inline"} ${e.sourceFile || ""}:${e.lineNumber}`);
});
"""


class Surveillance:
    """Console errors and uncaught exceptions of a page, and the policy violations of each visited URL."""

    def __init__(self, page):
        self.page = page
        self.erreurs: list[str] = []
        page.add_init_script(ECOUTE_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.erreurs.append(f"{page.url} : {e}"))
        page.on("response", lambda r: r.status >= 400 and self.erreurs.append(f"{r.url} : {r.status}"))

    def _console(self, message) -> None:
        # A resource that fails is reported by the "response" listener, with its URL; the console line only
        # repeats it, and Chromium's own /favicon.ico request (never a page's) is not worth a favicon.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.erreurs.append(f"{self.page.url} : {message.text}")

    def violations(self) -> list[str]:
        return [f"{self.page.url} : {v}" for v in self.page.evaluate("window.__violations || []")]

    def visiter(self, url: str) -> list[str]:
        reponse = self.page.goto(url)
        assert reponse is not None and reponse.status == 200, f"{url} : {reponse and reponse.status}"
        assert "Content-Security-Policy" in {k.title() for k in reponse.headers}, url
        self.page.wait_for_load_state("networkidle")
        return self.violations()


def mois_avant(n: int) -> dt.date:
    m = timezone.localdate().replace(day=1)
    for _ in range(n):
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return m


def test_aucune_violation_de_la_politique(browser, live_server):
    charger_demo()
    marche = Marche.objects.filter(lots__attributions__placements__isnull=False).order_by("pk").first()
    lot = Lot.objects.filter(marche=marche, clause__isnull=False).order_by("pk").first() or marche.lots.first()
    participant = Participant.objects.filter(placements__isnull=False).order_by("pk").first()
    placement = participant.placements.order_by("pk").first()
    attribution = AttributionFactory(lot=lot, heures_objectif=400)
    saisi = PlacementFactory(
        attribution=attribution,
        date_debut=mois_avant(3),
        participant=ParticipantFactory(nom="Durand", prenom="Inès"),
    )
    base = live_server.url
    # A portfolio import checked with an error, and one the worker is checking (its page polls).
    facilitatrice = get_user_model().objects.get(email=COMPTE_FACILITATEUR)
    apercu = RapportPortefeuille(bilans=[BilanFeuille("marches", "Marchés", ["Marchés"], lignes=1, erreurs=1)])
    apercu.erreur("Marchés", 2, "Statut", "« Fini » n'est pas une valeur connue.")
    verifie = ImportPortefeuille.objects.create(
        demande_par=facilitatrice,
        nom_fichier="portefeuille.xlsx",
        statut=StatutImportPortefeuille.APERCU,
        apercu=travail_portefeuille.apercu(apercu),
    )
    en_cours = ImportPortefeuille.objects.create(demande_par=facilitatrice, nom_fichier="portefeuille.zip")

    # --- The facilitator -----------------------------------------------------------------------------------
    contexte = browser.new_context(locale="fr-FR")
    page = contexte.new_page()
    surveillance = Surveillance(page)
    se_connecter(page, base, COMPTE_FACILITATEUR, MOT_DE_PASSE_DEMO)
    violations = surveillance.violations()
    pages = [
        reverse("reporting:accueil"),
        reverse("marches:marches"),
        reverse("marches:marche", args=[marche.pk]),
        reverse("clauses:lot", args=[lot.pk]),
        reverse("clauses:calcul_objectif", args=[lot.pk]),
        reverse("clauses:participants"),
        reverse("clauses:participant", args=[participant.pk]),
        reverse("clauses:placements"),
        reverse("clauses:placement", args=[placement.pk]),
        reverse("entreprises:entreprises"),
        reverse("entreprises:entreprise", args=[Entreprise.objects.order_by("pk").first().pk]),
        reverse("entreprises:operateurs"),
        reverse("entreprises:operateur", args=[Operateur.objects.order_by("pk").first().pk]),
        reverse("conventions:conventions"),
        reverse("conventions:donneurs"),
        reverse("clauses:imports"),
        reverse("marches:decp"),
        reverse("marches:decp_import"),
        reverse("marches:decp_examen", args=[MarcheDECP.objects.order_by("pk").first().pk]),
        reverse("reporting:agenda"),
        reverse("plan_du_site"),
        reverse("accessibilite"),
        reverse("mentions_legales"),
        reverse("clauses:import_portefeuille"),
        reverse("clauses:import_portefeuille_suivi", args=[verifie.pk]),
        reverse("clauses:import_portefeuille_suivi", args=[en_cours.pk]),
        reverse("clauses:conservation"),
        reverse("clauses:conservation_prolongation", args=[participant.pk]),
        reverse("clauses:participant_acces", args=[participant.pk]),
        reverse("clauses:participant_effacement", args=[participant.pk]),
    ]
    for chemin in pages:
        violations += surveillance.visiter(base + chemin)

    # The home page's charts are inline SVG: they must be drawn (presentation attributes, no style).
    surveillance.visiter(base + reverse("reporting:accueil"))
    graphique = page.get_by_role("img", name="Heures réalisées par mois, sur les 12 derniers mois")
    expect(graphique).to_be_visible()
    boite = graphique.bounding_box()
    assert boite is not None and boite["width"] > 100 and boite["height"] > 50

    # The history of an object, opened (a <details>: no script).
    surveillance.visiter(base + reverse("clauses:placement", args=[placement.pk]))
    page.locator("details.historique > summary").click()
    violations += surveillance.violations()

    # An htmx save in the hours grid: the request, the swap, the out-of-band totals.
    # The grid of last month's year (in January, last year's).
    mois = mois_avant(1)
    violations += surveillance.visiter(
        f"{base}{reverse('clauses:heures_grille', args=[attribution.pk])}?annee={mois.year}"
    )
    cellule = page.locator(f"#champ-c-{saisi.pk}-{mois:%Y-%m}")
    cellule.fill("35")
    cellule.press("Tab")
    expect(page.locator(f"#total-p{saisi.pk}")).to_have_text("35 h")
    page.wait_for_load_state("networkidle")
    violations += surveillance.violations()
    # htmx was told not to inject its indicator styles: the page has no <style> element at all.
    assert page.locator("style").count() == 0

    # The calculator (htmx on input).
    surveillance.visiter(base + reverse("clauses:calcul_objectif", args=[lot.pk]))
    violations += surveillance.violations()
    contexte.close()

    # --- An administrator in the Django admin ----------------------------------------------------------
    contexte = browser.new_context(locale="fr-FR")
    page = contexte.new_page()
    admin = Surveillance(page)
    se_connecter(page, base, COMPTE_ADMIN, MOT_DE_PASSE_DEMO)
    for chemin in [
        reverse("admin:index"),
        reverse("admin:marches_marche_changelist"),
        reverse("admin:marches_marche_change", args=[marche.pk]),
        reverse("admin:clauses_participant_changelist"),
        reverse("admin:clauses_participant_change", args=[participant.pk]),
        reverse("admin:entreprises_entreprise_add"),
        # The log of who read which personal data, which the participant's pages above have filled.
        reverse("admin:config_consultation_changelist"),
        reverse("admin:config_consultation_change", args=[Consultation.objects.order_by("pk").first().pk]),
        reverse("admin:config_alerteconsultations_changelist"),
    ]:
        violations += admin.visiter(base + chemin)
    contexte.close()

    # --- A référent on the portal ----------------------------------------------------------------------------
    contexte = browser.new_context(locale="fr-FR")
    page = contexte.new_page()
    portail = Surveillance(page)
    se_connecter(page, base, COMPTE_REFERENT_COMMUNE, MOT_DE_PASSE_DEMO)
    violations += portail.visiter(base + reverse("portail:accueil"))
    violations += portail.visiter(base + reverse("portail:agenda"))
    violations += portail.visiter(base + reverse("plan_du_site"))
    contexte.close()

    assert violations == []
    assert surveillance.erreurs + admin.erreurs + portail.erreurs == []
