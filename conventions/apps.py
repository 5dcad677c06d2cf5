from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions et donneurs d'ordre"
