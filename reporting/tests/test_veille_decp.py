"""The watch list of article L2112-2-1: the DECP marchés notified since 22 August 2026, at or above the European
threshold of their kind, published « Pas de considération sociale »; on the facilitator's home and, for its own
marchés only, on the donneur d'ordre's portal."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from clauses.redaction import DEBUT_L2112_2_1, seuil_europeen
from conventions.factories import DonneurDOrdreFactory, ReferentFactory
from conventions.models import TypeDonneur
from marches.models import MarcheDECP, TypeMarche
from marches.tests.decp_territoire import importer_exemple, territoire
from reporting import veille_decp

pytestmark = pytest.mark.django_db

# Listed from the sample: the département's works (6.2 M€ ≥ 5,404,000), the hospital's meals (480 k€ ≥ 216,000),
# Arles's furniture (260 k€) and the bailleur's lifts (390 k€). Not listed: Arles's lighting (150 k€, below),
# the Région's roofs (notified 20 May 2026, before the obligation), and every marché with a social consideration.
A_VERIFIER = ["C13-2026-0902", "CHPA-26-1011", "DRH-2026-44", "2026-0990"]


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def monde():
    monde = territoire()
    importer_exemple()
    return monde


def decp(donneur, identifiant, montant, type_=TypeMarche.SERVICES, jour=dt.date(2026, 10, 1), **kwargs):
    return MarcheDECP.objects.create(
        identifiant=identifiant,
        acheteur_siret=donneur.siret,
        donneur_d_ordre=donneur,
        objet=f"Marché {identifiant}",
        nature="Marché",
        code_cpv="45000000-7" if type_ == TypeMarche.TRAVAUX else "79000000-4",
        type=type_,
        montant=Decimal(montant),
        date_notification=jour,
        considerations_sociales=kwargs.pop("considerations", ["Pas de considération sociale"]),
        **kwargs,
    )


def test_the_sample_s_watch_list(monde):
    lignes = list(veille_decp.marches_a_verifier())
    assert sorted(m.identifiant for m in lignes) == sorted(A_VERIFIER)
    seuils = {m.identifiant: m.seuil for m in lignes}
    assert seuils["C13-2026-0902"] == Decimal("5404000")
    assert seuils["CHPA-26-1011"] == Decimal("216000")


def test_the_threshold_by_kind_of_marche_and_of_buyer():
    jour = dt.date(2026, 9, 1)
    assert seuil_europeen(TypeMarche.TRAVAUX, TypeDonneur.ETAT, jour) == Decimal("5404000")
    assert seuil_europeen(TypeMarche.SERVICES, TypeDonneur.ETAT, jour) == Decimal("140000")
    assert seuil_europeen(TypeMarche.FOURNITURES, TypeDonneur.COMMUNE, jour) == Decimal("216000")
    # The 2024-2025 thresholds for a consultation of 2025.
    assert seuil_europeen(TypeMarche.SERVICES, TypeDonneur.COMMUNE, dt.date(2025, 6, 1)) == Decimal("221000")


def test_the_edges(db):
    commune = DonneurDOrdreFactory()
    etat = DonneurDOrdreFactory(type=TypeDonneur.ETAT)
    decp(commune, "au-seuil", "216000")
    decp(commune, "juste-dessous", "215999.99")
    decp(etat, "etat-services", "150000")  # the State's threshold: 140,000
    decp(commune, "commune-services", "150000")
    decp(commune, "la-veille", "900000", jour=DEBUT_L2112_2_1 - dt.timedelta(days=1))
    decp(commune, "le-jour-meme", "900000", jour=DEBUT_L2112_2_1)
    decp(commune, "avec-clause", "900000", considerations=["Clause sociale"])
    # « Pas de considération sociale » beside another value contradicts itself: not a lead.
    decp(commune, "contradictoire", "900000", considerations=["Clause sociale", "Pas de considération sociale"])
    # The 2019 format published no considerations: nothing to say.
    decp(commune, "non-renseigne", "900000", considerations=[])
    decp(commune, "travaux-dessous", "5403999", type_=TypeMarche.TRAVAUX)
    decp(commune, "travaux-au-seuil", "5404000", type_=TypeMarche.TRAVAUX)
    assert sorted(veille_decp.marches_a_verifier().values_list("identifiant", flat=True)) == [
        "au-seuil",
        "etat-services",
        "le-jour-meme",
        "travaux-au-seuil",
    ]


def test_on_the_facilitator_s_home(monde, client_facilitateur):
    reponse = client_facilitateur.get(reverse("reporting:accueil"))
    contenu = texte(reponse)
    assert "Veille L2112-2-1 : marchés publiés sans considération sociale" in contenu
    assert "une piste à examiner avec l'acheteur, à vérifier" in contenu
    for objet in (
        "Construction du collège de Saint-Martin-de-Crau",
        "Fourniture de repas en liaison froide",
        "Fourniture de mobilier scolaire",
        "Maintenance des ascenseurs du patrimoine",
    ):
        assert objet in contenu
    assert "Maintenance de l'éclairage public" not in contenu
    assert "Réfection des toitures du lycée Pasquet" not in contenu


def test_the_home_without_any_lead_says_nothing(client_facilitateur, db):
    assert "Veille L2112-2-1" not in texte(client_facilitateur.get(reverse("reporting:accueil")))


def test_the_home_folds_the_rest(db, client_facilitateur):
    commune = DonneurDOrdreFactory(nom="Ville de Beaucaire")
    for n in range(veille_decp.AFFICHES_MAX + 3):
        decp(commune, f"M{n:03d}", "300000")
    resultat = veille_decp.veille()
    assert (resultat.total, len(resultat.premiers), len(resultat.suivants), resultat.non_affiches) == (53, 5, 45, 3)
    contenu = texte(client_facilitateur.get(reverse("reporting:accueil")))
    assert "Voir 45 autres" in contenu and "Et 3 autres, non affichés ici." in contenu


def test_the_portal_shows_its_own_donneur_s_only(monde, client):
    referent = ReferentFactory(donneur_d_ordre=monde["donneurs"]["arles"])
    client.force_login(referent.user)
    contenu = texte(client.get(reverse("portail:accueil")))
    assert "À vérifier : marché publié sans considération sociale" in contenu
    assert "Fourniture de mobilier scolaire" in contenu
    assert "Ce signal n'est pas un constat" in contenu
    for autre in ("Construction du collège", "Fourniture de repas", "Maintenance des ascenseurs"):
        assert autre not in contenu
    # Arles's other marchés are not leads.
    assert "Maintenance de l'éclairage public" not in contenu


def test_a_portal_without_any_lead_says_nothing(monde, client):
    referent = ReferentFactory(donneur_d_ordre=monde["donneurs"]["tarascon"])
    client.force_login(referent.user)
    assert "sans considération sociale" not in texte(client.get(reverse("portail:accueil")))
