"""Fuzzing the imports: valid statements and participants files, CSV and XLSX, mutated (bytes flipped, cut or
inserted, zip parts removed or tampered with, XML broken, entities declared, huge numbers and references…) and
sent through the whole pipeline, the preview (``analyser``) then the confirmation (``importer``), a few through
the views. Each file must get an answer in French, never an exception, and a refused file writes nothing.

Seeded: the same cases on every run. CLAUSES_FUZZ_CAS sets how many (300 by default, in a few seconds;
``make fuzz`` runs 5,000).
"""

import io
import os
import random
import re
import zipfile

import pytest
from django.db import transaction
from django.urls import reverse

from clauses import importation
from clauses.models import HeuresMensuelles, Participant
from clauses.tests.test_importation import AUJOURD_HUI, csv_, donnees, xlsx
from config.bench import fichiers
from conventions.factories import FacilitateurFactory

pytestmark = pytest.mark.django_db
__all__ = ["donnees"]  # the fixture, shared with test_importation

CAS = int(os.environ.get("CLAUSES_FUZZ_CAS", "300"))
# Python's and the libraries' words, which must never reach a user.
ANGLAIS = re.compile(
    r"Traceback|Error\b|Exception|errno|codec|Unable|field larger|\bline \d|\bthe\b|\bnot\b|site-packages|/work/"
)
VALEURS_HOSTILES = [
    "1E+999999999",
    "-1E999",
    "1E999",
    "NaN",
    "9" * 5000,
    "0." + "0" * 400 + "1",
    "=SOMME(A1:A9)",
    "<script>",
    "\u202e\u0000",
    "",
    " ",
    "P-" + "9" * 30,
    "31/02/2026",
    "99/9999",
]


def _sources(d) -> list[tuple[str, str, bytes]]:
    """(import, extension, contents) of the valid files the cases start from."""
    entete = ["SIRET", "Référence participant", "Nom", "Prénom", "Date de naissance", "Mois", "Heures"]
    releve = [entete]
    for personne, mois, heures in (("ines", "03/2026", "35,5"), ("sam", "04/2026", "12"), ("ines", "04/2026", 7)):
        releve.append([d["entreprise"].siret, d[personne].reference, "", "", "", mois, heures])
    participants = [
        ["Nom", "Prénom", "Date de naissance", "Genre", "Niveau de qualification", "Code postal", "Critères"],
        ["Martin", "Léa", "02/03/2001", "F", "Niveau 3", "13200", "deld"],
        ["Durand", "Inès", "17/05/1999", "F", "4", "13200", ""],
    ]
    return [
        (importation.RELEVE, "csv", csv_(releve)),
        (importation.RELEVE, "xlsx", xlsx(releve)),
        (importation.PARTICIPANTS, "csv", csv_(participants)),
        (importation.PARTICIPANTS, "xlsx", xlsx(participants)),
    ]


# --- Mutations ---------------------------------------------------------------------------------------------------


def _octets(alea: random.Random, contenu: bytes) -> bytes:
    octets = bytearray(contenu)
    operation = alea.randrange(5)
    if operation == 0:  # flip a few bytes
        for _ in range(alea.randint(1, 12)):
            octets[alea.randrange(len(octets))] = alea.randrange(256)
    elif operation == 1:  # cut
        del octets[alea.randrange(len(octets)) :]
    elif operation == 2:  # insert junk
        position = alea.randrange(len(octets))
        octets[position:position] = alea.randbytes(alea.randint(1, 64))
    elif operation == 3:  # repeat a slice
        debut = alea.randrange(len(octets))
        octets[debut:debut] = octets[debut : debut + alea.randint(1, 400)] * alea.randint(2, 50)
    else:  # delete a slice
        debut = alea.randrange(len(octets))
        del octets[debut : debut + alea.randint(1, 200)]
    return bytes(octets)


def _xml(alea: random.Random, xml: bytes) -> bytes:
    texte = xml.decode("utf-8", "replace")
    operation = alea.randrange(10)
    if operation == 0:
        texte = texte.replace("?>", '?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1)
    elif operation == 1:
        texte = texte.replace('encoding="UTF-8"', alea.choice(['encoding="bogus"', 'encoding="UTF-16"', ""]), 1)
    elif operation == 2:  # a closing tag lost
        fermetures = [m.start() for m in re.finditer(r"</", texte)]
        if fermetures:
            position = alea.choice(fermetures)
            texte = texte[:position] + texte[texte.index(">", position) + 1 :]
    elif operation == 3:  # a value replaced by a hostile one
        valeurs = list(re.finditer(r"<(v|t)>([^<]*)</\1>", texte))
        if valeurs:
            m = alea.choice(valeurs)
            hostile = alea.choice(VALEURS_HOSTILES).replace("<", "&lt;").replace("\u0000", "")
            texte = texte[: m.start(2)] + hostile + texte[m.end(2) :]
    elif operation == 4:  # a reference moved far away
        texte = re.sub(r'r="([A-Z]+)(\d+)"', lambda m: f'r="{alea.choice(["XFD", "ZZZZ", "A", m[1]])}{m[2]}"', texte)
    elif operation == 5:
        texte = texte.replace('<row r="', f'<row r="{alea.choice(["x", "1e400", "-", "99999999999"])}', 1)
    elif operation == 6:  # a type changed
        texte = re.sub(r't="(inlineStr|s|n)"', lambda _: f't="{alea.choice(["s", "b", "d", "e", "zz", "n"])}"', texte)
    elif operation == 7:
        texte = texte.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>', 1)
    elif operation == 8:  # a formula without its value
        texte = re.sub(r"<v>([^<]*)</v>", r"<f>A1+1</f>", texte, count=alea.randint(1, 3))
    else:
        return _octets(alea, xml)
    return texte.encode("utf-8", "replace")


def _zip(alea: random.Random, contenu: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
        parties = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    operation = alea.randrange(6)
    nom = alea.choice(sorted(parties))
    if operation == 0:
        return fichiers.remplacer(contenu, {nom: None})
    if operation == 1:
        return fichiers.remplacer(contenu, {nom: _octets(alea, parties[nom])})
    if operation == 2:
        return fichiers.remplacer(contenu, {}, compression=zipfile.ZIP_STORED)
    if operation == 3:  # the compression method of a part's local header changed
        octets = bytearray(contenu)
        position = octets.find(b"PK\x03\x04", alea.randrange(len(octets) // 2))
        if position >= 0:
            octets[position + 8] = alea.choice([0, 12, 14, 99])
        return bytes(octets)
    if operation == 4:
        return fichiers.bombe_zip(alea.choice([130_000_000, 5_000_000]))
    return fichiers.remplacer(contenu, {nom: _xml(alea, parties[nom])})


def _csv(alea: random.Random, contenu: bytes) -> bytes:
    texte = contenu.decode("utf-8")
    operation = alea.randrange(7)
    if operation == 0:
        texte = texte.replace(";", ';"', 1) + "x" * alea.choice([10, 200_000])
    elif operation == 1:
        champs = texte.split(";")
        champs[alea.randrange(len(champs))] = alea.choice(VALEURS_HOSTILES)
        texte = ";".join(champs)
    elif operation == 2:
        return texte.encode(alea.choice(["utf-16-le", "utf-16-be", "utf-16", "cp1252", "utf-32"]), "replace")
    elif operation == 3:
        texte = alea.choice(["sep=;\r\n", 'sep="\r\n', "Relevé\r\n\r\n", "\u0000"]) + texte
    elif operation == 4:
        texte = texte.replace("\r\n", alea.choice(["\r", "\n", "\u2028", ";" * 300 + "\r\n"]))
    elif operation == 5:
        texte += "\r\n" * alea.randint(1, 3000)
    else:
        return _octets(alea, contenu)
    return texte.encode("utf-8")


def cas(d, nombre: int, graine: int = 14):
    """``nombre`` mutated files, the same for the same seed."""
    alea = random.Random(graine)
    sources = _sources(d)
    for i in range(nombre):
        type_import, ext, contenu = sources[i % len(sources)]
        for _ in range(alea.choice([1, 1, 1, 2, 3])):
            if ext == "xlsx" and contenu[:2] == b"PK" and alea.random() < 0.7:
                try:
                    contenu = _zip(alea, contenu)
                except Exception:  # a zip an earlier mutation broke: mutate its bytes instead
                    contenu = _octets(alea, contenu)
            elif ext == "csv" and alea.random() < 0.7:
                try:
                    contenu = _csv(alea, contenu)
                except UnicodeDecodeError:
                    contenu = _octets(alea, contenu)
            else:
                contenu = _octets(alea, contenu or b"x")
        yield i, type_import, ext, contenu


def _verifier_francais(rapport: importation.Rapport, numero: int) -> None:
    messages = [rapport.erreur_fichier, *rapport.erreurs[:20]]
    for message in messages:
        assert not ANGLAIS.search(message), f"cas {numero} : {message[:300]}"
    if not rapport.valide:
        assert rapport.erreur_fichier or rapport.erreurs or rapport.lignes == 0, f"cas {numero}"


def test_mutated_files_get_a_french_answer_and_refused_ones_write_nothing(donnees):
    user = FacilitateurFactory()
    refuses = 0
    for numero, type_import, ext, contenu in cas(donnees, CAS):
        nom = f"fichier.{ext}"
        avant = (HeuresMensuelles.objects.count(), Participant.objects.count())
        with transaction.atomic():
            apercu = importation.analyser(type_import, io.BytesIO(contenu), nom, len(contenu), AUJOURD_HUI)
            _verifier_francais(apercu, numero)
            rapport = importation.importer(type_import, io.BytesIO(contenu), nom, len(contenu), user, AUJOURD_HUI)
            _verifier_francais(rapport, numero)
            if not rapport.valide:
                refuses += 1
                assert (HeuresMensuelles.objects.count(), Participant.objects.count()) == avant, f"cas {numero}"
            transaction.set_rollback(True)
    # The mutations do break files: most are refused, some stay valid.
    assert CAS * 0.5 < refuses < CAS


def test_mutated_files_through_the_views(client, donnees):
    client.force_login(FacilitateurFactory())
    urls = {importation.RELEVE: "clauses:import_releve", importation.PARTICIPANTS: "clauses:import_participants"}
    for numero, type_import, ext, contenu in cas(donnees, min(CAS, 40), graine=41):
        fichier = io.BytesIO(contenu)
        fichier.name = f"fichier.{ext}"
        reponse = client.post(reverse(urls[type_import]), {"fichier": fichier})
        assert reponse.status_code == 200, f"cas {numero}"
        assert not ANGLAIS.search(reponse.content.decode()), f"cas {numero}"
