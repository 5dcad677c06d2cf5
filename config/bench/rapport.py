"""What the benchmark hands on: the tables it prints, the comparison of the two sizes, the JSON file."""

import json
import os
import platform
import re
import subprocess
from pathlib import Path

from django.conf import settings

from config.bench import (
    CIBLE_IMPORT,
    CIBLE_P95_MS,
    CIBLE_RATIO_DEMO,
    CIBLE_SEED_S,
    CIBLE_TELEVERSEMENT,
    CIBLES_DOCUMENTS,
    PLANCHER,
)


def machine() -> dict:
    modeles = [ligne for ligne in _lire("/proc/cpuinfo").splitlines() if ligne.startswith("model name")]
    return {
        "coeurs": os.cpu_count(),
        "memoire_mo": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20,
        "processeur": modeles[0].split(":", 1)[1].strip() if modeles else "",
        "systeme": platform.platform(),
        "python": platform.python_version(),
    }


def _lire(chemin: str) -> str:
    fichier = Path(chemin)
    return fichier.read_text() if fichier.exists() else ""


def commit() -> tuple[str, bool]:
    """The short commit and whether the work tree differs from it (read-only git commands)."""

    def git(*arguments) -> str:
        sortie = subprocess.run(
            ["git", "--no-optional-locks", *arguments], cwd=settings.BASE_DIR, capture_output=True, text=True
        )
        return sortie.stdout.strip() if sortie.returncode == 0 else ""

    return git("rev-parse", "--short=12", "HEAD") or "inconnu", bool(git("status", "--porcelain", "-uno"))


# --- Tables --------------------------------------------------------------------------------------------------------


def en_ms(valeur: float | None) -> str:
    if valeur is None:
        return "—"
    return f"{valeur:.1f}" if valeur < 10 else f"{valeur:.0f}"


def _fois(valeur: float | None) -> str:
    return "—" if valeur is None else f"{valeur:.2f}"


def niveau(page: dict, clients: int) -> dict:
    return page.get("niveaux", {}).get(str(clients)) or {}


def _rapport(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def tableau(entetes: list[str], lignes: list[list[str]]) -> str:
    """Plain text: the first column aligned left, the figures right."""
    largeurs = [max(len(ligne[i]) for ligne in [entetes, *lignes]) for i in range(len(entetes))]

    def rendre(ligne: list[str]) -> str:
        cellules = [ligne[0].ljust(largeurs[0])] + [c.rjust(w) for c, w in zip(ligne[1:], largeurs[1:], strict=True)]
        return "  ".join(cellules).rstrip()

    return "\n".join([rendre(entetes), "  ".join("-" * w for w in largeurs), *map(rendre, lignes)])


def tableau_des_pages(jeu: dict, niveaux: list[int]) -> str:
    bas, haut = niveaux[0], niveaux[-1]
    plancher = next((p for p in jeu["pages"] if p["nom"] == PLANCHER), {})
    entetes = ["page", "SQL", "Ko", f"p50 {bas}c", f"p95 {bas}c", f"p50 {haut}c", f"p95 {haut}c", "×plancher", "n"]
    lignes, erreurs = [], []
    for page in jeu["pages"]:
        if not page.get("niveaux"):
            lignes.append([page["nom"], str(page["requetes_sql"]), *["—"] * 6, "erreur"])
            erreurs.append(f"  {page['nom']} : {page['erreur']}")
            continue
        un, plusieurs = niveau(page, bas), niveau(page, haut)
        octets = next((n["octets"] for n in page["niveaux"].values() if n.get("octets") is not None), None)
        ratio = _rapport(un.get("p50_ms"), niveau(plancher, bas).get("p50_ms"))
        lignes.append(
            [
                page["nom"],
                str(page["requetes_sql"]),
                "—" if octets is None else f"{octets / 1024:.0f}",
                en_ms(un.get("p50_ms")),
                en_ms(un.get("p95_ms")),
                en_ms(plusieurs.get("p50_ms")),
                en_ms(plusieurs.get("p95_ms")),
                _fois(ratio),
                "/".join(str(niveau(page, c).get("requetes", 0)) for c in niveaux)
                + (" !" if any(niveau(page, c).get("erreurs") for c in niveaux) else ""),
            ]
        )
    texte = tableau(entetes, lignes)
    return "\n".join([texte, "Pages non mesurées :", *erreurs]) if erreurs else texte


def comparaison(demo: dict, national: dict, niveaux: list[int]) -> list[dict]:
    """Each page at both sizes, with the targets it misses."""
    bas, haut = niveaux[0], niveaux[-1]
    pages_demo = {p["nom"]: p for p in demo["pages"]}
    lignes = []
    for page in national["pages"]:
        autre = pages_demo.get(page["nom"], {})
        p50_demo, p50_nat = niveau(autre, bas).get("p50_ms"), niveau(page, bas).get("p50_ms")
        p95_nat = niveau(page, haut).get("p95_ms")
        ligne = {
            "page": page["nom"],
            "sql_demo": autre.get("requetes_sql"),
            "sql_national": page["requetes_sql"],
            "p50_demo_ms": p50_demo,
            "p50_national_ms": p50_nat,
            "ratio": _rapport(p50_nat, p50_demo),
            f"p95_{haut}c_national_ms": p95_nat,
        }
        manquees = []
        if page.get("erreur") or not page.get("niveaux"):
            manquees.append("erreur")
        if p95_nat is not None and p95_nat > CIBLE_P95_MS and page["nom"] != PLANCHER:
            manquees.append(f"p95>{CIBLE_P95_MS}")
        if ligne["ratio"] is not None and ligne["ratio"] > CIBLE_RATIO_DEMO:
            manquees.append(f"×{CIBLE_RATIO_DEMO:g}")
        if autre and ligne["sql_demo"] != ligne["sql_national"]:
            manquees.append("SQL≠")
        ligne["cibles_manquees"] = manquees
        lignes.append(ligne)
    return lignes


def tableau_comparaison(lignes: list[dict], niveaux: list[int]) -> str:
    bas, haut = niveaux[0], niveaux[-1]
    entetes = ["page", "SQL dém", "SQL nat", f"p50 {bas}c dém", f"p50 {bas}c nat", "nat/dém", f"p95 {haut}c nat"]
    entetes.append("cibles manquées")
    rendu = [
        [
            ligne["page"],
            str(ligne["sql_demo"] if ligne["sql_demo"] is not None else "—"),
            str(ligne["sql_national"] if ligne["sql_national"] is not None else "—"),
            en_ms(ligne["p50_demo_ms"]),
            en_ms(ligne["p50_national_ms"]),
            _fois(ligne["ratio"]),
            en_ms(ligne[f"p95_{haut}c_national_ms"]),
            " ".join(ligne["cibles_manquees"]),
        ]
        for ligne in lignes
    ]
    return tableau(entetes, rendu)


def _manque(valeur: float | None, cible: float | None) -> str:
    return "" if valeur is None or cible is None or valeur <= cible else f" (> {cible:g})"


def _lignes_du_portefeuille(nom_jeu: str, aller_retour: dict | None) -> list[list[str]]:
    """The portfolio's round trip (``--parties portefeuille``): its export, then its import into an empty base."""
    if not aller_retour:
        return []
    lignes = []
    export, importe = aller_retour["export"], aller_retour.get("import")
    nom = f"{nom_jeu} : portefeuille exporté (.zip de CSV)"
    if "erreur" in export:
        return [[nom, f"erreur : {export['erreur'][-120:]}", "", ""]]
    lignes.append(
        [
            nom,
            f"{export['duree_s']:.1f} s",
            f"{export['pic_mo']:.0f} Mo",
            f"{export['heures']} lignes d'heures, {export['octets'] / 1024 / 1024:.1f} Mo",
        ]
    )
    nom = f"{nom_jeu} : portefeuille importé dans une base vide"
    if importe is None or "erreur" in importe:
        return [*lignes, [nom, f"erreur : {(importe or {}).get('erreur', '')[-120:]}", "", ""]]
    if not importe["valide"]:
        issue = f"REFUSÉ ({importe['erreurs']} erreurs : {importe['premiere_erreur'][:80]})"
    else:
        differents = aller_retour["chiffres_differents"]
        identiques = "chiffres de l'accueil identiques" if not differents else f"DIFFÉRENTS : {', '.join(differents)}"
        cumuls = "cumuls exacts" if not importe["ecarts_des_cumuls"] else "CUMULS INEXACTS"
        issue = f"{importe['lignes']} lignes ; {identiques} ; {cumuls}"
    lignes.append([nom, f"{importe['duree_s']:.1f} s", f"{importe['pic_mo']:.0f} Mo", issue])
    return lignes


def tableau_des_travaux(jeux: dict) -> str:
    lignes = []
    for nom_jeu, jeu in jeux.items():
        for document in jeu.get("documents", []):
            if "erreur" in document:
                lignes.append([f"{nom_jeu} : {document['nom']}", f"erreur : {document['erreur'][-120:]}", "", ""])
                continue
            delai, memoire = CIBLES_DOCUMENTS.get(document["type"], (None, None))
            lignes.append(
                [
                    f"{nom_jeu} : {document['nom']}",
                    f"{document['duree_s']:.1f} s{_manque(document['duree_s'], delai)}",
                    f"{document['pic_mo']:.0f} Mo{_manque(document['pic_mo'], memoire)}",
                    f"{document['pages']} pages, {document['octets'] / 1024:.0f} Ko"
                    if document.get("pages") is not None
                    else f"classeur de {document['feuilles']} feuilles, {document['octets'] / 1024:.0f} Ko",
                ]
            )
        for mesure in jeu.get("imports", []):
            nom = f"{nom_jeu} : import du relevé {mesure['format'].upper()}, {mesure.get('lignes', 0)} lignes"
            if "erreur" in mesure:
                lignes.append([nom, f"erreur : {mesure['erreur'][-120:]}", "", ""])
                continue
            issue = (
                f"{mesure['ajoutees']} ajoutées, {mesure['mises_a_jour']} mises à jour, "
                f"{mesure['inchangees']} inchangées"
            )
            if not mesure["valide"]:
                issue = f"REFUSÉ ({mesure['erreurs']} erreurs : {mesure['premiere_erreur'][:80]})"
            lignes.append(
                [
                    nom,
                    f"aperçu {mesure['analyse_s']:.1f} s + import {mesure['import_s']:.1f} s"
                    + _manque(mesure["import_s"], CIBLE_IMPORT[0]),
                    f"{mesure['pic_mo']:.0f} Mo{_manque(mesure['pic_mo'], CIBLE_IMPORT[1])}",
                    issue,
                ]
            )
        for mesure in jeu.get("televersements", []):
            nom = f"{nom_jeu} : téléversement, {mesure['nom']} ({mesure['octets'] / 1024 / 1024:.2f} Mo)"
            if "erreur" in mesure:
                lignes.append([nom, f"erreur : {mesure['erreur'][-120:]}", "", ""])
                continue
            issue = f"HTTP {mesure['statut']}, {'refusé' if mesure['refuse'] else 'aperçu'} : {mesure['message'][:90]}"
            lignes.append(
                [
                    nom,
                    f"{mesure['duree_s']:.1f} s{_manque(mesure['duree_s'], CIBLE_TELEVERSEMENT[0])}",
                    f"{mesure['pic_mo']:.0f} Mo{_manque(mesure['pic_mo'], CIBLE_TELEVERSEMENT[1])}",
                    issue,
                ]
            )
        lignes += _lignes_du_portefeuille(nom_jeu, jeu.get("portefeuille"))
        for mesure in jeu.get("exports", []):
            nom = f"{nom_jeu} : {mesure['liste']} exportés par le worker"
            if "erreur" in mesure:
                lignes.append([nom, f"erreur : {mesure['erreur'][-120:]}", "", ""])
                continue
            lignes.append(
                [
                    nom,
                    f"{mesure['duree_s']:.1f} s",
                    f"{mesure['pic_mo']:.0f} Mo{_manque(mesure['pic_mo'], CIBLE_IMPORT[1])}",
                    f"{mesure['lignes']} lignes, {mesure['octets'] / 1024 / 1024:.1f} Mo",
                ]
            )
    return tableau(["travail", "durée", "mémoire max", "résultat"], lignes) if lignes else ""


def tableau_du_serveur(jeux: dict) -> str:
    lignes = []
    for nom_jeu, jeu in jeux.items():
        construction = jeu["construction"]
        if construction["construit"]:
            cible = CIBLE_SEED_S if nom_jeu == "national" else None
            seed = f"construit en {construction['duree_s']:.0f} s{_manque(construction['duree_s'], cible)}"
        else:
            seed = "réutilisé"
        workers = jeu.get("workers") or []
        rss = max((w["rss_mo"] or 0 for w in workers), default=None)
        pic = max((w["pic_mo"] or 0 for w in workers), default=None)
        volumes = jeu["volumes"]
        lignes.append(
            [
                nom_jeu,
                f"{volumes['marches']} marchés, {volumes['heures_mensuelles']} lignes d'heures",
                seed,
                "—" if rss is None else f"{rss:.0f} Mo (pic {pic:.0f} Mo), {len(workers)} workers",
            ]
        )
    return tableau(["jeu", "volume", "seed_demo", "gunicorn après les pages : RSS du plus gros worker"], lignes)


def rapport_texte(resultats: dict) -> str:
    niveaux = resultats["parametres"]["clients"]
    jeux = resultats["jeux"]
    morceaux = []
    for nom_jeu, jeu in jeux.items():
        if jeu.get("pages"):
            morceaux += [
                f"Pages — {nom_jeu} (ms ; Ko ; n = requêtes mesurées par niveau, ! = certaines en erreur)",
                tableau_des_pages(jeu, niveaux),
            ]
    if resultats.get("comparaison"):
        morceaux += [
            f"National / démo (rapport des p50 à {niveaux[0]} client ; cibles : p95 à {niveaux[-1]} clients "
            f"≤ {CIBLE_P95_MS} ms au national, au plus {CIBLE_RATIO_DEMO:g} × la démo, autant de requêtes SQL)",
            tableau_comparaison(resultats["comparaison"], niveaux),
        ]
    travaux = tableau_des_travaux(jeux)
    if travaux:
        morceaux += ["PDF, imports et exports (processus séparé ; mémoire max = RSS maximal du processus)", travaux]
    morceaux += ["Données et serveur", tableau_du_serveur(jeux)]
    for nom_jeu, jeu in jeux.items():
        if jeu.get("requetes_annulees"):
            annulees = [f"  {' '.join(requete.split())[:150]}" for requete in jeu["requetes_annulees"]]
            morceaux.append("\n".join([f"Requêtes SQL annulées au bout du délai ({nom_jeu}) :", *annulees]))
    m = resultats["machine"]
    morceaux.append(
        f"Machine : {m['coeurs']} cœurs, {m['memoire_mo'] / 1024:.0f} Go, {m['processeur']} ; commit "
        f"{resultats['commit']}{' (modifié)' if resultats['modifie'] else ''} ; {resultats['duree_s'] / 60:.1f} min."
    )
    return "\n\n".join(morceaux)


def ecrire_json(resultats: dict, dossier: Path) -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    nom = f"{resultats['date'][:10]}-{resultats['commit']}"
    chemin, numero = dossier / f"{nom}.json", 2
    while chemin.exists():
        chemin, numero = dossier / f"{nom}-{numero}.json", numero + 1
    texte = json.dumps(resultats, ensure_ascii=False, indent=2, default=str)
    # The calendar feeds' secret addresses open a user's dates to whoever reads them: never written out.
    texte = re.sub(r"/agenda/[\w-]+\.ics", "/agenda/<jeton>.ics", texte)
    chemin.write_text(texte + "\n", encoding="utf-8")
    return chemin
