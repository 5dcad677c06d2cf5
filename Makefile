# Routine commands of Clauses. `make run` and `make test` do their own set-up on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install sysdeps sysdeps-test run stop test lint format seed migrate bench fuzz clean

help:
	@echo "make run     installe, migre, charge la démo et lance web + worker + planificateur (http://$(HOST):$(PORT))"
	@echo "             sans mode de débogage ; DEBUG=1 make run pour l'avoir"
	@echo "make test    installe et lance les tests (DATABASE_URL et REDIS_URL utilisés s'ils sont définis)"
	@echo "make lint    ruff check, ruff format --check et make typecheck"
	@echo "make typecheck  mypy (django-stubs) sur les modules typés : reporting/, clauses/importation/"
	@echo "make seed    (re)charge les données de démonstration"
	@echo "make bench   mesure les pages, PDF et imports aux tailles démo et nationale (var/bench/)"
	@echo "make fuzz    importe 5 000 fichiers abîmés ou hostiles (test des imports, quelques minutes)"
	@echo "make stop    arrête la base PostgreSQL locale (var/postgres), si DATABASE_URL n'est pas défini"

install: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory sysdeps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet --constraint constraints.txt --editable ".[dev,local]"
	@touch $@

# System libraries: Python's venv module and Pango (WeasyPrint). Installed when run as root, else named.
sysdeps:
	@missing=""; \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing="$$missing libpango-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing="$$missing libpangoft2-1.0-0"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installation des paquets système manquants :$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "Paquets système manquants :$$missing"; \
			echo "Installez-les avec : sudo apt-get install$$missing"; exit 1; \
		fi; \
	fi

# What the tests add: Chromium for the browser tests, poppler-utils to read PDFs back.
sysdeps-test:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -e /usr/lib/chromium/locales/fr.pak ] || missing="$$missing chromium-l10n"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installation des paquets système manquants pour les tests :$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "Paquets système manquants pour les tests :$$missing"; \
			echo "Installez-les avec : sudo apt-get install$$missing"; exit 1; \
		fi; \
	fi

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Web server, Celery worker and its scheduler (beat, embedded in the worker) in one command; Ctrl-C stops all,
# the local PostgreSQL too (started by the first command that needed it, when DATABASE_URL is not set).
run: migrate
	$(PY) manage.py seed_demo --if-empty
	@echo "Clauses : http://$(HOST):$(PORT)/ (Ctrl-C pour arrêter)"
	@trap 'trap "" INT TERM; trap - EXIT; kill 0; wait; $(MAKE) --no-print-directory stop' INT TERM EXIT; \
	$(VENV)/bin/celery -A config worker --beat --loglevel=INFO --concurrency=1 & \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

# The local PostgreSQL of `make run` and `make test` (config/postgres_local), when DATABASE_URL is not set.
stop:
	@if [ -z "$$DATABASE_URL" ] && [ -x $(PY) ]; then $(PY) -m config.postgres_local arreter; fi

test: install sysdeps-test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs over the typed modules (the list and the settings are in pyproject.toml, [tool.mypy]).
.PHONY: typecheck
typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The reference measurement of performance (config/bench): PostgreSQL at BENCH_DATABASE_URL and
# BENCH_DEMO_DATABASE_URL (127.0.0.1 by default; created and filled when missing). BENCH_ARGS are passed on.
bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

# The imports' fuzz test with 5,000 mutated files instead of the 300 of `make test` (a few minutes).
fuzz: install
	CLAUSES_FUZZ_CAS=5000 $(PY) -m pytest -q -p no:randomly clauses/tests/test_fuzz_imports.py

clean: stop
	rm -rf $(VENV) var build *.egg-info
