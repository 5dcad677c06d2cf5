"""The shipped clause texts as a public buyer reads them, after rendering them (issue 13 §4):

- the notice to candidates named the buyer bare, « L'acheteur, Ville d'Arles, a inscrit… »: it now reads
  « L'acheteur, la Ville d'Arles, a inscrit… » through $le_donneur (the donneur d'ordre's name with its article,
  conventions.noms; $du_donneur is the same after « de »);
- before applying a penalty the buyer invites the holder « par écrit » to present observations « dans un délai de
  quinze jours », the contradictory procedure of the CCAG 2021 for delay penalties, no longer an observation period
  of no length.

A text is updated only while it is still the one 0010 shipped (compared spaces aside): an admin's edit is kept, as
0010 kept it. The texts are frozen here so that this migration stays what it was when it ran.
"""

import importlib

from django.db import migrations, models

PRECEDENTE = importlib.import_module("clauses.migrations.0010_textes_des_clauses_2026")
PRECEDENTS = PRECEDENTE.TEXTES

CONTRADICTOIRE_AVANT = "Avant de les appliquer, l'acheteur invite le titulaire à présenter ses observations."
CONTRADICTOIRE = (
    "Avant de les appliquer, l'acheteur invite le titulaire, par écrit, à présenter ses observations dans un délai "
    "de quinze jours."
)
ACHETEUR_AVANT = "L'acheteur, $donneur, a inscrit"
ACHETEUR = "L'acheteur, $le_donneur, a inscrit"


def _nouveau(texte: str) -> str:
    return texte.replace(CONTRADICTOIRE_AVANT, CONTRADICTOIRE).replace(ACHETEUR_AVANT, ACHETEUR)


TEXTES = {code: _nouveau(texte) for code, texte in PRECEDENTS.items() if _nouveau(texte) != texte}

AIDE_TEXTE = (
    "Variables possibles : $heures (objectif d'heures d'insertion du lot (ex. : 833)), $heures_lettres (le même "
    "objectif en lettres (ex. : huit cent trente-trois)), $lot (numéro et intitulé du lot), $marche (objet du "
    "marché), $reference (référence du marché chez le donneur d'ordre), $donneur (nom du donneur d'ordre), "
    "$le_donneur (nom du donneur d'ordre précédé de son article (ex. : la Ville d'Arles, le Syndicat mixte…)), "
    "$du_donneur (le même après « de » (ex. : de la Ville d'Arles, du Syndicat mixte…)), $structure (nom de la "
    "structure porteuse du facilitateur), $facilitateur (nom du facilitateur en charge), $email_facilitateur "
    "(e-mail du facilitateur), $telephone_facilitateur (téléphone du facilitateur), $telephone_structure "
    "(téléphone de la structure porteuse), $part_qpv (part minimale d'heures pour des habitants de QPV (ex. : "
    "5 %)), $mention_qpv (phrase sur la part minimale pour des habitants de QPV (vide s'il n'y en a pas)), "
    "$taux_insertion (taux d'insertion retenu (ex. : 5 %)), $plafond_penalites (phrase sur le plafond des "
    "pénalités : soumises au plafond du CCAG, ou dérogation à son article choisie à la rédaction), "
    "$mention_seuils_europeens (phrase sur l'obligation de l'article L2112-2-1 (marché égal ou supérieur aux seuils "
    "européens, choisi à la rédaction ; vide sinon)), $article (article du Code de la commande publique de la "
    "modalité)."
)


def _pareil(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _remplacer(apps, depuis: dict[str, str], vers: dict[str, str]) -> None:
    ModeleClause = apps.get_model("clauses", "ModeleClause")
    for modele in ModeleClause.objects.filter(code__in=set(depuis) & set(vers)):
        if _pareil(modele.texte, depuis[modele.code]):
            modele.texte = vers[modele.code]
            modele.save(update_fields=["texte"])


def charger(apps, schema_editor):
    _remplacer(apps, PRECEDENTS, TEXTES)


def revenir(apps, schema_editor):
    _remplacer(apps, TEXTES, PRECEDENTS)


class Migration(migrations.Migration):
    dependencies = [("clauses", "0010_textes_des_clauses_2026")]

    operations = [
        migrations.AlterField(
            model_name="modeleclause",
            name="texte",
            field=models.TextField(help_text=AIDE_TEXTE, verbose_name="texte"),
        ),
        migrations.RunPython(charger, revenir),
    ]
