"""The renewal letter: its dates come from the convention's calendar; it refuses to say something false."""

import datetime as dt

import pytest
import time_machine

from conventions.factories import ConventionFactory, DonneurDOrdreFactory, ReferentFactory, UserFactory
from conventions.models import Avenant, DenoncePar
from reporting.documents import courrier_echeance, produire
from reporting.documents.courrier_echeance import CourrierImpossible
from reporting.models import Rapport, TypeRapport
from reporting.tests.outils_pdf import pages_pdf, structure_porteuse, texte_pdf

pytestmark = pytest.mark.django_db

D = dt.date
PARIS = dt.timezone(dt.timedelta(hours=1))


def _le(jour: dt.date):
    """The day the letter is produced on: its sentences take the tense of that day."""
    return time_machine.travel(dt.datetime(jour.year, jour.month, jour.day, 12, tzinfo=PARIS), tick=False)


def _rapport(convention, echeance) -> Rapport:
    periode = convention.periode_courante(echeance)
    return Rapport.objects.create(
        type=TypeRapport.COURRIER_ECHEANCE,
        convention=convention,
        donneur_d_ordre=convention.donneur_d_ordre,
        periode_debut=periode.debut,
        periode_fin=echeance,
    )


@pytest.fixture
def convention():
    structure_porteuse()
    donneur = DonneurDOrdreFactory(
        nom="Ville de Testville", adresse="2 rue du Test", code_postal="13000", commune="Testville"
    )
    ReferentFactory(
        donneur_d_ordre=donneur,
        user=UserFactory(first_name="Jeanne", last_name="Arnaud"),
        fonction="Directrice de la commande publique",
    )
    return ConventionFactory(
        donneur_d_ordre=donneur,
        numero="CI-2025-007",
        objet="Clauses d'insertion dans les marchés",
        date_signature=D(2025, 6, 12),
        date_effet=D(2025, 7, 1),
    )


def test_the_letter_gives_the_calendar_of_the_convention(convention):
    with _le(D(2026, 1, 31)):
        document = produire(_rapport(convention, D(2026, 6, 30)))
    assert document.nom == "courrier-echeance-ville-de-testville-ci-2025-007-2026-06-30.pdf"
    pages = pages_pdf(document.contenu)
    assert len(pages) == 1 and "Page 1 sur 1" in pages[0]
    texte = pages[0]
    # Letterhead, addressee, object.
    assert "Agglomération du Pays d'Essai" in texte and "1 place de la Mairie" in texte
    assert "Ville de Testville" in texte and "2 rue du Test 13000 Testville" in texte
    assert "À l'attention de Jeanne Arnaud, Directrice de la commande publique" in texte
    assert (
        "Objet : reconduction tacite de la convention de coopération n° CI-2025-007 à compter du 1er juillet 2026"
        in texte
    )
    # The calendar: échéance 30 June 2026, notice 3 months before (month-end aware: 31 March), next period.
    assert convention.periode_courante(D(2026, 1, 1)).date_limite_denonciation == D(2026, 3, 31)
    assert "a été signée le 12 juin 2025 et a pris effet le 1er juillet 2025" in texte
    assert "Échéance de la période en cours : 30 juin 2026" in texte
    assert "Date limite de dénonciation : 31 mars 2026" in texte
    assert "Reconduction : du 1er juillet 2026 au 30 juin 2027" in texte
    assert (
        "Sa période en cours arrive à échéance le 30 juin 2026. Sauf dénonciation par l'une ou l'autre des parties au "
        "plus tard le 31 mars 2026, soit 3 mois avant cette échéance, elle sera reconduite le 1er juillet 2026 pour "
        "une nouvelle période de 12 mois, jusqu'au 30 juin 2027." in texte
    )
    assert "il vous appartient de nous le notifier par écrit au plus tard le 31 mars 2026" in texte
    # Signature block: the structure porteuse's signatory.
    assert "Le Président" in texte and "Jean Dupont-Essai" in texte


def test_each_letter_speaks_in_the_tense_of_its_day(convention):
    """Past its notice deadline the letter no longer says « Sauf dénonciation … au plus tard le 31 mars » (a date gone
    by), and past the échéance no longer « arrive à échéance » and « sera reconduite » (a letter produced late)."""
    with _le(D(2026, 4, 2)):
        texte = texte_pdf(produire(_rapport(convention, D(2026, 6, 30))).contenu)
    assert (
        "Sa période en cours arrive à échéance le 30 juin 2026. Le délai pour la dénoncer a expiré le 31 mars 2026, "
        "3 mois avant cette échéance, sans dénonciation de l'une ou l'autre des parties : elle sera reconduite le "
        "1er juillet 2026 pour une nouvelle période de 12 mois, jusqu'au 30 juin 2027." in texte
    )
    assert "Sauf dénonciation" not in texte and "notifier par écrit" not in texte and "est acquise" not in texte
    with _le(D(2026, 7, 3)):
        texte = texte_pdf(produire(_rapport(convention, D(2026, 6, 30))).contenu)
    assert (
        "Sa période du 1er juillet 2025 au 30 juin 2026 est arrivée à échéance. Faute de dénonciation par l'une ou "
        "l'autre des parties au plus tard le 31 mars 2026, soit 3 mois avant cette échéance, elle a été reconduite le "
        "1er juillet 2026 pour une nouvelle période de 12 mois, jusqu'au 30 juin 2027." in texte
    )
    assert "Échéance de la période : 30 juin 2026" in texte
    assert "arrive à échéance" not in texte and "en cours" not in texte and "sera reconduite" not in texte


def test_a_refusal_names_the_convention_in_a_sentence(convention):
    """« La Convention n° CI-2025-007 — Ville de Testville n'est pas signée » read as a label, not a sentence."""
    convention.date_signature = None
    convention.save()
    with pytest.raises(CourrierImpossible) as refus:
        courrier_echeance.contexte(_rapport(convention, D(2026, 6, 30)))
    assert str(refus.value) == (
        "La convention n° CI-2025-007 avec la Ville de Testville n'est pas signée : "
        "elle n'a pas d'échéance à rappeler."
    )


def test_a_convention_taking_effect_on_31_may(convention):
    # Signed and effective 31 May: échéance 30 May, notice by 28 February (no 30 February).
    convention.date_signature = convention.date_effet = D(2025, 5, 31)
    convention.save()
    texte = texte_pdf(produire(_rapport(convention, D(2026, 5, 30))).contenu)
    assert "Date limite de dénonciation : 28 février 2026" in texte
    assert "Reconduction : du 31 mai 2026 au 30 mai 2027" in texte


def test_a_later_echeance_and_an_avenant(convention):
    Avenant.objects.create(
        convention=convention, numero=1, objet="Extension aux marchés de services", date_signature=D(2026, 2, 1)
    )
    texte = texte_pdf(produire(_rapport(convention, D(2027, 6, 30))).contenu)
    assert "dans sa rédaction modifiée par l'avenant n° 1 (« Extension aux marchés de services »)" in texte
    assert "Date limite de dénonciation : 31 mars 2027" in texte
    assert "Reconduction : du 1er juillet 2027 au 30 juin 2028" in texte


def test_a_day_that_is_not_an_echeance_is_refused(convention):
    with pytest.raises(CourrierImpossible, match="n'est pas une échéance"):
        produire(_rapport(convention, D(2026, 6, 29)))


def test_a_denounced_convention_gets_no_renewal_letter(convention):
    convention.date_denonciation = D(2026, 3, 1)
    convention.denoncee_par = DenoncePar.DONNEUR_D_ORDRE
    convention.save()
    with pytest.raises(CourrierImpossible, match="a été dénoncée le 01/03/2026 : elle prend fin le 30/06/2026"):
        courrier_echeance.contexte(_rapport(convention, D(2026, 6, 30)))
    # Notice given after the deadline: the renewal of 1 July 2026 holds, the next one does not.
    convention.date_denonciation = D(2026, 4, 15)
    convention.save()
    assert courrier_echeance.contexte(_rapport(convention, D(2026, 6, 30)))["renouvellement"] == D(2026, 7, 1)
    with pytest.raises(CourrierImpossible, match="ne sera pas reconduite"):
        courrier_echeance.contexte(_rapport(convention, D(2027, 6, 30)))


def test_an_unsigned_convention_is_refused(convention):
    convention.date_signature = None
    convention.save()
    with pytest.raises(CourrierImpossible, match="n'est pas signée"):
        courrier_echeance.contexte(_rapport(convention, D(2026, 6, 30)))


def test_the_parties_are_named_with_their_article(convention):
    """« conclue entre Communauté d'agglomération … et Ville d'Arles » lacked its articles."""
    from conventions.models import StructurePorteuse

    StructurePorteuse.objects.filter(pk=1).update(nom="Communauté d'agglomération Arles Crau Camargue Montagnette")
    donneur = convention.donneur_d_ordre
    donneur.nom = "Ville d'Arles"
    donneur.save()
    texte = " ".join(texte_pdf(produire(_rapport(convention, D(2026, 6, 30))).contenu).split())
    assert "conclue entre la Communauté d'agglomération Arles Crau Camargue Montagnette et la Ville d'Arles," in texte
    # A bailleur known by its proper name takes none.
    donneur.nom = "Delta Rhône Habitat"
    donneur.save()
    texte = " ".join(texte_pdf(produire(_rapport(convention, D(2026, 6, 30))).contenu).split())
    assert "Montagnette et Delta Rhône Habitat," in texte
