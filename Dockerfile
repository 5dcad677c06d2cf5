# Image of Clauses for docker-compose.yml: the same image runs the web server, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings_production \
    CLAUSES_VAR_DIR=/var/lib/clauses \
    MEDIA_ROOT=/var/lib/clauses/media

# WeasyPrint renders PDFs with Pango; DejaVu gives it fonts without fetching any from the network.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user owns what the application writes: uploaded files (media) and beat's schedule
# (celery). docker-compose mounts its volumes there; a new volume takes this ownership.
RUN groupadd --system clauses \
    && useradd --system --gid clauses --home-dir /app --no-create-home --shell /usr/sbin/nologin clauses \
    && install -d -o clauses -g clauses /var/lib/clauses /var/lib/clauses/media /var/lib/clauses/celery

WORKDIR /app

# Pinned dependencies in their own layer, rebuilt only when pyproject.toml or constraints.txt change. The
# project's packages are not copied yet, so the "clauses" distribution installed here is empty: the code
# runs from /app (PYTHONPATH), next to its templates, static files and migrations.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install --constraint constraints.txt .

COPY . .

# Static files are collected into the image (read-only for the application) so that the web server and
# the worker (PDF templates) share one manifest. The production settings require these three variables;
# their values here serve the build only. REDIS_URL keeps the settings from creating a file queue.
RUN SECRET_KEY=collectstatic-build-only ALLOWED_HOSTS=localhost REDIS_URL=redis://build.invalid:6379/0 \
    DATABASE_URL=postgres://build.invalid/clauses \
    python manage.py collectstatic --noinput --verbosity 0

USER clauses
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
