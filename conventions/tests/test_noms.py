"""The article before a public body's name in a sentence, and after « de » (conventions.noms)."""

import pytest

from conventions.noms import avec_article, avec_de


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
    ("nom", "attendu"),
    [
        ("Ville d'Arles", "de la Ville d'Arles"),
        ("Département des Bouches-du-Rhône", "du Département des Bouches-du-Rhône"),
        ("Office public de l'habitat du Pays d'Arles", "de l'Office public de l'habitat du Pays d'Arles"),
        ("Hôpitaux de Provence", "des Hôpitaux de Provence"),
        ("Delta Rhône Habitat", "de Delta Rhône Habitat"),
        ("Erilia", "d'Erilia"),
        ("13 Habitat", "de 13 Habitat"),
        ("La Poste", "de La Poste"),
        ("Les Compagnons bâtisseurs", "des Compagnons bâtisseurs"),
        ("Le Comptoir de l'emploi", "du Comptoir de l'emploi"),
    ],
)
def test_avec_de(nom, attendu):
    assert avec_de(nom) == attendu
