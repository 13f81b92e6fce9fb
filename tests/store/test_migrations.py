"""The migrations must build exactly the schema the models describe, on each database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from safeshare.store import schema  # noqa: F401
from safeshare.store.engine import make_engine
from safeshare.store.metadata import metadata
from safeshare.store.migrate import upgrade
from tests import databases


def migrated_engine(tmp_path, worker_id):
    if databases.backend() == "postgresql":
        url = databases.postgres_database_url(f"safeshare_migrations_{worker_id}")
    else:
        url = databases.sqlite_url(tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    return engine


def test_migrations_match_the_models(tmp_path, worker_id):
    engine = migrated_engine(tmp_path, worker_id)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
            tables = set(inspect(connection).get_table_names())
        assert differences == []
        assert {t.name for t in metadata.sorted_tables} <= tables
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(tmp_path, worker_id):
    engine = migrated_engine(tmp_path, worker_id)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        assert version
    finally:
        engine.dispose()


def test_migrated_ledger_refuses_update_and_delete(tmp_path, worker_id):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from safeshare.store.ledger_repository import LedgerRepository

    engine = migrated_engine(tmp_path, worker_id)
    try:
        with engine.begin() as connection:
            LedgerRepository(connection).append("decisions", "decision.recorded", {"n": 1})
        for statement in ("UPDATE ledger_entries SET kind = 'x'", "DELETE FROM ledger_entries"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()
