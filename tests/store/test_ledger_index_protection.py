"""The index tables over the decisions and access ledgers are insert-only in the database too:
reads and authorisation rely on them, so a plain UPDATE or DELETE must be refused like one on the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from safeshare.domain.decisions import Decision
from safeshare.store.ledger_tables import LEDGER_INDEX_TABLES, PROTECTED_TABLES
from safeshare.store.tables import access_log_subjects, decision_subjects, decisions
from tests.services.test_decisions import complete_input, facts

TAMPERING = {
    "decisions": ["UPDATE decisions SET agency_id = (SELECT id FROM agencies WHERE id <> decisions.agency_id LIMIT 1)", "DELETE FROM decisions"],
    "decision_subjects": ["UPDATE decision_subjects SET subject_id = subject_id", "DELETE FROM decision_subjects"],
    "access_log_subjects": ["UPDATE access_log_subjects SET person_id = person_id", "DELETE FROM access_log_subjects"],
}


@pytest.fixture
def indexed(world):
    """One decision (with its subject) and one logged read, so every index table has a row."""
    practitioner = world.actor("practitioner_a")
    world.services.decisions.record(practitioner, complete_input(world, facts(), Decision.SHARE))
    world.services.subjects.view_subject(practitioner, world.subjects["child_a"].id)
    return world


def counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in (decisions, decision_subjects, access_log_subjects)}


def test_every_index_table_is_protected():
    assert set(TAMPERING) == set(LEDGER_INDEX_TABLES) and set(LEDGER_INDEX_TABLES) <= set(PROTECTED_TABLES)


@pytest.mark.parametrize("table", sorted(TAMPERING))
def test_the_database_refuses_to_change_or_remove_index_rows(indexed, engine, table):
    before = counts(engine)
    assert before[table] >= 1
    statements = TAMPERING[table] + ([f"TRUNCATE {table} CASCADE"] if engine.dialect.name == "postgresql" else [])
    for statement in statements:
        with pytest.raises(DBAPIError, match=f"{table} is append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert counts(engine) == before


def test_new_rows_are_still_written(indexed, engine):
    before = counts(engine)
    indexed.services.decisions.record(indexed.actor("practitioner_a"), complete_input(indexed, facts(), Decision.SHARE))
    after = counts(engine)
    assert after["decisions"] == before["decisions"] + 1 and after["decision_subjects"] == before["decision_subjects"] + 1
