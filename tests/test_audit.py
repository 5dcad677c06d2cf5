"""Audit log: every change made on the dashboard or the portal is recorded with its author and its diff, and a
facilitator reads it on the object's page (never a référent).
"""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clauses.factories import ParticipantFactory, PlacementFactory, SortieFactory
from clauses.models import HeuresMensuelles
from config import audit
from config.audit import AuditMiddleware, auteur, historique, valeur_lisible
from conventions.factories import DonneurDOrdreFactory, ReferentFactory
from conventions.models import DonneurDOrdre, User
from entreprises.factories import EntrepriseFactory, OperateurFactory
from entreprises.models import Entreprise
from marches.factories import AttributionFactory, LotFactory

pytestmark = pytest.mark.django_db


def entrees(objet) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(objet).order_by("timestamp", "pk"))


def mois_avant(n: int) -> dt.date:
    m = timezone.localdate().replace(day=1)
    for _ in range(n):
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return m


def modifier_entreprise(client, entreprise, **champs):
    donnees = {
        nom: getattr(entreprise, nom)
        for nom in ("raison_sociale", "siret", "naf", "adresse", "code_postal", "commune", "contact_nom", "notes")
    }
    reponse = client.post(reverse("entreprises:entreprise_modification", args=[entreprise.pk]), {**donnees, **champs})
    assert reponse.status_code == 302, reponse.context["form"].errors
    return reponse


# --- Recording ----------------------------------------------------------------------------------------------


def test_une_modification_du_tableau_de_bord_est_enregistree_avec_son_auteur(client_facilitateur, facilitateur):
    entreprise = EntrepriseFactory(raison_sociale="Peintures du Rhône", naf="43.34Z")
    assert entrees(entreprise) == []  # created outside a request: no author, not recorded

    modifier_entreprise(client_facilitateur, entreprise, raison_sociale="Peintures Rhône-Alpes", naf="43.31Z")

    (entree,) = entrees(entreprise)
    assert entree.action == LogEntry.Action.UPDATE
    assert entree.actor == facilitateur
    assert entree.actor_email == "camille@exemple.fr"
    assert entree.changes == {
        "raison_sociale": ["Peintures du Rhône", "Peintures Rhône-Alpes"],
        "naf": ["43.34Z", "43.31Z"],
    }
    assert entree.remote_addr == "127.0.0.1"


def test_creation_et_suppression_enregistrees(client_facilitateur, facilitateur):
    placement = PlacementFactory(date_debut=mois_avant(3))
    url = reverse("clauses:heures_cellule", args=[placement.pk, f"{mois_avant(1):%Y-%m}"])
    champ = f"h-{placement.pk}-{mois_avant(1):%Y-%m}"
    client_facilitateur.post(url, {champ: "35,5"}, headers={"HX-Request": "true"})
    heures = HeuresMensuelles.objects.get()
    client_facilitateur.post(url, {champ: "12"}, headers={"HX-Request": "true"})
    client_facilitateur.post(url, {champ: ""}, headers={"HX-Request": "true"})
    assert not HeuresMensuelles.objects.exists()

    creation, modification, suppression = entrees(heures)
    assert [e.action for e in (creation, modification, suppression)] == [0, 1, 2]
    assert {e.actor for e in (creation, modification, suppression)} == {facilitateur}
    assert creation.changes["heures"] == ["None", "35.50"]
    assert modification.changes == {"heures": ["35.50", "12.00"]}  # modifie_le is never recorded
    assert suppression.changes["placement"] == [str(placement.pk), "None"]


def test_les_changements_hors_requete_ne_sont_enregistres_qu_avec_un_auteur(facilitateur):
    entreprise = EntrepriseFactory()
    entreprise.commune = "Tarascon"
    entreprise.save()
    assert entrees(entreprise) == []
    with auteur(facilitateur):
        entreprise.commune = "Beaucaire"
        entreprise.save()
    (entree,) = entrees(entreprise)
    assert (entree.actor, entree.changes) == (facilitateur, {"commune": ["Tarascon", "Beaucaire"]})


def test_un_changement_fait_par_un_referent_porte_son_nom():
    """Through the middleware, as every portal request: the author is the logged-in référent."""
    referent = ReferentFactory()
    donneur = referent.donneur_d_ordre

    def vue(request):
        donneur.telephone = "04 90 00 00 00"
        donneur.save()
        return HttpResponse()

    requete = RequestFactory().post("/portail/", REMOTE_ADDR="198.51.100.7")
    requete.user = referent.user
    AuditMiddleware(vue)(requete)

    (entree,) = entrees(donneur)
    assert entree.actor == referent.user
    assert entree.changes["telephone"][1] == "04 90 00 00 00"
    assert entree.remote_addr == "198.51.100.7"


def test_mot_de_passe_et_derniere_connexion_jamais_enregistres(facilitateur):
    with auteur(facilitateur):
        facilitateur.set_password("un-autre-mot-de-passe-123")
        facilitateur.last_login = timezone.now()
        facilitateur.save()
        facilitateur.telephone = "06 00 00 00 00"
        facilitateur.save()
    (entree,) = entrees(facilitateur)
    assert entree.changes == {"telephone": ["", "06 00 00 00 00"]}
    assert "password" not in str(LogEntry.objects.values_list("changes", flat=True))


def test_modeles_enregistres():
    attendus = {
        "conventions.user",
        "conventions.donneurdordre",
        "conventions.referent",
        "conventions.convention",
        "conventions.avenant",
        "conventions.invitation",
        "marches.marche",
        "marches.lot",
        "marches.attribution",
        "marches.propositionattribution",
        "clauses.clauseinsertion",
        "clauses.participant",
        "clauses.prolongationconservation",
        "clauses.placement",
        "clauses.heuresmensuelles",
        "clauses.sortie",
        "entreprises.entreprise",
        "entreprises.operateur",
        "reporting.bilanannuel",
        "reporting.rapport",
        "reporting.agendapersonnel",
    }
    assert (
        {m._meta.label_lower for m in apps.get_models() if auditlog.contains(m)}
        == attendus
        == set(audit.MODELES_SUIVIS)
    )


@pytest.mark.parametrize(
    ("suivis", "enfants", "message"),
    [
        # A model renamed or removed without its line here would silently stop being recorded.
        ({"conventions.inexistant": [], "entreprises.entreprise": []}, {}, "aucun modèle « conventions.inexistant »"),
        (
            {"marches.marche": []},
            {"marches.marche": [("marches.lot", "marche")]},
            "« marches.lot » n'est pas dans MODELES_SUIVIS",
        ),
        (
            {"marches.marche": [], "marches.lot": []},
            {"marches.marche": [("marches.lot", "marche_renomme")]},
            "« marches.lot » n'a pas de champ « marche_renomme »",
        ),
    ],
)
def test_un_modele_ou_un_lien_inconnu_arrete_le_demarrage(monkeypatch, suivis, enfants, message):
    monkeypatch.setattr(audit, "MODELES_SUIVIS", suivis)
    monkeypatch.setattr(audit, "ENFANTS", enfants)
    with pytest.raises(ImproperlyConfigured, match=message):
        audit.enregistrer_modeles()


# --- Reading: the history on an object's page --------------------------------------------------------------


def test_l_historique_s_affiche_sur_la_page(client_facilitateur):
    entreprise = EntrepriseFactory(raison_sociale="Peintures du Rhône")
    modifier_entreprise(client_facilitateur, entreprise, raison_sociale="Peintures Rhône-Alpes")
    contenu = client_facilitateur.get(reverse("entreprises:entreprise", args=[entreprise.pk])).content.decode()
    assert "Historique des modifications" in contenu
    assert "<td>Camille Martin</td>" in contenu
    assert (
        '<span class="fw-semibold">Raison sociale</span> :\n                        Peintures du Rhône '
        '<span aria-hidden="true">→</span><span class="visually-hidden">devient</span> Peintures Rhône-Alpes'
    ) in contenu


@pytest.mark.parametrize(
    "nom_url, fabrique",
    [
        ("entreprises:operateur", OperateurFactory),
        ("clauses:participant", ParticipantFactory),
        ("clauses:placement", PlacementFactory),
        ("clauses:lot", LotFactory),
    ],
)
def test_chaque_page_de_detail_a_son_historique(client_facilitateur, nom_url, fabrique):
    objet = fabrique()
    contenu = client_facilitateur.get(reverse(nom_url, args=[objet.pk])).content.decode()
    assert "Historique des modifications" in contenu
    assert "Aucune modification enregistrée." in contenu


def test_valeurs_et_libelles_en_francais(facilitateur):
    ancien, nouveau = OperateurFactory(nom="Mission locale d'Arles"), OperateurFactory(nom="France Travail Arles")
    participant = ParticipantFactory(prescripteur=ancien, reside_qpv=False)
    with auteur(facilitateur):
        participant.prescripteur = nouveau
        participant.reside_qpv = True
        participant.date_orientation = dt.date(2026, 3, 2)
        participant.genre = "homme"
        participant.save()
    (entree,) = historique(participant).entrees
    assert entree.auteur == "Camille Martin"
    assert entree.action == "Modification"
    assert [(c.libelle, c.avant, c.apres) for c in entree.changements] == [
        ("Date d'orientation", "—", "2 mars 2026"),
        ("Genre", "Femme", "Homme"),
        ("Prescripteur", str(ancien), str(nouveau)),
        ("Réside en QPV", "non", "oui"),
    ]


def test_valeur_lisible():
    from clauses.models import ClauseInsertion, HeuresMensuelles

    assert valeur_lisible(HeuresMensuelles._meta.get_field("heures"), "35.50") == "35,5"
    assert valeur_lisible(ClauseInsertion._meta.get_field("montant_ht"), "1000000.00") == "1000000"
    assert valeur_lisible(HeuresMensuelles._meta.get_field("mois"), "2026-03-01") == "1 mars 2026"
    # Date-times are stored as naive UTC.
    assert valeur_lisible(Entreprise._meta.get_field("cree_le"), "2026-07-01 08:30:00") == "1 juillet 2026 à 10:30"
    assert valeur_lisible(Entreprise._meta.get_field("notes"), "x" * 500).endswith("…")
    assert valeur_lisible(Entreprise._meta.get_field("notes"), "None") == "—"


def test_les_heures_et_sorties_d_un_placement_figurent_dans_son_historique(client_facilitateur, facilitateur):
    placement = PlacementFactory(date_debut=mois_avant(3))
    url = reverse("clauses:heures_cellule", args=[placement.pk, f"{mois_avant(1):%Y-%m}"])
    champ = f"h-{placement.pk}-{mois_avant(1):%Y-%m}"
    client_facilitateur.post(url, {champ: "35"}, headers={"HX-Request": "true"})
    client_facilitateur.post(url, {champ: ""}, headers={"HX-Request": "true"})  # deleted: still in the history
    autre = PlacementFactory(attribution=placement.attribution, date_debut=mois_avant(3))
    with auteur(facilitateur):
        SortieFactory(placement=placement)
        SortieFactory(placement=autre)  # another placement's: not shown

    resultat = historique(placement)
    assert resultat.total == 3
    assert [e.action for e in resultat.entrees] == ["Création", "Suppression", "Création"]
    sortie, suppression, creation = resultat.entrees
    assert sortie.element.startswith("Sortie « ")
    assert suppression.element == f"Heures du mois « {mois_avant(1):%m/%Y} : 35.00 h »"
    assert suppression.changements == []
    # A row's creation lists its values, without the placement it belongs to (the page is the placement's).
    assert ("Heures", "35") in [(c.libelle, c.texte) for c in creation.changements]
    assert "Placement" not in [c.libelle for c in creation.changements]


def test_historique_borne_aux_vingt_dernieres(facilitateur):
    entreprise = EntrepriseFactory()
    with auteur(facilitateur):
        for n in range(25):
            entreprise.commune = f"Commune {n}"
            entreprise.save()
    resultat = historique(entreprise)
    assert (resultat.total, len(resultat.entrees), resultat.tronque) == (25, 20, True)
    assert resultat.entrees[0].changements[0].apres == "Commune 24"  # newest first


def test_nombre_de_requetes_fixe(facilitateur, django_assert_num_queries):
    attribution = AttributionFactory()
    with auteur(facilitateur):
        placements = [PlacementFactory(attribution=attribution, operateur=OperateurFactory()) for _ in range(3)]
    participant = placements[0].participant
    # Entries naming other objects: one query for the entries, one per kind of named object (the placements'
    # participants, attributions and opérateurs: 3 kinds), whatever the number of entries.
    with auteur(facilitateur):
        for placement in placements:
            placement.participant = participant
            placement.save()
    sans_historique = EntrepriseFactory()
    with django_assert_num_queries(1):
        historique(sans_historique)
    with django_assert_num_queries(4):
        petit = historique(participant)
    with auteur(facilitateur):
        for _ in range(10):
            p = PlacementFactory(participant=participant, attribution=attribution, operateur=OperateurFactory())
            p.poste = "Peintre"
            p.save()
    with django_assert_num_queries(4):
        grand = historique(participant)
    assert grand.total > petit.total


def test_modification_de_plusieurs_a_plusieurs(client_facilitateur, facilitateur):
    from clauses.models import CritereEligibilite

    participant = ParticipantFactory()
    critere, autre = CritereEligibilite.objects.order_by("pk")[:2]
    participant.criteres.add(autre)  # outside a request: not recorded
    with auteur(facilitateur):
        participant.criteres.add(critere)
    (entree,) = historique(participant).entrees
    assert [(c.libelle, c.texte) for c in entree.changements] == [("Critères d'éligibilité", f"ajout : {critere}")]


# --- Who sees it ------------------------------------------------------------------------------------------------


def rendre(user, objet) -> str:
    requete = RequestFactory().get("/")
    requete.user = user
    return Template("{% load historique %}{% historique objet %}").render(
        Context({"request": requete, "objet": objet})
    )


def test_un_referent_ne_voit_jamais_l_historique(facilitateur):
    donneur = DonneurDOrdreFactory()
    referent = ReferentFactory(donneur_d_ordre=donneur)
    with auteur(facilitateur):
        donneur.telephone = "04 90 00 00 00"
        donneur.save()
    assert "Historique des modifications" in rendre(facilitateur, donneur)
    assert rendre(referent.user, donneur).strip() == ""
    assert rendre(User(), donneur).strip() == ""  # anonymous


def test_un_referent_n_atteint_pas_les_pages_qui_le_montrent(client_referent):
    entreprise = EntrepriseFactory()
    assert client_referent.get(reverse("entreprises:entreprise", args=[entreprise.pk])).status_code == 403


def test_historique_des_donneurs_d_ordre(facilitateur):
    """The portal's own models are recorded too: a membership removed shows on the donneur d'ordre."""
    referent = ReferentFactory()
    donneur = DonneurDOrdre.objects.get(pk=referent.donneur_d_ordre_id)
    with auteur(facilitateur):
        referent.delete()
    (entree,) = historique(donneur).entrees
    assert entree.action == "Suppression"
    assert entree.element.startswith("Référent « ")


def test_montants_decimaux():
    from clauses.models import HeuresMensuelles

    assert valeur_lisible(HeuresMensuelles._meta.get_field("heures"), str(Decimal("7.50"))) == "7,5"
