"""The migrations must build exactly the schema the models describe, on each database."""

import json

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
        url = databases.postgres_database_url(f"{databases.POSTGRES_DATABASE_PREFIX}_migrations_{worker_id}")
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



def test_migrated_ledger_index_tables_refuse_update_and_delete_until_downgraded(tmp_path, worker_id):
    import pytest
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from safeshare.domain.decisions import Decision
    from safeshare.services import SafeShare
    from safeshare.settings import Environment, Settings
    from safeshare.store.ledger_tables import LEDGER_INDEX_TABLES
    from safeshare.store.migrate import alembic_config
    from tests.factories import TEST_SECRET_KEY, build_world
    from tests.services.test_decisions import complete_input, facts

    engine = migrated_engine(tmp_path, worker_id)
    try:
        settings = Settings(environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=engine.url.render_as_string(hide_password=False))
        world = build_world(SafeShare.build(engine, settings))
        world.services.decisions.record(world.actor("practitioner_a"), complete_input(world, facts(), Decision.SHARE))
        world.services.subjects.view_subject(world.actor("practitioner_a"), world.subjects["child_a"].id)
        for table in LEDGER_INDEX_TABLES:
            for statement in (f"UPDATE {table} SET subject_id = subject_id" if table != "decisions" else "UPDATE decisions SET id = id", f"DELETE FROM {table}"):
                with pytest.raises(DBAPIError, match=f"{table} is append-only"), engine.begin() as connection:
                    connection.execute(text(statement))
        command.downgrade(alembic_config(engine), "de23b7147a92")  # to just before the revision that protects them
        with engine.begin() as connection:
            for table in ("decision_subjects", "access_log_subjects", "decisions"):
                assert connection.execute(text(f"DELETE FROM {table}")).rowcount >= 1
            with pytest.raises(DBAPIError, match="append-only"):
                connection.execute(text("DELETE FROM ledger_entries"))
    finally:
        engine.dispose()


def test_consent_reviews_move_between_the_list_and_their_own_rows_both_ways(tmp_path, worker_id):
    import datetime as dt

    from alembic import command
    from sqlalchemy import text

    from safeshare.domain.consent import ObtainedBy, ReviewInput
    from safeshare.services import SafeShare
    from safeshare.settings import Environment, Settings
    from safeshare.store.migrate import alembic_config
    from tests.authorisation import build_scene
    from tests.factories import build_world

    engine = migrated_engine(tmp_path, worker_id)
    try:
        settings = Settings(environment=Environment.TEST, database_url=engine.url.render_as_string(hide_password=False))
        scene = build_scene(build_world(SafeShare.build(engine, settings)))
        consents, actor, k = scene.world.services.consents, scene.actor("practitioner_a"), scene.ids["K"]
        for who, day in (("Mother", 1), ("Father", 2)):
            review = ReviewInput(outcome="still_valid", confirmed_with=who, how=ObtainedBy.PHONE, next_review_by=dt.date(2027, 12, day))
            consents.review(actor, k, review)
        before = consents.get(actor, k)
        command.downgrade(alembic_config(engine), "289e80aaaf95")  # the reviews back in the consent's list
        with engine.connect() as connection:
            listed = connection.execute(text("SELECT reviews FROM consents WHERE id = :id"), {"id": k}).scalar_one()
        listed = json.loads(listed) if isinstance(listed, str) else listed
        assert [r["confirmed_with"] for r in listed] == ["Mother", "Father"]
        upgrade(engine)  # and out again, from the ledger
        assert consents.get(actor, k) == before and [r.confirmed_with for r in before.reviews] == ["Mother", "Father"]
    finally:
        engine.dispose()
