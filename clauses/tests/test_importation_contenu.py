"""What the imports make of the rows companies really send: typographic characters, their own column names,
cells Excel has converted, weekly statements, and what the preview shows before anything is written."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from clauses import importation
from clauses.factories import ParticipantFactory, PlacementFactory
from clauses.importation import lecture
from clauses.models import HeuresMensuelles, Participant
from clauses.tests.test_importation import (
    ENTETE_PARTICIPANTS,
    ENTETE_RELEVE,
    analyser,
    creer_donnees,
    csv_,
    importer,
    ligne,
    xlsx,
)
from conventions.factories import FacilitateurFactory
from marches.factories import AttributionFactory

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


class TestDispositionsDesEntreprises:
    def test_usual_column_names(self, donnees):
        entete = [
            "N° SIRET",
            "Nom de famille",
            "Prénom(s)",
            "Date naissance",
            "Mois de réalisation",
            "Heures effectuées",
        ]
        valeurs = [donnees["entreprise"].siret, "Durand", "Inès", "17/05/1999", "03/2026", 7]
        rapport = analyser(xlsx([entete, valeurs]))
        assert rapport.erreur_fichier == "" and rapport.erreurs == [] and rapport.ajoutees == 1

    @pytest.mark.parametrize("ecrit", ["{siret}.0", "{siret},00", "{debut},{fin}E+13"])
    def test_a_siret_excel_wrote_as_a_number_is_read_when_every_digit_is_there(self, donnees, ecrit):
        siret = donnees["entreprise"].siret
        texte = ecrit.format(siret=siret, debut=siret[0], fin=siret[1:])
        ligne_ = [texte, donnees["ines"].reference, "03/2026", 7]
        rapport = analyser(csv_([["SIRET", "Référence participant", "Mois", "Heures"], ligne_]), nom="releve.csv")
        assert rapport.erreur_fichier == "" and rapport.erreurs == [] and rapport.ajoutees == 1

    @pytest.mark.parametrize(
        ("ecrit", "debut"),
        [
            ("4,06413E+13", "Ligne 2 : SIRET « 4,06413E+13 » illisible : ses derniers chiffres ont été perdus. "),
            (
                "4.06413021E+13",
                "Ligne 2 : SIRET « 4.06413021E+13 » illisible : ses derniers chiffres ont été perdus. ",
            ),
            ("7328293200007", "Ligne 2 : SIRET « 7328293200007 » invalide : il doit compter 14 chiffres ; "),
        ],
    )
    def test_a_siret_excel_damaged_says_how_to_avoid_it(self, donnees, ecrit, debut):
        ligne_ = [ecrit, donnees["ines"].reference, "03/2026", 7]
        rapport = analyser(csv_([["SIRET", "Référence participant", "Mois", "Heures"], ligne_]), nom="releve.csv")
        assert rapport.erreurs == [
            debut + "Excel a converti la colonne SIRET en nombres : dans le fichier d'origine, mettez cette colonne "
            "au format Texte (clic droit, Format de cellule, Texte), saisissez de nouveau les SIRET, puis enregistrez "
            "le fichier."
        ]

    @pytest.mark.parametrize(
        ("valeur", "attendu"),
        [
            ("sept-26", dt.date(2026, 9, 1)),
            ("sept.-26", dt.date(2026, 9, 1)),
            ("janv.-26", dt.date(2026, 1, 1)),
            ("févr-26", dt.date(2026, 2, 1)),
            ("août 2026", dt.date(2026, 8, 1)),
            ("Déc-25", dt.date(2025, 12, 1)),
            ("Sep-26", dt.date(2026, 9, 1)),
            ("01/10/26", dt.date(2026, 10, 1)),
            ("1/10/26", dt.date(2026, 10, 1)),
            ("10/26", dt.date(2026, 10, 1)),
            ("31/02/26", None),
            ("13/26", None),
            ("sept", None),
        ],
    )
    def test_usual_french_months(self, valeur, attendu):
        assert lecture.lire_mois(valeur) == attendu

    def test_two_digit_years_stay_refused_for_birth_dates(self):
        assert lecture.lire_date("17/05/99") is None

    @pytest.mark.parametrize(
        ("valeur", "attendu"),
        [
            ("35h30", Decimal("35.5")),
            ("35 h 30", Decimal("35.5")),
            ("35H30min", Decimal("35.5")),
            ("35:30", Decimal("35.5")),
            ("35:30:00", Decimal("35.5")),
            ("7h45", Decimal("7.75")),
            ("35:20", Decimal("35.33")),
            ("35h", Decimal("35")),
        ],
    )
    def test_hours_written_as_durations(self, donnees, valeur, attendu):
        rapport = analyser(xlsx([ENTETE_RELEVE, ligne(donnees, heures=valeur)]))
        assert rapport.erreurs == [] and rapport.creations[0][1] == attendu

    def test_hours_35_75_are_not_a_duration(self, donnees):
        rapport = analyser(xlsx([ENTETE_RELEVE, ligne(donnees, heures="35:75")]))
        assert rapport.erreurs == ["Ligne 2 : Heures « 35:75 » : ce n'est ni un nombre ni une durée (35,5 ou 35h30)."]

    def test_excel_duration_cells(self, donnees):
        """A [h]:mm cell (openpyxl reads a timedelta), an h:mm cell under 24 hours (a time) and one past 24 hours
        (a datetime of January 1900): each is a number of hours."""
        classeur = Workbook()
        feuille = classeur.active
        feuille.append(["SIRET", "Référence participant", "Mois", "Heures"])
        for mois, heures, format_ in (
            ("01/2026", dt.timedelta(hours=35, minutes=30), "[h]:mm"),
            ("02/2026", dt.time(7, 45), "h:mm"),
            ("03/2026", 35.5 / 24, "h:mm"),
        ):
            feuille.append([donnees["entreprise"].siret, donnees["ines"].reference, mois, heures])
            feuille.cell(feuille.max_row, 4).number_format = format_
        sortie = io.BytesIO()
        classeur.save(sortie)
        rapport = analyser(sortie.getvalue())
        assert rapport.erreurs == []
        assert sorted(h for _, h in rapport.creations) == [Decimal("7.75"), Decimal("35.5"), Decimal("35.5")]

    def test_a_date_in_the_hours_column_is_named_as_a_date(self, donnees):
        rapport = analyser(xlsx([ENTETE_RELEVE, ligne(donnees, heures=dt.datetime(2026, 3, 1))]))
        assert rapport.erreurs == ["Ligne 2 : Heures « 01/03/2026 » : c'est une date, pas un nombre d'heures."]


class TestRelevesHebdomadaires:
    def test_weekly_rows_are_added_up_and_the_preview_says_so(self, donnees):
        ref = donnees["ines"].reference
        lignes = [ligne(donnees, heures=h) for h in (8, "7,5", 12, "0")] + [ligne(donnees, mois="04/2026", heures=1)]
        rapport = analyser(xlsx([ENTETE_RELEVE, *lignes]))
        assert rapport.erreurs == []
        assert sorted((cle[1].month, h) for cle, h in rapport.creations) == [(3, Decimal("27.5")), (4, 1)]
        assert rapport.remarques == [
            f"Lignes 2, 3, 4 et 5 additionnées ({ref} Inès Durand, Peintures du Rhône, 03/2026) : 8 + 7,5 + 12 + 0 "
            "= 27,5 heures."
        ]
        assert (rapport.lignes, rapport.ajoutees) == (5, 2)

    def test_reimporting_weekly_rows_changes_nothing(self, donnees):
        user = FacilitateurFactory()
        contenu = xlsx([ENTETE_RELEVE, ligne(donnees, heures=20), ligne(donnees, heures=15)])
        assert importer(contenu, user).resume == "1 ligne ajoutée, 0 mise à jour, 0 inchangée"
        assert HeuresMensuelles.objects.get().heures == 35
        assert importer(contenu, user).resume == "0 ligne ajoutée, 0 mise à jour, 1 inchangée"

    def test_a_sum_past_the_monthly_maximum_is_an_error_and_nothing_is_written(self, donnees):
        ref = donnees["ines"].reference
        contenu = xlsx([ENTETE_RELEVE, ligne(donnees, heures=120), ligne(donnees, heures=110)])
        rapport = importer(contenu, FacilitateurFactory())
        assert rapport.erreurs == [
            f"Ligne 3 : les lignes 2 et 3 ({ref} Inès Durand, Peintures du Rhône, 03/2026) additionnées font "
            "120 + 110 = 230 heures, plus que le maximum de 220 en un mois."
        ]
        assert not rapport.valide and not HeuresMensuelles.objects.exists()


class TestDatesDuPlacement:
    def test_the_message_quotes_every_placement_at_that_company(self, donnees):
        PlacementFactory(
            participant=donnees["sam"],
            attribution=donnees["p_sam"].attribution,
            date_debut=dt.date(2026, 6, 1),
        )
        rapport = analyser(xlsx([ENTETE_RELEVE, ligne(donnees, personne="sam", mois="05/2026")]))
        assert rapport.erreurs[0].endswith(
            "en cours en 05/2026 (Mois) : ses placements courent du 01/03/2026 au 30/04/2026 et depuis le 01/06/2026."
        )

    def test_no_placement_at_that_company(self, donnees):
        autre = AttributionFactory()
        PlacementFactory(attribution=autre, date_debut=dt.date(2026, 1, 1))  # someone else
        siret = autre.entreprise.siret
        rapport = analyser(xlsx([ENTETE_RELEVE, ligne(donnees, siret=siret, mois="05/2026")]))
        assert rapport.erreurs[0].endswith(
            "en cours en 05/2026 (Mois) : aucun placement de cette personne chez cette entreprise."
        )


class TestSuggestions:
    @pytest.fixture
    def place(self, donnees):
        def placer(reference, nom, prenom, naissance, attribution=None):
            participant = ParticipantFactory(reference=reference, nom=nom, prenom=prenom, date_naissance=naissance)
            PlacementFactory(
                participant=participant,
                attribution=attribution or donnees["p_ines"].attribution,
                date_debut=dt.date(2026, 1, 1),
            )
            return participant

        return placer

    def test_a_reference_one_slip_away_is_proposed(self, donnees, place):
        place("P-900115", "Martin", "Léa", dt.date(2001, 4, 3))
        siret = donnees["entreprise"].siret
        rapport = analyser(xlsx([ENTETE_RELEVE, [siret, "P-900151", "", "", "", "03/2026", 7, ""]]))
        assert rapport.erreurs == [
            "Ligne 2 : Référence participant P-900151 inconnue. Vouliez-vous dire P-900115 (Léa Martin) ?"
        ]

    def test_only_people_placed_at_the_rows_company_are_proposed(self, donnees, place):
        place("P-900115", "Martin", "Léa", dt.date(2001, 4, 3), attribution=AttributionFactory())
        siret = donnees["entreprise"].siret
        rapport = analyser(xlsx([ENTETE_RELEVE, [siret, "P-900151", "", "", "", "03/2026", 7, ""]]))
        assert rapport.erreurs == ["Ligne 2 : Référence participant P-900151 inconnue."]

    def test_no_hint_when_too_many_people_are_one_slip_away(self, donnees, place):
        for n in range(4):
            place(f"P-90015{n}", "Martin", f"Léa{n}", dt.date(2001, 4, 3))
        siret = donnees["entreprise"].siret
        rapport = analyser(xlsx([ENTETE_RELEVE, [siret, "P-900159", "", "", "", "03/2026", 7, ""]]))
        assert rapport.erreurs == ["Ligne 2 : Référence participant P-900159 inconnue."]

    @pytest.mark.parametrize(
        ("nom", "prenom", "naissance"),
        [("Martinn", "Léa", "03/04/2001"), ("Léa", "Martin", "03/04/2001"), ("Martin", "Léa", "04/03/2001")],
    )
    def test_an_identity_one_slip_away_is_proposed(self, donnees, place, nom, prenom, naissance):
        lea = place("P-900115", "Martin", "Léa", dt.date(2001, 4, 3))
        siret = donnees["entreprise"].siret
        rapport = analyser(xlsx([ENTETE_RELEVE, [siret, "", nom, prenom, naissance, "03/2026", 7, ""]]))
        assert len(rapport.erreurs) == 1
        assert rapport.erreurs[0].endswith(f"Vouliez-vous dire {lea.reference} (Léa Martin, né(e) le 03/04/2001) ?")

    def test_a_stranger_gets_no_hint(self, donnees, place):
        place("P-900115", "Martin", "Léa", dt.date(2001, 4, 3))
        siret = donnees["entreprise"].siret
        rapport = analyser(xlsx([ENTETE_RELEVE, [siret, "", "Bernard", "Paul", "03/04/2001", "03/2026", 7, ""]]))
        assert "Vouliez-vous dire" not in rapport.erreurs[0]

    def test_the_hints_cost_one_query_for_the_whole_file(self, donnees, place, django_assert_num_queries):
        place("P-900115", "Martin", "Léa", dt.date(2001, 4, 3))
        siret = donnees["entreprise"].siret
        lignes = [[siret, f"P-9{n:05d}", "", "", "", "03/2026", 7, ""] for n in range(200, 260)]
        contenu = xlsx([ENTETE_RELEVE, *lignes])
        # Companies, references, the hints; no identity, placement or hours lookup without a known person.
        with django_assert_num_queries(3):
            rapport = analyser(contenu)
        assert len(rapport.erreurs) == 60
