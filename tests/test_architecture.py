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


def _modules_de_config_importes(fichier: Path) -> set[str]:
    """The config modules a file of config/ imports, wherever the import stands (a function's too)."""
    modules = set()
    for _, module in _imports(fichier):
        if module.startswith("config."):
            modules.add(module.split(".")[1])
    arbre = ast.parse(fichier.read_text(encoding="utf-8"))
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.ImportFrom) and noeud.module == "config":
            modules.update(alias.name for alias in noeud.names)
    return modules


def test_the_modules_of_config_import_one_another_without_a_cycle():
    """The list pages, the long exports and their task once imported one another in a circle, a function-level
    import hiding it: pages → config.listes → config.tasks → config.exports_longs → config.definition_liste."""
    graphe = {f.stem: _modules_de_config_importes(f) for f in (RACINE / "config").glob("*.py")}
    graphe = {module: {m for m in importes if m in graphe and m != module} for module, importes in graphe.items()}
    visites, en_cours = set(), []

    def parcourir(module: str):
        if module in en_cours:
            pytest.fail("Cycle d'imports dans config/ : " + " → ".join([*en_cours[en_cours.index(module) :], module]))
        if module in visites:
            return
        en_cours.append(module)
        for importe in sorted(graphe[module]):
            parcourir(importe)
        en_cours.pop()
        visites.add(module)

    for module in sorted(graphe):
        parcourir(module)
    assert "tasks" in graphe["listes"] and "definition_liste" in graphe["exports_longs"]
