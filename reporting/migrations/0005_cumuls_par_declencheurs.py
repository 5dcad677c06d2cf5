"""PostgreSQL triggers keeping reporting's running totals of the hours exact (see reporting.models, CumulMensuel).

Every change is applied as signed rows: +1 for what now counts, -1 for what no longer does, grouped and added to
each total by one upsert per table and statement (from the statement's transition tables: a 5,000-row insert
costs one join, not 5,000). Hours written, rewritten or deleted count under the links of the moment; a link that
moves (a placement to another attribution, person or modality; an attribution to another lot; a lot to another
marché; a marché to another donneur d'ordre) takes its hours away from the old side and gives them to the new.
Before that, the move waits for the transactions writing hours to finish (SHARE lock on the hours), so no hours
counted under the old link can commit behind it. Other databases get no triggers: reporting.agregats reads these
tables only on PostgreSQL.
"""

from django.db import migrations

# Each total: its table, its key (column, expression over the signed rows) and its sums; a row whose ``vide``
# column falls to 0 counts nothing any more and goes.
CUMULS = [
    ("reporting_cumulmensuel", {"donneur_d_ordre_id": "donneur", "mois": "mois", "modalite": "modalite"}, "lignes"),
    ("reporting_cumulterritoire", {"mois": "mois", "modalite": "modalite"}, "lignes"),
    ("reporting_cumullot", {"lot_id": "lot"}, "lignes"),
    (
        "reporting_presencemensuelle",
        {"donneur_d_ordre_id": "donneur", "mois": "mois", "marche_id": "marche", "participant_id": "participant"},
        "lignes_positives",
    ),
    ("reporting_personneannuelle", {"annee": "annee", "participant_id": "participant"}, "mois_positifs"),
    ("reporting_marcheannuel", {"annee": "annee", "marche_id": "marche"}, "mois_positifs"),
]
SOMMES = {
    "lignes": {"heures": "SUM(heures)", "lignes": "SUM(signe)"},
    "mois_positifs": {"mois_positifs": "SUM(positifs)"},
    "lignes_positives": {"lignes_positives": "SUM(positifs)"},
}

# The signed rows: one per monthly-hours row, with what it counts under and its sign.
LIGNES = """
    SELECT {donneur} AS donneur, {marche} AS marche, {lot} AS lot, {participant} AS participant,
           {modalite} AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,
           {signe} * h.heures AS heures, CASE WHEN h.heures > 0 THEN {signe} ELSE 0 END AS positifs, {signe} AS signe
    {depuis}
"""

DEPUIS_LES_HEURES = """
    FROM ({delta}) AS h (placement_id, mois, heures, signe)
    JOIN clauses_placement p ON p.id = h.placement_id
    JOIN marches_attribution a ON a.id = p.attribution_id
    JOIN marches_lot l ON l.id = a.lot_id
    JOIN marches_marche m ON m.id = l.marche_id
"""
PAR_LES_HEURES = {
    "donneur": "m.donneur_d_ordre_id",
    "marche": "l.marche_id",
    "lot": "a.lot_id",
    "participant": "p.participant_id",
    "modalite": "p.modalite",
    "signe": "h.signe",
}

DELTAS = {
    "insert": ("REFERENCING NEW TABLE AS nouvelles", "SELECT placement_id, mois, heures, 1 FROM nouvelles"),
    "delete": ("REFERENCING OLD TABLE AS anciennes", "SELECT placement_id, mois, heures, -1 FROM anciennes"),
    # Only the rows whose counted values changed: a save that rewrites the same hours adds nothing.
    "update": (
        "REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles",
        """
        SELECT v.placement_id, v.mois, v.heures, v.signe
        FROM anciennes o JOIN nouvelles n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.placement_id, o.mois, o.heures, -1), (n.placement_id, n.mois, n.heures, 1))
            AS v (placement_id, mois, heures, signe)
        WHERE (o.placement_id, o.mois, o.heures) IS DISTINCT FROM (n.placement_id, n.mois, n.heures)
        """,
    ),
}


# A moved link: its old values with -1, its new values with +1, for the rows whose link changed.
def _deplaces(colonnes: tuple[str, ...]) -> str:
    anciennes = ", ".join(f"o.{c}" for c in colonnes)
    nouvelles = ", ".join(f"n.{c}" for c in colonnes)
    noms = ", ".join(colonnes)
    return f"""
        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.id, {anciennes}, -1), (n.id, {nouvelles}, 1)) AS v (id, {noms}, signe)
        WHERE ({anciennes}) IS DISTINCT FROM ({nouvelles})
    """


LIENS = {
    "clauses_placement": (
        ("attribution_id", "participant_id", "modalite"),
        """
        FROM ({deplaces}) AS x
        JOIN clauses_heuresmensuelles h ON h.placement_id = x.id
        JOIN marches_attribution a ON a.id = x.attribution_id
        JOIN marches_lot l ON l.id = a.lot_id
        JOIN marches_marche m ON m.id = l.marche_id
        """,
        {"participant": "x.participant_id", "modalite": "x.modalite", "lot": "a.lot_id"},
    ),
    "marches_attribution": (
        ("lot_id",),
        """
        FROM ({deplaces}) AS x
        JOIN clauses_placement p ON p.attribution_id = x.id
        JOIN clauses_heuresmensuelles h ON h.placement_id = p.id
        JOIN marches_lot l ON l.id = x.lot_id
        JOIN marches_marche m ON m.id = l.marche_id
        """,
        {"lot": "x.lot_id"},
    ),
    "marches_lot": (
        ("marche_id",),
        """
        FROM ({deplaces}) AS x
        JOIN marches_attribution a ON a.lot_id = x.id
        JOIN clauses_placement p ON p.attribution_id = a.id
        JOIN clauses_heuresmensuelles h ON h.placement_id = p.id
        JOIN marches_marche m ON m.id = x.marche_id
        """,
        {"lot": "x.id", "marche": "x.marche_id"},
    ),
    "marches_marche": (
        ("donneur_d_ordre_id",),
        """
        FROM ({deplaces}) AS x
        JOIN marches_lot l ON l.marche_id = x.id
        JOIN marches_attribution a ON a.lot_id = l.id
        JOIN clauses_placement p ON p.attribution_id = a.id
        JOIN clauses_heuresmensuelles h ON h.placement_id = p.id
        """,
        {"donneur": "x.donneur_d_ordre_id", "marche": "x.id", "lot": "l.id"},
    ),
}


def _appliquer(lignes: str) -> str:
    """The statements adding the signed rows to every total, in key order (two statements adding to the same
    totals queue rather than deadlock), then dropping the totals that count nothing any more."""
    ctes, menage = [f"lignes AS ({lignes})"], []
    for i, (table, cle, vide) in enumerate(CUMULS):
        colonnes = list(cle) + list(SOMMES[vide])
        expressions = list(cle.values()) + list(SOMMES[vide].values())
        groupes = ", ".join(cle.values())
        non_nul = " OR ".join(f"{e} <> 0" for e in SOMMES[vide].values())
        mises_a_jour = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in SOMMES[vide])
        ctes.append(
            f"""c{i} AS (
        INSERT INTO {table} AS t ({", ".join(colonnes)})
        SELECT {", ".join(expressions)} FROM lignes GROUP BY {groupes} HAVING {non_nul} ORDER BY {groupes}
        ON CONFLICT ({", ".join(cle)}) DO UPDATE SET {mises_a_jour}
    )"""
        )
        menage.append(f"DELETE FROM {table} WHERE {vide} = 0;")
    # The last upsert is the statement itself (PL/pgSQL refuses a bare SELECT, and a WITH that writes must
    # stay at the top level).
    *ctes, derniere = ctes
    derniere = derniere.split(" AS (\n", 1)[1].rsplit("\n    )", 1)[0]
    return "WITH " + ",\n    ".join(ctes) + "\n" + derniere + ";\n    " + "\n    ".join(menage)


def _fonction(nom: str, corps: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {nom}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {corps}
    RETURN NULL;
END $$;
"""


def _sql_creation() -> str:
    morceaux = []
    for operation, (references, delta) in DELTAS.items():
        lignes = LIGNES.format(depuis=DEPUIS_LES_HEURES.format(delta=delta), **PAR_LES_HEURES)
        morceaux.append(_fonction(f"reporting_cumuls_heures_{operation}", _appliquer(lignes)))
        morceaux.append(
            f"CREATE TRIGGER reporting_cumuls_{operation} AFTER {operation.upper()} ON clauses_heuresmensuelles "
            f"{references} FOR EACH STATEMENT EXECUTE FUNCTION reporting_cumuls_heures_{operation}();"
        )
    for table, (colonnes, depuis, propres) in LIENS.items():
        lignes = LIGNES.format(
            depuis=depuis.format(deplaces=_deplaces(colonnes)), **{**PAR_LES_HEURES, "signe": "x.signe", **propres}
        )
        corps = f"""IF EXISTS (
        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id
        WHERE ({", ".join(f"o.{c}" for c in colonnes)}) IS DISTINCT FROM ({", ".join(f"n.{c}" for c in colonnes)})
    ) THEN
    LOCK TABLE clauses_heuresmensuelles IN SHARE MODE;
    {_appliquer(lignes)}
    END IF;"""
        morceaux.append(_fonction(f"reporting_cumuls_lien_{table}", corps))
        morceaux.append(
            f"CREATE TRIGGER reporting_cumuls_lien AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles "
            f"FOR EACH STATEMENT EXECUTE FUNCTION reporting_cumuls_lien_{table}();"
        )
    # Emptying the hours (or what they hang from) with TRUNCATE empties the totals.
    vidage = "\n    ".join(f"DELETE FROM {table};" for table, _, _ in CUMULS)
    morceaux.append(_fonction("reporting_cumuls_vidage", vidage))
    for table in ("clauses_heuresmensuelles", *LIENS):
        morceaux.append(
            f"CREATE TRIGGER reporting_cumuls_vidage AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reporting_cumuls_vidage();"
        )
    # The totals of the hours already there.
    lignes = LIGNES.format(
        depuis=DEPUIS_LES_HEURES.format(delta="SELECT placement_id, mois, heures, 1 FROM clauses_heuresmensuelles"),
        **PAR_LES_HEURES,
    )
    morceaux.append(_appliquer(lignes))
    return "\n".join(morceaux)


def _sql_suppression() -> str:
    morceaux = []
    for operation in DELTAS:
        morceaux.append(f"DROP TRIGGER IF EXISTS reporting_cumuls_{operation} ON clauses_heuresmensuelles;")
        morceaux.append(f"DROP FUNCTION IF EXISTS reporting_cumuls_heures_{operation}();")
    for table in ("clauses_heuresmensuelles", *LIENS):
        morceaux.append(f"DROP TRIGGER IF EXISTS reporting_cumuls_vidage ON {table};")
    for table in LIENS:
        morceaux.append(f"DROP TRIGGER IF EXISTS reporting_cumuls_lien ON {table};")
        morceaux.append(f"DROP FUNCTION IF EXISTS reporting_cumuls_lien_{table}();")
    morceaux.append("DROP FUNCTION IF EXISTS reporting_cumuls_vidage();")
    return "\n".join(morceaux)


def creer(apps, schema_editor):
    schema_editor.execute(_sql_creation())


def supprimer(apps, schema_editor):
    schema_editor.execute(_sql_suppression())


class Migration(migrations.Migration):
    dependencies = [("reporting", "0004_cumuls_des_heures")]

    operations = [migrations.RunPython(creer, supprimer)]
