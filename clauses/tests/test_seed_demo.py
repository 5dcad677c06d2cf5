import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from django.test import override_settings
from django.utils import timezone

from clauses import demo, objectif
from clauses.models import (
    HEURES_MAX_PAR_MOIS,
    OPERATEUR_PAR_MODALITE,
    SEQUENCE_DES_REFERENCES,
    ClauseInsertion,
    HeuresMensuelles,
    ModalitePlacement,
    Participant,
    Placement,
    Sortie,
)
from conventions.calendrier import add_months
from conventions.models import (
    Avenant,
    Convention,
    DonneurDOrdre,
    EtatConvention,
    Referent,
    StructurePorteuse,
    TypeDonneur,
)
from entreprises.models import Entreprise, Operateur
from entreprises.validators import siret_valide
from marches.models import Attribution, Lot, Marche, RoleAttributaire, StatutMarche

pytestmark = pytest.mark.django_db

MODELES = [
    DonneurDOrdre,
    Convention,
    Avenant,
    Marche,
    Lot,
    ClauseInsertion,
    Entreprise,
    Attribution,
    Operateur,
    Participant,
    Placement,
    HeuresMensuelles,
    Sortie,
    Referent,
]


# The seed creates accounts: PBKDF2's deliberate slowness would dominate these tests.
HACHAGE_RAPIDE = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _hachage_rapide(settings):
    settings.PASSWORD_HASHERS = HACHAGE_RAPIDE


@pytest.fixture
def jour():
    return timezone.localdate()


@pytest.fixture(scope="class")
def demo_chargee(django_db_setup, django_db_blocker):
    """The demo, loaded once for a class of read-only tests and rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=HACHAGE_RAPIDE):
        resultat = demo.charger_demo(jour=timezone.localdate())
        assert resultat.cree
        yield resultat
        transaction.set_rollback(True)


def compter() -> dict[str, int]:
    return {modele.__name__: modele.objects.count() for modele in [*MODELES, get_user_model()]}


def empreinte() -> str:
    """Digest of the demo's content by natural keys: ids and timestamps differ between runs, the rest may not."""
    requetes = [
        DonneurDOrdre.objects.values_list("siret", "nom", "type", "email", "telephone"),
        Convention.objects.values_list(
            "donneur_d_ordre__siret", "numero", "date_signature", "date_effet", "date_denonciation", "denoncee_par"
        ),
        Avenant.objects.values_list("convention__numero", "numero", "date_signature", "date_effet"),
        Entreprise.objects.values_list("siret", "raison_sociale", "naf", "commune", "contact_email"),
        Operateur.objects.values_list("nom", "type", "siret", "contact_nom"),
        Marche.objects.values_list(
            "donneur_d_ordre__siret", "reference", "objet", "statut", "facilitateur__email", "montant_estime_ht",
            "date_publication", "date_attribution", "date_debut_prevue", "date_fin_prevue",
        ),
        Lot.objects.values_list("marche__objet", "numero", "intitule", "montant_ht", "date_debut", "date_fin"),
        ClauseInsertion.objects.values_list(
            "lot__marche__objet", "lot__numero", "corps_d_etat__libelle", "taux_insertion", "cout_horaire",
            "heures_calculees", "heures_forcees", "modalites__code",
        ),
        Attribution.objects.values_list(
            "lot__marche__objet", "lot__numero", "entreprise__siret", "role", "heures_objectif", "montant_ht"
        ),
        Participant.objects.values_list(
            "reference", "nom", "prenom", "date_naissance", "genre", "commune", "qpv", "niveau_qualification",
            "prescripteur__nom", "date_orientation", "criteres__code",
        ),
        Placement.objects.values_list(
            "participant__reference", "attribution__entreprise__siret", "attribution__lot__marche__objet",
            "attribution__lot__numero", "modalite", "operateur__nom", "type_contrat", "poste", "date_debut",
            "date_fin_prevue", "date_fin",
        ),
        HeuresMensuelles.objects.values_list("placement__participant__reference", "placement__date_debut", "mois",
                                             "heures", "source"),
        Sortie.objects.values_list("placement__participant__reference", "placement__date_debut", "moment",
                                   "date_constat", "situation", "employeur"),
        get_user_model().objects.values_list("email", "first_name", "last_name", "is_superuser", "is_facilitateur"),
        Referent.objects.values_list("user__email", "donneur_d_ordre__siret", "fonction"),
    ]  # fmt: skip
    sha = hashlib.sha256()
    for requete in requetes:
        for ligne in sorted(map(repr, requete)):
            sha.update(ligne.encode())
    return sha.hexdigest()


# --- The demo territory ----------------------------------------------------------------------------


class TestTerritoireDeDemo:
    """What the demo territory must contain; the tests only read it."""

    def test_demandes_des_referents_en_attente(self, demo_chargee):
        from marches.models import PropositionAttribution, StatutProposition

        [declare] = Marche.objects.filter(declare_le__isnull=False, pris_en_charge_le__isnull=True)
        assert declare.declare_par.email == demo.COMPTE_REFERENT_BAILLEUR
        assert declare.statut == StatutMarche.EN_PREPARATION
        [proposition] = PropositionAttribution.objects.filter(statut=StatutProposition.PROPOSEE)
        assert proposition.envoye_par.email == demo.COMPTE_REFERENT_COMMUNE
        assert (
            proposition.lot.marche.donneur_d_ordre == Referent.objects.get(user=proposition.envoye_par).donneur_d_ordre
        )
        assert siret_valide(proposition.siret)

    def test_ordres_de_grandeur(self, demo_chargee):
        n = compter()
        assert 10 <= n["DonneurDOrdre"] <= 15
        assert 35 <= n["Marche"] <= 45
        assert 60 <= n["Lot"] == n["ClauseInsertion"]
        assert 50 <= n["Entreprise"] <= 80
        assert 15 <= n["Operateur"] <= 25
        assert 140 <= n["Participant"] <= 160
        assert 100 <= n["Placement"] <= 400
        assert 300 <= n["HeuresMensuelles"] <= 3000
        assert n["Sortie"] >= 50
        assert n["Avenant"] >= 2
        assert set(Marche.objects.values_list("statut", flat=True)) == set(StatutMarche.values)
        assert StructurePorteuse.get().sigle == "ACCM"
        assert demo_chargee.lignes["participants"] == n["Participant"]

    def test_types_de_donneurs_varies(self, demo_chargee):
        types = set(DonneurDOrdre.objects.values_list("type", flat=True))
        assert {TypeDonneur.COMMUNE, TypeDonneur.EPCI, TypeDonneur.DEPARTEMENT, TypeDonneur.BAILLEUR} <= types
        assert {TypeDonneur.HOPITAL, TypeDonneur.SEM_SPL} <= types
        assert DonneurDOrdre.objects.filter(nom__contains="Arles", type=TypeDonneur.COMMUNE).exists()

    def test_sirets_valides(self, demo_chargee):
        sirets = [
            *Entreprise.objects.values_list("siret", flat=True),
            *DonneurDOrdre.objects.values_list("siret", flat=True),
            *Operateur.objects.exclude(siret=None).values_list("siret", flat=True),
            StructurePorteuse.get().siret,
        ]
        assert len(sirets) > 80
        assert [s for s in sirets if not siret_valide(s)] == []
        assert all(len(naf) == 6 and naf[2] == "." for naf in Entreprise.objects.values_list("naf", flat=True))

    def test_conventions_dans_tous_les_etats(self, demo_chargee, jour):
        conventions = list(Convention.objects.all())
        assert {c.etat(jour) for c in conventions} == set(EtatConvention.values)
        delais = [
            (c.date_limite_denonciation(jour) - jour).days for c in conventions if c.date_limite_denonciation(jour)
        ]
        assert any(0 <= d <= 60 for d in delais)
        denoncee = next(c for c in conventions if c.etat(jour) == EtatConvention.DENONCEE)
        assert denoncee.date_denonciation and denoncee.denoncee_par
        assert any(c.nombre_reconductions(jour) >= 2 for c in conventions)

    def test_clauses_calculees(self, demo_chargee):
        for clause in ClauseInsertion.objects.all():
            assert clause.heures_calculees == objectif.calculer_heures(
                clause.montant_ht, clause.part_main_oeuvre, clause.taux_insertion, clause.cout_horaire
            )
            assert Decimal(5) <= clause.taux_insertion <= Decimal(10)
            assert Decimal(25) <= clause.cout_horaire <= Decimal(35)
        assert ClauseInsertion.objects.filter(corps_d_etat__isnull=False).count() >= 90
        assert ClauseInsertion.objects.filter(heures_forcees__isnull=False).exclude(motif_forcage="").exists()
        assert not ClauseInsertion.objects.filter(modalites=None).exists()

    def test_placements_heures_et_sorties_coherents(self, demo_chargee, jour):
        for placement in Placement.objects.select_related("operateur"):
            attendu = OPERATEUR_PAR_MODALITE.get(placement.modalite)
            if attendu is None:
                assert placement.operateur is None
            else:
                assert placement.operateur.type in attendu
        modalites = Counter(Placement.objects.values_list("modalite", flat=True))
        total = sum(modalites.values())
        assert 0.2 <= modalites[ModalitePlacement.EMBAUCHE_DIRECTE] / total <= 0.45
        assert 0.2 <= modalites[ModalitePlacement.MAD_ETTI] / total <= 0.45
        assert len(modalites) == len(ModalitePlacement.values)

        dernier_mois = add_months(jour.replace(day=1), -1)
        premier_mois = add_months(dernier_mois, -17)
        assert not HeuresMensuelles.objects.exclude(mois__day=1).exists()
        assert not HeuresMensuelles.objects.filter(Q(heures__lt=20) | Q(heures__gt=160)).exists()
        assert not HeuresMensuelles.objects.filter(heures__gt=HEURES_MAX_PAR_MOIS).exists()
        mois = set(HeuresMensuelles.objects.values_list("mois", flat=True))
        assert min(mois) == premier_mois and max(mois) == dernier_mois
        # A person never works more than one placement's hours in a month.
        assert not (
            HeuresMensuelles.objects.values("placement__participant", "mois").annotate(n=Count("id")).filter(n__gt=1)
        )

        assert not Sortie.objects.filter(Q(placement__date_fin=None) | Q(placement__date_fin__gte=jour)).exists()
        assert Sortie.objects.filter(moment="six_mois").exists()
        assert Participant.objects.filter(reside_qpv=True, qpv__in=["Griffeuille", "Barriol", "Trébon"]).count() >= 10
        criteres = Participant.objects.annotate(n=Count("criteres")).values_list("n", flat=True)
        assert set(criteres) <= {1, 2}
        assert not Participant.objects.filter(prescripteur=None).exists()
        naissances = Participant.objects.values_list("date_naissance", flat=True)
        assert all(dt.date(1960, 1, 1) <= d <= dt.date(2006, 12, 31) for d in naissances)

    def test_situations_qui_declenchent_des_alertes(self, demo_chargee, jour):
        # A lot behind schedule.
        en_retard = 0
        for lot in Lot.objects.filter(attributions__isnull=False).distinct().select_related("clause"):
            realisees = HeuresMensuelles.objects.filter(placement__attribution__lot=lot).aggregate(s=Sum("heures"))[
                "s"
            ]
            attendues = objectif.heures_attendues(lot.clause.heures_objectif, lot.date_debut, lot.date_fin, jour)
            if attendues and attendues > 200 and objectif.en_retard(realisees or 0, attendues):
                en_retard += 1
        assert en_retard >= 2
        # An attributaire with someone at work but no hours for the last two months.
        deux_mois = add_months(jour.replace(day=1), -2)
        silencieuses = (
            Attribution.objects.filter(placements__date_fin=None, placements__date_debut__lt=deux_mois)
            .exclude(placements__heures__mois__gte=deux_mois)
            .distinct()
        )
        assert silencieuses.count() >= 1
        # An awarded marché nobody sent the attributaires of.
        assert Marche.objects.filter(statut=StatutMarche.ATTRIBUE, lots__attributions=None).exists()
        # Targets split between titulaire and co-traitant.
        partages = Lot.objects.filter(attributions__role=RoleAttributaire.CO_TRAITANT).distinct()
        assert partages.count() >= 2
        for lot in partages:
            assert lot.attributions.aggregate(s=Sum("heures_objectif"))["s"] == lot.clause.heures_objectif

    def test_donnees_essentielles_de_l_exemple(self, demo_chargee):
        """The DECP sample is written for the demo: its buyers are the demo's donneurs d'ordre, most titulaires its
        companies; the facilitator has marchés to follow and the L2112-2-1 watch list has its four leads."""
        from marches.decp.services import propositions, titulaires
        from marches.models import MarcheDECP
        from reporting.veille_decp import marches_a_verifier

        assert MarcheDECP.objects.count() == 10
        assert propositions().count() == 4
        assert marches_a_verifier().count() == 4
        connus = [t for decp in MarcheDECP.objects.all() for t in titulaires(decp) if t.entreprise is not None]
        assert len(connus) >= 8

    def test_comptes_de_demo(self, demo_chargee, client):
        User = get_user_model()
        for _role, email in demo_chargee.comptes:
            user = User.objects.get(email=email)
            validate_password(demo.MOT_DE_PASSE_DEMO, user)
            # Login throttling (django-axes) needs the request the credentials came with.
            assert client.login(request=HttpRequest(), email=email, password=demo.MOT_DE_PASSE_DEMO), email
            client.logout()
        admin = User.objects.get(email=demo.COMPTE_ADMIN)
        assert admin.is_superuser and admin.is_staff
        camille = User.objects.get(email=demo.COMPTE_FACILITATEUR)
        assert camille.get_full_name() == "Camille Martin"
        assert camille.is_facilitateur and not camille.is_superuser
        assert Marche.objects.filter(facilitateur=camille).count() >= 10
        jeanne = DonneurDOrdre.objects.for_user(User.objects.get(email=demo.COMPTE_REFERENT_COMMUNE)).get()
        assert jeanne.nom == "Ville d'Arles"
        bailleur = DonneurDOrdre.objects.for_user(User.objects.get(email=demo.COMPTE_REFERENT_BAILLEUR)).get()
        assert bailleur.type == TypeDonneur.BAILLEUR


def test_commande_deux_fois_ne_change_rien():
    sortie = StringIO()
    call_command("seed_demo", stdout=sortie)
    assert "Données de démonstration chargées" in sortie.getvalue()
    assert demo.COMPTE_FACILITATEUR in sortie.getvalue() and demo.MOT_DE_PASSE_DEMO in sortie.getvalue()
    avant = compter()
    sortie = StringIO()
    call_command("seed_demo", stdout=sortie)
    assert "déjà présentes" in sortie.getvalue()
    assert compter() == avant


def test_deux_chargements_identiques(jour):
    empreintes = []
    for _ in range(2):
        # As on a fresh database: the references' sequence is not rolled back with the load.
        with connection.cursor() as curseur:
            curseur.execute("SELECT setval(%s, 1, false)", [SEQUENCE_DES_REFERENCES])
        with transaction.atomic():
            demo.charger_demo(jour=jour)
            empreintes.append(empreinte())
            transaction.set_rollback(True)
    assert DonneurDOrdre.objects.count() == 0
    assert empreintes[0] == empreintes[1]


def test_if_empty_ne_charge_rien_si_un_donneur_existe():
    DonneurDOrdre.objects.create(nom="Ville de Test", type=TypeDonneur.COMMUNE)
    sortie = StringIO()
    call_command("seed_demo", "--if-empty", stdout=sortie)
    assert "aucune donnée" in sortie.getvalue()
    assert DonneurDOrdre.objects.count() == 1 and Marche.objects.count() == 0


# --- The benchmark dataset, scaled down ------------------------------------------------------------


def test_volume_reduit(jour):
    call_command("seed_demo", "--size", "national", "--echelle", "0.002", stdout=StringIO())
    n = compter()
    assert n["DonneurDOrdre"] == 6 and n["Marche"] == 200 and n["Entreprise"] == 80
    assert 400 <= n["Lot"] == n["ClauseInsertion"] <= 600
    assert n["Participant"] == 500 and n["Placement"] == 800
    assert 2400 <= n["HeuresMensuelles"] <= 3600  # ≈ 3.75 months per placement
    assert n["Attribution"] > 300 and n["Sortie"] > 300
    assert ClauseInsertion.modalites.through.objects.count() >= n["ClauseInsertion"]
    assert Participant.criteres.through.objects.count() >= n["Participant"]

    # 500 references in a row (the sequence starts where earlier tests left it).
    numeros = sorted(int(reference[2:]) for reference in Participant.objects.values_list("reference", flat=True))
    assert numeros == list(range(numeros[0], numeros[0] + 500))
    for clause in ClauseInsertion.objects.all()[:50]:
        assert (
            clause.heures_calculees
            == objectif.calculer_heures(
                clause.montant_ht, clause.part_main_oeuvre, clause.taux_insertion, clause.cout_horaire
            )
            > 0
        )
    assert all(siret_valide(s) for s in Entreprise.objects.values_list("siret", flat=True))
    assert not HeuresMensuelles.objects.exclude(mois__day=1).exists()
    assert not HeuresMensuelles.objects.filter(mois__gte=jour.replace(day=1)).exists()
    assert not HeuresMensuelles.objects.filter(Q(heures__lt=20) | Q(heures__gt=160)).exists()
    assert not Placement.objects.filter(modalite=ModalitePlacement.EMBAUCHE_DIRECTE, operateur__isnull=False)
    for placement in Placement.objects.exclude(modalite=ModalitePlacement.EMBAUCHE_DIRECTE).select_related(
        "operateur"
    )[:100]:
        assert placement.operateur.type in OPERATEUR_PAR_MODALITE[placement.modalite]
    assert {c.etat(jour) for c in Convention.objects.all()} <= set(EtatConvention.values)
    # Rows inserted later through the ORM get fresh ids (COPY on PostgreSQL moved the sequences on).
    marche = Marche.objects.create(donneur_d_ordre=DonneurDOrdre.objects.first(), objet="Après le jeu de test")
    assert marche.pk > max(Marche.objects.exclude(pk=marche.pk).values_list("pk", flat=True))

    sortie = StringIO()
    call_command("seed_demo", "--size", "national", "--echelle", "0.002", stdout=sortie)
    assert "déjà présent" in sortie.getvalue()
    assert Marche.objects.count() == 201


def test_volume_apres_la_demo(jour):
    demo.charger_demo(jour=jour)
    participants = Participant.objects.count()
    dernier = max(int(reference[2:]) for reference in Participant.objects.values_list("reference", flat=True))
    resultat = demo.charger_volume(0.001)
    assert resultat.cree
    assert Participant.objects.count() == participants + 250
    assert Participant.objects.filter(reference=f"P-{dernier + 1:06d}").exists()


def test_le_bilan_annuel_d_arles_est_transmis(demo_chargee):
    from reporting.models import BilanAnnuel

    [bilan] = BilanAnnuel.objects.all()
    assert bilan.convention.donneur_d_ordre.nom == "Ville d'Arles"
    assert bilan.est_transmis and bilan.transmis_par.email == demo.COMPTE_FACILITATEUR
    assert bilan.periode_fin < timezone.localdate()
