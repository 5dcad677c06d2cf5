"""The article before a public body's name in a sentence, and after « de » (conventions.noms)."""

import pytest
from django.template import Context, Template

from conventions.noms import a_avec_article, avec_article, de_avec_article


@pytest.mark.parametrize(
    ("nom", "attendu"),
    [
        ("Ville d'Arles", "la Ville d'Arles"),
        (
            "Communauté d'agglomération Arles Crau Camargue Montagnette",
            "la Communauté d'agglomération Arles Crau Camargue Montagnette",
        ),
        ("Commune de Boulbon", "la Commune de Boulbon"),
        ("Région Sud", "la Région Sud"),
        ("Département des Bouches-du-Rhône", "le Département des Bouches-du-Rhône"),
        ("Syndicat mixte des eaux du Delta", "le Syndicat mixte des eaux du Delta"),
        ("Centre hospitalier d'Arles", "le Centre hospitalier d'Arles"),
        ("Office public de l'habitat du Pays d'Arles", "l'Office public de l'habitat du Pays d'Arles"),
        ("Établissement public foncier", "l'Établissement public foncier"),
        ("État", "l'État"),
        ("Hôpital Joseph-Imbert", "l'Hôpital Joseph-Imbert"),
        ("Université d'Aix-Marseille", "l'Université d'Aix-Marseille"),
        ("Hôpitaux de Provence", "les Hôpitaux de Provence"),
        ("CCAS d'Arles", "le CCAS d'Arles"),
        ("SPL Camargue Aménagement", "la SPL Camargue Aménagement"),
        # A proper name takes no article; a name with its own article keeps it.
        ("Delta Rhône Habitat", "Delta Rhône Habitat"),
        ("13 Habitat", "13 Habitat"),
        ("La Poste", "La Poste"),
        ("L'Agence de l'eau", "L'Agence de l'eau"),
        ("Les Compagnons bâtisseurs", "Les Compagnons bâtisseurs"),
        ("  Ville d'Arles ", "la Ville d'Arles"),
    ],
)
def test_avec_article(nom, attendu):
    assert avec_article(nom) == attendu


@pytest.mark.parametrize(
    ("nom", "de", "a"),
    [
        ("Ville d'Arles", "de la Ville d'Arles", "à la Ville d'Arles"),
        (
            "Syndicat mixte des eaux du Delta",
            "du Syndicat mixte des eaux du Delta",
            "au Syndicat mixte des eaux du Delta",
        ),
        (
            "Office public de l'habitat du Pays d'Arles",
            "de l'Office public de l'habitat du Pays d'Arles",
            "à l'Office public de l'habitat du Pays d'Arles",
        ),
        ("Hôpitaux de Provence", "des Hôpitaux de Provence", "aux Hôpitaux de Provence"),
        (
            "Département des Bouches-du-Rhône",
            "du Département des Bouches-du-Rhône",
            "au Département des Bouches-du-Rhône",
        ),
        ("Le Comptoir de l'emploi", "du Comptoir de l'emploi", "au Comptoir de l'emploi"),
        ("Delta Rhône Habitat", "de Delta Rhône Habitat", "à Delta Rhône Habitat"),
        ("SPL Camargue Aménagement", "de la SPL Camargue Aménagement", "à la SPL Camargue Aménagement"),
        # A proper name beginning with a vowel elides « de »; « à » never elides.
        ("Erilia", "d'Erilia", "à Erilia"),
        ("13 Habitat", "de 13 Habitat", "à 13 Habitat"),
        # A name with its own article: « la », « l' » stay; « le », « les » contract as they would anywhere.
        ("La Poste", "de La Poste", "à La Poste"),
        ("L'Agence de l'eau", "de L'Agence de l'eau", "à L'Agence de l'eau"),
        ("Les Compagnons bâtisseurs", "des Compagnons bâtisseurs", "aux Compagnons bâtisseurs"),
    ],
)
def test_de_et_a_contractent_l_article(nom, de, a):
    assert de_avec_article(nom) == de
    assert a_avec_article(nom) == a


def test_les_filtres_des_gabarits():
    gabarit = Template(
        "{% load noms %}Avec {{ n|avec_article }} ; les référents {{ n|de_avec_article }} ; "
        "transmis {{ n|a_avec_article }}. {{ n|avec_article|capfirst }} a déclaré."
    )
    rendu = gabarit.render(Context({"n": "Syndicat mixte des eaux du Delta"}))
    assert rendu == (
        "Avec le Syndicat mixte des eaux du Delta ; les référents du Syndicat mixte des eaux du Delta ; transmis au "
        "Syndicat mixte des eaux du Delta. Le Syndicat mixte des eaux du Delta a déclaré."
    )
