from django.apps import AppConfig


class ClausesConfig(AppConfig):
    name = "clauses"
    verbose_name = "Clauses, participants et heures"

    def ready(self):
        # Registers the Celery tasks that the services queue by name (the portfolio imports): a web process or a
        # command has no worker whose start would discover them.
        from clauses import tasks  # noqa: F401
