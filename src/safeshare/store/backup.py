"""Copying a whole database to a file and back: SQLite's online backup API, or `pg_dump`/`pg_restore`.

Both copy while servers keep writing and give one consistent moment: SQLite's backup API copies under a read
transaction (WAL readers do not block writers); `pg_dump` reads the snapshot of a transaction held open here,
so the caller can read that same snapshot (to verify the ledgers in it) on the connection it is given.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, select, table, text
from sqlalchemy.engine import URL

from safeshare.store.engine import make_engine

SCHEMA_VERSION_TABLE = "alembic_version"


class CopyFailed(RuntimeError):
    """The database could not be copied out or in; the message says why, without any password."""


def backend(engine: Engine) -> str:
    return engine.dialect.name


@contextmanager
def snapshot_to(engine: Engine, destination: Path) -> Iterator[Connection]:
    """Write a consistent copy of the database to `destination`, and yield a connection reading exactly it."""
    if backend(engine) == "sqlite":
        _sqlite_copy(_sqlite_path(engine.url), destination)
        copy = make_engine(f"sqlite:///{destination}")
        try:
            with copy.connect() as connection:
                yield connection
        finally:
            copy.dispose()
            for leftover in (destination.with_name(destination.name + "-wal"), destination.with_name(destination.name + "-shm")):
                leftover.unlink(missing_ok=True)
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            with destination.open("wb") as out:
                _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--dbname={_libpq_url(engine.url)}"],
                     engine.url, stdout=out)
            yield connection


def load_from(engine: Engine, source: Path) -> None:
    """Replace the database's content with the copy in `source` (made by `snapshot_to` on the same backend)."""
    if backend(engine) == "sqlite":
        with closing(sqlite3.connect(source)) as check:
            problems = check.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise CopyFailed(f"the SQLite copy is damaged: {problems[0][0]}")
        _sqlite_copy(source, _sqlite_path(engine.url))
        return
    # One transaction: a restore that fails part way leaves the database as it was.
    _run(["pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-password",
          f"--dbname={_libpq_url(engine.url)}", str(source)], engine.url)


def holds_data(engine: Engine) -> bool:
    """Whether any table (the schema version apart) has a row: restoring over it would destroy records."""
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n != SCHEMA_VERSION_TABLE]
        return any(connection.execute(select(text("1")).select_from(table(n)).limit(1)).first() for n in names)


def schema_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(SCHEMA_VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {SCHEMA_VERSION_TABLE}")).scalar()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise CopyFailed("an in-memory SQLite database has nothing on disk to back up or restore")
    return Path(url.database)


def _sqlite_copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source, timeout=30)) as reader, closing(sqlite3.connect(destination, timeout=30)) as writer:
        reader.backup(writer)  # one step: every page of one consistent moment


def _libpq_url(url: URL) -> str:
    # The password goes to the tools in PGPASSWORD, never on a command line other users can read.
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL, stdout=None) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise CopyFailed(f"{tool} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)")
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    finished = subprocess.run(command, env=environment, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if finished.returncode != 0:
        reason = finished.stderr.decode(errors="replace").strip() or f"exit code {finished.returncode}"
        raise CopyFailed(f"{tool} failed: {reason}")
