"""The portfolio's round trip on the demo territory: exported by Clauses, imported into a base emptied of its domain
(the facilitators' accounts kept), it gives the same home page, the same annual bilan and the same rows; imported
again, it changes nothing; and PostgreSQL's derived totals are exact after it."""

import datetime as dt
import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from clauses.demo import COMPTE_FACILITATEUR, charger_demo
from clauses.importation import portefeuille
from clauses.importation.portefeuille.export import exporter
from clauses.models import ClauseInsertion, HeuresMensuelles, Participant, Placement, Sortie
from conventions.models import Avenant, Convention, DonneurDOrdre, Invitation, Referent
from entreprises.models import Entreprise, Operateur
from marches.models import Attribution, Lot, Marche, PropositionAttribution
from reporting.documents import produire
from reporting.models import BilanAnnuel, Rapport, TypeRapport
from reporting.tests.outils_pdf import texte_pdf

pytestmark = pytest.mark.django_db


def empreinte() -> str:
    """The domain's content by natural keys (ids, timestamps and the hours' source aside)."""
    requetes = [
        DonneurDOrdre.objects.values_list(
            "siret", "nom", "type", "adresse", "code_postal", "commune", "email", "telephone", "periodicite_rapport",
            "actif",
        ),
        Referent.objects.values_list(
            "user__email", "user__first_name", "user__last_name", "donneur_d_ordre__siret", "fonction", "principal"
        ),
        Convention.objects.values_list(
            "donneur_d_ordre__siret", "numero", "objet", "date_signature", "date_effet", "duree_mois", "preavis_mois",
            "date_denonciation", "denoncee_par", "motif_denonciation", "notes",
        ),
        Avenant.objects.values_list(
            "convention__donneur_d_ordre__siret", "convention__date_effet", "numero", "objet", "date_signature",
            "date_effet", "description",
        ),
        Entreprise.objects.values_list(
            "siret", "raison_sociale", "naf", "adresse", "code_postal", "commune", "contact_nom", "contact_email",
            "contact_telephone", "notes",
        ),
        Operateur.objects.values_list(
            "nom", "type", "siret", "adresse", "code_postal", "commune", "contact_nom", "email", "telephone",
            "metiers", "actif",
        ),
        Marche.objects.values_list(
            "donneur_d_ordre__siret", "reference", "objet", "type", "statut", "origine", "montant_estime_ht",
            "maitre_oeuvre", "contact", "avis_faisabilite", "faisabilite_cout", "faisabilite_duree",
            "faisabilite_technicite", "formation_amont", "formation_amont_notes", "date_publication",
            "date_remise_offres", "date_attribution", "date_debut_prevue", "date_fin_prevue", "facilitateur__email",
            "notes", "declare_par__email", "declare_le", "message_donneur", "pris_en_charge_le",
        ),
        Lot.objects.values_list("marche__reference", "numero", "intitule", "montant_ht", "date_debut", "date_fin"),
        ClauseInsertion.objects.values_list(
            "lot__marche__reference", "lot__numero", "corps_d_etat__libelle", "montant_ht", "part_main_oeuvre",
            "taux_insertion", "cout_horaire", "heures_calculees", "heures_forcees", "motif_forcage",
            "part_qpv_minimum", "modalites__code",
        ),
        Attribution.objects.values_list(
            "lot__marche__reference", "lot__numero", "entreprise__siret", "role", "montant_ht", "heures_objectif",
            "date_notification", "date_debut", "date_fin", "contact_nom", "contact_email", "contact_telephone",
        ),
        Participant.objects.values_list(
            "reference", "nom", "prenom", "date_naissance", "genre", "commune", "code_postal", "reside_qpv", "qpv",
            "niveau_qualification", "prescripteur__nom", "identifiant_france_travail", "telephone", "email",
            "date_orientation", "notes", "criteres__code",
        ),
        Placement.objects.values_list(
            "participant__reference", "attribution__entreprise__siret", "attribution__lot__marche__reference",
            "attribution__lot__numero", "modalite", "operateur__nom", "type_contrat", "poste", "date_debut",
            "date_fin_prevue", "date_fin", "duree_hebdomadaire", "reside_qpv", "notes",
        ),
        HeuresMensuelles.objects.values_list(
            "placement__participant__reference", "placement__attribution__lot__marche__reference",
            "placement__date_debut", "mois", "heures",
        ),
        Sortie.objects.values_list(
            "placement__participant__reference", "placement__date_debut", "moment", "date_constat", "situation",
            "employeur", "commentaire",
        ),
    ]  # fmt: skip
    sha = hashlib.sha256()
    for requete in requetes:
        lignes = sorted(map(repr, requete))
        sha.update(f"{requete.model.__name__}:{len(lignes)}".encode())
        for ligne in lignes:
            sha.update(ligne.encode())
    return sha.hexdigest()


def vider_le_domaine() -> None:
    """Everything the portfolio holds, and the référents' accounts; the facilitators and admins stay."""
    for modele in (Rapport, BilanAnnuel, Sortie, HeuresMensuelles, Placement, Participant, PropositionAttribution):
        modele.objects.all().delete()
    for modele in (Attribution, ClauseInsertion, Lot, Marche, Avenant, Convention, Invitation, Referent):
        modele.objects.all().delete()
    for modele in (DonneurDOrdre, Entreprise, Operateur):
        modele.objects.all().delete()
    get_user_model().objects.filter(is_facilitateur=False, is_superuser=False, is_staff=False).delete()


def accueil(client) -> dict:
    """The home page's figures, for this year and the last, and its alerts' texts (those of the attributaires
    proposed on the portal aside: a proposal waiting is not part of a portfolio)."""
    figures = {}
    jour = timezone.localdate()
    for annee in (jour.year, jour.year - 1):
        contexte = client.get("/", {"annee": annee, "alertes": "equipe"}).context
        figures[annee] = {
            cle: contexte[cle]
            for cle in (
                "chiffres",
                "precedents",
                "publics",
                "nb_personnes_publics",
                "modalites",
                "mois",
                "marches_actifs",
            )
        }
        figures[annee]["alertes"] = sorted(
            (g.type, a.texte) for g in contexte["groupes_alertes"] for a in g.alertes if "proposé" not in a.texte
        )
    return figures


def bilan_annuel() -> str:
    """The text of the Ville d'Arles convention's last complete year, as its PDF prints it (facilitator's copy)."""
    convention = Convention.objects.filter(donneur_d_ordre__nom="Ville d'Arles", date_signature__isnull=False).first()
    jour = timezone.localdate()
    periode = next(
        p
        for n in range(convention.periode_courante(jour).numero, 0, -1)
        if (p := convention.periode_numero(n)).echeance < jour
    )
    rapport = Rapport.objects.create(
        type=TypeRapport.BILAN_ANNUEL, convention=convention, periode_debut=periode.debut, periode_fin=periode.echeance
    )
    return texte_pdf(produire(rapport).contenu)


def importer(contenu: bytes, nom: str, utilisateur):
    return portefeuille.importer(
        io.BytesIO(contenu), nom, len(contenu), utilisateur, limites=portefeuille.GRAND_VOLUME
    )


@pytest.mark.parametrize("format_fichier", ["xlsx", "zip"])
def test_export_then_import_into_an_empty_base_gives_the_same_figures(client, format_fichier):
    charger_demo()
    BilanAnnuel.objects.all().delete()  # the facilitator's text is no part of a portfolio
    facilitateur = get_user_model().objects.get(email=COMPTE_FACILITATEUR)
    client.force_login(facilitateur)
    avant = (empreinte(), accueil(client), bilan_annuel())

    sortie = io.BytesIO()
    exporter(sortie, format_fichier)
    contenu = sortie.getvalue()
    vider_le_domaine()
    assert not Marche.objects.exists()

    rapport = importer(contenu, f"portefeuille.{format_fichier}", facilitateur)
    assert rapport.valide, [str(e) for e in rapport.erreurs[:20]] + [rapport.erreur_fichier]
    apres = (empreinte(), accueil(client), bilan_annuel())
    assert apres[0] == avant[0]
    assert apres[1] == avant[1]
    assert apres[2] == avant[2]
    call_command("verifier_cumuls")

    # The same workbook again: the preview says everything is unchanged, and nothing is written.
    second = portefeuille.analyser(
        io.BytesIO(contenu), f"portefeuille.{format_fichier}", len(contenu), limites=portefeuille.GRAND_VOLUME
    )
    assert second.valide and not second.a_ecrire
    assert all(b.ajouts == b.mises_a_jour == 0 and b.inchangees == b.lignes for b in second.bilans), [
        (b.titre, b.resume) for b in second.bilans
    ]
    assert dt.date.today()  # keeps the import of datetime honest in a module that names dates in its helpers
