"""`make migration MESSAGE=…`: write a new Alembic revision from the difference between the models and the database."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from safeshare.store.engine import make_engine
from safeshare.store.migrate import alembic_config, upgrade


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        upgrade(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
