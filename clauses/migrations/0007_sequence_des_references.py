"""The sequence that numbers the participants' references (P-000001…), started past the largest one in use.

Before it, a reference was the largest one plus one, read when the participant was saved: a form and an import
saving at the same time drew the same number, and the second failed on the unique constraint.
"""

from django.db import migrations

SEQUENCE = "clauses_participant_reference_seq"


def creer(apps, schema_editor):
    schema_editor.execute(f"CREATE SEQUENCE {SEQUENCE} AS bigint MINVALUE 1 OWNED BY clauses_participant.reference")
    schema_editor.execute(
        f"SELECT setval('{SEQUENCE}', COALESCE(MAX(SUBSTRING(reference FROM 3)::bigint), 0) + 1, false) "
        "FROM clauses_participant WHERE reference ~ '^P-[0-9]+$'"
    )


def supprimer(apps, schema_editor):
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("clauses", "0006_index_pour_le_volume")]

    operations = [migrations.RunPython(creer, supprimer, elidable=False)]
