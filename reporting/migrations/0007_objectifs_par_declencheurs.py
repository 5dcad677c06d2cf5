"""PostgreSQL triggers keeping ``reporting_objectiflot`` (reporting.models.ObjectifLot) equal to what it copies.

A lot's row is rewritten from the lot, its clause and its marché whenever one of them changes, for every lot the
statement touched (from its transition tables: one rewrite per statement, not per row). Before rewriting, the
lots are locked (``FOR NO KEY UPDATE``, in id order): two transactions changing the same lot's clause and its
marché, say, rewrite its row one after the other, the second after the first's commit and from what it
committed, so the row never keeps a value that one of them did not see. Other databases get no triggers:
``reporting.agregats`` reads the table only on PostgreSQL.
"""

from django.db import migrations

STATUTS_AVEC_OBJECTIF = ("attribue", "en_execution", "acheve", "solde")

REECRIRE = f"""
CREATE OR REPLACE FUNCTION reporting_objectifs_reecrire(lots bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM marches_lot WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM reporting_objectiflot WHERE lot_id = ANY(lots);
    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)
    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin,
           COALESCE(c.heures_forcees, c.heures_calculees)
    FROM marches_lot l
    JOIN marches_marche m ON m.id = l.marche_id
    JOIN clauses_clauseinsertion c ON c.lot_id = l.id
    WHERE l.id = ANY(lots) AND m.statut IN {STATUTS_AVEC_OBJECTIF!r}
      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL
      AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL
    ORDER BY l.id;
END $$;
"""

# Each trigger: its table, its event, its transition tables and the lots to rewrite.
DECLENCHEURS = {
    ("marches_lot", "insert"): ("NEW TABLE AS nouvelles", "SELECT id FROM nouvelles"),
    ("marches_lot", "update"): (
        "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
        """SELECT n.id FROM anciennes o JOIN nouvelles n ON n.id = o.id
           WHERE (o.marche_id, o.date_debut, o.date_fin) IS DISTINCT FROM (n.marche_id, n.date_debut, n.date_fin)""",
    ),
    ("clauses_clauseinsertion", "insert"): ("NEW TABLE AS nouvelles", "SELECT lot_id FROM nouvelles"),
    ("clauses_clauseinsertion", "update"): (
        "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
        """SELECT v.lot_id FROM anciennes o JOIN nouvelles n ON n.id = o.id
           CROSS JOIN LATERAL (VALUES (o.lot_id), (n.lot_id)) AS v (lot_id)
           WHERE (o.lot_id, o.heures_forcees, o.heures_calculees)
                 IS DISTINCT FROM (n.lot_id, n.heures_forcees, n.heures_calculees)""",
    ),
    ("clauses_clauseinsertion", "delete"): ("OLD TABLE AS anciennes", "SELECT lot_id FROM anciennes"),
    ("marches_marche", "update"): (
        "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
        """SELECT l.id FROM anciennes o JOIN nouvelles n ON n.id = o.id JOIN marches_lot l ON l.marche_id = n.id
           WHERE (o.statut, o.donneur_d_ordre_id) IS DISTINCT FROM (n.statut, n.donneur_d_ordre_id)""",
    ),
}

TOUT_REECRIRE = f"""
    DELETE FROM reporting_objectiflot;
    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)
    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin,
           COALESCE(c.heures_forcees, c.heures_calculees)
    FROM marches_lot l
    JOIN marches_marche m ON m.id = l.marche_id
    JOIN clauses_clauseinsertion c ON c.lot_id = l.id
    WHERE m.statut IN {STATUTS_AVEC_OBJECTIF!r}
      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL
      AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL;
"""


def _fonction(nom: str, corps: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {nom}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {corps}
    RETURN NULL;
END $$;
"""


def _nom(table: str, operation: str) -> str:
    return f"reporting_objectifs_{table}_{operation}"


def _sql_creation() -> str:
    morceaux = [REECRIRE]
    for (table, operation), (references, lots) in DECLENCHEURS.items():
        corps = f"PERFORM reporting_objectifs_reecrire(ARRAY(SELECT DISTINCT x.id FROM ({lots}) AS x (id)));"
        morceaux.append(_fonction(_nom(table, operation), corps))
        morceaux.append(
            f"CREATE TRIGGER reporting_objectifs_{operation} AFTER {operation.upper()} ON {table} "
            f"REFERENCING {references} FOR EACH STATEMENT EXECUTE FUNCTION {_nom(table, operation)}();"
        )
    # A deleted lot takes its row (its clause's deletion, by cascade, finds no lot left to rewrite).
    morceaux.append(
        _fonction(
            _nom("marches_lot", "delete"),
            "DELETE FROM reporting_objectiflot WHERE lot_id IN (SELECT id FROM anciennes);",
        )
    )
    morceaux.append(
        "CREATE TRIGGER reporting_objectifs_delete AFTER DELETE ON marches_lot REFERENCING OLD TABLE AS anciennes "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_nom('marches_lot', 'delete')}();"
    )
    morceaux.append(_fonction("reporting_objectifs_vidage", TOUT_REECRIRE))
    for table in ("marches_lot", "clauses_clauseinsertion", "marches_marche"):
        morceaux.append(
            f"CREATE TRIGGER reporting_objectifs_vidage AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reporting_objectifs_vidage();"
        )
    # The lots already there.
    morceaux.append(TOUT_REECRIRE)
    return "\n".join(morceaux)


def _sql_suppression() -> str:
    morceaux = []
    for table, operation in (*DECLENCHEURS, ("marches_lot", "delete")):
        morceaux.append(f"DROP TRIGGER IF EXISTS reporting_objectifs_{operation} ON {table};")
        morceaux.append(f"DROP FUNCTION IF EXISTS {_nom(table, operation)}();")
    for table in ("marches_lot", "clauses_clauseinsertion", "marches_marche"):
        morceaux.append(f"DROP TRIGGER IF EXISTS reporting_objectifs_vidage ON {table};")
    morceaux.append("DROP FUNCTION IF EXISTS reporting_objectifs_vidage();")
    morceaux.append("DROP FUNCTION IF EXISTS reporting_objectifs_reecrire(bigint[]);")
    return "\n".join(morceaux)


def creer(apps, schema_editor):
    schema_editor.execute(_sql_creation())


def supprimer(apps, schema_editor):
    schema_editor.execute(_sql_suppression())


class Migration(migrations.Migration):
    dependencies = [("reporting", "0006_objectifs_des_lots")]

    operations = [migrations.RunPython(creer, supprimer)]
