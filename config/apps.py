from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package as an app, for what every app's templates share (template tags, navigation)."""

    name = "config"
    verbose_name = "Clauses"

    def ready(self):
        from config import tasks  # noqa: F401 — registers the shared tasks in every process, not only workers
        from config.audit import enregistrer_modeles

        enregistrer_modeles()
