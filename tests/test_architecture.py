"""Imports flow one way between the apps: reporting → clauses → marches → conventions → entreprises.

An import against the arrows is how cycles start; this test names the file and the line that adds one.
"""

import ast
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
ORDRE = ["reporting", "clauses", "marches", "conventions", "entreprises"]
# The one documented exception (docs/architecture.md): the donneurs d'ordre's pages read the marchés' statuses.
EXCEPTIONS = {("conventions/views.py", "marches.models")}


def _imports(fichier: Path):
    arbre = ast.parse(fichier.read_text(encoding="utf-8"))
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            for alias in noeud.names:
                yield noeud.lineno, alias.name
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and not noeud.level:
            yield noeud.lineno, noeud.module


@pytest.mark.parametrize("app", ORDRE)
def test_apps_import_only_to_their_right(app):
    interdites = set(ORDRE[: ORDRE.index(app) + 1]) - {app}
    fautes = []
    for fichier in sorted((RACINE / app).rglob("*.py")):
        relatif = fichier.relative_to(RACINE).as_posix()
        if "/tests/" in relatif or "/migrations/" in relatif:
            continue
        for ligne, module in _imports(fichier):
            racine = module.split(".")[0]
            if racine in interdites and (relatif, module) not in EXCEPTIONS:
                fautes.append(f"{relatif}:{ligne} importe {module}")
    assert not fautes, "Import contre le sens des dépendances :\n" + "\n".join(fautes)


def test_the_check_sees_a_reverse_import(tmp_path):
    fichier = tmp_path / "x.py"
    fichier.write_text("from reporting.indicators import chiffres_cles\nimport clauses.models\n")
    assert [m for _, m in _imports(fichier)] == ["reporting.indicators", "clauses.models"]
