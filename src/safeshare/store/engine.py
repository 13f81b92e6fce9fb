"""Engines for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError


class DatabaseUnavailable(RuntimeError):
    pass


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    engine = create_engine(url, pool_pre_ping=True)
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _prefer_lz4)
    return engine


def _prefer_lz4(dbapi_connection, _record) -> None:
    """Compress large values (decision records in the ledger) with lz4 where the server has it: pglz, the
    default, costs the server several times as much CPU per record. A server without lz4 keeps pglz."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET default_toast_compression = 'lz4'")
    except Exception:
        dbapi_connection.rollback()
    else:
        dbapi_connection.commit()
    finally:
        cursor.close()


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # Every use case may append to a ledger, so take the write lock up front instead of failing to upgrade later.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def check_reachable(engine: Engine) -> None:
    """Fail with one clear sentence instead of a driver traceback when the database is not there."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        safe_url = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot reach the database at {safe_url}: {reason}") from None
