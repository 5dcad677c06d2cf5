"""The benchmark of issue 6: ``manage.py bench`` (``make bench``), the reference measurement of how fast Clauses
is at the demo size and at the national size, served as in production.

For each dataset (the demo territory, then the national one), the command:

1. creates its database if missing, migrates it, and fills it with ``seed_demo`` when empty (timed);
2. runs ``etapes.inventaire`` in a child process: the largest objects, two sessions — the facilitator who
   follows the most marchés, a référent of the donneur d'ordre with the most hours —, each page's SQL queries
   counted in-process with Django's test client, and a monthly statement built from the data;
3. serves the application with gunicorn and the production settings, and times every page over HTTP with
   1 and with 8 concurrent clients (``charge``: asyncio + httpx), next to the floor ``/sante/`` (one
   ``SELECT 1``); then reads the RSS of gunicorn's workers;
4. renders the three largest PDFs and imports the statement (XLSX, CSV), each in a child process of its own
   and a rolled-back transaction, which reports its time and its peak RSS; then uploads the statement and a
   zip bomb (``fichiers``: 1.75 MB inflating to 1.2 GB) to the import page, each in a child process, as a web
   worker answers them (the budget of issue 14: 10 s, 300 MB);

then prints the tables and writes the JSON file (``rapport``).

The requests carry ``X-Forwarded-Proto: https``, as the reverse proxy in front of gunicorn does in production,
so the production settings (HTTPS redirect, Secure cookies, HSTS) apply unchanged to plain HTTP on 127.0.0.1.
The command's own process never reads the application's data: whatever does runs in a child process whose
environment names the database, so the command behaves the same from a shell and from pytest.

- ``etapes``: the steps that run in a child process, against a database;
- ``charge``: the load generator, gunicorn, and the watchdog that cancels runaway queries;
- ``rapport``: the tables, the comparison of the two sizes, the JSON file;
- ``fichiers``: the workbooks built for the imports' tests and the uploads (hostile ones included).
"""

# Targets of issue 6, flagged in the tables: the bench measures, it fixes nothing.
CIBLE_P95_MS = 200
CIBLE_RATIO_DEMO = 1.5
CIBLES_DOCUMENTS = {
    "bilan_annuel": (5, 500),
    "rapport_marche": (None, 500),
    "bilan_territorial": (60, 500),
    # The national survey: a few dozen grouped figures of one year, a workbook and one page.
    "enquete_nationale": (30, 300),
    "enquete_synthese": (30, 300),
}
CIBLE_IMPORT = (30, 500)  # seconds, MB
CIBLE_TELEVERSEMENT = (10, 300)  # seconds, MB: any upload, in the web process
CIBLE_SEED_S = 600

# gunicorn's default worker timeout, which docker-compose keeps: a request still running then is killed.
DELAI_GUNICORN_S = 30
# The documents and the imports run in a Celery worker or behind a progress page, not within a request.
DELAI_TRAVAUX_S = 600

PLANCHER = "Plancher : /sante/ (SELECT 1)"
FACILITATEUR, REFERENT = "facilitateur", "referent"
ENTETES_PROXY = {"X-Forwarded-Proto": "https"}
