"""A SafeShare with a witness store, and the attacker's tools for its database."""

from __future__ import annotations

from sqlalchemy import text

from safeshare.domain.decisions import Decision
from safeshare.services import SafeShare
from safeshare.settings import Environment, Settings
from safeshare.store.ledger_tables import drop_ledger_protection_ddl, ledger_protection_ddl
from tests.factories import TEST_SECRET_KEY, build_world
from tests.services.test_decisions import complete_input, facts


def witnessed_world(engine, database_url, witness_dir, clock, **overrides):
    settings = Settings(
        environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=database_url, witness_dir=witness_dir, **overrides
    )
    return build_world(SafeShare.build(engine, settings, clock))


def record_some(world, count=3):
    actor = world.actor("practitioner_a")
    return [world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE)) for _ in range(count)]


def tamper(engine, *statements: str | tuple[str, dict]) -> None:
    """An attacker with database access: lift the append-only triggers, change rows, put the triggers back."""
    with engine.begin() as connection:
        for statement in drop_ledger_protection_ddl(engine.dialect.name):
            connection.execute(text(statement))
        for statement in statements:
            sql, params = (statement, {}) if isinstance(statement, str) else statement
            connection.execute(text(sql), params)
        for statement in ledger_protection_ddl(engine.dialect.name):
            connection.execute(text(statement))
