"""``python -m config.postgres_local demarrer|arreter|url``: the local PostgreSQL from the command line (make)."""

import os
import sys
from pathlib import Path

from config.postgres_local import NOM_BASE, arreter, demarrer

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def main(argv: list[str]) -> int:
    pgdata = Path(os.environ.get("CLAUSES_PGDATA") or BASE_DIR / "var" / "postgres")
    action = argv[1] if len(argv) > 1 else ""
    if action == "demarrer":
        demarrer(pgdata)
        print(f"PostgreSQL local démarré ({pgdata}).")
    elif action == "url":
        print(f"postgres://postgres@/{NOM_BASE}?host={demarrer(pgdata)}")
    elif action == "arreter":
        print("PostgreSQL local arrêté." if arreter(pgdata) else "PostgreSQL local : déjà arrêté.")
    else:
        print("Usage : python -m config.postgres_local demarrer|arreter|url", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
