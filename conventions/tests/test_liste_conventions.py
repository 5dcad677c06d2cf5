"""The conventions' list: its état and deadline columns, filters, sorts, pages and export, all read from the
calendar (conventions.calendrier) on the day."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conventions.factories import ConventionFactory, DonneurDOrdreFactory
from conventions.models import Avenant, Convention, DenoncePar, EtatConvention
from conventions.tests.outils import aujourd_hui, convention_limite_dans, le

D = dt.date
pytestmark = pytest.mark.django_db


class TestListeConventions:
    def test_notice_soon_is_said_in_words(self, client_facilitateur):
        proche = convention_limite_dans(30)
        convention_limite_dans(200)
        reponse = client_facilitateur.get(reverse("conventions:conventions"))
        contenu = reponse.content.decode()
        assert "préavis proche" in contenu
        jours = (proche.date_limite_denonciation() - aujourd_hui()).days
        assert f"dans {jours} jour" in contenu

    def test_filters(self, client_facilitateur):
        proche = convention_limite_dans(30, donneur_d_ordre=DonneurDOrdreFactory(nom="Arles"))
        loin = convention_limite_dans(200, donneur_d_ordre=DonneurDOrdreFactory(nom="Beaucaire"))
        projet = ConventionFactory(
            date_signature=None, donneur_d_ordre=DonneurDOrdreFactory(nom="Habitat 13", type="bailleur")
        )
        denoncee = convention_limite_dans(
            120,
            date_denonciation=aujourd_hui(),
            denoncee_par=DenoncePar.DONNEUR_D_ORDRE,
            donneur_d_ordre=DonneurDOrdreFactory(nom="Crau"),
        )
        terminee = ConventionFactory(
            date_effet=D(2020, 1, 1),
            date_denonciation=D(2020, 3, 1),
            denoncee_par=DenoncePar.DONNEUR_D_ORDRE,
            donneur_d_ordre=DonneurDOrdreFactory(nom="Dauphin"),
        )
        url = reverse("conventions:conventions")

        def liste(**params):
            return list(client_facilitateur.get(url, params).context["object_list"])

        assert liste(etat="en_vigueur") == [proche, loin]
        assert liste(etat="en_projet") == [projet]
        assert liste(etat="denoncee") == [denoncee]
        assert liste(etat="terminee") == [terminee]
        assert liste(preavis="true") == [proche]
        assert liste(type="bailleur") == [projet]
        assert liste(q="beauc") == [loin]
        assert liste(etat="nimporte") == [proche, loin, denoncee, terminee, projet]

    def test_etat_filter_agrees_with_the_calendar_day_by_day(self, client, facilitateur):
        for i, (effet, signature, denonciation, duree, preavis) in enumerate(
            [
                (D(2024, 1, 1), D(2023, 12, 1), None, 12, 3),
                (D(2025, 7, 15), D(2025, 7, 1), D(2026, 2, 10), 12, 3),
                (D(2025, 7, 15), D(2025, 7, 1), D(2026, 4, 20), 12, 3),  # too late for 2026: runs to 2027
                (D(2024, 3, 31), D(2024, 3, 1), D(2025, 11, 30), 6, 1),
                (D(2026, 9, 1), D(2026, 8, 1), None, 12, 2),  # signed, not yet in effect
                (D(2025, 1, 1), None, None, 12, 3),  # never signed
                (D(2020, 1, 1), D(2019, 12, 1), D(2020, 3, 1), 12, 3),
            ]
        ):
            ConventionFactory(
                date_effet=effet,
                date_signature=signature,
                date_denonciation=denonciation,
                denoncee_par=DenoncePar.DONNEUR_D_ORDRE if denonciation else "",
                duree_mois=duree,
                preavis_mois=preavis,
                donneur_d_ordre=DonneurDOrdreFactory(nom=f"Donneur {i}"),
            )
        conventions = list(Convention.objects.order_by("donneur_d_ordre__nom"))
        vus = set()
        for jour in [D(2025, 1, 1) + dt.timedelta(days=n) for n in range(0, 1100, 61)]:
            with le(jour, client, facilitateur):
                for etat in EtatConvention.values:
                    attendues = [c for c in conventions if c.etat(jour) == etat]
                    reponse = client.get(reverse("conventions:conventions"), {"etat": etat})
                    assert list(reponse.context["object_list"]) == attendues, (jour, etat)
                    vus.update((etat, c.pk) for c in attendues)
        assert {etat for etat, _ in vus} == set(EtatConvention.values)

    def test_sort_by_deadline_in_python(self, client_facilitateur):
        proche = convention_limite_dans(30)
        loin = convention_limite_dans(200)
        terminee = ConventionFactory(
            date_effet=D(2020, 1, 1), date_denonciation=D(2020, 3, 1), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
        )
        url = reverse("conventions:conventions")
        assert list(client_facilitateur.get(url, {"tri": "date_limite"}).context["object_list"]) == [
            proche,
            loin,
            terminee,
        ]
        assert list(client_facilitateur.get(url, {"tri": "-date_limite"}).context["object_list"]) == [
            loin,
            proche,
            terminee,
        ]
        assert list(client_facilitateur.get(url, {"tri": "date_effet"}).context["object_list"])[0] == terminee

    def test_pagination_of_the_computed_list(self, client_facilitateur):
        ConventionFactory.create_batch(55)
        reponse = client_facilitateur.get(reverse("conventions:conventions"), {"page": 2, "etat": "en_vigueur"})
        assert len(reponse.context["object_list"]) == 5
        assert "Page 2 sur 2" in reponse.content.decode()

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        for _ in range(25):
            convention = ConventionFactory()
            Avenant.objects.create(convention=convention, numero=1, objet="A", date_signature=D(2025, 2, 1))
        with django_assert_max_num_queries(5):  # the page: its count, its ids, then its rows
            reponse = client_facilitateur.get(reverse("conventions:conventions"))
        assert len(reponse.context["object_list"]) == 25
        # A filter on the état: the conventions' dates go through the calendar, whose ids are the count and the
        # order, then the page's rows are read by their ids alone (no query repeats the thousands of ids).
        with CaptureQueriesContext(connection) as requetes:
            reponse = client_facilitateur.get(reverse("conventions:conventions"), {"etat": "en_vigueur"})
        assert len(reponse.context["object_list"]) == 25
        sql = [requete["sql"] for requete in requetes.captured_queries]
        assert len(sql) <= 4
        assert not [s for s in sql if "COUNT(" in s.upper() or "ANY(" in s.upper()]

    def test_export_with_filters(self, client_facilitateur):
        proche = convention_limite_dans(30, numero="C-1")
        convention_limite_dans(200, numero="C-2")
        reponse = client_facilitateur.get(reverse("conventions:conventions"), {"preavis": "true", "format": "xlsx"})
        lignes = list(load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active.values)
        assert lignes[0][2] == "Numéro" and lignes[0][8] == "Date limite de dénonciation"
        assert [ligne[2] for ligne in lignes[1:]] == ["C-1"]
        assert lignes[1][6] == "En vigueur"
        assert lignes[1][8].date() == proche.date_limite_denonciation()


class TestConventionEnProjet:
    """The issue's example: a convention taking effect on 1 July 2024, seen on 15 February 2027. Signed, it is in its
    third period and its notice deadline, 31 March 2027, is 44 days away; unsigned, it has no deadline at all."""

    JOUR = D(2027, 2, 15)

    @pytest.fixture
    def conventions(self):
        arles = DonneurDOrdreFactory(nom="Arles")
        signee = ConventionFactory(
            donneur_d_ordre=arles, numero="S", date_effet=D(2024, 7, 1), date_signature=D(2024, 6, 20)
        )
        projet = ConventionFactory(donneur_d_ordre=arles, numero="P", date_effet=D(2024, 7, 1), date_signature=None)
        return signee, projet

    def test_no_deadline_in_the_list_its_filter_its_sort_and_its_export(self, client, facilitateur, conventions):
        signee, projet = conventions
        url = reverse("conventions:conventions")
        with le(self.JOUR, client, facilitateur) as client_facilitateur:
            lignes = {c.numero: c.situation for c in client_facilitateur.get(url).context["object_list"]}
            assert (lignes["S"].date_limite, lignes["S"].preavis_proche) == (D(2027, 3, 31), True)
            assert (lignes["P"].etat, lignes["P"].date_limite, lignes["P"].preavis_proche) == (
                "en_projet",
                None,
                False,
            )
            assert list(client_facilitateur.get(url, {"preavis": "true"}).context["object_list"]) == [signee]
            for tri in ("date_limite", "-date_limite"):
                assert list(client_facilitateur.get(url, {"tri": tri}).context["object_list"]) == [signee, projet]
            export = client_facilitateur.get(url, {"format": "xlsx", "tri": "date_limite"})
            lignes = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
        assert [(ligne[2], ligne[8]) for ligne in lignes[1:]] == [("S", dt.datetime(2027, 3, 31)), ("P", None)]

    def test_no_deadline_on_its_page_nor_from_the_model(self, client, facilitateur, conventions):
        signee, projet = conventions
        with le(self.JOUR, client, facilitateur) as client_facilitateur:
            page = client_facilitateur.get(reverse("conventions:convention", args=[projet.pk])).content.decode()
            assert "Date limite de dénonciation</dt>" not in page and "préavis proche" not in page
            assert (
                "Date limite de dénonciation</dt>"
                in client_facilitateur.get(reverse("conventions:convention", args=[signee.pk])).content.decode()
            )
            assert (projet.date_limite_denonciation(), projet.echeance_denoncable()) == (None, None)
        # The periods keep their dates: they are what the convention would follow once signed.
        assert projet.periode_courante(self.JOUR).date_limite_denonciation == D(2027, 3, 31)

    def test_signed_but_not_yet_in_effect_it_has_its_first_deadline(self):
        """« En projet » too, but signed: notice can already stop its first renewal."""
        convention = ConventionFactory(
            date_effet=D(2026, 9, 1), date_signature=D(2026, 8, 1), duree_mois=3, preavis_mois=2
        )
        assert convention.etat(D(2026, 8, 20)) == EtatConvention.EN_PROJET
        assert convention.date_limite_denonciation(D(2026, 8, 20)) == D(2026, 9, 30)
        convention.date_signature = None
        assert convention.date_limite_denonciation(D(2026, 8, 20)) is None
