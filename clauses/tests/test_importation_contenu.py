"""What the imports make of the rows companies really send: typographic characters, their own column names,
cells Excel has converted, weekly statements, and what the preview shows before anything is written."""

import datetime as dt

import pytest

from clauses import importation
from clauses.factories import ParticipantFactory, PlacementFactory
from clauses.importation import lecture
from clauses.models import Participant
from clauses.tests.test_importation import (
    ENTETE_PARTICIPANTS,
    ENTETE_RELEVE,
    analyser,
    creer_donnees,
    importer,
    xlsx,
)
from conventions.factories import FacilitateurFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def donnees():
    return creer_donnees()


class TestTypographie:
    @pytest.mark.parametrize(
        ("typographique", "simple"),
        [
            ("N’Diaye", "N'Diaye"),
            ("N‘Diaye", "N'Diaye"),
            ("Nʼ Diaye", "N' Diaye"),
            ("Cœur", "Coeur"),
            ("LÆTITIA", "laetitia"),
            ("Jean‑Pierre", "Jean-Pierre"),  # non-breaking hyphen
            ("Jean–Pierre", "Jean-Pierre"),  # en dash
            ("Nombre\u00a0d’heures", "Nombre d'heures"),
            ("SIRET\u202fde l’attributaire", "SIRET de l'attributaire"),
            ("Ma\u200bria", "Maria"),  # a zero-width space pasted from a web page
        ],
    )
    def test_typographic_characters_count_as_the_plain_ones(self, typographique, simple):
        assert lecture.normaliser(typographique) == lecture.normaliser(simple)

    def test_headers_with_typographic_apostrophes_are_recognised(self, donnees):
        entete = ["SIRET de l’attributaire", "Référence participant", "Mois", "Nombre d’heures"]
        rapport = analyser(xlsx([entete, [donnees["entreprise"].siret, donnees["ines"].reference, "03/2026", 7]]))
        assert rapport.erreur_fichier == "" and rapport.erreurs == [] and rapport.ajoutees == 1

    def test_a_statement_finds_a_person_whatever_the_apostrophe(self, donnees):
        aissa = ParticipantFactory(nom="N’Diaye", prenom="Aïssa", date_naissance=dt.date(1990, 1, 2))
        PlacementFactory(participant=aissa, attribution=donnees["p_ines"].attribution, date_debut=dt.date(2026, 1, 1))
        siret = donnees["entreprise"].siret
        rapport = analyser(xlsx([ENTETE_RELEVE, [siret, "", "N'DIAYE", "Aissa", "02/01/1990", "03/2026", 7, ""]]))
        assert rapport.erreurs == [] and rapport.ajoutees == 1

    def test_a_participants_reimport_updates_the_record_instead_of_duplicating_it(self):
        existant = ParticipantFactory(
            nom="N’Diaye", prenom="Chloé-Œlia", date_naissance=dt.date(1990, 1, 2), commune="Arles"
        )
        ligne_ = ["N'Diaye", "Chloé-Oelia", "02/01/1990", "F", "", "", "", "", "Niveau 4", "", ""]
        rapport = importer(
            xlsx([ENTETE_PARTICIPANTS, ligne_]), FacilitateurFactory(), type_import=importation.PARTICIPANTS
        )
        assert rapport.erreurs == [] and rapport.ajoutees == 0
        assert list(Participant.objects.values_list("pk", flat=True)) == [existant.pk]


class TestColonnes:
    def test_a_column_named_twice_is_refused_naming_both(self, donnees):
        entete = ["SIRET", "Référence participant", "Mois", "Nombre d'heures", "Heures d'insertion"]
        valeurs = [donnees["entreprise"].siret, donnees["ines"].reference, "03/2026", "151,67", 35]
        rapport = analyser(xlsx([entete, valeurs]))
        assert rapport.erreur_fichier == (
            "Colonnes en double : « Nombre d'heures » (colonne D) et « Heures d'insertion » (colonne E) donnent "
            "toutes deux la colonne Heures. Gardez une seule de ces colonnes (supprimez ou renommez l'autre), puis "
            "importez de nouveau."
        )
        assert not rapport.valide and not rapport.creations

    def test_the_same_header_twice_is_refused_too(self):
        entete = ["Nom", "Prénom", "Date de naissance", "Genre", "Niveau de qualification", "NOM"]
        rapport = analyser(
            xlsx([entete, ["Durand", "Inès", "17/05/1999", "F", "Niveau 3", "Dupont"]]),
            type_import=importation.PARTICIPANTS,
        )
        assert "« Nom » (colonne A) et « NOM » (colonne F) donnent toutes deux la colonne Nom" in (
            rapport.erreur_fichier
        )
