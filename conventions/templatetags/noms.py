"""A public body's name inside a sentence, for templates (conventions.noms).

After « avec », « entre », « par », « pour »…: ``{{ donneur.nom|avec_article }}`` (« la Ville d'Arles »); where the
sentence says « de »: ``{{ donneur.nom|de_avec_article }}`` (« du Syndicat mixte… »); where it says « à »:
``{{ donneur.nom|a_avec_article }}`` (« au Département… »); at the start of a sentence:
``{{ donneur.nom|avec_article|capfirst }}``.

A heading, a table cell or a label that shows the name alone keeps it bare: « Ville d'Arles ».
"""

from django import template

from conventions import noms

register = template.Library()


@register.filter
def avec_article(nom) -> str:
    return noms.avec_article(str(nom))


@register.filter
def de_avec_article(nom) -> str:
    return noms.de_avec_article(str(nom))


@register.filter
def a_avec_article(nom) -> str:
    return noms.a_avec_article(str(nom))
