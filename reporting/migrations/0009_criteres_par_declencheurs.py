"""PostgreSQL triggers keeping ``reporting_critereannuel`` (reporting.models.CritereAnnuel) exact.

Two kinds of change move its counts: a person enters or leaves a year (a ``reporting_personneannuelle`` row
starts or stops counting: it counts while ``mois_positifs`` > 0), and a participant gains or loses a criterion
(``clauses_participant_criteres``). Each is applied as signed rows grouped by year and criterion, added by one
upsert per statement, in key order; a person without any criterion counts under 0.

The first kind reads the person's criteria and the second the person's years: a transaction doing one while
another does the other for the same person would each miss the other's uncommitted change. Both therefore lock
the people concerned (``FOR NO KEY UPDATE``, in id order) before reading: the second waits for the first to
commit, then reads what it committed. Other databases get no triggers: ``reporting.agregats`` reads the table
only on PostgreSQL.
"""

from django.db import migrations

APPLIQUER = """
    PERFORM 1 FROM clauses_participant WHERE id IN (SELECT participant_id FROM ({delta}) AS d) ORDER BY id
        FOR NO KEY UPDATE;
    WITH {lignes}
    INSERT INTO reporting_critereannuel AS t (annee, critere, personnes)
    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0
    ORDER BY annee, critere
    ON CONFLICT (annee, critere) DO UPDATE SET personnes = t.personnes + EXCLUDED.personnes;
    DELETE FROM reporting_critereannuel WHERE personnes = 0;
"""

# A person entering (+1) or leaving (-1) a year counts under each of their criteria, or under 0.
PAR_LES_PERSONNES = """
    delta AS ({delta}),
    net AS (SELECT annee, participant_id, SUM(signe) AS signe FROM delta GROUP BY annee, participant_id
            HAVING SUM(signe) <> 0),
    lignes AS (
        SELECT n.annee, COALESCE(pc.critereeligibilite_id, 0) AS critere, n.signe
        FROM net n LEFT JOIN clauses_participant_criteres pc ON pc.participant_id = n.participant_id
    )
"""
PERSONNES = {
    "insert": (
        "NEW TABLE AS nouvelles",
        "SELECT annee, participant_id, 1 AS signe FROM nouvelles WHERE mois_positifs > 0",
    ),
    "delete": (
        "OLD TABLE AS anciennes",
        "SELECT annee, participant_id, -1 AS signe FROM anciennes WHERE mois_positifs > 0",
    ),
    "update": (
        "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
        """SELECT v.annee, v.participant_id, v.signe FROM anciennes o JOIN nouvelles n ON n.id = o.id
           CROSS JOIN LATERAL (VALUES (o.annee, o.participant_id, -(o.mois_positifs > 0)::int),
                                      (n.annee, n.participant_id, (n.mois_positifs > 0)::int))
               AS v (annee, participant_id, signe)
           WHERE v.signe <> 0""",
    ),
}

# A criterion gained (+1) or lost (-1) counts in each of the person's years; so does leaving or joining the
# people without any criterion (their count before the statement: now, less what the statement added).
PAR_LES_CRITERES = """
    delta AS ({delta}),
    par_personne AS (SELECT participant_id, SUM(signe) AS ajoutes FROM delta GROUP BY participant_id),
    comptes AS (
        SELECT p.participant_id, x.n AS maintenant, x.n - p.ajoutes AS avant
        FROM par_personne p
        CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM clauses_participant_criteres pc
                            WHERE pc.participant_id = p.participant_id) AS x
    ),
    changements AS (
        SELECT participant_id, critere, signe FROM delta
        UNION ALL
        SELECT participant_id, 0, (maintenant = 0)::int - (avant = 0)::int FROM comptes
        WHERE (maintenant = 0) <> (avant = 0)
    ),
    lignes AS (
        SELECT pa.annee, c.critere, c.signe
        FROM changements c
        JOIN reporting_personneannuelle pa ON pa.participant_id = c.participant_id AND pa.mois_positifs > 0
    )
"""
CRITERES = {
    "insert": (
        "NEW TABLE AS nouvelles",
        "SELECT participant_id, critereeligibilite_id AS critere, 1 AS signe FROM nouvelles",
    ),
    "delete": (
        "OLD TABLE AS anciennes",
        "SELECT participant_id, critereeligibilite_id AS critere, -1 AS signe FROM anciennes",
    ),
    "update": (
        "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
        """SELECT participant_id, critereeligibilite_id AS critere, -1 AS signe FROM anciennes
           UNION ALL
           SELECT participant_id, critereeligibilite_id, 1 FROM nouvelles""",
    ),
}

TOUT_RECOMPTER = """
    DELETE FROM reporting_critereannuel;
    INSERT INTO reporting_critereannuel (annee, critere, personnes)
    SELECT pa.annee, COALESCE(pc.critereeligibilite_id, 0), COUNT(*)
    FROM reporting_personneannuelle pa
    LEFT JOIN clauses_participant_criteres pc ON pc.participant_id = pa.participant_id
    WHERE pa.mois_positifs > 0
    GROUP BY 1, 2;
"""

TABLES = {
    "reporting_personneannuelle": ("personnes", PERSONNES, PAR_LES_PERSONNES),
    "clauses_participant_criteres": ("criteres", CRITERES, PAR_LES_CRITERES),
}


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
    for table, (nom, deltas, lignes) in TABLES.items():
        for operation, (references, delta) in deltas.items():
            fonction = f"reporting_critereannuel_{nom}_{operation}"
            corps = APPLIQUER.format(delta=delta, lignes=lignes.format(delta=delta))
            morceaux.append(_fonction(fonction, corps))
            morceaux.append(
                f"CREATE TRIGGER reporting_critereannuel_{operation} AFTER {operation.upper()} ON {table} "
                f"REFERENCING {references} FOR EACH STATEMENT EXECUTE FUNCTION {fonction}();"
            )
    morceaux.append(_fonction("reporting_critereannuel_vidage", TOUT_RECOMPTER))
    for table in TABLES:
        morceaux.append(
            f"CREATE TRIGGER reporting_critereannuel_vidage AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reporting_critereannuel_vidage();"
        )
    morceaux.append(TOUT_RECOMPTER)
    return "\n".join(morceaux)


def _sql_suppression() -> str:
    morceaux = []
    for table, (nom, deltas, _) in TABLES.items():
        for operation in deltas:
            morceaux.append(f"DROP TRIGGER IF EXISTS reporting_critereannuel_{operation} ON {table};")
            morceaux.append(f"DROP FUNCTION IF EXISTS reporting_critereannuel_{nom}_{operation}();")
        morceaux.append(f"DROP TRIGGER IF EXISTS reporting_critereannuel_vidage ON {table};")
    morceaux.append("DROP FUNCTION IF EXISTS reporting_critereannuel_vidage();")
    return "\n".join(morceaux)


def creer(apps, schema_editor):
    schema_editor.execute(_sql_creation())


def supprimer(apps, schema_editor):
    schema_editor.execute(_sql_suppression())


class Migration(migrations.Migration):
    dependencies = [("reporting", "0008_personnes_par_critere")]

    operations = [migrations.RunPython(creer, supprimer)]
