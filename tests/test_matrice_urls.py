"""The URL matrix: every URL name of the project, for every role, with GET and POST.

Roles: anonymous, a référent of donneur A, a référent of donneur B, a facilitator and an admin. The
objects in the URLs belong to donneur A. Expected:
- dashboard (facilitators): anonymous → login page; référents → 403; facilitator and admin → served;
- portal, pages about one object of A: référent of A → served; référent of B → 404 (the object does
  not exist for them); facilitator and admin (no membership) → 403; anonymous → login page;
- portal, pages without an object (lists, forms): both référents served (each sees their own);
- admin: only the admin; everyone else → the admin's login page;
- public pages (login, invitation, password reset): served to all.
After every refused POST, the database is exactly as before.

A URL name that is not in MATRICE fails ``test_every_url_is_in_the_matrix``: adding a view means
saying who may reach it.
"""

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.importation.portefeuille import rapport as compte_rendu_portefeuille
from clauses.importation.portefeuille import travail as travail_portefeuille
from clauses.importation.portefeuille.rapport import RapportPortefeuille
from clauses.models import ImportPortefeuille, StatutImportPortefeuille
from config.models import AlerteConsultations, Consultation, ExportListe, NatureConsultation, StatutExport
from conventions.factories import (
    AdminFactory,
    ConventionFactory,
    DonneurDOrdreFactory,
    FacilitateurFactory,
    ReferentFactory,
)
from conventions.models import Avenant, StructurePorteuse
from conventions.services import inviter_referent
from entreprises.factories import EntrepriseFactory, OperateurFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import MarcheDECP, PropositionAttribution
from reporting.agenda import emettre_adresse
from reporting.models import BilanAnnuel, Rapport, StatutRapport, Tache, TypeRapport

pytestmark = pytest.mark.django_db

ROLES = ("anonyme", "referent_a", "referent_b", "facilitateur", "admin")
METHODES = ("get", "post")

# Kinds of URL.
TABLEAU = "tableau de bord"
TABLEAU_PERSONNEL = "tableau de bord, l'objet d'un facilitateur"
PORTAIL_OBJET = "portail, un objet"
PORTAIL = "portail"
PUBLIC = "public"
CONNECTE = "tout utilisateur connecté"
ACCUEIL = "accueil"
ADMIN = "admin"


@dataclass
class Monde:
    donneur_a: object
    donneur_b: object
    convention: object
    avenant: object
    marche: object
    lot: object
    attribution: object
    entreprise: object
    operateur: object
    participant: object
    placement: object
    sortie: object
    referent_a: object
    invitation: object
    jeton: str
    proposition: object
    rapport: object
    export: object
    import_portefeuille: object
    bilan: object
    decp: object
    jeton_agenda: str
    utilisateurs: dict


# A one-pixel PNG, the structure porteuse's logo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff5f6e8a3a0000000049454e44ae426082"
)


@functools.cache
def pdf(texte: str) -> bytes:
    """A real PDF (the identity check reads the portal's downloads back), made once per text."""
    from weasyprint import HTML

    return HTML(string=f"<p>{texte}</p>").write_pdf()


@pytest.fixture
def monde():
    donneur_a, donneur_b = DonneurDOrdreFactory(nom="Ville A"), DonneurDOrdreFactory(nom="Ville B")
    convention = ConventionFactory(
        donneur_d_ordre=donneur_a, document=SimpleUploadedFile("convention.pdf", pdf("Convention de coopération"))
    )
    ConventionFactory(donneur_d_ordre=donneur_b)
    avenant = Avenant.objects.create(
        convention=convention,
        numero=1,
        objet="Avenant",
        date_signature=dt.date(2025, 3, 1),
        document=SimpleUploadedFile("avenant.pdf", pdf("Avenant n° 1")),
    )
    marche = MarcheFactory(donneur_d_ordre=donneur_a)
    MarcheFactory(donneur_d_ordre=donneur_b)
    # A lot with a QPV minimum (ANRU): its block joins the pages that show one (the lot's, the portal's marché page),
    # so that the width and markup walks cover it.
    clause = ClauseInsertionFactory(lot=LotFactory(marche=marche), part_qpv_minimum=Decimal("5"))
    attribution = AttributionFactory(lot=clause.lot)
    participant = ParticipantFactory(nom="Quillebœuf", prenom="Zéphyrine", date_naissance=dt.date(1987, 3, 14))
    placement = PlacementFactory(attribution=attribution, participant=participant, date_debut=dt.date(2026, 1, 5))
    HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1), heures=Decimal("70"))
    sortie = SortieFactory(placement=placement)
    referent_a = ReferentFactory(donneur_d_ordre=donneur_a)
    referent_b = ReferentFactory(donneur_d_ordre=donneur_b)
    Group.objects.create(name="Groupe")
    liens = []
    invitation = inviter_referent(
        donneur_a,
        email="nouvelle@exemple.fr",
        invite_par=None,
        lien_absolu=lambda chemin: liens.append(chemin) or chemin,
    )
    jeton = liens[0].rstrip("/").rsplit("/", 1)[-1]
    proposition = PropositionAttribution.objects.create(
        marche=marche,
        lot=clause.lot,
        siret=EntrepriseFactory.build().siret,
        raison_sociale="Bâti Sud",
        contact_nom="Léa Martin",
        contact_email="lea@exemple.fr",
        date_debut=dt.date(2026, 3, 1),
        date_fin=dt.date(2026, 9, 30),
    )
    rapport = Rapport.objects.create(
        type=TypeRapport.BILAN_ANNUEL,
        donneur_d_ordre=donneur_a,
        convention=convention,
        periode_debut=dt.date(2024, 7, 1),
        periode_fin=dt.date(2025, 6, 30),
        statut=StatutRapport.PRET,
        fichier=SimpleUploadedFile("bilan.pdf", pdf("Bilan annuel")),
        empreinte="0" * 64,
    )
    bilan = BilanAnnuel.objects.create(
        convention=convention,
        numero_periode=1,
        periode_debut=dt.date(2024, 7, 1),
        periode_fin=dt.date(2025, 6, 30),
        texte_qualitatif="Une année de chantiers.",
        transmis_le=timezone.now(),
    )
    # A scheduled job's row, for the admin's pages of the jobs.
    Tache.objects.create(code="rappel_echeance_60", cle=f"convention:{convention.pk}:2026-03-31", rapport=rapport)
    StructurePorteuse.objects.create(pk=1, nom="Agglomération", logo=SimpleUploadedFile("logo.png", PNG))
    facilitateur = FacilitateurFactory()
    # An export prepared by the worker for the facilitator: theirs alone.
    export = ExportListe.objects.create(
        demande_par=facilitateur,
        vue="marches.views.MarcheListe",
        titre="Marchés",
        nom_fichier="marches.xlsx",
        lignes_prevues=1,
        statut=StatutExport.PRET,
        fichier=SimpleUploadedFile("marches.xlsx", b"PK\x03\x04"),
    )
    # A marché donneur A published in the données essentielles, with a social consideration.
    decp = MarcheDECP.objects.create(
        identifiant="2026-0412",
        acheteur_siret=donneur_a.siret,
        donneur_d_ordre=donneur_a,
        objet="Réhabilitation du groupe scolaire — gros œuvre",
        nature="Marché",
        code_cpv="45210000-2",
        type="travaux",
        montant=Decimal("1850000"),
        date_notification=dt.date(2026, 4, 14),
        duree_mois=18,
        considerations_sociales=["Clause sociale"],
        titulaires=[{"id": EntrepriseFactory.build().siret, "type_identifiant": "SIRET", "denomination": ""}],
    )
    # And one published without any social consideration above the threshold: the L2112-2-1 watch list's.
    MarcheDECP.objects.create(
        identifiant="2026-0990",
        acheteur_siret=donneur_a.siret,
        donneur_d_ordre=donneur_a,
        objet="Fourniture de mobilier scolaire pour les écoles maternelles et élémentaires de la commune",
        nature="Marché",
        code_cpv="39160000-1",
        type="fournitures",
        montant=Decimal("260000"),
        date_notification=dt.date(2026, 9, 28),
        considerations_sociales=["Pas de considération sociale"],
    )
    # A read of the participant's page and an alert, for the admin's pages of the access log.
    Consultation.objects.create(
        utilisateur=facilitateur,
        email=facilitateur.email,
        nature=NatureConsultation.FICHE,
        objet="clauses.participant",
        objet_id=participant.pk,
        reference=participant.reference,
        description=f"Fiche du participant {participant.reference}",
    )
    AlerteConsultations.objects.create(
        utilisateur=facilitateur, email=facilitateur.email, jour=dt.date(2026, 3, 2), personnes=250, seuil=200
    )
    import_portefeuille = ImportPortefeuille.objects.create(
        demande_par=facilitateur,
        nom_fichier="portefeuille.xlsx",
        statut=StatutImportPortefeuille.APERCU,
        apercu=travail_portefeuille.apercu(RapportPortefeuille()),
    )
    default_storage.save(
        travail_portefeuille.chemin_rapport(import_portefeuille.pk),
        ContentFile(compte_rendu_portefeuille.contenu(RapportPortefeuille())),
    )
    return Monde(
        donneur_a=donneur_a,
        import_portefeuille=import_portefeuille,
        donneur_b=donneur_b,
        convention=convention,
        avenant=avenant,
        marche=marche,
        lot=clause.lot,
        attribution=attribution,
        entreprise=attribution.entreprise,
        operateur=OperateurFactory(),
        participant=participant,
        placement=placement,
        sortie=sortie,
        referent_a=referent_a,
        invitation=invitation,
        jeton=jeton,
        proposition=proposition,
        rapport=rapport,
        bilan=bilan,
        export=export,
        decp=decp,
        # The calendar feed's secret address of the référent of A.
        jeton_agenda=emettre_adresse(referent_a.user),
        utilisateurs={
            "anonyme": None,
            "referent_a": referent_a.user,
            "referent_b": referent_b.user,
            "facilitateur": facilitateur,
            "admin": AdminFactory(),
        },
    )


def _pk(attribut):
    return lambda m: [getattr(m, attribut).pk]


# URL name → (kind, arguments from the world). Objects are donneur A's.
MATRICE = {
    "reporting:accueil": (ACCUEIL, None),
    "connexion": (PUBLIC, None),
    "deconnexion": (CONNECTE, None),
    # Dashboard: donneurs d'ordre, référents, conventions.
    "conventions:donneurs": (TABLEAU, None),
    "conventions:donneur_creation": (TABLEAU, None),
    "conventions:donneur": (TABLEAU, _pk("donneur_a")),
    "conventions:donneur_modification": (TABLEAU, _pk("donneur_a")),
    "conventions:referent_ajout": (TABLEAU, _pk("donneur_a")),
    "conventions:referent_retrait": (TABLEAU, _pk("referent_a")),
    "conventions:conventions": (TABLEAU, None),
    "conventions:convention_creation": (TABLEAU, None),
    "conventions:convention": (TABLEAU, _pk("convention")),
    "conventions:convention_modification": (TABLEAU, _pk("convention")),
    "conventions:convention_denonciation": (TABLEAU, _pk("convention")),
    "conventions:avenant_creation": (TABLEAU, _pk("convention")),
    "conventions:convention_document": (TABLEAU, _pk("convention")),
    "conventions:avenant_document": (TABLEAU, _pk("avenant")),
    "conventions:structure_logo": (TABLEAU, lambda m: [1]),
    "conventions:invitation_creation": (TABLEAU, _pk("donneur_a")),
    "conventions:invitation_renvoi": (TABLEAU, _pk("invitation")),
    "conventions:invitation_annulation": (TABLEAU, _pk("invitation")),
    # A valid link for an email with no account yet: its form, whoever opens it (a link to someone who
    # already has an account is refused to anyone else logged in: conventions/tests/test_invitations.py).
    "conventions:invitation": (PUBLIC, lambda m: [m.jeton]),
    # Password reset: Django's views, public.
    "password_reset": (PUBLIC, None),
    "password_reset_done": (PUBLIC, None),
    "password_reset_confirm": (PUBLIC, lambda m: ["MQ", "lien-perime"]),
    "password_reset_complete": (PUBLIC, None),
    "sante": (PUBLIC, None),
    # The legal pages linked in every footer; the site map adapts to whoever reads it (tests/test_pages_legales.py).
    "accessibilite": (PUBLIC, None),
    "mentions_legales": (PUBLIC, None),
    "plan_du_site": (PUBLIC, None),
    "suggestions_de_filtre": (TABLEAU, None),
    "exports": (TABLEAU, None),
    "export_fichier": (TABLEAU_PERSONNEL, _pk("export")),
    # Annual bilans, the facilitator's side.
    "reporting:bilans": (TABLEAU, _pk("convention")),
    "reporting:bilan_edition": (TABLEAU, lambda m: [m.convention.pk, 1]),
    "reporting:bilan_transmission": (TABLEAU, _pk("bilan")),
    # The report archive and documents asked for on demand (the world's report is ready, for donneur A).
    "reporting:rapports": (TABLEAU, None),
    "reporting:rapport_demande": (TABLEAU, None),
    "reporting:rapport_etat": (TABLEAU, _pk("rapport")),
    "reporting:rapport_telecharger": (TABLEAU, _pk("rapport")),
    "reporting:rapport_relance": (TABLEAU, _pk("rapport")),
    # The calendar feeds: the facilitator's page; the feed at its secret address answers whoever holds it, with no
    # session (calendar applications open it), and 404 to any other address (reporting/tests/test_agenda.py).
    "reporting:agenda": (TABLEAU, None),
    "reporting:agenda_flux": (PUBLIC, lambda m: [m.jeton_agenda]),
    # Marchés, lots, attributions.
    "marches:marches": (TABLEAU, None),
    "marches:marche_creation": (TABLEAU, None),
    "marches:marche": (TABLEAU, _pk("marche")),
    "marches:marche_modification": (TABLEAU, _pk("marche")),
    "marches:marche_statut": (TABLEAU, _pk("marche")),
    "marches:lot_creation": (TABLEAU, _pk("marche")),
    "marches:lot_modification": (TABLEAU, _pk("lot")),
    "marches:attribution_creation": (TABLEAU, _pk("lot")),
    "marches:attribution_modification": (TABLEAU, _pk("attribution")),
    "marches:marche_prise_en_charge": (TABLEAU, _pk("marche")),
    "marches:proposition_acceptation": (TABLEAU, _pk("proposition")),
    "marches:proposition_correction": (TABLEAU, _pk("proposition")),
    "marches:proposition_refus": (TABLEAU, _pk("proposition")),
    # The données essentielles (DECP).
    "marches:decp": (TABLEAU, None),
    "marches:decp_import": (TABLEAU, None),
    "marches:decp_examen": (TABLEAU, _pk("decp")),
    # Companies and operators.
    "entreprises:entreprises": (TABLEAU, None),
    "entreprises:entreprise_creation": (TABLEAU, None),
    "entreprises:entreprise": (TABLEAU, _pk("entreprise")),
    "entreprises:entreprise_modification": (TABLEAU, _pk("entreprise")),
    "entreprises:operateurs": (TABLEAU, None),
    "entreprises:operateur_creation": (TABLEAU, None),
    "entreprises:operateur": (TABLEAU, _pk("operateur")),
    "entreprises:operateur_modification": (TABLEAU, _pk("operateur")),
    # Clauses, participants, hours, imports.
    "clauses:lot": (TABLEAU, _pk("lot")),
    "clauses:calcul_objectif": (TABLEAU, _pk("lot")),
    "clauses:calcul_apercu": (TABLEAU, _pk("lot")),
    "clauses:redaction": (TABLEAU, _pk("lot")),
    "clauses:redaction_docx": (TABLEAU, _pk("lot")),
    "clauses:redaction_pdf": (TABLEAU, _pk("lot")),
    "clauses:participants": (TABLEAU, None),
    "clauses:participant_creation": (TABLEAU, None),
    "clauses:participant": (TABLEAU, _pk("participant")),
    "clauses:participant_modification": (TABLEAU, _pk("participant")),
    "clauses:participant_notice": (TABLEAU, _pk("participant")),
    "reporting:notice_participant": (TABLEAU, _pk("participant")),
    "clauses:placements": (TABLEAU, None),
    "clauses:placement_creation": (TABLEAU, None),
    "clauses:placement": (TABLEAU, _pk("placement")),
    "clauses:placement_modification": (TABLEAU, _pk("placement")),
    "clauses:conservation": (TABLEAU, None),
    "clauses:conservation_prolongation": (TABLEAU, _pk("participant")),
    "clauses:participant_acces": (TABLEAU, _pk("participant")),
    "clauses:participant_acces_fichier": (TABLEAU, lambda m: [m.participant.pk, "pdf"]),
    "clauses:participant_effacement": (TABLEAU, _pk("participant")),
    "clauses:sortie_creation": (TABLEAU, _pk("placement")),
    "clauses:sortie_modification": (TABLEAU, _pk("sortie")),
    "clauses:heures_grille": (TABLEAU, _pk("attribution")),
    "clauses:heures_cellule": (TABLEAU, lambda m: [m.placement.pk, "2026-03"]),
    "clauses:imports": (TABLEAU, None),
    "clauses:import_releve": (TABLEAU, None),
    "clauses:import_participants": (TABLEAU, None),
    "clauses:import_modele": (TABLEAU, "?type=releve&format=xlsx"),
    "clauses:import_portefeuille": (TABLEAU, None),
    # A facilitator's own portfolio import: another facilitator (the admin here) does not see it.
    "clauses:import_portefeuille_suivi": (TABLEAU_PERSONNEL, _pk("import_portefeuille")),
    "clauses:import_portefeuille_rapport": (TABLEAU_PERSONNEL, lambda m: [m.import_portefeuille.pk]),
    "clauses:portefeuille_modele": (TABLEAU, "?format=xlsx"),
    "clauses:portefeuille_export": (TABLEAU, "?format=xlsx"),
    # The référents' portal.
    "portail:accueil": (PORTAIL, None),
    "portail:changer_donneur": (PORTAIL, None),
    "portail:profil": (PORTAIL, None),
    "portail:agenda": (PORTAIL, None),
    "portail:marches": (PORTAIL, None),
    "portail:marche": (PORTAIL_OBJET, _pk("marche")),
    "portail:convention": (PORTAIL_OBJET, _pk("convention")),
    "portail:convention_document": (PORTAIL_OBJET, _pk("convention")),
    "portail:avenant_document": (PORTAIL_OBJET, _pk("avenant")),
    "portail:marche_declaration": (PORTAIL, None),
    "portail:attributaires": (PORTAIL_OBJET, _pk("marche")),
    "portail:statistiques": (PORTAIL, "?annee=2026"),
    "portail:rapports": (PORTAIL, None),
    "portail:rapport_demande": (PORTAIL, None),
    "portail:rapport_etat": (PORTAIL_OBJET, _pk("rapport")),
    "portail:rapport_relance": (PORTAIL_OBJET, _pk("rapport")),
    "portail:rapport_telecharger": (PORTAIL_OBJET, _pk("rapport")),
    "portail:bilan": (PORTAIL_OBJET, _pk("bilan")),
}


def _noms(motifs, espace=None):
    for motif in motifs:
        if isinstance(motif, URLResolver):
            sous = motif.namespace
            yield from _noms(motif.url_patterns, f"{espace}:{sous}" if espace and sous else sous or espace)
        elif isinstance(motif, URLPattern) and motif.name:
            yield f"{espace}:{motif.name}" if espace else motif.name


def noms_d_url() -> set[str]:
    return set(_noms(get_resolver().url_patterns))


def test_every_url_is_in_the_matrix():
    manquants = {n for n in noms_d_url() if not n.startswith("admin:")} - set(MATRICE)
    assert not manquants, f"URL sans règle d'accès dans la matrice : {sorted(manquants)}"
    obsoletes = set(MATRICE) - noms_d_url()
    assert not obsoletes, f"Règles pour des URL qui n'existent plus : {sorted(obsoletes)}"


# --- What each role should get -------------------------------------------------------------------

VERS_CONNEXION = "connexion"
REFUSE_403 = 403
REFUSE_404 = 404
SERVI = "servi"

ATTENDU = {
    TABLEAU: {
        "anonyme": VERS_CONNEXION,
        "referent_a": REFUSE_403,
        "referent_b": REFUSE_403,
        "facilitateur": SERVI,
        "admin": SERVI,
    },
    # The facilitator's own export: another facilitator (the admin here) does not see it.
    TABLEAU_PERSONNEL: {
        "anonyme": VERS_CONNEXION,
        "referent_a": REFUSE_403,
        "referent_b": REFUSE_403,
        "facilitateur": SERVI,
        "admin": REFUSE_404,
    },
    PORTAIL_OBJET: {
        "anonyme": VERS_CONNEXION,
        "referent_a": SERVI,
        "referent_b": REFUSE_404,
        "facilitateur": REFUSE_403,
        "admin": REFUSE_403,
    },
    PORTAIL: {
        "anonyme": VERS_CONNEXION,
        "referent_a": SERVI,
        "referent_b": SERVI,
        "facilitateur": REFUSE_403,
        "admin": REFUSE_403,
    },
    PUBLIC: dict.fromkeys(ROLES, SERVI),
    CONNECTE: {**dict.fromkeys(ROLES, SERVI), "anonyme": VERS_CONNEXION},
    # The home page sends a référent to the portal; a user with no role at all gets 403 (tested elsewhere).
    ACCUEIL: {
        "anonyme": VERS_CONNEXION,
        "referent_a": "portail",
        "referent_b": "portail",
        "facilitateur": SERVI,
        "admin": SERVI,
    },
    ADMIN: {
        "anonyme": "une page de connexion",
        "referent_a": "connexion admin",
        "referent_b": "connexion admin",
        "facilitateur": "connexion admin",
        "admin": SERVI,
    },
}


def photographie() -> dict:
    """Every row of the project's tables (sessions and audit trails aside), to compare before and after."""
    etat = {}
    for modele in apps.get_models():
        if modele._meta.app_label in {"sessions", "admin", "axes", "auditlog", "contenttypes"}:
            continue
        champs = [f.attname for f in modele._meta.concrete_fields if f.attname != "last_login"]
        etat[modele._meta.label] = list(modele.objects.order_by("pk").values_list(*champs))
    return etat


def _verifier(reponse, attendu, *, methode, url, role, refus_405_possible):
    statut = reponse.status_code
    contexte = f"{methode.upper()} {url} en tant que {role} : {statut}"
    if attendu == VERS_CONNEXION:
        assert statut == 302 and reponse["Location"].startswith(reverse("connexion")), contexte
    elif attendu == "une page de connexion":
        # The admin's own views send to its login page; the rest of /admin/ meets LoginRequiredMiddleware.
        assert statut == 302, contexte
        assert reponse["Location"].startswith((reverse("connexion"), reverse("admin:login"))), contexte
    elif attendu == "portail":
        assert statut == 302 and reponse["Location"] == reverse("portail:accueil"), contexte
    elif attendu == "connexion admin":
        assert statut == 302 and reponse["Location"].startswith(reverse("admin:login")), contexte
    elif attendu == SERVI:
        assert statut < 500, contexte
        assert statut not in (401, 403, 404), contexte
        if statut == 302 and url != reverse("deconnexion"):
            assert not reponse["Location"].startswith(reverse("connexion")), contexte
    else:
        # A view that does not accept the method may say so before checking the role.
        autorises = {attendu, 405} if refus_405_possible else {attendu}
        assert statut in autorises, contexte


def _fermer(reponse) -> None:
    """Close a response (a download's file with it) the way Django's test client does: without letting
    request_finished close the test's database connection."""
    request_finished.disconnect(close_old_connections)
    try:
        reponse.close()
    finally:
        request_finished.connect(close_old_connections)


def _requete(client, monde, role, methode, url, *, verifier_la_base: bool):
    """One request as ``role``, rolled back afterwards so that each request meets the same world.

    With ``verifier_la_base``, fails if the request changed any row.
    """
    with transaction.atomic():
        client.logout()
        if monde.utilisateurs[role] is not None:
            client.force_login(monde.utilisateurs[role])
        avant = photographie() if verifier_la_base else None
        reponse = getattr(client, methode)(url)
        _fermer(reponse)
        if verifier_la_base:
            assert photographie() == avant, f"{methode.upper()} {url} refusé à {role} a modifié la base"
        transaction.set_rollback(True)
    return reponse


def _url(nom, args, monde):
    if isinstance(args, str):
        return reverse(nom) + args
    return reverse(nom, args=args(monde) if args else None)


def _parcourir(client, monde, nom, genre, args):
    url = _url(nom, args, monde)
    attendus = ATTENDU[genre]
    servis = [r for r in ROLES if attendus[r] == SERVI]
    for methode in METHODES:
        # What an allowed role gets tells whether the view accepts the method at all: only then may a
        # refused role get 405 instead of its refusal.
        premier = _requete(client, monde, servis[0], methode, url, verifier_la_base=False)
        methode_refusee = premier.status_code == 405
        for role in ROLES:
            refuse = attendus[role] != SERVI
            reponse = _requete(client, monde, role, methode, url, verifier_la_base=refuse and methode == "post")
            _verifier(reponse, attendus[role], methode=methode, url=url, role=role, refus_405_possible=methode_refusee)


@pytest.mark.parametrize("nom", sorted(MATRICE))
def test_matrix(client, monde, nom):
    genre, args = MATRICE[nom]
    _parcourir(client, monde, nom, genre, args)


# --- The admin: every URL name it has, only for the admin ----------------------------------------

ACTIONS_OBJET = ("_change", "_delete", "_history")


def _args_admin(nom: str, monde):
    """Arguments for an admin URL: an object of the right model, or None when the URL takes none."""
    court = nom.removeprefix("admin:")
    if court == "auth_user_password_change":
        return [monde.utilisateurs["facilitateur"].pk]
    if court == "app_list":
        return ["conventions"]
    if court == "view_on_site":
        return [ContentType.objects.get_for_model(monde.marche).pk, monde.marche.pk]
    for action in ACTIONS_OBJET:
        if court.endswith(action):
            prefixe = court.removesuffix(action)
            for modele in apps.get_models():
                if f"{modele._meta.app_label}_{modele._meta.model_name}" == prefixe:
                    objet = modele.objects.order_by("pk").first()
                    assert objet is not None, f"Aucun objet {modele._meta.label} pour {nom} : complétez le monde"
                    return [objet.pk]
    return None


# Public pages of the admin, and its logout, which answers 405 to GET.
ADMIN_PUBLIC = {"admin:login"}
# What the admin itself is refused, by design: the structure porteuse is one row, created once, never
# deleted; no model has a public page, so « voir sur le site » has nowhere to go.
ADMIN_REFUSE = {
    "admin:conventions_structureporteuse_add": 403,
    "admin:conventions_structureporteuse_delete": 403,
    # The log of who read which personal data, and its alerts: read in the admin, never written there.
    "admin:config_consultation_add": 403,
    "admin:config_consultation_delete": 403,
    "admin:config_alerteconsultations_add": 403,
    "admin:config_alerteconsultations_delete": 403,
    "admin:view_on_site": 404,
}
# Query strings some admin URLs need to answer at all.
ADMIN_PARAMETRES = {"admin:autocomplete": "?app_label=clauses&model_name=clauseinsertion&field_name=lot&term=a"}


@pytest.mark.parametrize("nom", sorted(n for n in noms_d_url() if n.startswith("admin:")))
def test_admin_matrix(client, monde, nom):
    url = reverse(nom, args=_args_admin(nom, monde)) + ADMIN_PARAMETRES.get(nom, "")
    genre = PUBLIC if nom in ADMIN_PUBLIC else ADMIN
    for role in ROLES:
        attendu = ATTENDU[genre][role]
        if role == "admin" and nom in ADMIN_REFUSE:
            attendu = ADMIN_REFUSE[nom]
        for methode in METHODES:
            if methode == "post" and attendu == SERVI:
                continue  # the admin's own forms are Django's; what matters is who gets in
            reponse = _requete(client, monde, role, methode, url, verifier_la_base=methode == "post")
            if nom == "admin:logout" and role != "anonyme":
                assert reponse.status_code in (302, 405), f"{methode.upper()} {url} en tant que {role}"
                continue
            _verifier(reponse, attendu, methode=methode, url=url, role=role, refus_405_possible=False)


def test_the_matrix_checks_what_it_says(client, monde):
    """The checks fail on a wrong expectation: a dashboard page is not served to a référent."""
    client.force_login(monde.utilisateurs["referent_a"])
    reponse = client.get(reverse("marches:marche", args=[monde.marche.pk]))
    with pytest.raises(AssertionError):
        _verifier(reponse, SERVI, methode="get", url="x", role="referent_a", refus_405_possible=False)


# --- Professional secrecy: no participant's identity in anything the portal serves ------------------


def _texte_servi(reponse) -> str:
    contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
    _fermer(reponse)
    if contenu.startswith(b"%PDF"):
        import io

        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages)
    return contenu.decode("utf-8", errors="replace")


def test_no_participant_identity_in_the_portal(client, monde):
    p = monde.participant
    identite = [
        p.nom,
        p.prenom,
        p.reference,
        p.date_naissance.strftime("%d/%m/%Y"),
        p.date_naissance.isoformat(),
        "14 mars 1987",
    ]
    client.force_login(monde.utilisateurs["referent_a"])
    pages = 0
    for nom, (genre, args) in sorted(MATRICE.items()):
        if genre not in (PORTAIL, PORTAIL_OBJET):
            continue
        reponse = client.get(_url(nom, args, monde))
        if reponse.status_code != 200:
            continue
        pages += 1
        texte = _texte_servi(reponse)
        trouves = [i for i in identite if i.lower() in texte.lower()]
        assert not trouves, f"{nom} montre {trouves}"
    assert pages >= 12  # every portal page a référent can open, documents included
    # The same check finds the identity where it is shown: the facilitator's participant page.
    client.force_login(monde.utilisateurs["facilitateur"])
    texte = _texte_servi(client.get(reverse("clauses:participant", args=[p.pk])))
    assert p.nom.lower() in texte.lower() and p.reference in texte
