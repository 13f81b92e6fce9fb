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
    from tests.factories import TEST_SECRET_KEY, build_world

    engine = migrated_engine(tmp_path, worker_id)
    try:
        settings = Settings(
            environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=engine.url.render_as_string(hide_password=False)
        )
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


def test_a_ledger_recorded_before_content_hashing_still_verifies_after_the_upgrade(tmp_path, worker_id):
    """Entries recorded before the upgrade keep leaves that bind their payload, so every checkpoint signed over them
    stays valid; entries recorded after it bind the hash of their content."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from safeshare.ledger import sign_checkpoint, tree_root, verify_entries
    from safeshare.ledger.encoding import canonical_json, legacy_entry_bytes
    from safeshare.ledger.entry import GENESIS_CHAIN, chain_hash
    from safeshare.ledger.merkle import leaf_hash
    from safeshare.store.ledger_repository import LedgerRepository
    from tests.ledger.builders import SIGNING_KEY

    if databases.backend() == "postgresql":
        engine = make_engine(databases.postgres_database_url(f"{databases.POSTGRES_DATABASE_PREFIX}_migrations_{worker_id}"))
    else:
        engine = make_engine(databases.sqlite_url(tmp_path))
    try:
        upgrade(engine, "3b6799d07080")  # the revision before content hashing
        chain, leaves = GENESIS_CHAIN, []
        with engine.begin() as connection:
            for seq in (1, 2):
                payload = canonical_json({"n": seq})
                leaf = leaf_hash(legacy_entry_bytes("decisions", seq, "decision.recorded", "2025-06-01T09:00:00.000000Z", payload, None))
                chain = chain_hash(chain, leaf)
                leaves.append(leaf)
                connection.execute(text(
                    "INSERT INTO ledger_entries (log, seq, kind, recorded_at, payload, corrects, leaf_hash, chain_hash)"
                    " VALUES ('decisions', :seq, 'decision.recorded', '2025-06-01T09:00:00.000000Z', :payload, NULL, :leaf, :chain)"
                ), {"seq": seq, "payload": payload, "leaf": leaf, "chain": chain})
        signed_before = sign_checkpoint("decisions", 2, tree_root(leaves), SIGNING_KEY)
        upgrade(engine)
        with engine.begin() as connection:
            ledger = LedgerRepository(connection)
            ledger.append("decisions", "decision.recorded", {"n": 3})
            stored = list(ledger.iter_entries("decisions"))
        assert [e.content_hash is None for e in stored] == [True, True, False]
        report = verify_entries(stored, signed_before, SIGNING_KEY.public_key())
        assert report.ok and report.tree_size == 3, report.summary()
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("UPDATE ledger_entries SET payload = NULL"))  # the rebuilt table is protected again
    finally:
        engine.dispose()
