import datetime as dt
from decimal import Decimal

import pytest

from config.templatetags.ui import date_longue, heures, nombre, pluriel, pourcent


@pytest.mark.parametrize(
    ("nombre", "attendu"), [(0, ""), (1, ""), (-1, ""), (2, "s"), (1500, "s"), ("x", ""), (None, "")]
)
def test_french_plural_is_singular_at_zero_and_one(nombre, attendu):
    assert pluriel(nombre) == attendu


def test_formats():
    assert date_longue(dt.date(2027, 7, 1)) == "1er juillet 2027"
    assert date_longue(dt.date(2027, 3, 15)) == "15 mars 2027"
    assert date_longue(None) == "—"
    assert heures(Decimal("1234.5")) == "1\u00a0234,5 h"
    assert nombre(64416) == "64\u00a0416"  # counts of a national instance: people, contracts, marchés
    assert nombre(12) == "12"
    assert nombre("< 3") == "< 3"  # a masked count stays as it is
    assert heures(Decimal("833")) == "833 h"
    assert pourcent(Decimal("0.523")) == "52 %"


LISTES = [
    ("marches:marches", "Aucun marché"),
    ("conventions:donneurs", "Aucun donneur d'ordre"),
    ("conventions:conventions", "Aucune convention"),
    ("clauses:participants", "Aucun participant"),
    ("clauses:placements", "Aucun placement"),
    ("entreprises:entreprises", "Aucune entreprise"),
    ("entreprises:operateurs", "Aucun opérateur"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("nom", "debut"), LISTES)
def test_an_empty_list_says_whether_a_filter_emptied_it(client_facilitateur, nom, debut):
    from django.urls import reverse

    vide = client_facilitateur.get(reverse(nom)).content.decode()
    assert "enregistr" in vide and "ne correspond à ces critères" not in vide
    assert f"{debut}" in vide
    filtre = client_facilitateur.get(reverse(nom), {"q": "introuvable"}).content.decode()
    assert f"{debut}" in filtre and "ne correspond à ces critères" in filtre


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("chemin", "actif"),
    [
        ("/portail/", "Accueil"),
        ("/portail/marches/", "Marchés"),
        ("/portail/marches/12/", "Marchés"),
        ("/portail/marches/declarer/", "Déclarer un marché"),
        ("/portail/statistiques/", "Statistiques"),
    ],
)
def test_one_active_menu_entry_in_the_portal(rf, chemin, actif):
    from conventions.factories import ReferentFactory

    requete = rf.get(chemin)
    requete.user = ReferentFactory().user
    from config.navigation import menu

    assert [e["libelle"] for e in menu(requete)["menu"] if e["actif"]] == [actif]
