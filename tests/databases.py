"""Where the suite's databases come from: a fresh SQLite file per test, or a PostgreSQL database per worker."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from safeshare.store import schema  # noqa: F401  (registers every table)
from safeshare.store.engine import make_engine
from safeshare.store.metadata import metadata

POSTGRES_ADMIN_URL = os.environ.get("SAFESHARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Two checkouts testing on one server at once each set their own prefix, so neither drops the other's databases.
POSTGRES_DATABASE_PREFIX = os.environ.get("SAFESHARE_TEST_POSTGRES_PREFIX", "safeshare_test")


def backend() -> str:
    return os.environ.get("SAFESHARE_TEST_DATABASE", "sqlite")


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Elsewhere a missing service skips its tests; under CI every suite must run."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: this suite must run)")
    pytest.skip(reason)


def sqlite_url(directory) -> str:
    return f"sqlite:///{directory / 'safeshare.db'}"


def postgres_database_url(name: str) -> str:
    """Create (or re-create) an empty database and return its URL."""
    _administer(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(name: str) -> None:
    _administer(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _administer(*statements: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    except OperationalError as error:
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    finally:
        admin.dispose()


def empty_all_tables(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        # Replica role skips the triggers that otherwise refuse to empty the append-only ledger.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {names} CASCADE"))


def new_schema_engine(url: str) -> Engine:
    engine = make_engine(url)
    metadata.create_all(engine)
    return engine


REDIS_URL = os.environ.get("SAFESHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def redis_url() -> str:
    """The suite's Redis database, once it answers; tests keep to key prefixes of their own in it."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    finally:
        client.close()
    return REDIS_URL
