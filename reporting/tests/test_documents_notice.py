"""The information notice (GDPR art. 13): one page, who processes, why, what, who reads, how long, the rights, the
DPO from the structure porteuse's settings, the CNIL; read back from the PDF a participant is given."""

import datetime as dt

import pytest
from django.urls import reverse

from clauses.factories import ParticipantFactory
from conventions.factories import FacilitateurFactory
from reporting.documents import notice
from reporting.tests.outils_pdf import pages_pdf, structure_porteuse

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant():
    return ParticipantFactory(nom="Quillebœuf", prenom="Zéphyrine", date_naissance=dt.date(1987, 3, 14))


def _notice(participant, facilitateur=None) -> str:
    pages = pages_pdf(notice.produire(participant, facilitateur).contenu)
    assert len(pages) == 1, "La notice tient sur une page."
    return pages[0]


def test_the_notice_says_who_why_what_who_reads_how_long_and_the_rights_on_one_page(participant):
    structure = structure_porteuse()
    structure.dpo_nom = "Délégué à la protection des données de l'agglomération"
    structure.dpo_email = "dpo@agglo-essai.fr"
    structure.dpo_adresse = "Hôtel de ville\nBP 12\n13200 Arles"
    structure.save()
    facilitateur = FacilitateurFactory(first_name="Camille", last_name="Martin", telephone="04 90 00 00 00")
    texte = _notice(participant, facilitateur)
    attendus = [
        # Whom it is given to, and the reference to quote.
        "Zéphyrine QUILLEBŒUF",
        participant.reference,
        # Who processes, and the facilitator to speak to.
        "Agglomération du Pays d'Essai, 1 place de la Mairie 13200 Arles",
        "Camille Martin",
        # Why, on which ground.
        "mission d'intérêt public (article 6.1.e",
        "toujours sans votre nom",
        # What: never the social security number; health data only as a criterion.
        "Jamais votre numéro de sécurité sociale",
        "reconnaissance de travailleur handicapé (RQTH)",
        # Who reads it.
        "Seuls les facilitateurs de l'Agglomération du Pays d'Essai",
        "Les acheteurs publics reçoivent des chiffres, jamais votre nom",
        # How long.
        "Combien de temps ?",
        # The rights and how to use them.
        "consulter",
        "corriger",
        "effacement",
        "limitation",
        "opposer",
        "Délégué à la protection des données de l'agglomération, dpo@agglo-essai.fr, Hôtel de ville, BP 12, 13200",
        "délai d'un mois",
        # The complaint to the CNIL.
        "www.cnil.fr/plaintes",
        "3 place de Fontenoy",
    ]
    manquants = [a for a in attendus if a not in texte]
    assert not manquants, texte
    # Nothing about the person beyond what identifies the notice.
    assert "1987" not in texte and "14/03" not in texte


def test_without_a_dpo_the_notice_sends_to_the_structure_porteuse(participant):
    structure = structure_porteuse()
    structure.email = "clauses@agglo-essai.fr"
    structure.save()
    texte = _notice(participant)
    assert (
        "Agglomération du Pays d'Essai, 1 place de la Mairie 13200 Arles, clauses@agglo-essai.fr (à l'attention"
        in (texte)
    )
    assert "du délégué à la protection des données" in texte


def test_long_names_and_a_long_dpo_address_still_fit_one_page(participant):
    structure = structure_porteuse()
    structure.nom = "Communauté d'agglomération Arles Crau Camargue Montagnette"
    structure.adresse = "Hôtel de communauté, 5 rue Yvan Audouard, BP 30228"
    structure.dpo_nom = "Service mutualisé de la protection des données personnelles et de la conformité"
    structure.dpo_email = "protection-des-donnees-personnelles@agglo-accm.fr"
    structure.dpo_adresse = (
        "Direction des affaires juridiques\nHôtel de communauté\n5 rue Yvan Audouard\nBP 30228 13637 Arles Cedex"
    )
    structure.save()
    participant.prenom, participant.nom = "Marie-Bernadette Joséphine", "de La Tour d'Auvergne-Lauraguais"
    facilitateur = FacilitateurFactory(
        first_name="Anne-Sophie", last_name="Villeneuve-Loubet", email="anne-sophie.villeneuve-loubet@agglo-accm.fr"
    )
    _notice(participant, facilitateur)


def test_the_participant_page_prints_it(client_facilitateur, participant):
    structure_porteuse()
    reponse = client_facilitateur.get(reverse("reporting:notice_participant", args=[participant.pk]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert (
        reponse["Content-Disposition"] == f'inline; filename="notice-information-{participant.reference.lower()}.pdf"'
    )
    assert "Camille Martin" in pages_pdf(reponse.content)[0]
