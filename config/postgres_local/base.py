"""Django's PostgreSQL engine, which starts the local server (``config.postgres_local``) before it connects."""

from pathlib import Path

from django.db.backends.postgresql import base

from config.postgres_local import demarrer


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = demarrer(Path(self.settings_dict["PGDATA"]))
        return params
