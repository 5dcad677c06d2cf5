from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Rapports"

    def ready(self):
        from reporting import demo  # noqa: F401 — connects its part of the demo data
