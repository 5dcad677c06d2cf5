"""The triggers of the derived figures move from hand-written SQL in migrations 0005, 0007, 0009 and 0011 to
declarations on proxy models (reporting.models.sources, built by reporting.cumuls) that django-pgtrigger installs
and that makemigrations follows. The old triggers and functions are dropped first; the figures already there are
exact and stay. Going back drops the new triggers, then reinstalls the old ones from the figures recomputed.
"""

import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

ANCIENNES = (
    "0005_cumuls_par_declencheurs",
    "0007_objectifs_par_declencheurs",
    "0009_criteres_par_declencheurs",
    "0011_contrats_et_sorties_par_declencheurs",
)
TOTAUX_DES_HEURES = (
    "reporting_cumulmensuel",
    "reporting_cumulterritoire",
    "reporting_cumullot",
    "reporting_presencemensuelle",
    "reporting_personneannuelle",
    "reporting_marcheannuel",
)


def supprimer_les_anciens(apps, schema_editor):
    for nom in reversed(ANCIENNES):
        schema_editor.execute(importlib.import_module(f"reporting.migrations.{nom}")._sql_suppression())


def reinstaller_les_anciens(apps, schema_editor):
    # 0005 adds every hour to its totals when it installs: they start empty. The others rewrite theirs whole.
    schema_editor.execute("".join(f"DELETE FROM {table};" for table in TOTAUX_DES_HEURES))
    for nom in ANCIENNES:
        importlib.import_module(f"reporting.migrations.{nom}").creer(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("clauses", "0006_index_pour_le_volume"),
        ("marches", "0004_index_pour_le_volume"),
        ("reporting", "0011_contrats_et_sorties_par_declencheurs"),
    ]

    operations = [
        migrations.RunPython(supprimer_les_anciens, reinstaller_les_anciens),
        migrations.CreateModel(
            name="AttributionSuivie",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("marches.attribution",),
        ),
        migrations.CreateModel(
            name="ClauseInsertionSuivie",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("clauses.clauseinsertion",),
        ),
        migrations.CreateModel(
            name="CriteresDesParticipantsSuivis",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("clauses.participant_criteres",),
        ),
        migrations.CreateModel(
            name="HeuresMensuellesSuivies",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("clauses.heuresmensuelles",),
        ),
        migrations.CreateModel(
            name="LotSuivi",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("marches.lot",),
        ),
        migrations.CreateModel(
            name="MarcheSuivi",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("marches.marche",),
        ),
        migrations.CreateModel(
            name="PersonneAnnuelleSuivie",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("reporting.personneannuelle",),
        ),
        migrations.CreateModel(
            name="PlacementSuivi",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("clauses.placement",),
        ),
        migrations.CreateModel(
            name="SortieSuivie",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("clauses.sortie",),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="attributionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE (o.lot_id) IS DISTINCT FROM (n.lot_id)\n    ) THEN\n    LOCK TABLE clauses_heuresmensuelles IN SHARE MODE;\n    WITH lignes AS (\n    SELECT m.donneur_d_ordre_id AS donneur, l.marche_id AS marche, x.lot_id AS lot, p.participant_id AS participant,\n           p.modalite AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,\n           x.signe * h.heures AS heures, CASE WHEN h.heures > 0 THEN x.signe ELSE 0 END AS positifs,\n           x.signe AS signe\n    \n        FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.lot_id, -1), (n.id, n.lot_id, 1)) AS v (id, lot_id, signe)\n        WHERE (o.lot_id) IS DISTINCT FROM (n.lot_id)\n    ) AS x\n        JOIN clauses_placement p ON p.attribution_id = x.id\n        JOIN clauses_heuresmensuelles h ON h.placement_id = p.id\n        JOIN marches_lot l ON l.id = x.lot_id\n        JOIN marches_marche m ON m.id = l.marche_id\n        \n),\n    c0 AS (\n        INSERT INTO reporting_cumulmensuel AS t (donneur_d_ordre_id, mois, modalite, heures, lignes)\n        SELECT donneur, mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY donneur, mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY donneur, mois, modalite\n        ON CONFLICT (donneur_d_ordre_id, mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c1 AS (\n        INSERT INTO reporting_cumulterritoire AS t (mois, modalite, heures, lignes)\n        SELECT mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY mois, modalite\n        ON CONFLICT (mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c2 AS (\n        INSERT INTO reporting_cumullot AS t (lot_id, heures, lignes)\n        SELECT lot, SUM(heures), SUM(signe) FROM lignes GROUP BY lot HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY lot\n        ON CONFLICT (lot_id) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c3 AS (\n        INSERT INTO reporting_presencemensuelle AS t (donneur_d_ordre_id, mois, marche_id, participant_id, lignes_positives)\n        SELECT donneur, mois, marche, participant, SUM(positifs) FROM lignes GROUP BY donneur, mois, marche, participant HAVING SUM(positifs) <> 0 ORDER BY donneur, mois, marche, participant\n        ON CONFLICT (donneur_d_ordre_id, mois, marche_id, participant_id) DO UPDATE SET lignes_positives = t.lignes_positives + EXCLUDED.lignes_positives\n    ),\n    c4 AS (\n        INSERT INTO reporting_personneannuelle AS t (annee, participant_id, mois_positifs)\n        SELECT annee, participant, SUM(positifs) FROM lignes GROUP BY annee, participant HAVING SUM(positifs) <> 0 ORDER BY annee, participant\n        ON CONFLICT (annee, participant_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs\n    )\n        INSERT INTO reporting_marcheannuel AS t (annee, marche_id, mois_positifs)\n        SELECT annee, marche, SUM(positifs) FROM lignes GROUP BY annee, marche HAVING SUM(positifs) <> 0 ORDER BY annee, marche\n        ON CONFLICT (annee, marche_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs;\n    DELETE FROM reporting_cumulmensuel WHERE lignes = 0;\n    DELETE FROM reporting_cumulterritoire WHERE lignes = 0;\n    DELETE FROM reporting_cumullot WHERE lignes = 0;\n    DELETE FROM reporting_presencemensuelle WHERE lignes_positives = 0;\n    DELETE FROM reporting_personneannuelle WHERE mois_positifs = 0;\n    DELETE FROM reporting_marcheannuel WHERE mois_positifs = 0;\n    END IF;\n    RETURN NULL;",
                    hash="87d3fd5cdbf6e1caf005168ca77277a39fd8845d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_cumuls_lien_3f464",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_attribution",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="attributionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_cumulmensuel;\n    DELETE FROM reporting_cumulterritoire;\n    DELETE FROM reporting_cumullot;\n    DELETE FROM reporting_presencemensuelle;\n    DELETE FROM reporting_personneannuelle;\n    DELETE FROM reporting_marcheannuel;\n    RETURN NULL;",
                    hash="dfb47ee032c4bd403745171431a8bb78fef52181",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_cumuls_vidage_8f53a",
                    table="marches_attribution",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="attributionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.lot_id IS DISTINCT FROM n.lot_id\n    ) THEN\n    LOCK TABLE clauses_placement IN SHARE MODE;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, p.date_debut AS jour, p.type_contrat AS valeur, x.signe AS signe FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.lot_id, -1), (n.id, n.lot_id, 1)) AS v (id, lot_id, signe)\n        WHERE o.lot_id IS DISTINCT FROM n.lot_id\n    ) AS x\n                JOIN clauses_placement p ON p.attribution_id = x.id\n                JOIN marches_lot l ON l.id = x.lot_id\n                JOIN marches_marche m ON m.id = l.marche_id),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    END IF;\n    RETURN NULL;",
                    hash="e8faae2e12ade811e233d868c70a3b6e9722ffc0",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_contrats_lien_45b9d",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_attribution",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="attributionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_contratjournalier; DELETE FROM reporting_contratterritoire;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT attribution_id, date_debut, type_contrat, 1 FROM clauses_placement WHERE TRUE) AS d (attribution_id, jour, valeur, signe)\n            JOIN marches_attribution a ON a.id = d.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        ),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    RETURN NULL;",
                    hash="fdff80e4b09ac16d7dc02f16a0f95c6c5b2416cb",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_contrats_vidage_23696",
                    table="marches_attribution",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="attributionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.lot_id IS DISTINCT FROM n.lot_id\n    ) THEN\n    LOCK TABLE clauses_sortie IN SHARE MODE;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, s.date_constat AS jour, s.situation AS valeur, x.signe AS signe FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.lot_id, -1), (n.id, n.lot_id, 1)) AS v (id, lot_id, signe)\n        WHERE o.lot_id IS DISTINCT FROM n.lot_id\n    ) AS x\n                JOIN clauses_placement p ON p.attribution_id = x.id\n                JOIN clauses_sortie s ON s.placement_id = p.id AND s.moment IN ('fin')\n                JOIN marches_lot l ON l.id = x.lot_id\n                JOIN marches_marche m ON m.id = l.marche_id)\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    END IF;\n    RETURN NULL;",
                    hash="f562141586863f8e3dc8d30e8bc2398d844bb83d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_sorties_lien_87ecc",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_attribution",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="attributionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_sortiejournaliere;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT placement_id, date_constat, situation, 1 FROM clauses_sortie WHERE moment IN ('fin')) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="3b4ad88579f82d27c3cfdec52f9d5749b7564fe6",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_sorties_vidage_41157",
                    table="marches_attribution",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="clauseinsertionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE lots bigint[];",
                    func="lots := ARRAY(SELECT DISTINCT x.id FROM (SELECT lot_id FROM nouvelles) AS x (id));\n    PERFORM 1 FROM marches_lot WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;\n    DELETE FROM reporting_objectiflot WHERE lot_id = ANY(lots);\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE l.id = ANY(lots) AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n\n    ORDER BY l.id;\n    RETURN NULL;",
                    hash="e1f11020990a95d9091907e1882c6e56336c1ccc",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_objectifs_insert_eadae",
                    referencing="REFERENCING NEW TABLE AS nouvelles ",
                    table="clauses_clauseinsertion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="clauseinsertionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE lots bigint[];",
                    func="lots := ARRAY(SELECT DISTINCT x.id FROM (SELECT v.lot_id FROM anciennes o JOIN nouvelles n ON n.id = o.id\n           CROSS JOIN LATERAL (VALUES (o.lot_id), (n.lot_id)) AS v (lot_id)\n           WHERE (o.lot_id, o.heures_forcees, o.heures_calculees)\n                 IS DISTINCT FROM (n.lot_id, n.heures_forcees, n.heures_calculees)) AS x (id));\n    PERFORM 1 FROM marches_lot WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;\n    DELETE FROM reporting_objectiflot WHERE lot_id = ANY(lots);\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE l.id = ANY(lots) AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n\n    ORDER BY l.id;\n    RETURN NULL;",
                    hash="05ffc1192347a7f2de3646fb61244df7c7949b7c",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_objectifs_update_f0dfb",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="clauses_clauseinsertion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="clauseinsertionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE lots bigint[];",
                    func="lots := ARRAY(SELECT DISTINCT x.id FROM (SELECT lot_id FROM anciennes) AS x (id));\n    PERFORM 1 FROM marches_lot WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;\n    DELETE FROM reporting_objectiflot WHERE lot_id = ANY(lots);\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE l.id = ANY(lots) AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n\n    ORDER BY l.id;\n    RETURN NULL;",
                    hash="1b9dba8bbf6406409e3bd9cd72c08935ebce3e30",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_objectifs_delete_5703e",
                    referencing="REFERENCING OLD TABLE AS anciennes ",
                    table="clauses_clauseinsertion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="clauseinsertionsuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_objectiflot;\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE TRUE AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n;\n    RETURN NULL;",
                    hash="8b35c52722118792c40a9969854223100180bd10",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_objectifs_vidage_7fcc0",
                    table="clauses_clauseinsertion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="criteresdesparticipantssuivis",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM 1 FROM clauses_participant WHERE id IN (SELECT participant_id FROM (SELECT participant_id AS participant_id, critereeligibilite_id AS critere, 1 AS signe FROM nouvelles) AS d) ORDER BY id\n        FOR NO KEY UPDATE;\n    WITH \n    delta AS (SELECT participant_id AS participant_id, critereeligibilite_id AS critere, 1 AS signe FROM nouvelles),\n    par_personne AS (SELECT participant_id, SUM(signe) AS ajoutes FROM delta GROUP BY participant_id),\n    comptes AS (\n        SELECT p.participant_id, x.n AS maintenant, x.n - p.ajoutes AS avant\n        FROM par_personne p\n        CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM clauses_participant_criteres pc WHERE pc.participant_id = p.participant_id) AS x\n    ),\n    changements AS (\n        SELECT participant_id, critere, signe FROM delta\n        UNION ALL\n        SELECT participant_id, 0, (maintenant = 0)::int - (avant = 0)::int FROM comptes\n        WHERE (maintenant = 0) <> (avant = 0)\n    ),\n    lignes AS (\n        SELECT pa.annee AS annee, c.critere, c.signe\n        FROM changements c\n        JOIN reporting_personneannuelle pa ON pa.participant_id = c.participant_id AND pa.mois_positifs > 0\n    )\n\n    INSERT INTO reporting_critereannuel AS t (annee, critere, personnes)\n    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0\n    ORDER BY annee, critere\n    ON CONFLICT (annee, critere) DO UPDATE SET personnes = t.personnes + EXCLUDED.personnes;\n    DELETE FROM reporting_critereannuel WHERE personnes = 0;\n    RETURN NULL;",
                    hash="1ea6091b046790132af2f3c8eef3049874a0d8d4",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_criteres_insert_c1daf",
                    referencing="REFERENCING NEW TABLE AS nouvelles ",
                    table="clauses_participant_criteres",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="criteresdesparticipantssuivis",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM 1 FROM clauses_participant WHERE id IN (SELECT participant_id FROM (SELECT participant_id AS participant_id, critereeligibilite_id AS critere, -1 AS signe FROM anciennes) AS d) ORDER BY id\n        FOR NO KEY UPDATE;\n    WITH \n    delta AS (SELECT participant_id AS participant_id, critereeligibilite_id AS critere, -1 AS signe FROM anciennes),\n    par_personne AS (SELECT participant_id, SUM(signe) AS ajoutes FROM delta GROUP BY participant_id),\n    comptes AS (\n        SELECT p.participant_id, x.n AS maintenant, x.n - p.ajoutes AS avant\n        FROM par_personne p\n        CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM clauses_participant_criteres pc WHERE pc.participant_id = p.participant_id) AS x\n    ),\n    changements AS (\n        SELECT participant_id, critere, signe FROM delta\n        UNION ALL\n        SELECT participant_id, 0, (maintenant = 0)::int - (avant = 0)::int FROM comptes\n        WHERE (maintenant = 0) <> (avant = 0)\n    ),\n    lignes AS (\n        SELECT pa.annee AS annee, c.critere, c.signe\n        FROM changements c\n        JOIN reporting_personneannuelle pa ON pa.participant_id = c.participant_id AND pa.mois_positifs > 0\n    )\n\n    INSERT INTO reporting_critereannuel AS t (annee, critere, personnes)\n    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0\n    ORDER BY annee, critere\n    ON CONFLICT (annee, critere) DO UPDATE SET personnes = t.personnes + EXCLUDED.personnes;\n    DELETE FROM reporting_critereannuel WHERE personnes = 0;\n    RETURN NULL;",
                    hash="96e1a5116700475311db9dfb2474b56d7bd9af54",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_criteres_delete_9c9f8",
                    referencing="REFERENCING OLD TABLE AS anciennes ",
                    table="clauses_participant_criteres",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="criteresdesparticipantssuivis",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM 1 FROM clauses_participant WHERE id IN (SELECT participant_id FROM (SELECT participant_id AS participant_id, critereeligibilite_id AS critere, -1 AS signe FROM anciennes\n           UNION ALL\n           SELECT participant_id, critereeligibilite_id, 1 FROM nouvelles) AS d) ORDER BY id\n        FOR NO KEY UPDATE;\n    WITH \n    delta AS (SELECT participant_id AS participant_id, critereeligibilite_id AS critere, -1 AS signe FROM anciennes\n           UNION ALL\n           SELECT participant_id, critereeligibilite_id, 1 FROM nouvelles),\n    par_personne AS (SELECT participant_id, SUM(signe) AS ajoutes FROM delta GROUP BY participant_id),\n    comptes AS (\n        SELECT p.participant_id, x.n AS maintenant, x.n - p.ajoutes AS avant\n        FROM par_personne p\n        CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM clauses_participant_criteres pc WHERE pc.participant_id = p.participant_id) AS x\n    ),\n    changements AS (\n        SELECT participant_id, critere, signe FROM delta\n        UNION ALL\n        SELECT participant_id, 0, (maintenant = 0)::int - (avant = 0)::int FROM comptes\n        WHERE (maintenant = 0) <> (avant = 0)\n    ),\n    lignes AS (\n        SELECT pa.annee AS annee, c.critere, c.signe\n        FROM changements c\n        JOIN reporting_personneannuelle pa ON pa.participant_id = c.participant_id AND pa.mois_positifs > 0\n    )\n\n    INSERT INTO reporting_critereannuel AS t (annee, critere, personnes)\n    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0\n    ORDER BY annee, critere\n    ON CONFLICT (annee, critere) DO UPDATE SET personnes = t.personnes + EXCLUDED.personnes;\n    DELETE FROM reporting_critereannuel WHERE personnes = 0;\n    RETURN NULL;",
                    hash="c1c361605ba591032811a9aed778ddf1c5a1776d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_criteres_update_ac0d9",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="clauses_participant_criteres",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="criteresdesparticipantssuivis",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_critereannuel;\n    INSERT INTO reporting_critereannuel (annee, critere, personnes) \n    SELECT pa.annee, COALESCE(pc.critereeligibilite_id, 0), COUNT(*)\n    FROM (SELECT * FROM reporting_personneannuelle) AS pa\n    LEFT JOIN clauses_participant_criteres pc ON pc.participant_id = pa.participant_id\n    WHERE pa.mois_positifs > 0\n    GROUP BY 1, 2;\n    RETURN NULL;",
                    hash="f9c7e2054a732ef510a308972e06fc2cbc227ac4",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_criteres_vidage_9c4d9",
                    table="clauses_participant_criteres",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="heuresmensuellessuivies",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (\n    SELECT m.donneur_d_ordre_id AS donneur, l.marche_id AS marche, a.lot_id AS lot, p.participant_id AS participant,\n           p.modalite AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,\n           h.signe * h.heures AS heures, CASE WHEN h.heures > 0 THEN h.signe ELSE 0 END AS positifs,\n           h.signe AS signe\n    \n    FROM (SELECT placement_id, mois, heures, 1 FROM nouvelles) AS h (placement_id, mois, heures, signe)\n    JOIN clauses_placement p ON p.id = h.placement_id\n    JOIN marches_attribution a ON a.id = p.attribution_id\n    JOIN marches_lot l ON l.id = a.lot_id\n    JOIN marches_marche m ON m.id = l.marche_id\n\n),\n    c0 AS (\n        INSERT INTO reporting_cumulmensuel AS t (donneur_d_ordre_id, mois, modalite, heures, lignes)\n        SELECT donneur, mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY donneur, mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY donneur, mois, modalite\n        ON CONFLICT (donneur_d_ordre_id, mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c1 AS (\n        INSERT INTO reporting_cumulterritoire AS t (mois, modalite, heures, lignes)\n        SELECT mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY mois, modalite\n        ON CONFLICT (mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c2 AS (\n        INSERT INTO reporting_cumullot AS t (lot_id, heures, lignes)\n        SELECT lot, SUM(heures), SUM(signe) FROM lignes GROUP BY lot HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY lot\n        ON CONFLICT (lot_id) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c3 AS (\n        INSERT INTO reporting_presencemensuelle AS t (donneur_d_ordre_id, mois, marche_id, participant_id, lignes_positives)\n        SELECT donneur, mois, marche, participant, SUM(positifs) FROM lignes GROUP BY donneur, mois, marche, participant HAVING SUM(positifs) <> 0 ORDER BY donneur, mois, marche, participant\n        ON CONFLICT (donneur_d_ordre_id, mois, marche_id, participant_id) DO UPDATE SET lignes_positives = t.lignes_positives + EXCLUDED.lignes_positives\n    ),\n    c4 AS (\n        INSERT INTO reporting_personneannuelle AS t (annee, participant_id, mois_positifs)\n        SELECT annee, participant, SUM(positifs) FROM lignes GROUP BY annee, participant HAVING SUM(positifs) <> 0 ORDER BY annee, participant\n        ON CONFLICT (annee, participant_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs\n    )\n        INSERT INTO reporting_marcheannuel AS t (annee, marche_id, mois_positifs)\n        SELECT annee, marche, SUM(positifs) FROM lignes GROUP BY annee, marche HAVING SUM(positifs) <> 0 ORDER BY annee, marche\n        ON CONFLICT (annee, marche_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs;\n    DELETE FROM reporting_cumulmensuel WHERE lignes = 0;\n    DELETE FROM reporting_cumulterritoire WHERE lignes = 0;\n    DELETE FROM reporting_cumullot WHERE lignes = 0;\n    DELETE FROM reporting_presencemensuelle WHERE lignes_positives = 0;\n    DELETE FROM reporting_personneannuelle WHERE mois_positifs = 0;\n    DELETE FROM reporting_marcheannuel WHERE mois_positifs = 0;\n    RETURN NULL;",
                    hash="458f2a76bc3c3a93a4ecf91e0809aa1b4dc12d46",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_cumuls_insert_5dfdb",
                    referencing="REFERENCING NEW TABLE AS nouvelles ",
                    table="clauses_heuresmensuelles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="heuresmensuellessuivies",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (\n    SELECT m.donneur_d_ordre_id AS donneur, l.marche_id AS marche, a.lot_id AS lot, p.participant_id AS participant,\n           p.modalite AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,\n           h.signe * h.heures AS heures, CASE WHEN h.heures > 0 THEN h.signe ELSE 0 END AS positifs,\n           h.signe AS signe\n    \n    FROM (SELECT placement_id, mois, heures, -1 FROM anciennes) AS h (placement_id, mois, heures, signe)\n    JOIN clauses_placement p ON p.id = h.placement_id\n    JOIN marches_attribution a ON a.id = p.attribution_id\n    JOIN marches_lot l ON l.id = a.lot_id\n    JOIN marches_marche m ON m.id = l.marche_id\n\n),\n    c0 AS (\n        INSERT INTO reporting_cumulmensuel AS t (donneur_d_ordre_id, mois, modalite, heures, lignes)\n        SELECT donneur, mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY donneur, mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY donneur, mois, modalite\n        ON CONFLICT (donneur_d_ordre_id, mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c1 AS (\n        INSERT INTO reporting_cumulterritoire AS t (mois, modalite, heures, lignes)\n        SELECT mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY mois, modalite\n        ON CONFLICT (mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c2 AS (\n        INSERT INTO reporting_cumullot AS t (lot_id, heures, lignes)\n        SELECT lot, SUM(heures), SUM(signe) FROM lignes GROUP BY lot HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY lot\n        ON CONFLICT (lot_id) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c3 AS (\n        INSERT INTO reporting_presencemensuelle AS t (donneur_d_ordre_id, mois, marche_id, participant_id, lignes_positives)\n        SELECT donneur, mois, marche, participant, SUM(positifs) FROM lignes GROUP BY donneur, mois, marche, participant HAVING SUM(positifs) <> 0 ORDER BY donneur, mois, marche, participant\n        ON CONFLICT (donneur_d_ordre_id, mois, marche_id, participant_id) DO UPDATE SET lignes_positives = t.lignes_positives + EXCLUDED.lignes_positives\n    ),\n    c4 AS (\n        INSERT INTO reporting_personneannuelle AS t (annee, participant_id, mois_positifs)\n        SELECT annee, participant, SUM(positifs) FROM lignes GROUP BY annee, participant HAVING SUM(positifs) <> 0 ORDER BY annee, participant\n        ON CONFLICT (annee, participant_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs\n    )\n        INSERT INTO reporting_marcheannuel AS t (annee, marche_id, mois_positifs)\n        SELECT annee, marche, SUM(positifs) FROM lignes GROUP BY annee, marche HAVING SUM(positifs) <> 0 ORDER BY annee, marche\n        ON CONFLICT (annee, marche_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs;\n    DELETE FROM reporting_cumulmensuel WHERE lignes = 0;\n    DELETE FROM reporting_cumulterritoire WHERE lignes = 0;\n    DELETE FROM reporting_cumullot WHERE lignes = 0;\n    DELETE FROM reporting_presencemensuelle WHERE lignes_positives = 0;\n    DELETE FROM reporting_personneannuelle WHERE mois_positifs = 0;\n    DELETE FROM reporting_marcheannuel WHERE mois_positifs = 0;\n    RETURN NULL;",
                    hash="47f389fba0d50bd4bcfa6e0c9bf784f2dad47ed2",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_cumuls_delete_2ec9b",
                    referencing="REFERENCING OLD TABLE AS anciennes ",
                    table="clauses_heuresmensuelles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="heuresmensuellessuivies",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (\n    SELECT m.donneur_d_ordre_id AS donneur, l.marche_id AS marche, a.lot_id AS lot, p.participant_id AS participant,\n           p.modalite AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,\n           h.signe * h.heures AS heures, CASE WHEN h.heures > 0 THEN h.signe ELSE 0 END AS positifs,\n           h.signe AS signe\n    \n    FROM (\n        SELECT v.placement_id, v.mois, v.heures, v.signe\n        FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.placement_id, o.mois, o.heures, -1), (n.placement_id, n.mois, n.heures, 1)) AS v (placement_id, mois, heures, signe)\n        WHERE (o.placement_id, o.mois, o.heures) IS DISTINCT FROM (n.placement_id, n.mois, n.heures)\n        ) AS h (placement_id, mois, heures, signe)\n    JOIN clauses_placement p ON p.id = h.placement_id\n    JOIN marches_attribution a ON a.id = p.attribution_id\n    JOIN marches_lot l ON l.id = a.lot_id\n    JOIN marches_marche m ON m.id = l.marche_id\n\n),\n    c0 AS (\n        INSERT INTO reporting_cumulmensuel AS t (donneur_d_ordre_id, mois, modalite, heures, lignes)\n        SELECT donneur, mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY donneur, mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY donneur, mois, modalite\n        ON CONFLICT (donneur_d_ordre_id, mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c1 AS (\n        INSERT INTO reporting_cumulterritoire AS t (mois, modalite, heures, lignes)\n        SELECT mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY mois, modalite\n        ON CONFLICT (mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c2 AS (\n        INSERT INTO reporting_cumullot AS t (lot_id, heures, lignes)\n        SELECT lot, SUM(heures), SUM(signe) FROM lignes GROUP BY lot HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY lot\n        ON CONFLICT (lot_id) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c3 AS (\n        INSERT INTO reporting_presencemensuelle AS t (donneur_d_ordre_id, mois, marche_id, participant_id, lignes_positives)\n        SELECT donneur, mois, marche, participant, SUM(positifs) FROM lignes GROUP BY donneur, mois, marche, participant HAVING SUM(positifs) <> 0 ORDER BY donneur, mois, marche, participant\n        ON CONFLICT (donneur_d_ordre_id, mois, marche_id, participant_id) DO UPDATE SET lignes_positives = t.lignes_positives + EXCLUDED.lignes_positives\n    ),\n    c4 AS (\n        INSERT INTO reporting_personneannuelle AS t (annee, participant_id, mois_positifs)\n        SELECT annee, participant, SUM(positifs) FROM lignes GROUP BY annee, participant HAVING SUM(positifs) <> 0 ORDER BY annee, participant\n        ON CONFLICT (annee, participant_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs\n    )\n        INSERT INTO reporting_marcheannuel AS t (annee, marche_id, mois_positifs)\n        SELECT annee, marche, SUM(positifs) FROM lignes GROUP BY annee, marche HAVING SUM(positifs) <> 0 ORDER BY annee, marche\n        ON CONFLICT (annee, marche_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs;\n    DELETE FROM reporting_cumulmensuel WHERE lignes = 0;\n    DELETE FROM reporting_cumulterritoire WHERE lignes = 0;\n    DELETE FROM reporting_cumullot WHERE lignes = 0;\n    DELETE FROM reporting_presencemensuelle WHERE lignes_positives = 0;\n    DELETE FROM reporting_personneannuelle WHERE mois_positifs = 0;\n    DELETE FROM reporting_marcheannuel WHERE mois_positifs = 0;\n    RETURN NULL;",
                    hash="7345942f9f1e7d64d8b7bc8a8e050ca9fca41162",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_cumuls_update_4e416",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="clauses_heuresmensuelles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="heuresmensuellessuivies",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_cumulmensuel;\n    DELETE FROM reporting_cumulterritoire;\n    DELETE FROM reporting_cumullot;\n    DELETE FROM reporting_presencemensuelle;\n    DELETE FROM reporting_personneannuelle;\n    DELETE FROM reporting_marcheannuel;\n    RETURN NULL;",
                    hash="d51638ac322d47a714437e9e145cc15ebdff4322",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_cumuls_vidage_233fd",
                    table="clauses_heuresmensuelles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE (o.marche_id) IS DISTINCT FROM (n.marche_id)\n    ) THEN\n    LOCK TABLE clauses_heuresmensuelles IN SHARE MODE;\n    WITH lignes AS (\n    SELECT m.donneur_d_ordre_id AS donneur, x.marche_id AS marche, x.id AS lot, p.participant_id AS participant,\n           p.modalite AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,\n           x.signe * h.heures AS heures, CASE WHEN h.heures > 0 THEN x.signe ELSE 0 END AS positifs,\n           x.signe AS signe\n    \n        FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.marche_id, -1), (n.id, n.marche_id, 1)) AS v (id, marche_id, signe)\n        WHERE (o.marche_id) IS DISTINCT FROM (n.marche_id)\n    ) AS x\n        JOIN marches_attribution a ON a.lot_id = x.id\n        JOIN clauses_placement p ON p.attribution_id = a.id\n        JOIN clauses_heuresmensuelles h ON h.placement_id = p.id\n        JOIN marches_marche m ON m.id = x.marche_id\n        \n),\n    c0 AS (\n        INSERT INTO reporting_cumulmensuel AS t (donneur_d_ordre_id, mois, modalite, heures, lignes)\n        SELECT donneur, mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY donneur, mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY donneur, mois, modalite\n        ON CONFLICT (donneur_d_ordre_id, mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c1 AS (\n        INSERT INTO reporting_cumulterritoire AS t (mois, modalite, heures, lignes)\n        SELECT mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY mois, modalite\n        ON CONFLICT (mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c2 AS (\n        INSERT INTO reporting_cumullot AS t (lot_id, heures, lignes)\n        SELECT lot, SUM(heures), SUM(signe) FROM lignes GROUP BY lot HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY lot\n        ON CONFLICT (lot_id) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c3 AS (\n        INSERT INTO reporting_presencemensuelle AS t (donneur_d_ordre_id, mois, marche_id, participant_id, lignes_positives)\n        SELECT donneur, mois, marche, participant, SUM(positifs) FROM lignes GROUP BY donneur, mois, marche, participant HAVING SUM(positifs) <> 0 ORDER BY donneur, mois, marche, participant\n        ON CONFLICT (donneur_d_ordre_id, mois, marche_id, participant_id) DO UPDATE SET lignes_positives = t.lignes_positives + EXCLUDED.lignes_positives\n    ),\n    c4 AS (\n        INSERT INTO reporting_personneannuelle AS t (annee, participant_id, mois_positifs)\n        SELECT annee, participant, SUM(positifs) FROM lignes GROUP BY annee, participant HAVING SUM(positifs) <> 0 ORDER BY annee, participant\n        ON CONFLICT (annee, participant_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs\n    )\n        INSERT INTO reporting_marcheannuel AS t (annee, marche_id, mois_positifs)\n        SELECT annee, marche, SUM(positifs) FROM lignes GROUP BY annee, marche HAVING SUM(positifs) <> 0 ORDER BY annee, marche\n        ON CONFLICT (annee, marche_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs;\n    DELETE FROM reporting_cumulmensuel WHERE lignes = 0;\n    DELETE FROM reporting_cumulterritoire WHERE lignes = 0;\n    DELETE FROM reporting_cumullot WHERE lignes = 0;\n    DELETE FROM reporting_presencemensuelle WHERE lignes_positives = 0;\n    DELETE FROM reporting_personneannuelle WHERE mois_positifs = 0;\n    DELETE FROM reporting_marcheannuel WHERE mois_positifs = 0;\n    END IF;\n    RETURN NULL;",
                    hash="049e43bfbef1d09f30a68f4ca567ca65b1762711",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_cumuls_lien_190ca",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_cumulmensuel;\n    DELETE FROM reporting_cumulterritoire;\n    DELETE FROM reporting_cumullot;\n    DELETE FROM reporting_presencemensuelle;\n    DELETE FROM reporting_personneannuelle;\n    DELETE FROM reporting_marcheannuel;\n    RETURN NULL;",
                    hash="7f5897c9a1038a37b44d0ced7e4efd5f3823f642",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_cumuls_vidage_a6225",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE lots bigint[];",
                    func="lots := ARRAY(SELECT DISTINCT x.id FROM (SELECT id FROM nouvelles) AS x (id));\n    PERFORM 1 FROM marches_lot WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;\n    DELETE FROM reporting_objectiflot WHERE lot_id = ANY(lots);\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE l.id = ANY(lots) AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n\n    ORDER BY l.id;\n    RETURN NULL;",
                    hash="8d04630116b5aea14845341063a6268e799c9c25",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_objectifs_insert_c1413",
                    referencing="REFERENCING NEW TABLE AS nouvelles ",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE lots bigint[];",
                    func="lots := ARRAY(SELECT DISTINCT x.id FROM (SELECT n.id FROM anciennes o JOIN nouvelles n ON n.id = o.id\n           WHERE (o.marche_id, o.date_debut, o.date_fin)\n                 IS DISTINCT FROM (n.marche_id, n.date_debut, n.date_fin)) AS x (id));\n    PERFORM 1 FROM marches_lot WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;\n    DELETE FROM reporting_objectiflot WHERE lot_id = ANY(lots);\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE l.id = ANY(lots) AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n\n    ORDER BY l.id;\n    RETURN NULL;",
                    hash="ebdfb523bc371b992c695224012236f363c9b122",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_objectifs_update_772be",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_objectiflot WHERE lot_id IN (SELECT id FROM anciennes);\n    RETURN NULL;",
                    hash="1a12895b1f2bfbbb4d9e505db5494e55cb993395",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_objectifs_delete_48f4f",
                    referencing="REFERENCING OLD TABLE AS anciennes ",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_objectiflot;\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE TRUE AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n;\n    RETURN NULL;",
                    hash="b2164bc3d75237a113578122834ab37c2cafec4a",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_objectifs_vidage_bd3ab",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.marche_id IS DISTINCT FROM n.marche_id\n    ) THEN\n    LOCK TABLE clauses_placement IN SHARE MODE;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, p.date_debut AS jour, p.type_contrat AS valeur, x.signe AS signe FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.marche_id, -1), (n.id, n.marche_id, 1)) AS v (id, marche_id, signe)\n        WHERE o.marche_id IS DISTINCT FROM n.marche_id\n    ) AS x\n                JOIN marches_attribution a ON a.lot_id = x.id\n                JOIN clauses_placement p ON p.attribution_id = a.id\n                JOIN marches_marche m ON m.id = x.marche_id),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    END IF;\n    RETURN NULL;",
                    hash="dafacc561eaa1e29433f36344099670c6cbce7c1",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_contrats_lien_57915",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_contratjournalier; DELETE FROM reporting_contratterritoire;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT attribution_id, date_debut, type_contrat, 1 FROM clauses_placement WHERE TRUE) AS d (attribution_id, jour, valeur, signe)\n            JOIN marches_attribution a ON a.id = d.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        ),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    RETURN NULL;",
                    hash="3a6362770279e174945e7934e45d6672643e87d0",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_contrats_vidage_8f898",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.marche_id IS DISTINCT FROM n.marche_id\n    ) THEN\n    LOCK TABLE clauses_sortie IN SHARE MODE;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, s.date_constat AS jour, s.situation AS valeur, x.signe AS signe FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.marche_id, -1), (n.id, n.marche_id, 1)) AS v (id, marche_id, signe)\n        WHERE o.marche_id IS DISTINCT FROM n.marche_id\n    ) AS x\n                JOIN marches_attribution a ON a.lot_id = x.id\n                JOIN clauses_placement p ON p.attribution_id = a.id\n                JOIN clauses_sortie s ON s.placement_id = p.id AND s.moment IN ('fin')\n                JOIN marches_marche m ON m.id = x.marche_id)\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    END IF;\n    RETURN NULL;",
                    hash="f797e40b2e90bd01a97ce66404ef0f3ff1564a44",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_sorties_lien_a351b",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lotsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_sortiejournaliere;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT placement_id, date_constat, situation, 1 FROM clauses_sortie WHERE moment IN ('fin')) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="f1a35cf50d007a85d1673ede93cdc4299074d83a",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_sorties_vidage_4bc9d",
                    table="marches_lot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE (o.donneur_d_ordre_id) IS DISTINCT FROM (n.donneur_d_ordre_id)\n    ) THEN\n    LOCK TABLE clauses_heuresmensuelles IN SHARE MODE;\n    WITH lignes AS (\n    SELECT x.donneur_d_ordre_id AS donneur, x.id AS marche, l.id AS lot, p.participant_id AS participant,\n           p.modalite AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,\n           x.signe * h.heures AS heures, CASE WHEN h.heures > 0 THEN x.signe ELSE 0 END AS positifs,\n           x.signe AS signe\n    \n        FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.donneur_d_ordre_id, -1), (n.id, n.donneur_d_ordre_id, 1)) AS v (id, donneur_d_ordre_id, signe)\n        WHERE (o.donneur_d_ordre_id) IS DISTINCT FROM (n.donneur_d_ordre_id)\n    ) AS x\n        JOIN marches_lot l ON l.marche_id = x.id\n        JOIN marches_attribution a ON a.lot_id = l.id\n        JOIN clauses_placement p ON p.attribution_id = a.id\n        JOIN clauses_heuresmensuelles h ON h.placement_id = p.id\n        \n),\n    c0 AS (\n        INSERT INTO reporting_cumulmensuel AS t (donneur_d_ordre_id, mois, modalite, heures, lignes)\n        SELECT donneur, mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY donneur, mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY donneur, mois, modalite\n        ON CONFLICT (donneur_d_ordre_id, mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c1 AS (\n        INSERT INTO reporting_cumulterritoire AS t (mois, modalite, heures, lignes)\n        SELECT mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY mois, modalite\n        ON CONFLICT (mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c2 AS (\n        INSERT INTO reporting_cumullot AS t (lot_id, heures, lignes)\n        SELECT lot, SUM(heures), SUM(signe) FROM lignes GROUP BY lot HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY lot\n        ON CONFLICT (lot_id) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c3 AS (\n        INSERT INTO reporting_presencemensuelle AS t (donneur_d_ordre_id, mois, marche_id, participant_id, lignes_positives)\n        SELECT donneur, mois, marche, participant, SUM(positifs) FROM lignes GROUP BY donneur, mois, marche, participant HAVING SUM(positifs) <> 0 ORDER BY donneur, mois, marche, participant\n        ON CONFLICT (donneur_d_ordre_id, mois, marche_id, participant_id) DO UPDATE SET lignes_positives = t.lignes_positives + EXCLUDED.lignes_positives\n    ),\n    c4 AS (\n        INSERT INTO reporting_personneannuelle AS t (annee, participant_id, mois_positifs)\n        SELECT annee, participant, SUM(positifs) FROM lignes GROUP BY annee, participant HAVING SUM(positifs) <> 0 ORDER BY annee, participant\n        ON CONFLICT (annee, participant_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs\n    )\n        INSERT INTO reporting_marcheannuel AS t (annee, marche_id, mois_positifs)\n        SELECT annee, marche, SUM(positifs) FROM lignes GROUP BY annee, marche HAVING SUM(positifs) <> 0 ORDER BY annee, marche\n        ON CONFLICT (annee, marche_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs;\n    DELETE FROM reporting_cumulmensuel WHERE lignes = 0;\n    DELETE FROM reporting_cumulterritoire WHERE lignes = 0;\n    DELETE FROM reporting_cumullot WHERE lignes = 0;\n    DELETE FROM reporting_presencemensuelle WHERE lignes_positives = 0;\n    DELETE FROM reporting_personneannuelle WHERE mois_positifs = 0;\n    DELETE FROM reporting_marcheannuel WHERE mois_positifs = 0;\n    END IF;\n    RETURN NULL;",
                    hash="cad5fb94e7fecc22acdec97ed24491c5c10e8ce3",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_cumuls_lien_59706",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_cumulmensuel;\n    DELETE FROM reporting_cumulterritoire;\n    DELETE FROM reporting_cumullot;\n    DELETE FROM reporting_presencemensuelle;\n    DELETE FROM reporting_personneannuelle;\n    DELETE FROM reporting_marcheannuel;\n    RETURN NULL;",
                    hash="b2f88e1c3954dc262029f0294b9658e9cf255ca6",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_cumuls_vidage_67d51",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE lots bigint[];",
                    func="lots := ARRAY(SELECT DISTINCT x.id FROM (SELECT l.id FROM anciennes o JOIN nouvelles n ON n.id = o.id JOIN marches_lot l ON l.marche_id = n.id\n           WHERE (o.statut, o.donneur_d_ordre_id) IS DISTINCT FROM (n.statut, n.donneur_d_ordre_id)) AS x (id));\n    PERFORM 1 FROM marches_lot WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;\n    DELETE FROM reporting_objectiflot WHERE lot_id = ANY(lots);\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE l.id = ANY(lots) AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n\n    ORDER BY l.id;\n    RETURN NULL;",
                    hash="e96aefd6973ee31220b81813b13b08668a03a4ec",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_objectifs_update_0e5b6",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="objectifs_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_objectiflot;\n    INSERT INTO reporting_objectiflot (lot_id, donneur_d_ordre_id, marche_id, date_debut, date_fin, cible)\n    \n    SELECT l.id, m.donneur_d_ordre_id, l.marche_id, l.date_debut, l.date_fin, COALESCE(c.heures_forcees, c.heures_calculees)\n    FROM marches_lot l\n    JOIN marches_marche m ON m.id = l.marche_id\n    JOIN clauses_clauseinsertion c ON c.lot_id = l.id\n    WHERE TRUE AND m.statut IN ('attribue', 'en_execution', 'acheve', 'solde')\n      AND l.date_debut IS NOT NULL AND l.date_fin IS NOT NULL AND COALESCE(c.heures_forcees, c.heures_calculees) IS NOT NULL\n;\n    RETURN NULL;",
                    hash="dbfee3662318ad0c295c307044435e1b22b6abd1",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_objectifs_vidage_dc395",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.donneur_d_ordre_id IS DISTINCT FROM n.donneur_d_ordre_id\n    ) THEN\n    LOCK TABLE clauses_placement IN SHARE MODE;\n    WITH lignes AS (SELECT x.donneur_d_ordre_id AS donneur, p.date_debut AS jour, p.type_contrat AS valeur, x.signe AS signe FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.donneur_d_ordre_id, -1), (n.id, n.donneur_d_ordre_id, 1)) AS v (id, donneur_d_ordre_id, signe)\n        WHERE o.donneur_d_ordre_id IS DISTINCT FROM n.donneur_d_ordre_id\n    ) AS x\n                JOIN marches_lot l ON l.marche_id = x.id\n                JOIN marches_attribution a ON a.lot_id = l.id\n                JOIN clauses_placement p ON p.attribution_id = a.id),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    END IF;\n    RETURN NULL;",
                    hash="6fc89efaff9044a198b9261b2bcec5d8f8172b8e",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_contrats_lien_2ec19",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_contratjournalier; DELETE FROM reporting_contratterritoire;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT attribution_id, date_debut, type_contrat, 1 FROM clauses_placement WHERE TRUE) AS d (attribution_id, jour, valeur, signe)\n            JOIN marches_attribution a ON a.id = d.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        ),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    RETURN NULL;",
                    hash="cdfba1a424eba468e4d46e6e05808f9bf024db32",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_contrats_vidage_c9dca",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.donneur_d_ordre_id IS DISTINCT FROM n.donneur_d_ordre_id\n    ) THEN\n    LOCK TABLE clauses_sortie IN SHARE MODE;\n    WITH lignes AS (SELECT x.donneur_d_ordre_id AS donneur, s.date_constat AS jour, s.situation AS valeur, x.signe AS signe FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.donneur_d_ordre_id, -1), (n.id, n.donneur_d_ordre_id, 1)) AS v (id, donneur_d_ordre_id, signe)\n        WHERE o.donneur_d_ordre_id IS DISTINCT FROM n.donneur_d_ordre_id\n    ) AS x\n                JOIN marches_lot l ON l.marche_id = x.id\n                JOIN marches_attribution a ON a.lot_id = l.id\n                JOIN clauses_placement p ON p.attribution_id = a.id\n                JOIN clauses_sortie s ON s.placement_id = p.id AND s.moment IN ('fin'))\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    END IF;\n    RETURN NULL;",
                    hash="eb896ecb0ebaa8682d14471b113591395e2cc257",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_sorties_lien_24e3f",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="marchesuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_sortiejournaliere;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT placement_id, date_constat, situation, 1 FROM clauses_sortie WHERE moment IN ('fin')) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="974cedfafefbe75333d7d986756f9a3fce1d1d8b",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_sorties_vidage_84d22",
                    table="marches_marche",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="personneannuellesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM 1 FROM clauses_participant WHERE id IN (SELECT participant_id FROM (SELECT annee, participant_id, 1 AS signe FROM nouvelles WHERE mois_positifs > 0) AS d) ORDER BY id\n        FOR NO KEY UPDATE;\n    WITH \n    delta AS (SELECT annee, participant_id, 1 AS signe FROM nouvelles WHERE mois_positifs > 0),\n    net AS (SELECT annee, participant_id, SUM(signe) AS signe FROM delta GROUP BY annee, participant_id\n            HAVING SUM(signe) <> 0),\n    lignes AS (\n        SELECT n.annee, COALESCE(pc.critereeligibilite_id, 0) AS critere, n.signe\n        FROM net n LEFT JOIN clauses_participant_criteres pc ON pc.participant_id = n.participant_id\n    )\n\n    INSERT INTO reporting_critereannuel AS t (annee, critere, personnes)\n    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0\n    ORDER BY annee, critere\n    ON CONFLICT (annee, critere) DO UPDATE SET personnes = t.personnes + EXCLUDED.personnes;\n    DELETE FROM reporting_critereannuel WHERE personnes = 0;\n    RETURN NULL;",
                    hash="8e655e9d80db643be28b255832accd9bd1e87070",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_criteres_insert_d4ec4",
                    referencing="REFERENCING NEW TABLE AS nouvelles ",
                    table="reporting_personneannuelle",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="personneannuellesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM 1 FROM clauses_participant WHERE id IN (SELECT participant_id FROM (SELECT annee, participant_id, -1 AS signe FROM anciennes WHERE mois_positifs > 0) AS d) ORDER BY id\n        FOR NO KEY UPDATE;\n    WITH \n    delta AS (SELECT annee, participant_id, -1 AS signe FROM anciennes WHERE mois_positifs > 0),\n    net AS (SELECT annee, participant_id, SUM(signe) AS signe FROM delta GROUP BY annee, participant_id\n            HAVING SUM(signe) <> 0),\n    lignes AS (\n        SELECT n.annee, COALESCE(pc.critereeligibilite_id, 0) AS critere, n.signe\n        FROM net n LEFT JOIN clauses_participant_criteres pc ON pc.participant_id = n.participant_id\n    )\n\n    INSERT INTO reporting_critereannuel AS t (annee, critere, personnes)\n    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0\n    ORDER BY annee, critere\n    ON CONFLICT (annee, critere) DO UPDATE SET personnes = t.personnes + EXCLUDED.personnes;\n    DELETE FROM reporting_critereannuel WHERE personnes = 0;\n    RETURN NULL;",
                    hash="0b89646d3481d470ebde8b1d65641074a402dca2",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_criteres_delete_68bcf",
                    referencing="REFERENCING OLD TABLE AS anciennes ",
                    table="reporting_personneannuelle",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="personneannuellesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM 1 FROM clauses_participant WHERE id IN (SELECT participant_id FROM (SELECT v.annee, v.participant_id, v.signe FROM anciennes o JOIN nouvelles n ON n.id = o.id\n           CROSS JOIN LATERAL (VALUES (o.annee, o.participant_id, -(o.mois_positifs > 0)::int),\n                                      (n.annee, n.participant_id, (n.mois_positifs > 0)::int))\n               AS v (annee, participant_id, signe)\n           WHERE v.signe <> 0) AS d) ORDER BY id\n        FOR NO KEY UPDATE;\n    WITH \n    delta AS (SELECT v.annee, v.participant_id, v.signe FROM anciennes o JOIN nouvelles n ON n.id = o.id\n           CROSS JOIN LATERAL (VALUES (o.annee, o.participant_id, -(o.mois_positifs > 0)::int),\n                                      (n.annee, n.participant_id, (n.mois_positifs > 0)::int))\n               AS v (annee, participant_id, signe)\n           WHERE v.signe <> 0),\n    net AS (SELECT annee, participant_id, SUM(signe) AS signe FROM delta GROUP BY annee, participant_id\n            HAVING SUM(signe) <> 0),\n    lignes AS (\n        SELECT n.annee, COALESCE(pc.critereeligibilite_id, 0) AS critere, n.signe\n        FROM net n LEFT JOIN clauses_participant_criteres pc ON pc.participant_id = n.participant_id\n    )\n\n    INSERT INTO reporting_critereannuel AS t (annee, critere, personnes)\n    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0\n    ORDER BY annee, critere\n    ON CONFLICT (annee, critere) DO UPDATE SET personnes = t.personnes + EXCLUDED.personnes;\n    DELETE FROM reporting_critereannuel WHERE personnes = 0;\n    RETURN NULL;",
                    hash="73536370c094ccf251b61528151ca239e8d5c538",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_criteres_update_ba0a0",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="reporting_personneannuelle",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="personneannuellesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="criteres_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_critereannuel;\n    INSERT INTO reporting_critereannuel (annee, critere, personnes) \n    SELECT pa.annee, COALESCE(pc.critereeligibilite_id, 0), COUNT(*)\n    FROM (SELECT * FROM reporting_personneannuelle) AS pa\n    LEFT JOIN clauses_participant_criteres pc ON pc.participant_id = pa.participant_id\n    WHERE pa.mois_positifs > 0\n    GROUP BY 1, 2;\n    RETURN NULL;",
                    hash="b88d1d62c49e536f6625c204595985fd19a344ec",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_criteres_vidage_5f93e",
                    table="reporting_personneannuelle",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE (o.attribution_id, o.participant_id, o.modalite) IS DISTINCT FROM (n.attribution_id, n.participant_id, n.modalite)\n    ) THEN\n    LOCK TABLE clauses_heuresmensuelles IN SHARE MODE;\n    WITH lignes AS (\n    SELECT m.donneur_d_ordre_id AS donneur, l.marche_id AS marche, a.lot_id AS lot, x.participant_id AS participant,\n           x.modalite AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,\n           x.signe * h.heures AS heures, CASE WHEN h.heures > 0 THEN x.signe ELSE 0 END AS positifs,\n           x.signe AS signe\n    \n        FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.attribution_id, o.participant_id, o.modalite, -1), (n.id, n.attribution_id, n.participant_id, n.modalite, 1)) AS v (id, attribution_id, participant_id, modalite, signe)\n        WHERE (o.attribution_id, o.participant_id, o.modalite) IS DISTINCT FROM (n.attribution_id, n.participant_id, n.modalite)\n    ) AS x\n        JOIN clauses_heuresmensuelles h ON h.placement_id = x.id\n        JOIN marches_attribution a ON a.id = x.attribution_id\n        JOIN marches_lot l ON l.id = a.lot_id\n        JOIN marches_marche m ON m.id = l.marche_id\n        \n),\n    c0 AS (\n        INSERT INTO reporting_cumulmensuel AS t (donneur_d_ordre_id, mois, modalite, heures, lignes)\n        SELECT donneur, mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY donneur, mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY donneur, mois, modalite\n        ON CONFLICT (donneur_d_ordre_id, mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c1 AS (\n        INSERT INTO reporting_cumulterritoire AS t (mois, modalite, heures, lignes)\n        SELECT mois, modalite, SUM(heures), SUM(signe) FROM lignes GROUP BY mois, modalite HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY mois, modalite\n        ON CONFLICT (mois, modalite) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c2 AS (\n        INSERT INTO reporting_cumullot AS t (lot_id, heures, lignes)\n        SELECT lot, SUM(heures), SUM(signe) FROM lignes GROUP BY lot HAVING SUM(heures) <> 0 OR SUM(signe) <> 0 ORDER BY lot\n        ON CONFLICT (lot_id) DO UPDATE SET heures = t.heures + EXCLUDED.heures, lignes = t.lignes + EXCLUDED.lignes\n    ),\n    c3 AS (\n        INSERT INTO reporting_presencemensuelle AS t (donneur_d_ordre_id, mois, marche_id, participant_id, lignes_positives)\n        SELECT donneur, mois, marche, participant, SUM(positifs) FROM lignes GROUP BY donneur, mois, marche, participant HAVING SUM(positifs) <> 0 ORDER BY donneur, mois, marche, participant\n        ON CONFLICT (donneur_d_ordre_id, mois, marche_id, participant_id) DO UPDATE SET lignes_positives = t.lignes_positives + EXCLUDED.lignes_positives\n    ),\n    c4 AS (\n        INSERT INTO reporting_personneannuelle AS t (annee, participant_id, mois_positifs)\n        SELECT annee, participant, SUM(positifs) FROM lignes GROUP BY annee, participant HAVING SUM(positifs) <> 0 ORDER BY annee, participant\n        ON CONFLICT (annee, participant_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs\n    )\n        INSERT INTO reporting_marcheannuel AS t (annee, marche_id, mois_positifs)\n        SELECT annee, marche, SUM(positifs) FROM lignes GROUP BY annee, marche HAVING SUM(positifs) <> 0 ORDER BY annee, marche\n        ON CONFLICT (annee, marche_id) DO UPDATE SET mois_positifs = t.mois_positifs + EXCLUDED.mois_positifs;\n    DELETE FROM reporting_cumulmensuel WHERE lignes = 0;\n    DELETE FROM reporting_cumulterritoire WHERE lignes = 0;\n    DELETE FROM reporting_cumullot WHERE lignes = 0;\n    DELETE FROM reporting_presencemensuelle WHERE lignes_positives = 0;\n    DELETE FROM reporting_personneannuelle WHERE mois_positifs = 0;\n    DELETE FROM reporting_marcheannuel WHERE mois_positifs = 0;\n    END IF;\n    RETURN NULL;",
                    hash="5b15c0910377ceaefcfef46fdda3c0f812f0ef2d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_cumuls_lien_d4355",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="cumuls_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_cumulmensuel;\n    DELETE FROM reporting_cumulterritoire;\n    DELETE FROM reporting_cumullot;\n    DELETE FROM reporting_presencemensuelle;\n    DELETE FROM reporting_personneannuelle;\n    DELETE FROM reporting_marcheannuel;\n    RETURN NULL;",
                    hash="a196d1e2ce31cfae8dda839cea8968600ff45a64",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_cumuls_vidage_fe6be",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT attribution_id, date_debut, type_contrat, 1 FROM nouvelles WHERE TRUE) AS d (attribution_id, jour, valeur, signe)\n            JOIN marches_attribution a ON a.id = d.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        ),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    RETURN NULL;",
                    hash="6e8cab47d2e4a6aa20b3d0a79a8a3dd91e5ef4d5",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_contrats_insert_4f071",
                    referencing="REFERENCING NEW TABLE AS nouvelles ",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT attribution_id, date_debut, type_contrat, -1 FROM anciennes WHERE TRUE) AS d (attribution_id, jour, valeur, signe)\n            JOIN marches_attribution a ON a.id = d.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        ),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    RETURN NULL;",
                    hash="b159e8a3e871c6df7c1f1722079c0958e638c9f2",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_contrats_delete_d6118",
                    referencing="REFERENCING OLD TABLE AS anciennes ",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n            CROSS JOIN LATERAL (VALUES (o.attribution_id, o.date_debut, o.type_contrat, CASE WHEN TRUE THEN -1 ELSE 0 END),\n                                       (n.attribution_id, n.date_debut, n.type_contrat, CASE WHEN TRUE THEN 1 ELSE 0 END))\n                AS v (a, b, c, signe)\n            WHERE v.signe <> 0\n              AND (o.attribution_id, o.date_debut, o.type_contrat, TRUE) IS DISTINCT FROM (n.attribution_id, n.date_debut, n.type_contrat, TRUE)) AS d (attribution_id, jour, valeur, signe)\n            JOIN marches_attribution a ON a.id = d.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        ),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    RETURN NULL;",
                    hash="2a2ed07dec8b67e195691d397fde3e5219e79542",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_contrats_update_fe01a",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="contrats_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_contratjournalier; DELETE FROM reporting_contratterritoire;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT attribution_id, date_debut, type_contrat, 1 FROM clauses_placement WHERE TRUE) AS d (attribution_id, jour, valeur, signe)\n            JOIN marches_attribution a ON a.id = d.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        ),\n    c0 AS (\n        INSERT INTO reporting_contratjournalier AS t (donneur_d_ordre_id, jour, type_contrat, contrats)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats\n    )\n        INSERT INTO reporting_contratterritoire AS t (jour, type_contrat, contrats)\n        SELECT jour, valeur, SUM(signe) FROM lignes GROUP BY jour, valeur HAVING SUM(signe) <> 0 ORDER BY jour, valeur\n        ON CONFLICT (jour, type_contrat) DO UPDATE SET contrats = t.contrats + EXCLUDED.contrats;\n    DELETE FROM reporting_contratjournalier WHERE contrats = 0;\n    DELETE FROM reporting_contratterritoire WHERE contrats = 0;\n    RETURN NULL;",
                    hash="3016801175884da5d647edaa8ecfceb4a8e6a23c",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_contrats_vidage_21683",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_lien",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF EXISTS (\n        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.attribution_id IS DISTINCT FROM n.attribution_id\n    ) THEN\n    LOCK TABLE clauses_sortie IN SHARE MODE;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, s.date_constat AS jour, s.situation AS valeur, x.signe AS signe FROM (\n        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n        CROSS JOIN LATERAL (VALUES (o.id, o.attribution_id, -1), (n.id, n.attribution_id, 1)) AS v (id, attribution_id, signe)\n        WHERE o.attribution_id IS DISTINCT FROM n.attribution_id\n    ) AS x\n                JOIN clauses_sortie s ON s.placement_id = x.id AND s.moment IN ('fin')\n                JOIN marches_attribution a ON a.id = x.attribution_id\n                JOIN marches_lot l ON l.id = a.lot_id\n                JOIN marches_marche m ON m.id = l.marche_id)\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    END IF;\n    RETURN NULL;",
                    hash="44519f227a9fa76899b55d1b5e4d6d43b0e60b35",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_sorties_lien_12641",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="placementsuivi",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_sortiejournaliere;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT placement_id, date_constat, situation, 1 FROM clauses_sortie WHERE moment IN ('fin')) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="e7478e12e7e8e18c3dbfb4f3974af5e06519d936",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_sorties_vidage_b2c9f",
                    table="clauses_placement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sortiesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT placement_id, date_constat, situation, 1 FROM nouvelles WHERE moment IN ('fin')) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="8fd8dcc12b63aca2721811828fecb695966355d4",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_sorties_insert_18bf5",
                    referencing="REFERENCING NEW TABLE AS nouvelles ",
                    table="clauses_sortie",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sortiesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT placement_id, date_constat, situation, -1 FROM anciennes WHERE moment IN ('fin')) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="356a401656a16faece3ee96cefe219fedbe90699",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_sorties_delete_a5b98",
                    referencing="REFERENCING OLD TABLE AS anciennes ",
                    table="clauses_sortie",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sortiesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id\n            CROSS JOIN LATERAL (VALUES (o.placement_id, o.date_constat, o.situation, CASE WHEN o.moment IN ('fin') THEN -1 ELSE 0 END),\n                                       (n.placement_id, n.date_constat, n.situation, CASE WHEN n.moment IN ('fin') THEN 1 ELSE 0 END))\n                AS v (a, b, c, signe)\n            WHERE v.signe <> 0\n              AND (o.placement_id, o.date_constat, o.situation, o.moment IN ('fin')) IS DISTINCT FROM (n.placement_id, n.date_constat, n.situation, n.moment IN ('fin'))) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="814f94f8768dce0131c170815c970bf7b9e713cb",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_sorties_update_59a3a",
                    referencing="REFERENCING OLD TABLE AS anciennes  NEW TABLE AS nouvelles ",
                    table="clauses_sortie",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sortiesuivie",
            trigger=pgtrigger.compiler.Trigger(
                name="sorties_vidage",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM reporting_sortiejournaliere;\n    WITH lignes AS (SELECT m.donneur_d_ordre_id AS donneur, d.jour AS jour, d.valeur AS valeur, d.signe AS signe \n            FROM (SELECT placement_id, date_constat, situation, 1 FROM clauses_sortie WHERE moment IN ('fin')) AS d (placement_id, jour, valeur, signe)\n            JOIN clauses_placement p ON p.id = d.placement_id\n            JOIN marches_attribution a ON a.id = p.attribution_id\n            JOIN marches_lot l ON l.id = a.lot_id\n            JOIN marches_marche m ON m.id = l.marche_id\n        )\n        INSERT INTO reporting_sortiejournaliere AS t (donneur_d_ordre_id, jour, situation, sorties)\n        SELECT donneur, jour, valeur, SUM(signe) FROM lignes GROUP BY donneur, jour, valeur HAVING SUM(signe) <> 0 ORDER BY donneur, jour, valeur\n        ON CONFLICT (donneur_d_ordre_id, jour, situation) DO UPDATE SET sorties = t.sorties + EXCLUDED.sorties;\n    DELETE FROM reporting_sortiejournaliere WHERE sorties = 0;\n    RETURN NULL;",
                    hash="cc407ac314c54c9f142c1dc58e596d18bf1afe6a",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_sorties_vidage_a273d",
                    table="clauses_sortie",
                    when="AFTER",
                ),
            ),
        ),
    ]
