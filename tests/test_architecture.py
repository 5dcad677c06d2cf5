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
    fichier.write_text("from reporting.indicateurs import chiffres_cles\nimport clauses.models\n")
    assert [m for _, m in _imports(fichier)] == ["reporting.indicateurs", "clauses.models"]


# --- No import circle, function-level imports included ------------------------------------------------------------

PAQUETS = ["config", *ORDRE]


def _module_de(fichier: Path) -> str:
    parties = list(fichier.relative_to(RACINE).with_suffix("").parts)
    if parties[-1] == "__init__":
        parties.pop()
    return ".".join(parties)


def _graphe() -> dict[str, set[str]]:
    """Every module of the project (tests and migrations aside) → the project's modules it imports, wherever the
    import statement stands (a function-level import hides a circle from Python, not from this graph).
    ``from paquet import nom`` imports the module ``paquet.nom`` when there is one, else ``paquet``."""
    fichiers = {
        _module_de(f): f
        for paquet in PAQUETS
        for f in sorted((RACINE / paquet).rglob("*.py"))
        if "/tests/" not in f.as_posix() and "/migrations/" not in f.as_posix()
    }
    graphe: dict[str, set[str]] = {}
    for module, fichier in fichiers.items():
        arbre = ast.parse(fichier.read_text(encoding="utf-8"))
        cibles: set[str] = set()
        for noeud in ast.walk(arbre):
            if isinstance(noeud, ast.Import):
                cibles.update(alias.name for alias in noeud.names)
            elif isinstance(noeud, ast.ImportFrom) and noeud.module and not noeud.level:
                for alias in noeud.names:
                    sous_module = f"{noeud.module}.{alias.name}"
                    cibles.add(sous_module if sous_module in fichiers else noeud.module)
        graphe[module] = {cible for cible in cibles if cible in fichiers and cible != module}
    return graphe


def _circuits(graphe: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    bas: dict[str, int] = {}
    pile: list[str] = []
    sur_la_pile: set[str] = set()
    composantes: list[list[str]] = []

    def visiter(module: str) -> None:
        index[module] = bas[module] = len(index)
        pile.append(module)
        sur_la_pile.add(module)
        for suivant in sorted(graphe.get(module, ())):
            if suivant not in index:
                visiter(suivant)
                bas[module] = min(bas[module], bas[suivant])
            elif suivant in sur_la_pile:
                bas[module] = min(bas[module], index[suivant])
        if bas[module] == index[module]:
            composante = []
            while True:
                membre = pile.pop()
                sur_la_pile.discard(membre)
                composante.append(membre)
                if membre == module:
                    break
            if len(composante) > 1:
                composantes.append(sorted(composante))

    for module in sorted(graphe):
        if module not in index:
            visiter(module)
    return composantes


def test_no_module_imports_itself_through_others():
    circuits = _circuits(_graphe())
    assert not circuits, "Imports circulaires :\n" + "\n".join(" ↔ ".join(c) for c in circuits)


def test_the_circle_check_sees_a_function_level_import():
    graphe = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circuits(graphe) == [["a", "b", "c"]]
    assert _circuits({"a": {"b"}, "b": set()}) == []


# --- Modules of a readable size --------------------------------------------------------------------------------

LIGNES_MAX = 800
# Data, not logic: the demo's territory is a long list of French names, places and figures.
GRANDS_PERMIS = {"clauses/demo/territoire.py"}


def test_no_module_grows_past_800_lines():
    trop_longs = []
    for paquet in PAQUETS:
        for fichier in sorted((RACINE / paquet).rglob("*.py")):
            relatif = fichier.relative_to(RACINE).as_posix()
            if "/migrations/" in relatif or relatif in GRANDS_PERMIS:
                continue
            lignes = len(fichier.read_text(encoding="utf-8").splitlines())
            if lignes > LIGNES_MAX:
                trop_longs.append(f"{relatif} : {lignes} lignes")
    assert not trop_longs, "Modules à découper :\n" + "\n".join(trop_longs)
