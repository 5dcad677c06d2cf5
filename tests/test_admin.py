"""The Django admin: every registered model renders, searches and sorts; lists do not grow in queries;
validation errors show on the form in French, never as a 500."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import (
    ClauseInsertion,
    CorpsDEtat,
    CritereEligibilite,
    HeuresMensuelles,
    ImportPortefeuille,
    ModaliteJuridique,
    ModeleClause,
    Participant,
    Placement,
    Sortie,
)
from config.models import AlerteConsultations, Consultation, Courriel, ExportListe, NatureConsultation
from conventions.factories import (
    AdminFactory,
    ConventionFactory,
    DonneurDOrdreFactory,
    ReferentFactory,
    UserFactory,
)
from conventions.models import Avenant, Convention, DenoncePar, DonneurDOrdre, Referent, StructurePorteuse, User
from entreprises.factories import EntrepriseFactory, OperateurFactory, PrescripteurFactory, siret_n
from entreprises.models import Entreprise, Operateur
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Attribution, Lot, Marche, PropositionAttribution
from reporting.models import BilanAnnuel, Rapport, Tache, TypeRapport

pytestmark = pytest.mark.django_db

_numeros = itertools.count(1)


def _avenant() -> Avenant:
    convention = ConventionFactory()
    return Avenant.objects.create(
        convention=convention, numero=1, objet="Extension aux marchés de services", date_signature=dt.date(2025, 1, 15)
    )


def _convention() -> Convention:
    convention = ConventionFactory(numero=f"C-{next(_numeros)}")
    Avenant.objects.create(convention=convention, numero=1, objet="Avenant", date_signature=dt.date(2025, 2, 1))
    return convention


def _lot() -> Lot:
    heures = HeuresMensuellesFactory()
    lot = heures.placement.attribution.lot
    ClauseInsertionFactory(lot=lot)
    return lot


def _participant() -> Participant:
    participant = ParticipantFactory(prescripteur=PrescripteurFactory())
    participant.criteres.set(CritereEligibilite.objects.all()[:2])
    PlacementFactory(participant=participant)
    return participant


def _placement() -> Placement:
    placement = HeuresMensuellesFactory().placement
    SortieFactory(placement=placement)
    return placement


def _clause() -> ClauseInsertion:
    clause = ClauseInsertionFactory(corps_d_etat=CorpsDEtat.objects.first())
    clause.modalites.set(ModaliteJuridique.objects.all()[:2])
    return clause


def _user() -> User:
    return ReferentFactory().user


# One object per registered model, with enough related rows for the list columns to have work to do.
def _rapport():
    convention = _convention()
    rapport = Rapport.objects.create(
        type=TypeRapport.BILAN_ANNUEL,
        donneur_d_ordre=convention.donneur_d_ordre,
        convention=convention,
        periode_debut=dt.date(2024, 7, 1),
        periode_fin=dt.date(2025, 6, 30),
    )
    rapport.enregistrer_fichier("r.pdf", b"%PDF-1.7")
    rapport.save()
    return rapport


def _consultation() -> Consultation:
    utilisateur = _user()
    return Consultation.objects.create(
        utilisateur=utilisateur,
        email=utilisateur.email,
        nature=NatureConsultation.FICHE,
        objet="clauses.participant",
        objet_id=1,
        reference="P-000001",
        description="Fiche du participant P-000001",
        adresse_ip="127.0.0.1",
    )


def _alerte() -> AlerteConsultations:
    utilisateur = _user()
    return AlerteConsultations.objects.create(
        utilisateur=utilisateur, email=utilisateur.email, jour=dt.date(2026, 3, 2), personnes=250, seuil=200
    )


CONSTRUCTEURS = {
    Consultation: _consultation,
    AlerteConsultations: _alerte,
    Courriel: lambda: Courriel.objects.create(
        origine="invitation", sujet="Invitation", expediteur="clauses@exemple.fr", destinataires="a@exemple.fr"
    ),
    ImportPortefeuille: lambda: ImportPortefeuille.objects.create(demande_par=_user(), nom_fichier="p.xlsx"),
    ExportListe: lambda: ExportListe.objects.create(
        demande_par=_user(), vue="marches.views.MarcheListe", titre="Marchés", nom_fichier="m.xlsx", lignes_prevues=1
    ),
    Group: lambda: Group.objects.create(name=f"Groupe {next(_numeros)}"),
    User: _user,
    StructurePorteuse: StructurePorteuse.get,
    DonneurDOrdre: lambda: MarcheFactory().donneur_d_ordre,
    Referent: ReferentFactory,
    Convention: _convention,
    Avenant: _avenant,
    Entreprise: lambda: AttributionFactory().entreprise,
    Operateur: OperateurFactory,
    Marche: lambda: LotFactory().marche,
    Lot: _lot,
    Attribution: lambda: HeuresMensuellesFactory().placement.attribution,
    ModaliteJuridique: lambda: ModaliteJuridique.objects.create(
        code=f"modalite-{next(_numeros)}", libelle="Modalité de test", article="L0000-0"
    ),
    CritereEligibilite: lambda: CritereEligibilite.objects.create(code=f"critere-{next(_numeros)}", libelle="Critère"),
    CorpsDEtat: lambda: CorpsDEtat.objects.create(libelle=f"Corps {next(_numeros)}", part_main_oeuvre=Decimal("40")),
    ModeleClause: lambda: ModeleClause.objects.create(
        code=f"modele-{next(_numeros)}", titre="Modèle de test", destination="ccap", texte="$heures heures."
    ),
    ClauseInsertion: _clause,
    Participant: _participant,
    Placement: _placement,
    HeuresMensuelles: HeuresMensuellesFactory,
    Sortie: SortieFactory,
    PropositionAttribution: lambda: PropositionAttribution.objects.create(
        marche=(lot := LotFactory()).marche,
        lot=lot,
        siret=EntrepriseFactory.build().siret,
        raison_sociale="Bâti Sud",
        contact_nom="Léa Martin",
        date_debut=dt.date(2026, 3, 1),
        date_fin=dt.date(2026, 9, 30),
    ),
    Rapport: _rapport,
    Tache: lambda: Tache.objects.create(
        code="digest_hebdomadaire", cle=f"facilitateur:1:{next(_numeros)}", rapport=_rapport()
    ),
    CrontabSchedule: lambda: CrontabSchedule.objects.create(minute="30", hour="7", timezone="Europe/Paris"),
    PeriodicTask: lambda: PeriodicTask.objects.create(
        name=f"Tâche {next(_numeros)}",
        task="reporting.tasks.reprendre_travaux",
        crontab=CrontabSchedule.objects.create(minute="0", hour="7", timezone="Europe/Paris"),
    ),
    BilanAnnuel: lambda: BilanAnnuel.objects.create(
        convention=_convention(),
        numero_periode=1,
        periode_debut=dt.date(2024, 7, 1),
        periode_fin=dt.date(2025, 6, 30),
        texte_qualitatif="Bilan",
    ),
}

MODELES = sorted(admin.site._registry, key=lambda m: m._meta.label)
IDS = [m._meta.label_lower for m in MODELES]
SINGLETONS = {StructurePorteuse}
# Logs: read in the admin, never added nor changed there.
LECTURE_SEULE = {Consultation, AlerteConsultations}


def _url(model: type[Model], vue: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{vue}", args=args)


@pytest.fixture
def client_admin(client):
    client.force_login(AdminFactory())
    return client


def donnees_du_formulaire(response) -> dict:
    """The POST data a browser would send back for an untouched admin change form (initial forms only)."""
    formulaires = [response.context["adminform"].form]
    data: dict = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.initial_form_count()
        data[f"{formset.prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        formulaires.extend(formset.initial_forms)
    for formulaire in formulaires:
        for nom, champ in formulaire.fields.items():
            if champ.disabled:
                continue
            valeur = formulaire[nom].value()
            cle = formulaire.add_prefix(nom)
            if valeur is None or isinstance(valeur, FieldFile):
                continue
            if isinstance(valeur, bool):
                if valeur:
                    data[cle] = "on"
            elif isinstance(valeur, list | tuple):
                data[cle] = [str(v) for v in valeur]
            else:
                data[cle] = str(valeur)
    return data


# --- Every registered model --------------------------------------------------------------------------------


def test_chaque_modele_enregistre_a_un_constructeur():
    manquants = [m._meta.label for m in MODELES if m not in CONSTRUCTEURS]
    assert not manquants, f"Ajouter à CONSTRUCTEURS de quoi créer un objet de : {manquants}"


@pytest.mark.parametrize("model", MODELES, ids=IDS)
def test_liste_ajout_et_modification_s_affichent(client_admin, model):
    # The add page first: the singleton refuses it once its row exists.
    assert client_admin.get(_url(model, "add")).status_code == (403 if model in LECTURE_SEULE else 200)
    obj = CONSTRUCTEURS[model]()

    response = client_admin.get(_url(model, "changelist"), follow=True)
    assert response.status_code == 200
    assert "%s" not in response.text  # what an undefined template variable renders as (see conftest)
    response = client_admin.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert "%s" not in response.text
    assert response.context["adminform"].form.instance == obj


@pytest.mark.parametrize("model", MODELES, ids=IDS)
def test_enregistrer_sans_rien_changer_fonctionne(client_admin, model):
    obj = CONSTRUCTEURS[model]()
    url = _url(model, "change", obj.pk)
    if model in LECTURE_SEULE:
        assert client_admin.post(url, donnees_du_formulaire(client_admin.get(url))).status_code == 403
        return
    response = client_admin.post(url, donnees_du_formulaire(client_admin.get(url)))
    erreurs = response.context and [response.context["adminform"].form.errors, response.context["errors"]]
    assert response.status_code == 302, erreurs


@pytest.mark.parametrize("model", MODELES, ids=IDS)
def test_recherche_et_tri_sur_chaque_colonne(client_admin, model):
    CONSTRUCTEURS[model]()
    model_admin = admin.site._registry[model]
    url = _url(model, "changelist")
    if model_admin.search_fields:
        response = client_admin.get(url, {"q": "Nom 1 12"}, follow=True)
        assert response.status_code == 200
    for colonne in range(1, len(model_admin.list_display) + 1):
        for sens in ("", "-"):
            response = client_admin.get(url, {"o": f"{sens}{colonne}"}, follow=True)
            assert response.status_code == 200, (colonne, sens)


@pytest.mark.parametrize(
    "model",
    [m for m in MODELES if m not in SINGLETONS],
    ids=[m._meta.label_lower for m in MODELES if m not in SINGLETONS],
)
def test_le_nombre_de_requetes_d_une_liste_ne_croit_pas_avec_les_lignes(client_admin, model):
    url = _url(model, "changelist")
    constructeur = CONSTRUCTEURS[model]
    constructeur()
    client_admin.get(url)  # warms the caches (content types, session)

    with CaptureQueriesContext(connection) as une_ligne:
        assert client_admin.get(url).status_code == 200
    for _ in range(19):
        constructeur()
    with CaptureQueriesContext(connection) as vingt_lignes:
        response = client_admin.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 20
    assert len(vingt_lignes) == len(une_ligne), "\n".join(q["sql"] for q in vingt_lignes.captured_queries)


SUPPRIMABLES = {
    # Objects without PROTECTed dependants (placements protect their attribution, marchés their donneur).
    Lot: lambda: ClauseInsertionFactory().lot,
    Attribution: AttributionFactory,
    Placement: _placement,
    Marche: lambda: LotFactory().marche,
    DonneurDOrdre: DonneurDOrdreFactory,
    Participant: ParticipantFactory,
}


@pytest.mark.parametrize("model", list(SUPPRIMABLES), ids=lambda m: m.__name__)
def test_l_action_supprimer_fonctionne_sur_les_listes_annotees(client_admin, model):
    obj = SUPPRIMABLES[model]()
    url = _url(model, "changelist")
    data = {"action": "delete_selected", "_selected_action": [obj.pk]}
    assert client_admin.post(url, data).status_code == 200  # confirmation page
    response = client_admin.post(url, {**data, "post": "yes"})
    assert response.status_code == 302
    assert not model.objects.filter(pk=obj.pk).exists()


# --- Searches ----------------------------------------------------------------------------------------------


def _resultats(client, model, terme: str) -> list:
    response = client.get(_url(model, "changelist"), {"q": terme})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_recherches(client_admin):
    donneur = DonneurDOrdreFactory(nom="Ville de Tarascon")
    marche = MarcheFactory(donneur_d_ordre=donneur, objet="Construction d'une crèche", reference="2026-TX-04")
    lot = LotFactory(marche=marche, intitule="Plâtrerie")
    entreprise = EntrepriseFactory(raison_sociale="Bâtiments du Rhône")
    AttributionFactory(lot=lot, entreprise=entreprise)
    participant = ParticipantFactory(nom="Martin", prenom="Inès")
    convention = ConventionFactory(donneur_d_ordre=donneur, numero="CONV-2024-07")
    MarcheFactory(objet="Autre chose")

    assert _resultats(client_admin, DonneurDOrdre, "tarascon") == [donneur]
    assert _resultats(client_admin, Marche, "Tarascon") == [marche]
    assert _resultats(client_admin, Marche, "2026-TX") == [marche]
    assert _resultats(client_admin, Lot, "crèche") == [lot]
    assert _resultats(client_admin, Entreprise, "rhône") == [entreprise]
    assert _resultats(client_admin, Attribution, "rhône")[0].entreprise == entreprise
    assert _resultats(client_admin, Participant, "inès") == [participant]
    assert _resultats(client_admin, Participant, participant.reference) == [participant]
    assert _resultats(client_admin, Convention, "CONV-2024") == [convention]
    assert _resultats(client_admin, Convention, "tarascon") == [convention]


def test_recherche_par_siret_tape_avec_des_espaces(client_admin):
    entreprise = EntrepriseFactory(siret=siret_n(7))
    EntrepriseFactory()
    siret = entreprise.siret
    assert _resultats(client_admin, Entreprise, f"{siret[:3]} {siret[3:6]} {siret[6:9]}") == [entreprise]
    assert _resultats(client_admin, Entreprise, siret) == [entreprise]


# --- Validation shown on the form ---------------------------------------------------------------------------


def test_un_lot_qui_finit_avant_de_commencer_est_refuse_sur_le_formulaire(client_admin):
    marche = MarcheFactory()
    response = client_admin.post(
        _url(Lot, "add"),
        {
            "marche": marche.pk,
            "numero": "1",
            "intitule": "Peinture",
            "montant_ht": "100000",
            "date_debut": "01/06/2026",
            "date_fin": "01/01/2026",
            "attributions-TOTAL_FORMS": "0",
            "attributions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "date_fin" in response.context["adminform"].form.errors
    assert "La fin d’exécution ne peut pas précéder le début." in response.text.replace("&#x27;", "’").replace(
        "'", "’"
    )
    assert not Lot.objects.exists()


def test_une_convention_modifiee_en_ligne_ne_peut_pas_commencer_apres_sa_denonciation(client_admin):
    convention = ConventionFactory(
        date_effet=dt.date(2024, 7, 1),
        date_denonciation=dt.date(2025, 2, 1),
        denoncee_par=DenoncePar.DONNEUR_D_ORDRE,
    )
    url = _url(DonneurDOrdre, "change", convention.donneur_d_ordre.pk)
    data = donnees_du_formulaire(client_admin.get(url))
    data["conventions-0-date_effet"] = "01/06/2025"  # date_denonciation is not in the compact inline

    response = client_admin.post(url, data)

    assert response.status_code == 200
    assert "dénonciation ne peut pas précéder" in response.text
    convention.refresh_from_db()
    assert convention.date_effet == dt.date(2024, 7, 1)


def test_un_siret_invalide_est_refuse_en_francais(client_admin):
    siret = siret_n(3)
    faux = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    response = client_admin.post(_url(Entreprise, "add"), {"raison_sociale": "Maçonnerie Durand", "siret": faux})
    assert response.status_code == 200
    assert "siret" in response.context["adminform"].form.errors
    assert "clé de contrôle ne correspond pas" in response.text
    assert not Entreprise.objects.exists()


def test_un_siret_colle_avec_des_espaces_est_accepte(client_admin):
    response = client_admin.post(
        _url(Entreprise, "add"), {"raison_sociale": "La Poste", "siret": "356 000 000 00048", "naf": "53.10Z"}
    )
    assert response.status_code == 302
    assert Entreprise.objects.get().siret == "35600000000048"


def test_un_email_deja_pris_a_la_casse_pres_est_refuse(client_admin):
    UserFactory(email="karim@exemple.fr")
    response = client_admin.post(
        _url(User, "add"),
        {
            "email": "Karim@Exemple.FR",
            "usable_password": "true",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="karim@exemple.fr").count() == 1


def test_creer_un_facilitateur(client_admin):
    response = client_admin.post(
        _url(User, "add"),
        {
            "email": "Camille.Dupont@Agglo.fr",
            "first_name": "Camille",
            "last_name": "Dupont",
            "is_facilitateur": "on",
            "usable_password": "true",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="camille.dupont@agglo.fr")
    assert user.is_facilitateur
    assert user.check_password("un-mot-de-passe-solide-2026")
    assert client_admin.get(_url(User, "change", user.pk)).status_code == 200
    assert client_admin.get(reverse("admin:auth_user_password_change", args=[user.pk])).status_code == 200


def test_l_admin_client_de_pytest_django_fonctionne_avec_l_email_comme_identifiant(admin_client, admin_user):
    assert admin_user.email == "admin@example.com"
    assert admin_client.get(reverse("admin:index")).status_code == 200


# --- Structure porteuse --------------------------------------------------------------------------------------


def test_la_structure_porteuse_est_unique(client_admin):
    # The retention durations come with the form, filled with their defaults.
    donnees = {"nom": "Communauté d'agglomération", "conservation_annees": 5, "conservation_sans_placement_annees": 2}
    response = client_admin.post(_url(StructurePorteuse, "add"), donnees)
    assert response.status_code == 302
    structure = StructurePorteuse.objects.get()

    assert client_admin.get(_url(StructurePorteuse, "add")).status_code == 403
    assert client_admin.post(_url(StructurePorteuse, "add"), {"nom": "Une autre"}).status_code == 403
    assert client_admin.get(_url(StructurePorteuse, "delete", structure.pk)).status_code == 403
    assert StructurePorteuse.objects.get().nom == "Communauté d'agglomération"

    response = client_admin.get(_url(StructurePorteuse, "changelist"))
    assert response.status_code == 302
    assert response.url == _url(StructurePorteuse, "change", structure.pk)


def test_sans_structure_porteuse_la_liste_mene_au_formulaire_d_ajout(client_admin):
    response = client_admin.get(_url(StructurePorteuse, "changelist"))
    assert response.url == _url(StructurePorteuse, "add")


# --- Conventions ----------------------------------------------------------------------------------------------


def test_la_fiche_d_une_convention_montre_son_calendrier(client_admin):
    convention = ConventionFactory(date_effet=dt.date(2024, 7, 1), date_signature=dt.date(2024, 6, 15))
    with translation.override("fr"):
        attendus = [
            date_format(convention.date_limite_denonciation(), "DATE_FORMAT"),
            date_format(convention.prochaine_echeance(), "DATE_FORMAT"),
            date_format(convention.periode_courante().debut, "DATE_FORMAT"),
        ]

    fiche = client_admin.get(_url(Convention, "change", convention.pk))
    liste = client_admin.get(_url(Convention, "changelist"))

    for attendu in attendus:
        assert attendu in fiche.text
    assert attendus[0] in liste.text and attendus[1] in liste.text
    assert "En vigueur" in fiche.text and "En vigueur" in liste.text


def test_calendrier_d_une_convention_a_venir(client_admin):
    # Before its date of effect, a convention is in its first period whatever today is: a fixed answer.
    convention = ConventionFactory(date_effet=dt.date(2100, 7, 1), date_signature=dt.date(2100, 6, 1))
    fiche = client_admin.get(_url(Convention, "change", convention.pk))
    assert "31 mars 2101" in fiche.text  # notice deadline: échéance 30 June 2101 minus three months
    assert "30 juin 2101" in fiche.text
    assert "En projet" in fiche.text


def test_une_convention_denoncee_affiche_sa_date_de_fin(client_admin):
    convention = ConventionFactory(
        date_effet=dt.date(2020, 7, 1), date_denonciation=dt.date(2021, 1, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
    )
    fiche = client_admin.get(_url(Convention, "change", convention.pk))
    assert "30 juin 2021" in fiche.text
    assert "Terminée" in fiche.text


def test_un_avenant_prend_effet_au_renouvellement_suivant(client_admin):
    convention = ConventionFactory(date_effet=dt.date(2024, 7, 1))
    response = client_admin.post(
        _url(Avenant, "add"),
        {"convention": convention.pk, "numero": "1", "objet": "Services", "date_signature": "15/01/2025"},
    )
    assert response.status_code == 302
    assert Avenant.objects.get().date_effet == dt.date(2025, 7, 1)


def test_un_avenant_signe_apres_la_fin_est_refuse(client_admin):
    convention = ConventionFactory(
        date_effet=dt.date(2020, 7, 1), date_denonciation=dt.date(2021, 1, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
    )
    response = client_admin.post(
        _url(Avenant, "add"),
        {"convention": convention.pk, "numero": "1", "objet": "Trop tard", "date_signature": "15/01/2023"},
    )
    assert response.status_code == 200
    assert "date_signature" in response.context["adminform"].form.errors
    assert not Avenant.objects.exists()


# --- Hours -----------------------------------------------------------------------------------------------------


def test_la_liste_des_lots_montre_objectif_heures_realisees_et_avancement(client_admin):
    lot = LotFactory()
    ClauseInsertionFactory(lot=lot)  # 1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h
    placement = PlacementFactory(attribution=AttributionFactory(lot=lot))
    HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 1, 1), heures=Decimal("120"))
    HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1), heures=Decimal("80.5"))
    autre = PlacementFactory(attribution=AttributionFactory(lot=lot))
    HeuresMensuellesFactory(placement=autre, mois=dt.date(2026, 1, 1), heures=Decimal("50"))

    response = client_admin.get(_url(Lot, "changelist"))

    ligne = response.context["cl"].result_list[0]
    assert ligne.objectif_heures == 833
    assert ligne.total_heures_realisees == Decimal("250.50")
    assert "30 %" in response.text  # 250.5 / 833


def test_un_objectif_force_remplace_le_calcul_dans_la_liste_des_lots(client_admin):
    ClauseInsertionFactory(heures_forcees=400, motif_forcage="Reprise du personnel")
    response = client_admin.get(_url(Lot, "changelist"))
    assert response.context["cl"].result_list[0].objectif_heures == 400


def test_les_heures_saisies_en_ligne_sont_ramenees_au_premier_du_mois(client_admin):
    placement = PlacementFactory()
    url = _url(Placement, "change", placement.pk)
    data = donnees_du_formulaire(client_admin.get(url))
    data.update(
        {
            "heures-TOTAL_FORMS": "1",
            "heures-0-mois": "15/03/2026",
            "heures-0-heures": "35",
            "heures-0-source": "saisie",
        }
    )
    response = client_admin.post(url, data)
    assert response.status_code == 302
    heures = HeuresMensuelles.objects.get()
    assert heures.mois == dt.date(2026, 3, 1)
    assert heures.saisi_par is not None


def test_une_clause_sans_part_de_main_d_oeuvre_prend_celle_du_corps_d_etat(client_admin):
    lot = LotFactory()
    corps = CorpsDEtat.objects.create(libelle="Peinture de test", part_main_oeuvre=Decimal("70"))
    response = client_admin.post(
        _url(ClauseInsertion, "add"),
        {
            "lot": lot.pk,
            "corps_d_etat": corps.pk,
            "montant_ht": "300000",
            "taux_insertion": "5",
            "cout_horaire": "30",
        },
    )
    assert response.status_code == 302
    clause = ClauseInsertion.objects.get()
    assert clause.part_main_oeuvre == Decimal("70")
    assert clause.heures_calculees == 350


def test_la_categorie_d_une_sortie_est_affichee_et_filtrable(client_admin):
    SortieFactory()  # CDI: emploi durable
    response = client_admin.get(_url(Sortie, "changelist"), {"categorie": "emploi_durable"})
    assert response.context["cl"].result_count == 1
    assert "Emploi durable" in response.text
    response = client_admin.get(_url(Sortie, "changelist"), {"categorie": "autre"})
    assert response.context["cl"].result_count == 0
