"""SQL written from the models: tables and columns by name, statement-level triggers."""

from __future__ import annotations

import pgtrigger
from django.db import models


class Table:
    """A model's table for SQL written in Python: ``str()`` is the table's name, each attribute the column of the
    field of that name (``Table(Placement).attribution`` → ``attribution_id``). A renamed column changes the SQL,
    hence the trigger's hash, hence a migration; a field that no longer exists fails at start-up."""

    def __init__(self, modele: type[models.Model]):
        self._modele = modele

    def __str__(self) -> str:
        return self._modele._meta.db_table

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __getattr__(self, champ: str) -> str:
        if champ.startswith("_"):
            raise AttributeError(champ)
        colonne = getattr(self._modele._meta.get_field(champ), "column", None)
        if not isinstance(colonne, str):  # a reverse relation has no column of this table
            raise AttributeError(f"{self._modele.__name__}.{champ} n'est pas une colonne de {self}")
        return colonne


OPERATIONS = {
    "insert": pgtrigger.Insert,
    "update": pgtrigger.Update,
    "delete": pgtrigger.Delete,
    "truncate": pgtrigger.Truncate,
}
REFERENCES = {
    "insert": pgtrigger.Referencing(new="nouvelles"),
    "update": pgtrigger.Referencing(old="anciennes", new="nouvelles"),
    "delete": pgtrigger.Referencing(old="anciennes"),
    "truncate": None,
}


def declencheur(nom: str, operation: str, corps: str, declare: list[tuple[str, str]] | None = None):
    """A statement-level trigger run after ``operation``, with its transition tables (``nouvelles``, ``anciennes``)."""
    return pgtrigger.Trigger(
        name=nom,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=OPERATIONS[operation],
        referencing=REFERENCES[operation],
        func=f"{corps}\n    RETURN NULL;",
        declare=declare,
    )


def valeurs_sql(valeurs) -> str:
    """``('a', 'b')``: a tuple of constants (enum values, never user input) for ``IN``."""
    return "(" + ", ".join("'" + str(valeur).replace("'", "''") + "'" for valeur in valeurs) + ")"


def ajouter_aux_cumuls(cumuls: list, lignes: str) -> str:
    """The statements adding the signed rows to every total, in key order (two statements adding to the same
    totals queue rather than deadlock), then dropping the totals that count nothing any more. ``cumuls``: each
    total's model, its key (field → expression over the signed rows) and its sums (field → expression); a row
    whose last sum falls to 0 goes."""
    ctes, menage = [f"lignes AS ({lignes})"], []
    for i, (modele, cle, sommes) in enumerate(cumuls):
        t = Table(modele)
        colonnes_cle = [getattr(t, champ) for champ in cle]
        colonnes_sommes = [getattr(t, champ) for champ in sommes]
        colonnes = colonnes_cle + colonnes_sommes
        expressions = list(cle.values()) + list(sommes.values())
        groupes = ", ".join(cle.values())
        non_nul = " OR ".join(f"{e} <> 0" for e in sommes.values())
        mises_a_jour = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in colonnes_sommes)
        ctes.append(
            f"""c{i} AS (
        INSERT INTO {t} AS t ({", ".join(colonnes)})
        SELECT {", ".join(expressions)} FROM lignes GROUP BY {groupes} HAVING {non_nul} ORDER BY {groupes}
        ON CONFLICT ({", ".join(colonnes_cle)}) DO UPDATE SET {mises_a_jour}
    )"""
        )
        menage.append(f"DELETE FROM {t} WHERE {colonnes_sommes[-1]} = 0;")
    # The last upsert is the statement itself (PL/pgSQL refuses a bare SELECT, and a WITH that writes must
    # stay at the top level).
    *ctes, derniere = ctes
    derniere = derniere.split(" AS (\n", 1)[1].rsplit("\n    )", 1)[0]
    return "WITH " + ",\n    ".join(ctes) + "\n" + derniere + ";\n    " + "\n    ".join(menage)
