"""PostgreSQL triggers keeping the contracts started and the outcomes noted by day exact (reporting.models:
``ContratJournalier``, ``ContratTerritoire``, ``SortieJournaliere``), as migration 0005 keeps the hours' totals.

Every change is applied as signed rows (+1 what now counts, -1 what no longer does), grouped and added to each
count by one upsert per table and statement, in key order. A placement counts under its donneur d'ordre on its
start day and type of contract; an end-of-placement outcome (moment ``fin``) under its placement's donneur d'ordre
on the day it was noted, by situation. A link that moves (a placement to another attribution, an attribution to
another lot, a lot to another marché, a marché to another donneur d'ordre) takes its rows from the old donneur
d'ordre to the new, after waiting for the transactions writing placements or outcomes (SHARE lock), so that none
counted under the old link commits behind the move. Other databases get no triggers: ``reporting.agregats``
reads these tables only on PostgreSQL.
"""

from django.db import migrations

MOMENT_FIN = "fin"

# Each source: the table it watches, what a row counts under (its delta's columns), the counts it feeds (table,
# key: column → expression over the signed rows, summed column), the join from a delta to the donneur d'ordre,
# and the links that can move its rows (column, join from the moved rows, and the donneur d'ordre when it is the
# moved column itself).
SOURCES = {
    "contrats": {
        "table": "clauses_placement",
        "colonnes": ("attribution_id", "date_debut", "type_contrat"),
        "condition": "TRUE",
        "cumuls": [
            (
                "reporting_contratjournalier",
                {"donneur_d_ordre_id": "donneur", "jour": "jour", "type_contrat": "valeur"},
                "contrats",
            ),
            ("reporting_contratterritoire", {"jour": "jour", "type_contrat": "valeur"}, "contrats"),
        ],
        # d (attribution_id, jour, valeur, signe)
        "depuis": """
            FROM ({delta}) AS d (attribution_id, jour, valeur, signe)
            JOIN marches_attribution a ON a.id = d.attribution_id
            JOIN marches_lot l ON l.id = a.lot_id
            JOIN marches_marche m ON m.id = l.marche_id
        """,
        "liens": {
            "marches_attribution": (
                "lot_id",
                """FROM ({deplaces}) AS x
                JOIN clauses_placement p ON p.attribution_id = x.id
                JOIN marches_lot l ON l.id = x.lot_id
                JOIN marches_marche m ON m.id = l.marche_id""",
            ),
            "marches_lot": (
                "marche_id",
                """FROM ({deplaces}) AS x
                JOIN marches_attribution a ON a.lot_id = x.id
                JOIN clauses_placement p ON p.attribution_id = a.id
                JOIN marches_marche m ON m.id = x.marche_id""",
            ),
            "marches_marche": (
                "donneur_d_ordre_id",
                """FROM ({deplaces}) AS x
                JOIN marches_lot l ON l.marche_id = x.id
                JOIN marches_attribution a ON a.lot_id = l.id
                JOIN clauses_placement p ON p.attribution_id = a.id""",
                "x.donneur_d_ordre_id",
            ),
        },
        # What a moved link's row counts under: the placement's start and type.
        "ligne_deplacee": ("p.date_debut", "p.type_contrat"),
    },
    "sorties": {
        "table": "clauses_sortie",
        "colonnes": ("placement_id", "date_constat", "situation"),
        "condition": f"moment = '{MOMENT_FIN}'",
        "cumuls": [
            (
                "reporting_sortiejournaliere",
                {"donneur_d_ordre_id": "donneur", "jour": "jour", "situation": "valeur"},
                "sorties",
            ),
        ],
        # d (placement_id, jour, valeur, signe)
        "depuis": """
            FROM ({delta}) AS d (placement_id, jour, valeur, signe)
            JOIN clauses_placement p ON p.id = d.placement_id
            JOIN marches_attribution a ON a.id = p.attribution_id
            JOIN marches_lot l ON l.id = a.lot_id
            JOIN marches_marche m ON m.id = l.marche_id
        """,
        "liens": {
            "clauses_placement": (
                "attribution_id",
                f"""FROM ({{deplaces}}) AS x
                JOIN clauses_sortie s ON s.placement_id = x.id AND s.moment = '{MOMENT_FIN}'
                JOIN marches_attribution a ON a.id = x.attribution_id
                JOIN marches_lot l ON l.id = a.lot_id
                JOIN marches_marche m ON m.id = l.marche_id""",
            ),
            "marches_attribution": (
                "lot_id",
                f"""FROM ({{deplaces}}) AS x
                JOIN clauses_placement p ON p.attribution_id = x.id
                JOIN clauses_sortie s ON s.placement_id = p.id AND s.moment = '{MOMENT_FIN}'
                JOIN marches_lot l ON l.id = x.lot_id
                JOIN marches_marche m ON m.id = l.marche_id""",
            ),
            "marches_lot": (
                "marche_id",
                f"""FROM ({{deplaces}}) AS x
                JOIN marches_attribution a ON a.lot_id = x.id
                JOIN clauses_placement p ON p.attribution_id = a.id
                JOIN clauses_sortie s ON s.placement_id = p.id AND s.moment = '{MOMENT_FIN}'
                JOIN marches_marche m ON m.id = x.marche_id""",
            ),
            "marches_marche": (
                "donneur_d_ordre_id",
                f"""FROM ({{deplaces}}) AS x
                JOIN marches_lot l ON l.marche_id = x.id
                JOIN marches_attribution a ON a.lot_id = l.id
                JOIN clauses_placement p ON p.attribution_id = a.id
                JOIN clauses_sortie s ON s.placement_id = p.id AND s.moment = '{MOMENT_FIN}'""",
                "x.donneur_d_ordre_id",
            ),
        },
        "ligne_deplacee": ("s.date_constat", "s.situation"),
    },
}


def _deltas(source: dict) -> dict[str, tuple[str, str]]:
    """The rows a write to the source's table adds (+1) or takes away (-1), as (first column, day, value, sign)."""
    colonnes, condition = source["colonnes"], source["condition"]
    anciennes = ", ".join(f"o.{c}" for c in colonnes)
    nouvelles = ", ".join(f"n.{c}" for c in colonnes)
    ancienne_condition = condition.replace("moment", "o.moment")
    nouvelle_condition = condition.replace("moment", "n.moment")
    return {
        "insert": ("NEW TABLE AS nouvelles", f"SELECT {', '.join(colonnes)}, 1 FROM nouvelles WHERE {condition}"),
        "delete": ("OLD TABLE AS anciennes", f"SELECT {', '.join(colonnes)}, -1 FROM anciennes WHERE {condition}"),
        "update": (
            "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
            f"""SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES ({anciennes}, CASE WHEN {ancienne_condition} THEN -1 ELSE 0 END),
                                       ({nouvelles}, CASE WHEN {nouvelle_condition} THEN 1 ELSE 0 END))
                AS v (a, b, c, signe)
            WHERE v.signe <> 0
              AND ({anciennes}, {ancienne_condition}) IS DISTINCT FROM ({nouvelles}, {nouvelle_condition})""",
        ),
    }


def _lignes(depuis: str, signe: str, jour: str, valeur: str, donneur: str = "m.donneur_d_ordre_id") -> str:
    return f"SELECT {donneur} AS donneur, {jour} AS jour, {valeur} AS valeur, {signe} AS signe {depuis}"


def _appliquer(cumuls: list, lignes: str) -> str:
    """The statements adding the signed rows to each count, in key order, then dropping the counts at zero."""
    ctes, menage = [f"lignes AS ({lignes})"], []
    for i, (table, cle, somme) in enumerate(cumuls):
        groupes = ", ".join(cle.values())
        ctes.append(
            f"""c{i} AS (
        INSERT INTO {table} AS t ({", ".join(cle)}, {somme})
        SELECT {groupes}, SUM(signe) FROM lignes GROUP BY {groupes} HAVING SUM(signe) <> 0 ORDER BY {groupes}
        ON CONFLICT ({", ".join(cle)}) DO UPDATE SET {somme} = t.{somme} + EXCLUDED.{somme}
    )"""
        )
        menage.append(f"DELETE FROM {table} WHERE {somme} = 0;")
    *ctes, derniere = ctes
    derniere = derniere.split(" AS (\n", 1)[1].rsplit("\n    )", 1)[0]
    return "WITH " + ",\n    ".join(ctes) + "\n" + derniere + ";\n    " + "\n    ".join(menage)


def _deplaces(colonne: str) -> str:
    return f"""
        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.id, o.{colonne}, -1), (n.id, n.{colonne}, 1)) AS v (id, {colonne}, signe)
        WHERE o.{colonne} IS DISTINCT FROM n.{colonne}
    """


def _fonction(nom: str, corps: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {nom}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {corps}
    RETURN NULL;
END $$;
"""


def _tout_recompter(source: dict) -> str:
    vidage = " ".join(f"DELETE FROM {table};" for table, _, _ in source["cumuls"])
    colonnes = ", ".join(source["colonnes"])
    delta = f"SELECT {colonnes}, 1 FROM {source['table']} WHERE {source['condition']}"
    lignes = _lignes(source["depuis"].format(delta=delta), "d.signe", "d.jour", "d.valeur")
    return vidage + "\n    " + _appliquer(source["cumuls"], lignes)


def _sql_creation() -> str:
    morceaux = []
    for nom, source in SOURCES.items():
        for operation, (references, delta) in _deltas(source).items():
            fonction = f"reporting_{nom}_{operation}"
            lignes = _lignes(source["depuis"].format(delta=delta), "d.signe", "d.jour", "d.valeur")
            morceaux.append(_fonction(fonction, _appliquer(source["cumuls"], lignes)))
            morceaux.append(
                f"CREATE TRIGGER reporting_{nom}_{operation} AFTER {operation.upper()} ON {source['table']} "
                f"REFERENCING {references} FOR EACH STATEMENT EXECUTE FUNCTION {fonction}();"
            )
        jour, valeur = source["ligne_deplacee"]
        for table, (colonne, depuis, *donneur) in source["liens"].items():
            fonction = f"reporting_{nom}_lien_{table}"
            lignes = _lignes(depuis.format(deplaces=_deplaces(colonne)), "x.signe", jour, valeur, *donneur)
            corps = f"""IF EXISTS (
        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.{colonne} IS DISTINCT FROM n.{colonne}
    ) THEN
    LOCK TABLE {source["table"]} IN SHARE MODE;
    {_appliquer(source["cumuls"], lignes)}
    END IF;"""
            morceaux.append(_fonction(fonction, corps))
            morceaux.append(
                f"CREATE TRIGGER reporting_{nom}_lien AFTER UPDATE ON {table} "
                "REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {fonction}();"
            )
        morceaux.append(_fonction(f"reporting_{nom}_vidage", _tout_recompter(source)))
        for table in (source["table"], *source["liens"]):
            morceaux.append(
                f"CREATE TRIGGER reporting_{nom}_vidage AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION reporting_{nom}_vidage();"
            )
        # The rows already there.
        morceaux.append(_tout_recompter(source))
    return "\n".join(morceaux)


def _sql_suppression() -> str:
    morceaux = []
    for nom, source in SOURCES.items():
        for operation in ("insert", "delete", "update"):
            morceaux.append(f"DROP TRIGGER IF EXISTS reporting_{nom}_{operation} ON {source['table']};")
            morceaux.append(f"DROP FUNCTION IF EXISTS reporting_{nom}_{operation}();")
        for table in source["liens"]:
            morceaux.append(f"DROP TRIGGER IF EXISTS reporting_{nom}_lien ON {table};")
            morceaux.append(f"DROP FUNCTION IF EXISTS reporting_{nom}_lien_{table}();")
        for table in (source["table"], *source["liens"]):
            morceaux.append(f"DROP TRIGGER IF EXISTS reporting_{nom}_vidage ON {table};")
        morceaux.append(f"DROP FUNCTION IF EXISTS reporting_{nom}_vidage();")
    return "\n".join(morceaux)


def creer(apps, schema_editor):
    schema_editor.execute(_sql_creation())


def supprimer(apps, schema_editor):
    schema_editor.execute(_sql_suppression())


class Migration(migrations.Migration):
    dependencies = [("reporting", "0010_contrats_et_sorties_par_jour")]

    operations = [migrations.RunPython(creer, supprimer)]
