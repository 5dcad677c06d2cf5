"""The steps of the benchmark that need a database, each run in a child process (``manage.py bench --etape``)
whose environment names it; each returns a dict, printed as JSON on the last line of the output."""

import csv
import datetime as dt
import html
import io
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from clauses import importation
from clauses.heures import dernier_jour
from clauses.management.commands.seed_demo import analyser_les_tables
from clauses.models import HeuresMensuelles, Participant, Placement
from config.bench import DELAI_GUNICORN_S, FACILITATEUR, PLANCHER, REFERENT, fichiers
from conventions.models import Convention, DonneurDOrdre, Referent
from conventions.portail import CLE_SESSION
from marches.models import STATUTS_ACTIFS, Attribution, Marche, MarcheDECP
from reporting import bilans
from reporting.agenda import emettre_adresse
from reporting.demandes_rapports import periode_du_bilan, periode_du_marche
from reporting.documents import produire
from reporting.models import BilanAnnuel, Rapport, TypeRapport

# What the reverse proxy adds to every request in production, as the test client passes it.
ENTETES_PROXY_WSGI = {"HTTP_X_FORWARDED_PROTO": "https"}


@dataclass(frozen=True)
class Page:
    nom: str
    chemin: str
    acteur: str = ""  # FACILITATEUR, REFERENT, or "" for a public page
    export: bool = False


def _statut_mo(champ: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB (Linux)."""
    for ligne in Path("/proc/self/status").read_text().splitlines():
        if ligne.startswith(f"{champ}:"):
            return round(int(ligne.split()[1]) / 1024, 1)
    return 0.0


def _memoire_mo() -> float:
    """RSS of this process now."""
    return _statut_mo("VmRSS")


def _pic_memoire_mo() -> float:
    """Peak RSS of this process. Not getrusage's ru_maxrss: Linux carries it over an exec from the forked copy of
    the parent, so a child of a large process would report at least the parent's size."""
    return _statut_mo("VmHWM")


def preparer(taille: str, echelle: float | None) -> dict:
    """Migrate, then load the dataset if the database holds none; the load is timed."""
    call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
    if DonneurDOrdre.objects.exists():
        # A database filled by an earlier run, on a server whose autovacuum may be off: fresh statistics and
        # visibility map, as a production server's autovacuum keeps them.
        analyser_les_tables()
        return {"construit": False, "duree_s": None}
    debut = time.perf_counter()
    call_command("seed_demo", size=taille, if_empty=True, echelle=echelle, stdout=sys.stderr)
    return {"construit": True, "duree_s": round(time.perf_counter() - debut, 1)}


# --- What to measure -----------------------------------------------------------------------------------------------


def _le_plus_grand(queryset, champ: str):
    """The value of ``champ`` that the most rows of ``queryset`` share (a primary key), or None."""
    ligne = (
        queryset.exclude(**{champ: None})
        .values(champ)
        .annotate(nombre=Count("pk"))
        .order_by("-nombre", champ)
        .values_list(champ, "nombre")
        .first()
    )
    return ligne[0] if ligne else None


def _acteurs_et_objets(jour: dt.date) -> tuple[dict, dict]:
    """The two users the pages are seen as, and the largest object of each kind (primary keys)."""
    User = get_user_model()
    heures = HeuresMensuelles.objects
    facilitateur = User.objects.filter(pk=_le_plus_grand(Marche.objects, "facilitateur")).first()
    facilitateur = facilitateur or User.objects.facilitateurs().order_by("pk").first()
    if facilitateur is None:
        raise CommandError("Cette base n'a aucun facilitateur : chargez un jeu de données (seed_demo).")
    donneur_id = _le_plus_grand(heures, "placement__attribution__lot__marche__donneur_d_ordre")
    donneur = DonneurDOrdre.objects.filter(pk=donneur_id or _le_plus_grand(Marche.objects, "donneur_d_ordre")).first()
    if donneur is None:
        raise CommandError("Cette base n'a aucun donneur d'ordre : chargez un jeu de données (seed_demo).")
    referent = Referent.objects.filter(donneur_d_ordre=donneur, user__is_active=True).order_by("pk").first()
    if referent is None:
        # The portal is measured as a référent of the largest donneur d'ordre, whom the dataset may not have.
        user, _ = User.objects.get_or_create(
            email="referent.bench@clauses.invalid", defaults={"first_name": "Référent", "last_name": "du banc"}
        )
        referent, _ = Referent.objects.get_or_create(user=user, donneur_d_ordre=donneur)

    heures_du_donneur = heures.filter(placement__attribution__lot__marche__donneur_d_ordre=donneur)
    marches_actifs = Marche.objects.for_donneur(donneur).filter(statut__in=STATUTS_ACTIFS)
    convention = (
        Convention.objects.for_donneur(donneur)
        .order_by(F("date_signature").desc(nulls_last=True), "-date_effet")
        .first()
    )
    periodes = bilans.periodes_commencees(convention, jour) if convention else []
    bilan = BilanAnnuel.objects.for_donneur(donneur).transmis().order_by("-periode_debut").first()
    objets = {
        "donneur": donneur.pk,
        "convention": convention.pk if convention else None,
        "periode_du_bilan": periodes[-1].numero if periodes else None,
        "marche": _le_plus_grand(heures, "placement__attribution__lot__marche"),
        "lot": _le_plus_grand(heures, "placement__attribution__lot"),
        "attribution": _le_plus_grand(heures, "placement__attribution"),
        "placement": _le_plus_grand(heures, "placement"),
        "participant": _le_plus_grand(Placement.objects, "participant"),
        "entreprise": _le_plus_grand(Attribution.objects, "entreprise"),
        "operateur": _le_plus_grand(Placement.objects, "operateur"),
        "marche_du_donneur": _le_plus_grand(heures_du_donneur, "placement__attribution__lot__marche")
        or Marche.objects.for_donneur(donneur).values_list("pk", flat=True).first(),
        "marche_actif_du_donneur": _le_plus_grand(
            Attribution.objects.filter(lot__marche__in=marches_actifs), "lot__marche"
        )
        or marches_actifs.values_list("pk", flat=True).first(),
        "bilan_transmis": bilan.pk if bilan else None,
        # A DECP marché still to follow (the demo imports a sample; a dataset without any leaves the page out).
        "decp": MarcheDECP.objects.avec_consideration_sociale().non_suivis().values_list("pk", flat=True).first(),
    }
    acteurs = {FACILITATEUR: facilitateur.pk, REFERENT: referent.user_id}
    return acteurs, objets


# A filter per list that exists at every size; the unfiltered list is measured too.
LISTES = [
    ("Donneurs d'ordre", "conventions:donneurs", "type=commune"),
    ("Conventions", "conventions:conventions", "etat=en_vigueur"),
    ("Marchés", "marches:marches", "statut=en_execution"),
    ("Entreprises", "entreprises:entreprises", "naf=43"),
    ("Opérateurs", "entreprises:operateurs", "type=etti"),
    ("Participants", "clauses:participants", "en_poste=true"),
    ("Placements", "clauses:placements", "en_cours=true"),
    ("Rapports", "reporting:rapports", "statut=pret"),
]


def pages_a_mesurer(objets: dict, jour: dt.date, agendas: dict[str, str] | None = None) -> list[Page]:
    """Every facilitator page and every portal page, on the largest objects; a page whose object is missing
    from the dataset is left out. ``agendas``: each actor's calendar feed (its secret address)."""

    def page(nom: str, url: str, cle: str | None = None, *args, acteur: str = FACILITATEUR) -> list[Page]:
        if cle is not None and objets.get(cle) is None:
            return []
        arguments = [objets[cle], *args] if cle is not None else list(args)
        return [Page(nom, reverse(url, args=arguments), acteur)]

    pages = page("Accueil", "reporting:accueil")
    for nom, url, filtre in LISTES:
        pages.append(Page(nom, reverse(url), FACILITATEUR))
        pages.append(Page(f"{nom} — filtre {filtre}", f"{reverse(url)}?{filtre}", FACILITATEUR))
    pages += page("Donneur d'ordre — le plus grand", "conventions:donneur", "donneur")
    pages += page("Convention — la plus grande", "conventions:convention", "convention")
    pages += page("Bilans de la convention", "reporting:bilans", "convention")
    if objets.get("periode_du_bilan"):
        pages += page("Bilan annuel — saisie", "reporting:bilan_edition", "convention", objets["periode_du_bilan"])
    pages += page("Marché — le plus grand", "marches:marche", "marche")
    pages += page("Lot — le plus grand", "clauses:lot", "lot")
    pages += page("Rédaction de la clause du lot", "clauses:redaction", "lot")
    pages += page("Grille d'heures — la plus grande", "clauses:heures_grille", "attribution")
    pages += page("Entreprise — la plus grande", "entreprises:entreprise", "entreprise")
    pages += page("Opérateur — le plus grand", "entreprises:operateur", "operateur")
    pages += page("Participant — le plus grand", "clauses:participant", "participant")
    pages += page("Anonymisations à venir", "clauses:conservation")
    pages += page(
        "Prolonger la conservation — le plus grand participant", "clauses:conservation_prolongation", "participant"
    )
    pages += page("Droit d'accès — le plus grand participant", "clauses:participant_acces", "participant")
    pages += page("Effacer un participant — le plus grand", "clauses:participant_effacement", "participant")
    # Every table that points to the person, walked through the relations (the PDF adds WeasyPrint's time).
    pages += page(
        "Droit d'accès, fichier JSON — le plus grand participant",
        "clauses:participant_acces_fichier",
        "participant",
        "json",
    )
    pages += page("Notice d'information du participant (PDF)", "reporting:notice_participant", "participant")
    pages += page("Placement — le plus grand", "clauses:placement", "placement")
    # The home page counts them; the list shows them.
    pages.append(
        Page("Participants — notice non remise", f"{reverse('clauses:participants')}?notice=non_remise", FACILITATEUR)
    )
    pages += page("Imports", "clauses:imports")
    pages += page("Données essentielles (DECP)", "marches:decp")
    pages += page("Données essentielles : importer", "marches:decp_import")
    pages += page("Données essentielles : examen d'un marché", "marches:decp_examen", "decp")
    pages += page("Mon agenda", "reporting:agenda")
    pages += page("Plan du site", "plan_du_site")
    # Public pages, and the calendar feeds that calendar applications fetch without a session.
    pages += page("Déclaration d'accessibilité", "accessibilite", acteur="")
    pages += page("Mentions légales", "mentions_legales", acteur="")
    for acteur, chemin in (agendas or {}).items():
        pages.append(Page(f"Agenda ICS : {'facilitateur' if acteur == FACILITATEUR else 'référent'}", chemin))
    pages += page("Import d'un portefeuille", "clauses:import_portefeuille")

    portail = {"acteur": REFERENT}
    pages += page("Portail : accueil", "portail:accueil", **portail)
    pages += page("Portail : marchés", "portail:marches", **portail)
    pages += page("Portail : marché — le plus grand", "portail:marche", "marche_du_donneur", **portail)
    pages += page("Portail : attributaires", "portail:attributaires", "marche_actif_du_donneur", **portail)
    pages += page("Portail : déclarer un marché", "portail:marche_declaration", **portail)
    pages += page("Portail : convention", "portail:convention", "convention", **portail)
    pages += page("Portail : statistiques", "portail:statistiques", **portail)
    annee_precedente = f"{reverse('portail:statistiques')}?annee={jour.year - 1}"
    pages.append(Page("Portail : statistiques — année précédente", annee_precedente, REFERENT))
    pages += page("Portail : rapports", "portail:rapports", **portail)
    pages += page("Portail : bilan transmis", "portail:bilan", "bilan_transmis", **portail)
    pages += page("Portail : profil", "portail:profil", **portail)
    pages += page("Portail : mon agenda", "portail:agenda", **portail)

    # Last: they are the heaviest requests, and the RSS read after the run should count them.
    for nom, url, _filtre in LISTES:
        pages.append(Page(f"Export XLSX : {nom.lower()}", f"{reverse(url)}?format=xlsx", FACILITATEUR, export=True))
    return pages


def _ouvrir_session(user, donneur_id: int | None = None) -> str:
    """A logged-in session, as ``login()`` leaves it, without a password."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if donneur_id is not None:
        session[CLE_SESSION] = donneur_id
    session.set_expiry(4 * 3600)
    session.create()
    return session.session_key


def compter_requetes(pages: list[Page], sessions: dict[str, str]) -> list[dict]:
    """Each page's SQL queries, status and size, in this process (the test client, the same settings)."""
    clients = {}
    for acteur in ("", *sessions):
        clients[acteur] = Client(HTTP_HOST="127.0.0.1", **ENTETES_PROXY_WSGI)
        if acteur:
            clients[acteur].cookies[settings.SESSION_COOKIE_NAME] = sessions[acteur]
    resultats = []
    for page in pages:
        resultat = {"requetes_sql": None, "statut": None, "erreur": ""}
        depart = time.perf_counter()
        with CaptureQueriesContext(connection) as requetes:
            try:
                reponse = clients[page.acteur].get(page.chemin)
                contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
                reponse.close()
            except Exception as exc:  # noqa: BLE001 — a page that fails is a finding, not the end of the run
                resultat["erreur"] = " ".join(f"{type(exc).__name__} : {exc}".split())[:300]
            else:
                resultat.update(statut=reponse.status_code, octets=len(contenu))
                # A long list's export answers 302 (to « Mes exports », once the export is recorded).
                if reponse.status_code not in ((200, 302) if page.export else (200,)):
                    resultat["erreur"] = f"HTTP {reponse.status_code}"
        duree = time.perf_counter() - depart
        if resultat["erreur"] and duree >= DELAI_GUNICORN_S:
            # The watchdog cancelled its query: the error Django reports then says little.
            resultat["erreur"] = f"plus de {DELAI_GUNICORN_S} s, requête SQL annulée ({resultat['erreur']})"
        resultat |= {"requetes_sql": len(requetes), "duree_processus_ms": round(duree * 1000, 1)}
        resultats.append(resultat)
    return resultats


def ecrire_releve(lignes: int, dossier: Path) -> dict:
    """A monthly statement of ``lignes`` rows from the data: this month's hours of every running placement
    (rows to add), then the last months' stored hours, every other one changed by an hour (rows to update,
    rows unchanged). Written as XLSX and CSV, as a facilitator would receive it."""
    mois = timezone.localdate().replace(day=1)
    en_cours = Placement.objects.filter(date_debut__lte=dernier_jour(mois)).filter(
        Q(date_fin__isnull=True) | Q(date_fin__gte=mois)
    )
    cles = ("participant__reference", "attribution__entreprise__siret")
    releve = [(reference, siret, mois, Decimal(70)) for reference, siret in en_cours.values_list(*cles)]
    # Whole months, latest first, so that two rows the import would find ambiguous are both seen below.
    choisis, total = [], len(releve)
    par_mois = HeuresMensuelles.objects.exclude(mois=mois).values("mois").annotate(n=Count("pk"))
    for mois_stocke, nombre in par_mois.values_list("mois", "n").order_by("-mois"):
        if total >= lignes:
            break
        choisis.append(mois_stocke)
        total += nombre
    stockees = HeuresMensuelles.objects.filter(mois__in=choisis).order_by("-mois", "pk")
    for i, (reference, siret, mois_stocke, heures) in enumerate(
        stockees.values_list("placement__" + cles[0], "placement__" + cles[1], "mois", "heures")
    ):
        releve.append((reference, siret, mois_stocke, heures + (1 if heures < 200 else -1) if i % 2 else heures))
    # A participant with two placements at one company in a month cannot be told apart by this file: the
    # import refuses such rows, so they are left out.
    doublons = Counter(ligne[:3] for ligne in releve)
    releve = [ligne for ligne in releve if doublons[ligne[:3]] == 1][:lignes]

    titres = [c.titre for c in importation.COLONNES_RELEVE if c.cle in ("siret", "reference", "mois", "heures")]
    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Relevé d'heures")
    feuille.append(titres)
    for reference, siret, mois_ligne, heures in releve:
        feuille.append([siret, reference, f"{mois_ligne:%m/%Y}", float(heures)])
    xlsx = dossier / "releve.xlsx"
    classeur.save(xlsx)
    texte = io.StringIO(newline="")
    ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(titres)
    for reference, siret, mois_ligne, heures in releve:
        ecrivain.writerow([siret, reference, f"{mois_ligne:%m/%Y}", str(heures).replace(".", ",")])
    csv_ = dossier / "releve.csv"
    csv_.write_bytes(texte.getvalue().encode("utf-8-sig"))
    # Uploaded through the import page: the statement, and the zip bomb of issue 14 (1.75 MB, 1.2 GB inflated).
    bombe = dossier / "bombe.xlsx"
    bombe.write_bytes(fichiers.bombe_zip())
    return {
        "lignes": len(releve),
        "fichiers": {"xlsx": str(xlsx), "csv": str(csv_)},
        "televersements": {
            "bombe de décompression XLSX": str(bombe),
            "relevé XLSX": str(xlsx),
            "relevé CSV": str(csv_),
        },
    }


def documents_a_produire(objets: dict, jour: dt.date) -> list[dict]:
    """The three largest documents: the largest convention's last complete year (else its current one), the
    largest marché's report to date, the territorial bilan of the last calendar year; and the national survey of
    that year, its workbook and its one-page summary."""
    documents = []
    convention = Convention.objects.filter(pk=objets["convention"]).first()
    if convention is not None and objets["periode_du_bilan"]:
        periodes = bilans.periodes_commencees(convention, jour)
        numero = ([p for p in periodes if p.echeance < jour] or periodes)[-1].numero
        debut, fin = periode_du_bilan(convention, numero, jour)
        documents.append(
            {
                "nom": "Bilan annuel de la plus grande convention",
                "type": TypeRapport.BILAN_ANNUEL.value,
                "convention": convention.pk,
                "donneur": convention.donneur_d_ordre_id,
                "debut": debut.isoformat(),
                "fin": fin.isoformat(),
            }
        )
    marche = Marche.objects.filter(pk=objets["marche"]).first()
    if marche is not None:
        debut, fin = periode_du_marche(marche, jour)
        documents.append(
            {
                "nom": "Rapport du plus grand marché",
                "type": TypeRapport.RAPPORT_MARCHE.value,
                "marche": marche.pk,
                "donneur": marche.donneur_d_ordre_id,
                "debut": debut.isoformat(),
                "fin": fin.isoformat(),
            }
        )
    annee = jour.year - 1
    documents.append(
        {
            "nom": f"Bilan territorial {annee}",
            "type": TypeRapport.BILAN_TERRITORIAL.value,
            "debut": dt.date(annee, 1, 1).isoformat(),
            "fin": dt.date(annee, 12, 31).isoformat(),
        }
    )
    for type_, nom in (
        (TypeRapport.ENQUETE_NATIONALE, f"Enquête nationale {annee} (tableur)"),
        (TypeRapport.ENQUETE_SYNTHESE, f"Enquête nationale {annee} (synthèse)"),
    ):
        documents.append(
            {
                "nom": nom,
                "type": type_.value,
                "debut": dt.date(annee, 1, 1).isoformat(),
                "fin": dt.date(annee, 12, 31).isoformat(),
            }
        )
    return documents


def _version_de_la_base() -> str:
    with connection.cursor() as curseur:
        curseur.execute("SELECT version()")
        return curseur.fetchone()[0].split(" on ")[0]


# --- The steps -----------------------------------------------------------------------------------------------------


def inventaire(filtre_pages: str, compter: bool, lignes_import: int, dossier: str) -> dict:
    """Everything the measures need to know about the dataset, found once: the largest objects, two sessions,
    the pages and their SQL queries (when ``compter``), the documents to render, the statement to import.

    The sessions open the pages to whoever holds them for a few hours: they are handed to the command, which
    writes none of them to its results."""
    jour = timezone.localdate()
    acteurs, objets = _acteurs_et_objets(jour)
    users = get_user_model().objects.in_bulk(acteurs.values())
    sessions = {
        FACILITATEUR: _ouvrir_session(users[acteurs[FACILITATEUR]]),
        REFERENT: _ouvrir_session(users[acteurs[REFERENT]], objets["donneur"]),
    }
    pages = []
    if compter:
        # Each actor's calendar feed, at a new address (the previous run's stops): written to the results masked.
        flux = "reporting:agenda_flux"
        agendas = {acteur: reverse(flux, args=[emettre_adresse(users[pk])]) for acteur, pk in acteurs.items()}
        motif = re.compile(filtre_pages, re.IGNORECASE) if filtre_pages else None
        pages = [Page(PLANCHER, "/sante/")]
        pages += [p for p in pages_a_mesurer(objets, jour, agendas) if motif is None or motif.search(p.nom)]
    return {
        "base": {"moteur": connection.vendor, "version": _version_de_la_base()},
        "volumes": {
            "marches": Marche.objects.count(),
            "participants": Participant.objects.count(),
            "placements": Placement.objects.count(),
            "heures_mensuelles": HeuresMensuelles.objects.count(),
        },
        "acteurs": acteurs,
        "objets": objets,
        "sessions": sessions,
        "cookie": settings.SESSION_COOKIE_NAME,
        "pages": [
            {**asdict(page), **compte} for page, compte in zip(pages, compter_requetes(pages, sessions), strict=True)
        ],
        "documents": documents_a_produire(objets, jour),
        "releve": ecrire_releve(lignes_import, Path(dossier)) if lignes_import else None,
    }


def document(type: str, debut: str, fin: str, convention=None, marche=None, donneur=None, **_) -> dict:
    """One document rendered from an unsaved ``Rapport``, in a transaction rolled back whatever it wrote: its PDF
    pages, or for a workbook (the national survey's) its sheets."""
    rapport = Rapport(
        type=type,
        periode_debut=dt.date.fromisoformat(debut),
        periode_fin=dt.date.fromisoformat(fin),
        convention_id=convention,
        marche_id=marche,
        donneur_d_ordre_id=donneur,
    )
    base_mo = _memoire_mo()
    with transaction.atomic():
        depart = time.perf_counter()
        contenu = produire(rapport).contenu
        duree = time.perf_counter() - depart
        transaction.set_rollback(True)
    est_un_pdf = contenu.startswith(b"%PDF")
    return {
        "duree_s": round(duree, 2),
        "pic_mo": _pic_memoire_mo(),
        "base_mo": base_mo,
        "octets": len(contenu),
        "pages": len(PdfReader(io.BytesIO(contenu)).pages) if est_un_pdf else None,
        "feuilles": None if est_un_pdf else len(load_workbook(io.BytesIO(contenu), read_only=True).sheetnames),
    }


def importer(fichier: str, utilisateur: int) -> dict:
    """The preview then the confirmation of a statement, as the facilitator does them, rolled back."""
    chemin = Path(fichier)
    user = get_user_model().objects.get(pk=utilisateur)
    base_mo = _memoire_mo()
    with transaction.atomic(), chemin.open("rb") as flux:
        depart = time.perf_counter()
        importation.analyser(importation.RELEVE, flux, chemin.name, chemin.stat().st_size)
        analyse = time.perf_counter() - depart
        depart = time.perf_counter()
        rapport = importation.importer(importation.RELEVE, flux, chemin.name, chemin.stat().st_size, user)
        confirmation = time.perf_counter() - depart
        transaction.set_rollback(True)
    return {
        "lignes": rapport.lignes,
        "analyse_s": round(analyse, 2),
        "import_s": round(confirmation, 2),
        "pic_mo": _pic_memoire_mo(),
        "base_mo": base_mo,
        "valide": rapport.valide,
        "ajoutees": rapport.ajoutees,
        "mises_a_jour": rapport.mises_a_jour,
        "inchangees": rapport.inchangees,
        "erreurs": len(rapport.erreurs) + bool(rapport.erreur_fichier),
        "premiere_erreur": rapport.erreur_fichier or (rapport.erreurs[0] if rapport.erreurs else ""),
    }


def televerser(fichier: str, utilisateur: int, nom: str) -> dict:
    """A file uploaded to the statement's import page by the facilitator, as a browser sends it: the form, the
    reading and the checks of the preview, in this process, whose time and peak RSS are the web worker's."""
    chemin = Path(fichier)
    client = Client(HTTP_HOST="127.0.0.1", **ENTETES_PROXY_WSGI)
    client.force_login(get_user_model().objects.get(pk=utilisateur))
    base_mo = _memoire_mo()
    with chemin.open("rb") as flux:
        depart = time.perf_counter()
        reponse = client.post(reverse("clauses:import_releve"), {"fichier": flux})
        duree = time.perf_counter() - depart
    page = reponse.content.decode()
    refus = re.search(r"ne peut pas être importé.</p>\s*<p class=\"mb-0\">(.*?)</p>", page, re.DOTALL)
    apercu = re.search(r'<p class="fs-5" role="status">(.*?)</p>', page, re.DOTALL)
    issue = refus or apercu
    return {
        "nom": nom,
        "octets": chemin.stat().st_size,
        "statut": reponse.status_code,
        "duree_s": round(duree, 2),
        "pic_mo": _pic_memoire_mo(),
        "base_mo": base_mo,
        "refuse": refus is not None,
        "message": html.unescape(re.sub(r"<[^>]+>", "", issue[1])).strip()[:300] if issue else "",
    }


def exporter(liste: str) -> dict:
    """A whole list's XLSX export written as the worker writes it (config.exports_longs), for the first facilitator.

    The rows recorded by the list pages' own measurements (each request for a long list's export records one)
    are deleted first; this export's row and file are deleted afterwards."""
    from config import exports_longs
    from config.models import ExportListe

    # By its path, as the row the list records: this process, like a worker, has not loaded the views.
    vue = {
        "placements": "clauses.views.participants.PlacementListe",
        "participants": "clauses.views.participants.ParticipantListe",
    }[liste]
    demandes_pendant_les_pages = ExportListe.objects.all().delete()[0]
    facilitateur = get_user_model().objects.facilitateurs().order_by("pk").first()
    export = ExportListe.objects.create(
        demande_par=facilitateur, vue=vue, titre=liste.capitalize(), nom_fichier=f"{liste}.xlsx", lignes_prevues=0
    )
    base_mo = _memoire_mo()
    depart = time.perf_counter()
    exports_longs.produire(export.pk)
    duree = time.perf_counter() - depart
    export.refresh_from_db()
    octets = export.fichier.size
    export.fichier.delete(save=False)
    export.delete()
    return {
        "liste": liste,
        "lignes": export.lignes,
        "duree_s": round(duree, 2),
        "pic_mo": _pic_memoire_mo(),
        "base_mo": base_mo,
        "octets": octets,
        "demandes_pendant_les_pages": demandes_pendant_les_pages,
    }


ETAPES = {
    "preparer": preparer,
    "inventaire": inventaire,
    "document": document,
    "import": importer,
    "televersement": televerser,
    "export": exporter,
}
