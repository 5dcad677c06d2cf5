"""``manage.py bench`` from end to end on tiny datasets, and its floor, the health view ``/sante/``.

The benchmark starts gunicorn and child processes that open their databases themselves: here, two throwaway
databases on the test database's server that the command creates (migrate, then seed_demo) and the test drops,
never the test database. The command's own process reads no data, which the absence of a ``django_db`` mark
checks.
"""

import json
import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from config.bench import PLANCHER
from config.bench.charge import centile, creer_base_postgresql, supprimer_base_postgresql, url_sur_le_serveur

# A page of each kind keeps the test short: a dashboard, a list with and without a filter, the hours grid,
# two portal pages, an export.
PAGES = (
    "^(Accueil|Marchés|Marchés — filtre .*|Grille d'heures — la plus grande|Portail : accueil|Portail : statistiques"
    "|Export XLSX : placements)$"
)


@pytest.mark.django_db
def test_sante_answers_ok_to_anyone_with_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        reponse = client.get(reverse("sante"))
    assert reponse.status_code == 200
    assert reponse.content == b"ok"
    assert "no-cache" in reponse["Cache-Control"]
    assert client.post(reverse("sante")).status_code == 405


def test_centile_is_the_nearest_rank():
    valeurs = [float(v) for v in range(20, 0, -1)]
    assert centile(valeurs, 50) == 10
    assert centile(valeurs, 95) == 19
    assert centile([7.0], 95) == 7.0


@pytest.fixture
def bases_jetables():
    """Two databases of their own on the server of the tests, dropped afterwards."""
    suffixe = secrets.token_hex(4)
    urls = [url_sur_le_serveur(f"clauses_test_bench_{jeu}_{suffixe}") for jeu in ("demo", "national")]
    yield urls
    for url in urls:
        supprimer_base_postgresql(url)


def test_bench_measures_both_sizes_from_end_to_end(tmp_path, capsys, bases_jetables):
    sortie = tmp_path / "resultats"
    base_demo, base_nationale = bases_jetables
    call_command(
        "bench",
        "--rapide",
        f"--base-demo={base_demo}",
        f"--base-nationale={base_nationale}",
        f"--pages={PAGES}",
        f"--sortie={sortie}",
    )
    (fichier,) = sortie.glob("*.json")
    texte = fichier.read_text(encoding="utf-8")
    resultats = json.loads(texte)
    assert resultats["machine"]["coeurs"] >= 1
    assert resultats["commit"]

    for nom in ("demo", "national"):
        jeu = resultats["jeux"][nom]
        assert jeu["construction"]["construit"], "les bases neuves sont remplies par seed_demo"
        assert jeu["volumes"]["heures_mensuelles"] > 0
        pages = {page["nom"]: page for page in jeu["pages"]}
        assert len(pages) == 8, sorted(pages)
        assert pages[PLANCHER]["requetes_sql"] == 1
        for page in pages.values():
            assert not page["erreur"], (nom, page["nom"], page["erreur"])
            assert page["requetes_sql"] >= 1
            for clients in ("1", "2"):
                mesure = page["niveaux"][clients]
                assert mesure["requetes"] >= 1 and not mesure["erreurs"], (nom, page["nom"], mesure)
                assert 0 < mesure["p50_ms"] <= mesure["p95_ms"]
                assert mesure["octets"] > 0
        assert [w["rss_mo"] > 0 for w in jeu["workers"]] == [True, True]

        documents = {document["type"]: document for document in jeu["documents"]}
        assert documents.keys() == {
            "bilan_annuel",
            "rapport_marche",
            "bilan_territorial",
            "enquete_nationale",
            "enquete_synthese",
        }
        tableur = documents.pop("enquete_nationale")
        assert "erreur" not in tableur, tableur
        assert tableur["feuilles"] == 7 and tableur["pages"] is None and tableur["duree_s"] > 0
        for document in documents.values():
            assert "erreur" not in document, document
            assert document["pages"] >= 1 and document["duree_s"] > 0
            assert document["pic_mo"] >= document["base_mo"] > 0
        assert documents["enquete_synthese"]["pages"] == 1, "la synthèse de l'enquête tient sur une page"

        assert [mesure["format"] for mesure in jeu["imports"]] == ["xlsx", "csv"]
        for mesure in jeu["imports"]:
            assert mesure["valide"], mesure
            assert mesure["ajoutees"] + mesure["mises_a_jour"] + mesure["inchangees"] == mesure["lignes"] > 0
        televersements = {mesure["nom"]: mesure for mesure in jeu["televersements"]}
        assert televersements.keys() == {"bombe de décompression XLSX", "relevé XLSX", "relevé CSV"}
        bombe = televersements["bombe de décompression XLSX"]
        assert bombe["statut"] == 200 and bombe["refuse"], bombe
        assert "une fois décompressé" in bombe["message"] and bombe["octets"] < 2 * 1024 * 1024
        for nom in ("relevé XLSX", "relevé CSV"):
            assert televersements[nom]["statut"] == 200 and not televersements[nom]["refuse"], televersements[nom]
            assert televersements[nom]["pic_mo"] >= televersements[nom]["base_mo"] > 0
        [export] = jeu["exports"]
        assert "erreur" not in export, export
        assert export["liste"] == "placements" and export["lignes"] == jeu["volumes"]["placements"] > 0
        assert export["octets"] > 0 and export["pic_mo"] >= export["base_mo"] > 0

    comparaison = {ligne["page"]: ligne for ligne in resultats["comparaison"]}
    assert len(comparaison) == 8
    assert all(ligne["ratio"] > 0 for ligne in comparaison.values())
    assert comparaison["Accueil"]["sql_demo"] == comparaison["Accueil"]["sql_national"]

    # The sessions the inventory opened log whoever holds them in: they stay out of the results.
    assert '"sessions"' not in texte and "sessionid" not in texte
    affiche = capsys.readouterr().out
    assert "National / démo" in affiche and PLANCHER in affiche and str(fichier) in affiche


@pytest.fixture
def base_jetable():
    url = url_sur_le_serveur(f"clauses_test_bench_portefeuille_{secrets.token_hex(4)}")
    yield url
    supprimer_base_postgresql(url)


def test_the_portfolio_s_round_trip_is_measured_on_demand(tmp_path, capsys, base_jetable):
    """``--parties portefeuille``: the demo exported, imported into an empty base (dropped afterwards), with the
    same home page figures and exact derived totals, each step timed with its peak RSS."""
    sortie = tmp_path / "resultats"
    call_command(
        "bench",
        "--rapide",
        "--jeux=demo",
        f"--base-demo={base_jetable}",
        "--parties=portefeuille",
        f"--sortie={sortie}",
    )
    (fichier,) = sortie.glob("*.json")
    aller_retour = json.loads(fichier.read_text(encoding="utf-8"))["jeux"]["demo"]["portefeuille"]
    export, importe = aller_retour["export"], aller_retour["import"]
    assert export["heures"] > 0 and export["octets"] > 0 and export["pic_mo"] >= export["base_mo"] > 0
    assert importe["valide"], importe
    assert importe["duree_s"] > 0 and importe["pic_mo"] >= importe["base_mo"] > 0
    assert aller_retour["chiffres_differents"] == [] and importe["ecarts_des_cumuls"] == []
    affiche = capsys.readouterr().out
    assert "demo : portefeuille importé dans une base vide" in affiche
    assert "chiffres de l'accueil identiques ; cumuls exacts" in affiche
    # The empty base was dropped: creating it again succeeds.
    vide = base_jetable + "_aller_retour"
    assert creer_base_postgresql(vide)
    supprimer_base_postgresql(vide)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--clients=abc"], "--clients"),
        (["--clients=0"], "--clients"),
        (["--jeux=partout"], "--jeux"),
        (["--parties=tout"], "--parties"),
    ],
)
def test_bad_arguments_get_a_french_message(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench", *arguments)
