"""The logs never hold a participant's identity: a facilitator's whole journey on one person (create, edit, placement,
hours, outcome, notice, page, exports, a refused form), with every logger of the process at DEBUG, and the output
searched for their name, first name, birth date and commune."""

import datetime as dt
import logging

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from clauses.heures import nom_champ
from clauses.models import CritereEligibilite, Genre, NiveauQualification, Participant, Situation, TypeContrat
from marches.factories import AttributionFactory
from marches.models import StatutMarche

pytestmark = pytest.mark.django_db

NOM, PRENOM, COMMUNE = "Quillebœuf", "Zéphyrine", "Saint-Rémy-de-Provence"
NAISSANCE = timezone.localdate() - relativedelta(years=31, months=2, days=9)


def _identite() -> list[str]:
    return [
        NOM,
        NOM.upper(),
        PRENOM,
        COMMUNE,
        NAISSANCE.isoformat(),
        NAISSANCE.strftime("%d/%m/%Y"),
        NAISSANCE.strftime("%Y-%m-%d"),
    ]


@pytest.fixture
def tout_au_niveau_debug(caplog, settings):
    """LOG_LEVEL=DEBUG and more: every logger of the process at DEBUG, Django's and the libraries' included, except
    those the settings pin to a level of their own (config.settings.LOGGING), which is what this test guards."""
    epingles = set(settings.LOGGING.get("loggers", {}))
    anciens = {}
    for nom in [*logging.root.manager.loggerDict, ""]:
        journal = logging.getLogger(nom)
        if not isinstance(journal, logging.Logger):
            continue
        if any(nom == e or nom.startswith(f"{e}.") for e in epingles):
            continue
        anciens[nom] = journal.level
        journal.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for nom, niveau in anciens.items():
        logging.getLogger(nom).setLevel(niveau)


def _parcours(client) -> Participant:
    jour = timezone.localdate()
    criteres = list(CritereEligibilite.objects.filter(code__in=["deld", "rqth"]).values_list("pk", flat=True))
    donnees = {
        "nom": NOM,
        "prenom": PRENOM,
        "date_naissance": NAISSANCE.isoformat(),
        "genre": Genre.FEMME,
        "commune": COMMUNE,
        "code_postal": "13210",
        "niveau_qualification": NiveauQualification.NIVEAU_3,
        "criteres": criteres,
        "telephone": "06 12 34 56 78",
        "email": "zephyrine@exemple.fr",
        "notes": "Permis B en cours",
    }
    reponse = client.post(reverse("clauses:participant_creation"), donnees)
    assert reponse.status_code == 302, reponse.content[:500]
    participant = Participant.objects.get()
    # A form sent back with an error (the doublon's check quotes nobody in the logs either).
    assert client.post(reverse("clauses:participant_creation"), donnees).status_code == 200
    donnees["notes"] = "Permis B obtenu"
    assert client.post(reverse("clauses:participant_modification", args=[participant.pk]), donnees).status_code == 302
    assert client.get(reverse("clauses:participant", args=[participant.pk])).status_code == 200

    attribution = AttributionFactory(lot__marche__statut=StatutMarche.EN_EXECUTION)
    debut = (jour - relativedelta(months=3)).replace(day=1)
    reponse = client.post(
        reverse("clauses:placement_creation"),
        {
            "participant": participant.pk,
            "attribution": attribution.pk,
            "modalite": "embauche_directe",
            "type_contrat": TypeContrat.CDD,
            "poste": "Peintre",
            "date_debut": debut.isoformat(),
            "date_fin_prevue": (debut + relativedelta(months=6)).isoformat(),
            "duree_hebdomadaire": "35",
        },
    )
    assert reponse.status_code == 302, reponse.content[:500]
    placement = participant.placements.get()
    mois = debut + relativedelta(months=1)
    reponse = client.post(
        reverse("clauses:heures_cellule", args=[placement.pk, f"{mois:%Y-%m}"]),
        {nom_champ(placement.pk, mois): "120"},
        HTTP_HX_REQUEST="true",
    )
    assert reponse.status_code == 200
    # A month beyond the maximum: refused, and said so.
    client.post(
        reverse("clauses:heures_cellule", args=[placement.pk, f"{debut:%Y-%m}"]),
        {nom_champ(placement.pk, debut): "900"},
        HTTP_HX_REQUEST="true",
    )
    assert client.get(reverse("clauses:placement", args=[placement.pk])).status_code == 200
    fin = jour - dt.timedelta(days=1)
    reponse = client.post(
        reverse("clauses:placement_modification", args=[placement.pk]),
        {
            "participant": participant.pk,
            "attribution": attribution.pk,
            "modalite": "embauche_directe",
            "type_contrat": TypeContrat.CDD,
            "poste": "Peintre",
            "date_debut": debut.isoformat(),
            "date_fin": fin.isoformat(),
            "duree_hebdomadaire": "35",
            "reside_qpv": "",
        },
    )
    assert reponse.status_code == 302, reponse.content[:500]
    reponse = client.post(
        reverse("clauses:sortie_creation", args=[placement.pk]),
        {"moment": "fin", "date_constat": jour.isoformat(), "situation": Situation.CDI, "employeur": "Bâti Sud"},
    )
    assert reponse.status_code == 302, reponse.content[:500]

    assert client.get(reverse("reporting:notice_participant", args=[participant.pk])).status_code == 200
    reponse = client.post(
        reverse("clauses:participant_notice", args=[participant.pk]),
        {"remise_le": jour.isoformat(), "mode": "courriel"},
    )
    assert reponse.status_code == 302
    for liste in ("clauses:participants", "clauses:placements"):
        reponse = client.get(reverse(liste), {"q": NOM, "format": "xlsx"})
        assert reponse.status_code == 200
        assert b"".join(reponse.streaming_content)
        assert client.get(reverse(liste), {"q": NOM}).status_code == 200
    assert client.get(reverse("reporting:accueil")).status_code == 200
    # A page that does not exist: Django logs the refusal (its path, which carries an id, never a name).
    assert client.get(reverse("clauses:participant", args=[participant.pk + 1000])).status_code == 404
    return participant


def test_a_whole_journey_logs_no_identity(transactional_db, client, facilitateur, tout_au_niveau_debug, settings):
    # Transactions really commit: the e-mail of the volume alert is sent by its task, whose logs are searched too.
    settings.CLAUSES_ALERTE_PERSONNES_24H = 1  # the volume alert too, with its e-mail
    client.force_login(facilitateur)
    participant = _parcours(client)
    journaux = tout_au_niveau_debug
    sortie = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in journaux.records
    )
    assert journaux.records, "Rien n'a été journalisé : la capture ne fonctionne pas."
    trouves = [morceau for morceau in _identite() if morceau in sortie]
    fautifs = [ligne for ligne in sortie.splitlines() if any(m in ligne for m in trouves)]
    assert not trouves, f"Identité dans les journaux : {trouves}\n" + "\n".join(fautifs[:20])
    # What the journey did is there, by reference.
    assert participant.placements.get().heures.get().heures == 120


def test_the_check_sees_an_identity_when_one_is_logged(tout_au_niveau_debug):
    """The same capture finds the name as soon as anything logs it at DEBUG, the project's loggers and Django's."""
    logging.getLogger("clauses.views").debug("Participant %s %s", PRENOM, NOM)
    logging.getLogger("django.request").debug("Participant %s", NOM)
    assert sum(NOM in r.getMessage() for r in tout_au_niveau_debug.records) == 2


def test_the_settings_keep_the_loggers_that_would_write_identities_above_debug(settings):
    # django.template at DEBUG writes the template context of every missing variable: a participant's form data.
    for nom in ("django.template", "django.db.backends"):
        assert logging.getLevelName(settings.LOGGING["loggers"][nom]["level"]) > logging.DEBUG
        assert logging.getLogger(nom).getEffectiveLevel() > logging.DEBUG
