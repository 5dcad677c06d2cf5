from django.apps import AppConfig


class EntreprisesConfig(AppConfig):
    name = "entreprises"
    verbose_name = "Entreprises et opérateurs"
