"""The portfolio's round trip at a dataset's size (``manage.py bench --parties portefeuille``): the whole base
exported by ``exporter_portefeuille``, then imported into an empty database, each step in a child process of its own
whose time and peak RSS are measured; the home page's figures and the derived totals are compared afterwards.

Left out of the default parts: at the national size (1.5 million rows of hours) it takes tens of minutes and
gigabytes. The empty database is created beside the dataset's and dropped at the end; the facilitators' accounts,
which a portfolio names and never creates, are created in it before the import.
"""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from clauses.importation import portefeuille
from clauses.importation.portefeuille.export import exporter
from clauses.models import HeuresMensuelles
from config.bench.etapes import _memoire_mo, _pic_memoire_mo
from reporting import indicateurs
from reporting.cumuls.reconstruction import ecarts


def chiffres() -> dict[str, str]:
    """The home page's key figures, this year's and last year's, as text to compare between two databases."""
    jour = timezone.localdate()
    resultat = {}
    for annee in (jour.year, jour.year - 1):
        periode = indicateurs.Periode.annee(annee)
        resultat[str(annee)] = repr(indicateurs.chiffres_cles(periode, jour))
        resultat[f"{annee} publics"] = repr(indicateurs.personnes_par_public(periode.debut, periode.fin))
        resultat[f"{annee} modalités"] = repr(indicateurs.heures_par_modalite(periode.debut, periode.fin))
    return resultat


def exporter_le_portefeuille(fichier: str) -> dict:
    """The whole base written as a .zip of CSV files (the format without Excel's million rows a sheet)."""
    base_mo = _memoire_mo()
    depart = time.perf_counter()
    with Path(fichier).open("wb") as sortie:
        exporter(sortie, "zip")
    return {
        "duree_s": round(time.perf_counter() - depart, 1),
        "pic_mo": _pic_memoire_mo(),
        "base_mo": base_mo,
        "octets": Path(fichier).stat().st_size,
        "heures": HeuresMensuelles.objects.count(),
        "facilitateurs": list(get_user_model().objects.facilitateurs().values_list("email", flat=True)),
        "chiffres": chiffres(),
    }


def preparer_la_base_vide(facilitateurs: list[str]) -> dict:
    call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
    User = get_user_model()
    User.objects.bulk_create([User(email=email, is_facilitateur=True) for email in facilitateurs])
    return {"facilitateurs": len(facilitateurs)}


def importer_le_portefeuille(fichier: str) -> dict:
    """The import's check and writes (``importer_portefeuille --wet-run``), then the figures and the totals."""
    chemin = Path(fichier)
    base_mo = _memoire_mo()
    depart = time.perf_counter()
    with chemin.open("rb") as flux:
        rapport = portefeuille.importer(flux, chemin.name, chemin.stat().st_size, limites=portefeuille.GRAND_VOLUME)
    duree = time.perf_counter() - depart
    return {
        "duree_s": round(duree, 1),
        "pic_mo": _pic_memoire_mo(),
        "base_mo": base_mo,
        "valide": rapport.valide,
        "lignes": rapport.lignes,
        "resume": rapport.resume,
        "erreurs": rapport.erreurs_total,
        "premiere_erreur": rapport.erreur_fichier or (str(rapport.erreurs[0]) if rapport.erreurs else ""),
        "chiffres": chiffres(),
        "ecarts_des_cumuls": sorted(ecarts()),
    }


ETAPES = {
    "portefeuille_export": exporter_le_portefeuille,
    "portefeuille_base_vide": preparer_la_base_vide,
    "portefeuille_import": importer_le_portefeuille,
}
