"""A référent's journey, end to end in a real browser: issue 4's « done means ».

Camille, the facilitator, invites Jeanne to the portal of the Ville d'Arles; Jeanne opens the emailed link,
creates her account and walks the portal: the convention and its deadlines, a marché's progress, the
statistics with their small counts suppressed, a report to download, the annual bilan to comment on. She
declares a new marché, sends the attributaires of an awarded one and updates her contact details. She then
tries the URLs of another donneur d'ordre and of the dashboard, and is refused. No page she sees, and not
the report she downloads, carries a participant's name, birth date or reference. Back on Camille's side,
the two requests wait on the dashboard.

Every page is checked for accessibility and kept as a screenshot, numbered in the order of the visit, in the
folder given by CAPTURES (a temporary folder otherwise).
"""

import datetime as dt
import html
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import Genre, TypeContrat
from config.formats import date_longue
from conventions.calendrier import situation
from conventions.factories import MOT_DE_PASSE, ConventionFactory, DonneurDOrdreFactory
from conventions.models import Avenant, Referent
from entreprises.factories import EntrepriseFactory, siret_n
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Marche, Origine, PropositionAttribution, StatutMarche
from reporting.models import BilanAnnuel, Rapport, TypeRapport
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL_REFERENTE = "jeanne.roux@ville-arles.fr"
MOT_DE_PASSE_REFERENTE = "Garrigue-Camargue-Vaccares-2026"
COMMENTAIRE = "Les chantiers de l'année ont bien accueilli les parcours ; nous souhaitons renforcer le suivi."
OBJET_DECLARE = "Construction du groupe scolaire de Trinquetaille"

# Distinctive identities: none of them may appear in anything the portal serves.
IDENTITES = [
    ("Ardouvin", "Zéphyrine", dt.date(1987, 3, 14), Genre.FEMME),
    ("Belzunce", "Philibertine", dt.date(1991, 8, 23), Genre.FEMME),
    ("Carbonnel", "Clothilde", dt.date(1985, 11, 9), Genre.FEMME),
    ("Dieuleveut", "Séraphine", dt.date(1993, 2, 27), Genre.FEMME),
    ("Estrabaut", "Eulalie", dt.date(1989, 6, 5), Genre.FEMME),
    ("Fouquerolle", "Bérengère", dt.date(1990, 4, 18), Genre.FEMME),
    ("Gribouval", "Anastorre", dt.date(1986, 9, 30), Genre.HOMME),
    ("Hardancourt", "Onésime", dt.date(1992, 12, 11), Genre.HOMME),
]
HEURES_CETTE_ANNEE = Decimal("140")  # each of the 8 people: 1 120 h this year
HEURES_L_AN_DERNIER = Decimal("60")  # 6 of them last December: 360 h


class Visite:
    """Checks each page the journey reaches, keeps its screenshot as NN-<page>.png and its text."""

    def __init__(self, page, dossier: Path):
        self.page = page
        self.dossier = dossier
        self.dossier.mkdir(parents=True, exist_ok=True)
        self.fichiers: list[Path] = []
        self.contenus: dict[str, str] = {}

    def lire(self) -> None:
        self.contenus[self.page.url] = html.unescape(self.page.content())

    def etape(self, nom: str) -> None:
        assert violations_accessibilite(self.page) == [], nom
        self.lire()
        fichier = self.dossier / f"{len(self.fichiers) + 1:02d}-{nom}.png"
        self.page.screenshot(path=str(fichier), full_page=True)
        self.fichiers.append(fichier)


def champ(page, libelle: str):
    """The field labelled exactly ``libelle``, required (« * ») or not."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(libelle)}\*?\s*$"))


def effectif(page, tableau: str, libelle: str):
    """The count cell of row ``libelle`` in the statistics table ``tableau``."""
    ligne = (
        page.locator(f"#tableau-{tableau}")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=libelle, exact=True))
    )
    return ligne.get_by_role("cell").first


def identites_trouvees(contenu: str, participants) -> list[str]:
    """Every trace of who a participant is in ``contenu``: name, first name (in any case), reference, birth date."""
    texte = contenu.casefold()
    traces = re.findall(r"\bP-\d{4,}\b", contenu)
    for p in participants:
        naissance = p.date_naissance
        for trace in (
            p.nom,
            p.prenom,
            p.reference,
            naissance.isoformat(),
            f"{naissance:%d/%m/%Y}",
            date_longue(naissance),
        ):
            if trace.casefold() in texte:
                traces.append(trace)
    return traces


def pdf_reel(texte: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<h1>{texte}</h1><p>Heures d'insertion réalisées : 1 120 h.</p>").write_pdf()


def territoire(aujourd_hui: dt.date):
    """Donneur A with everything the portal shows, donneur B with a convention and a marché."""
    annee = aujourd_hui.year
    mois = aujourd_hui.replace(day=1)
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles")
    convention = ConventionFactory(
        donneur_d_ordre=donneur,
        numero="C-2025-01",
        date_signature=dt.date(annee - 1, 1, 1),
        date_effet=dt.date(annee - 1, 1, 1),
        document=SimpleUploadedFile("convention.pdf", pdf_reel("Convention de coopération")),
    )
    Avenant.objects.create(
        convention=convention,
        numero=1,
        objet="Extension aux marchés de services",
        date_signature=dt.date(annee - 1, 6, 1),
        document=SimpleUploadedFile("avenant.pdf", pdf_reel("Avenant n° 1")),
    )
    marche = MarcheFactory(
        donneur_d_ordre=donneur,
        objet="Réhabilitation du quartier de Griffeuille",
        statut=StatutMarche.EN_EXECUTION,
        date_attribution=dt.date(annee - 1, 1, 1),
    )
    debut, fin = dt.date(annee - 1, 1, 1), dt.date(annee, 12, 31)
    # Lot 1: 1 480 h done out of 1 667 h, at least 80 % of whatever is expected on any day: on schedule.
    lot_1 = ClauseInsertionFactory(
        lot=LotFactory(marche=marche, numero="1", intitule="Gros œuvre", date_debut=debut, date_fin=fin),
        montant_ht=Decimal("2000000"),
    ).lot
    # Lot 2: hours expected since last year and none done: late.
    lot_2 = ClauseInsertionFactory(
        lot=LotFactory(marche=marche, numero="2", intitule="Peinture intérieure", date_debut=debut, date_fin=fin),
        montant_ht=Decimal("600000"),
    ).lot
    attribution = AttributionFactory(lot=lot_1, entreprise=EntrepriseFactory(raison_sociale="Bâtisseurs du Rhône"))
    participants = []
    # This year: six women and two men (the men are « < 3 »), five CDD and three CDI shown as they are.
    # Last December, the year of the bilan: six of them (four women, two men) had a first contract.
    decembre = dt.date(annee - 1, 12, 1)
    for n, (nom, prenom, naissance, genre) in enumerate(IDENTITES):
        participant = ParticipantFactory(nom=nom, prenom=prenom, date_naissance=naissance, genre=genre)
        placement = PlacementFactory(
            participant=participant,
            attribution=attribution,
            date_debut=mois,
            type_contrat=TypeContrat.CDD if n < 5 else TypeContrat.CDI,
        )
        HeuresMensuellesFactory(placement=placement, mois=mois, heures=HEURES_CETTE_ANNEE)
        if n >= 2:
            ancien = PlacementFactory(
                participant=participant,
                attribution=attribution,
                date_debut=decembre,
                date_fin=decembre.replace(day=31),
            )
            HeuresMensuellesFactory(placement=ancien, mois=decembre, heures=HEURES_L_AN_DERNIER)
        participants.append(participant)
    bilan = BilanAnnuel.objects.create(
        convention=convention,
        numero_periode=1,
        periode_debut=dt.date(annee - 1, 1, 1),
        periode_fin=dt.date(annee - 1, 12, 31),
        texte_qualitatif="Une première année de chantiers.\n\nLes parcours se poursuivent.",
        transmis_le=timezone.now(),
    )
    rapport = Rapport.objects.create(
        type=TypeRapport.RAPPORT_MARCHE,
        donneur_d_ordre=donneur,
        marche=marche,
        periode_debut=dt.date(annee, 1, 1),
        periode_fin=aujourd_hui,
    )
    rapport.enregistrer_fichier("rapport.pdf", pdf_reel(f"Rapport du marché {marche.objet}"))

    donneur_b = DonneurDOrdreFactory(nom="Delta Rhône Habitat")
    convention_b = ConventionFactory(donneur_d_ordre=donneur_b)
    marche_b = MarcheFactory(donneur_d_ordre=donneur_b, objet="Résidentialisation des Alyscamps")
    return donneur, convention, marche, (lot_1, lot_2), bilan, participants, convention_b, marche_b


def test_a_referent_is_invited_and_walks_the_portal(page, live_server, facilitateur, mailoutbox, tmp_path):
    aujourd_hui = timezone.localdate()
    donneur, convention, marche, (lot_1, lot_2), bilan, participants, convention_b, marche_b = territoire(aujourd_hui)
    url = live_server.url
    dossier = Path(os.environ["CAPTURES"]) if os.environ.get("CAPTURES") else tmp_path / "captures"
    visite = Visite(page, dossier)
    menu = page.get_by_role("navigation", name="Menu principal")

    def se_deconnecter():
        menu.get_by_role("button", name=re.compile("^Compte : ")).click()
        menu.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(f"{url}{reverse('connexion')}")

    # 1. Camille invites Jeanne from the donneur d'ordre's page.
    se_connecter(page, url, facilitateur.email, MOT_DE_PASSE)
    menu.get_by_role("link", name="Donneurs d'ordre").click()
    page.get_by_role("link", name="Ville d'Arles", exact=True).click()
    expect(page.get_by_role("heading", name="Ville d'Arles", level=1)).to_be_visible()
    visite.etape("facilitateur-donneur")
    page.get_by_role("link", name="Inviter un référent").click()
    page.get_by_label("Adresse e-mail").fill(EMAIL_REFERENTE)
    page.get_by_label("Prénom").fill("Jeanne")
    champ(page, "Nom").fill("Roux")
    page.get_by_label("Fonction").fill("Responsable de la commande publique")
    visite.etape("facilitateur-invitation")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text(f"Invitation envoyée à {EMAIL_REFERENTE}.")).to_be_visible()
    expect(page.get_by_role("cell", name=EMAIL_REFERENTE, exact=True)).to_be_visible()
    visite.etape("facilitateur-invitation-envoyee")
    se_deconnecter()
    # From here on, every page is one Jeanne sees: none may tell who a participant is.
    visite.contenus.clear()

    # 2. Jeanne opens the link of the email, without being logged in, and creates her account.
    [invitation] = [m for m in mailoutbox if EMAIL_REFERENTE in m.to]
    assert "Ville d'Arles" in invitation.subject
    lien = re.search(r"https?://\S+/invitation/\S+/", invitation.body).group(0)
    assert lien.startswith(url)
    page.goto(lien)
    expect(page.get_by_role("heading", name="Rejoindre l'espace de la Ville d'Arles")).to_be_visible()
    expect(page.get_by_label("Prénom")).to_have_value("Jeanne")
    expect(champ(page, "Nom")).to_have_value("Roux")
    champ(page, "Mot de passe").fill(MOT_DE_PASSE_REFERENTE)
    page.get_by_label("Confirmation du mot de passe").fill(MOT_DE_PASSE_REFERENTE)
    visite.etape("invitation")
    page.get_by_role("button", name="Créer mon compte").click()

    expect(
        page.get_by_text("Bienvenue ! Votre compte est créé : vous êtes référent de la Ville d'Arles.")
    ).to_be_visible()
    expect(page).to_have_url(f"{url}{reverse('portail:accueil')}")
    referent = Referent.objects.select_related("user").get(user__email=EMAIL_REFERENTE)
    assert referent.donneur_d_ordre == donneur
    assert referent.user.check_password(MOT_DE_PASSE_REFERENTE)
    etat = situation(convention, aujourd_hui)
    carte = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=re.compile("Convention n° C-2025-01"))
    )
    expect(carte).to_contain_text(re.compile(rf"Prochaine échéance\s+{date_longue(etat.echeance)}"))
    expect(carte).to_contain_text(
        re.compile(rf"Date limite de dénonciation\s+au plus tard le {date_longue(etat.date_limite)}")
    )
    expect(carte).to_contain_text("N° 1 — Extension aux marchés de services")
    expect(carte.get_by_role("link", name="Télécharger la convention signée (PDF)")).to_be_visible()
    marches_en_cours = page.get_by_role("table", name=re.compile("Marchés attribués ou en exécution"))
    expect(marches_en_cours.get_by_role("rowheader", name=marche.objet)).to_be_visible()
    expect(marches_en_cours).to_contain_text("En retard")
    expect(page.get_by_text(marche_b.objet)).to_have_count(0)
    visite.etape("portail-accueil")

    # 3. The marché, the statistics, the reports and the bilan.
    marches_en_cours.get_by_role("link", name=marche.objet).click()
    expect(page.get_by_role("heading", name=marche.objet, level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"1\s480 h réalisées sur un objectif de 2\s167 h"))).to_be_visible()
    carte_1 = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Lot 1 — Gros œuvre"))
    carte_2 = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Lot 2 — Peinture intérieure"))
    expect(carte_1.get_by_role("progressbar", name="Réalisation de l'objectif du lot 1")).to_be_visible()
    expect(carte_1.get_by_text("Dans les temps").first).to_be_visible()
    # The disclosure policy (docs/diffusion.md): a lot's card counts no people for the donneur d'ordre.
    expect(carte_1).not_to_contain_text("personnes ayant travaillé")
    expect(carte_2.get_by_text("En retard")).to_be_visible()
    expect(carte_1.get_by_role("rowheader", name="Bâtisseurs du Rhône")).to_be_visible()
    visite.etape("portail-marche")

    menu.get_by_role("link", name="Statistiques").click()
    expect(page.get_by_role("heading", name=f"Statistiques des participants — {aujourd_hui.year}")).to_be_visible()
    # Eight people: the totals are published, no breakdown under ten (docs/diffusion.md).
    expect(page.get_by_text("Répartition non publiée : moins de 10").first).to_be_visible()
    expect(page.locator("#tableau-genre").get_by_role("rowheader", name="Homme")).to_have_count(0)
    visite.etape("portail-statistiques")

    menu.get_by_role("link", name="Rapports et bilans").click()
    expect(page.get_by_role("heading", name="Rapports et bilans", level=1)).to_be_visible()
    visite.etape("portail-rapports")
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile("^Télécharger : rapport de marché")).click()
    fichier = telechargement.value
    assert fichier.suggested_filename == f"rapport-marche-{aujourd_hui.year}-01-01-{aujourd_hui:%Y-%m-%d}.pdf"
    contenu_pdf = Path(fichier.path()).read_bytes()
    assert contenu_pdf.startswith(b"%PDF")
    texte_pdf = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(contenu_pdf)).pages)
    assert marche.objet in texte_pdf
    visite.contenus["rapport.pdf"] = texte_pdf

    page.get_by_role("link", name=re.compile(r"^Bilan du 1er janvier \d{4} au 31 décembre \d{4}$")).click()
    expect(page.get_by_role("heading", name=re.compile("^Bilan du 1er janvier"), level=1)).to_be_visible()
    expect(page.get_by_text("Une première année de chantiers.")).to_be_visible()
    expect(page.get_by_text("Personnes en parcours sur la période : 6.")).to_be_visible()
    expect(page.get_by_text("Répartition non publiée : moins de 10").first).to_be_visible()
    page.get_by_label("Votre commentaire sur ce bilan").fill(COMMENTAIRE)
    visite.etape("portail-bilan")
    page.get_by_role("button", name="Enregistrer le commentaire").click()
    expect(page.get_by_text("Votre commentaire a été enregistré.")).to_be_visible()
    expect(page.get_by_label("Votre commentaire sur ce bilan")).to_have_value(COMMENTAIRE)
    expect(page.get_by_text(re.compile(r"Dernière modification le .* par Jeanne Roux\."))).to_be_visible()
    bilan.refresh_from_db()
    assert (bilan.commentaire_donneur, bilan.commentaire_par) == (COMMENTAIRE, referent.user)
    visite.etape("portail-bilan-commente")
    menu.get_by_role("link", name="Rapports et bilans").click()
    expect(page.get_by_role("cell", name=re.compile("^Ajouté le "))).to_be_visible()
    visite.lire()

    # 4. A new marché declared, then the attributaires of the awarded one.
    menu.get_by_role("link", name="Déclarer un marché").click()
    expect(page.get_by_label("Adresse e-mail")).to_have_value(EMAIL_REFERENTE)
    page.get_by_label("Objet du marché").fill(OBJET_DECLARE)
    page.get_by_label("Montant estimé (€ HT)").fill("3200000")
    page.get_by_label("Lancement de la consultation").fill(dt.date(aujourd_hui.year + 1, 3, 1).isoformat())
    page.get_by_label("Début des travaux").fill(dt.date(aujourd_hui.year + 1, 9, 1).isoformat())
    page.get_by_label("Fin des travaux").fill(dt.date(aujourd_hui.year + 3, 6, 30).isoformat())
    page.get_by_label("Votre message au facilitateur").fill("Nous souhaitons une clause sur le gros œuvre.")
    visite.etape("portail-declaration")
    avant = len(mailoutbox)
    page.get_by_role("button", name="Envoyer au facilitateur").click()
    expect(page.get_by_role("heading", name=OBJET_DECLARE, level=1)).to_be_visible()
    expect(page.get_by_text(f"Votre marché « {OBJET_DECLARE} » a été transmis au facilitateur")).to_be_visible()
    declare = Marche.objects.get(objet=OBJET_DECLARE)
    expect(page).to_have_url(f"{url}{reverse('portail:marche', args=[declare.pk])}")
    assert (declare.donneur_d_ordre, declare.statut, declare.origine) == (
        donneur,
        StatutMarche.EN_PREPARATION,
        Origine.PORTAIL,
    )
    [notification] = mailoutbox[avant:]
    assert notification.to == [facilitateur.email]
    assert OBJET_DECLARE in notification.body
    visite.etape("portail-marche-declare")

    menu.get_by_role("link", name="Marchés").click()
    page.get_by_role("link", name=marche.objet).click()
    page.get_by_role("link", name="Transmettre les attributaires et le calendrier").click()
    page.get_by_label("Nombre d'attributaires à envoyer").select_option("1")
    page.get_by_role("button", name="Afficher les lignes").click()
    siret = siret_n(4242)
    champ(page, "Lot").select_option(label=str(lot_2))
    page.get_by_label("SIRET de l'entreprise").fill(f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}")
    page.get_by_label("Raison sociale").fill("Peintures de Camargue")
    page.get_by_label("Nom du contact").fill("Paul Garcin")
    page.get_by_label("E-mail du contact").fill("paul.garcin@peintures-camargue.fr")
    page.get_by_label("Début prévu").fill(dt.date(aujourd_hui.year + 1, 1, 5).isoformat())
    page.get_by_label("Fin prévue").fill(dt.date(aujourd_hui.year + 1, 6, 30).isoformat())
    visite.etape("portail-attributaires")
    avant = len(mailoutbox)
    page.get_by_role("button", name="Envoyer au facilitateur").click()
    expect(page.get_by_text("1 attributaire envoyé au facilitateur.")).to_be_visible()
    envoi = page.get_by_role("table", name="Attributaires envoyés au facilitateur et sa réponse")
    ligne = envoi.get_by_role("row").filter(has_text="Peintures de Camargue")
    expect(ligne).to_contain_text("Lot 2")
    expect(ligne).to_contain_text("Proposée — en attente")
    proposition = PropositionAttribution.objects.get()
    assert (proposition.lot, proposition.siret, proposition.statut) == (lot_2, siret, "proposee")
    assert not lot_2.attributions.exists()
    assert [m.to for m in mailoutbox[avant:]] == [[facilitateur.email]]
    visite.etape("portail-attributaires-envoyes")

    # 5. Her contact details.
    menu.get_by_role("button", name=re.compile("^Compte : ")).click()
    menu.get_by_role("link", name="Mes coordonnées").click()
    page.get_by_label("Téléphone").fill("04 90 49 36 36")
    page.get_by_label("Fonction").fill("Directrice de la commande publique")
    visite.etape("portail-coordonnees")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos coordonnées ont été enregistrées.")).to_be_visible()
    expect(page.get_by_label("Téléphone")).to_have_value("04 90 49 36 36")
    referent.refresh_from_db()
    referent.user.refresh_from_db()
    assert (referent.user.telephone, referent.fonction) == ("04 90 49 36 36", "Directrice de la commande publique")
    visite.etape("portail-coordonnees-enregistrees")

    # 6. Another organisation's marché and convention do not exist for her; the dashboard is not hers.
    for nom, chemin, statut in (
        ("marche-autre-donneur", reverse("portail:marche", args=[marche_b.pk]), 404),
        ("convention-autre-donneur", reverse("portail:convention", args=[convention_b.pk]), 404),
        ("tableau-de-bord", reverse("clauses:participant", args=[participants[0].pk]), 403),
    ):
        assert page.goto(f"{url}{chemin}").status == statut, chemin
        assert marche_b.objet not in page.content()
        visite.etape(nom)
    assert page.goto(f"{url}{reverse('portail:convention', args=[convention.pk])}").status == 200
    visite.etape("portail-convention")

    for adresse, contenu in visite.contenus.items():
        assert identites_trouvees(contenu, participants) == [], adresse
    assert len(visite.contenus) >= 15

    # 7. Camille sees both requests on her home page, and the proposal on the marché's page.
    se_deconnecter()
    se_connecter(page, url, facilitateur.email, MOT_DE_PASSE)
    demandes = page.get_by_role("heading", name="Demandes des donneurs d'ordre (2)")
    expect(demandes).to_be_visible()
    alertes = page.locator("#titre-alertes").locator("..")
    expect(
        alertes.get_by_role("link", name=f"La Ville d'Arles a déclaré le marché « {OBJET_DECLARE} »", exact=False)
    ).to_be_visible()
    lien_propositions = alertes.get_by_role(
        "link", name=f"Ville d'Arles : 1 attributaire proposé pour le marché « {marche.objet} »", exact=False
    )
    expect(lien_propositions).to_be_visible()
    visite.etape("facilitateur-demandes")
    lien_propositions.click()
    expect(page.get_by_role("heading", name=marche.objet, level=1)).to_be_visible()
    propositions = page.locator("#propositions")
    expect(
        propositions.get_by_role("heading", name=re.compile("Attributaires proposés par le donneur d'ordre"))
    ).to_be_visible()
    expect(propositions).to_contain_text("Peintures de Camargue")
    visite.etape("facilitateur-proposition")

    # The identity check does find a participant where one is shown: on Camille's page of the participant.
    page.goto(f"{url}{reverse('clauses:participant', args=[participants[0].pk])}")
    expect(page.get_by_role("heading", name="Zéphyrine ARDOUVIN", level=1)).to_be_visible()
    trouvees = identites_trouvees(html.unescape(page.content()), participants)
    assert {"Ardouvin", "Zéphyrine", participants[0].reference} <= set(trouvees)

    assert all(f.stat().st_size > 0 for f in visite.fichiers)
