from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Rapports"

    def ready(self):
        # demo connects its part of the demo data; tasks registers the Celery tasks that the services queue by name
        # (reporting.travaux): a web process or a command has no worker whose start would discover them; protection
        # deletes the documents of people anonymised (clauses.protection).
        from reporting import demo, protection, tasks  # noqa: F401
