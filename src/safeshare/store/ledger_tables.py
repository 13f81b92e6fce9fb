"""Core tables for the ledger, and the database-level refusal of UPDATE, DELETE (and, on
PostgreSQL, TRUNCATE) on them.

Values are stored exactly as hashed: ``recorded_at`` is the canonical UTC text (fixed
width, so it sorts and range-filters like a timestamp) and ``payload`` the canonical JSON
text, so reading a row back can never change the bytes the hashes cover.

The triggers stop mistakes and ordinary application roles. An owner or superuser can
still drop or disable them (or set ``session_replication_role = replica`` on
PostgreSQL); the hash chain and signed checkpoints are what reveal that kind of change.
For defence in depth also ``REVOKE UPDATE, DELETE, TRUNCATE`` from the application role.

The index tables over the decisions and access ledgers are protected the same way: reads and
authorisation rely on them (who decided, for which agency; whose history lists which entry), and
the application only ever inserts into them. ``LedgerService.verify`` cross-checks them against
the ledger entries, which catches a change made with the triggers lifted.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    event,
)

from safeshare.store.exchange_tables import consent_reviews
from safeshare.store.metadata import metadata
from safeshare.store.tables import access_log_subjects, decision_subjects, decisions
from safeshare.store.types import UTCDateTime

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("log", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False, autoincrement=False),
    Column("kind", String(100), nullable=False),
    Column("recorded_at", String(27), nullable=False),
    # The content, kept beside the entry; the leaf binds its SHA-256 (content_hash), so erasing it (NULL) under a
    # retention schedule leaves the entry and every checkpoint verifiable. content_hash is NULL only on entries
    # recorded before content hashing, whose leaf binds the payload itself.
    Column("payload", Text, nullable=True),
    Column("content_hash", LargeBinary(32), nullable=True),
    Column("corrects", BigInteger, nullable=True),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("chain_hash", LargeBinary(32), nullable=False),
    # HMAC by a key that never lives in the database (ledger/tags.py); NULL only on entries recorded before tagging.
    Column("tag", LargeBinary(32), nullable=True),
    PrimaryKeyConstraint("log", "seq"),
    ForeignKeyConstraint(["log", "corrects"], ["ledger_entries.log", "ledger_entries.seq"]),
    CheckConstraint("seq >= 1", name="seq_positive"),
    CheckConstraint("corrects IS NULL OR (corrects >= 1 AND corrects < seq)", name="corrects_earlier"),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("log", String(64), nullable=False),
    Column("tree_size", BigInteger, nullable=False, autoincrement=False),
    Column("signed_at", String(27), nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),  # the full signed checkpoint text
    PrimaryKeyConstraint("log", "tree_size", "signed_at"),
    CheckConstraint("tree_size >= 0", name="tree_size_not_negative"),
)

# Each agency's witness key (public half only; the agency's governance lead keeps the private half).
ledger_witnesses = Table(
    "ledger_witnesses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_id", String(36), ForeignKey("agencies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False, unique=True),  # the key name on its cosignature lines
    Column("public_key", LargeBinary(32), nullable=False, unique=True),
    Column("registered_by", String(36), nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
)

# Checkpoints the agencies' witnesses cosigned (also kept in the witness store).
ledger_cosignatures = Table(
    "ledger_cosignatures",
    metadata,
    Column("log", String(64), nullable=False),
    Column("witness_id", String(36), ForeignKey("ledger_witnesses.id"), nullable=False),
    Column("tree_size", BigInteger, nullable=False, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("cosigned_at", BigInteger, nullable=False),  # the cosignature's own POSIX timestamp
    Column("note", Text, nullable=False),  # the checkpoint with the witness's cosignature line
    Column("submitted_by", String(36), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("log", "witness_id", "tree_size"),
    CheckConstraint("tree_size >= 1", name="cosigned_tree_size_positive"),
)

LEDGER_TABLES = (ledger_entries.name, ledger_checkpoints.name, ledger_witnesses.name, ledger_cosignatures.name)
# Insert-only indexes of the decisions and access ledgers (no UPDATE or DELETE anywhere in the application).
LEDGER_INDEX_TABLES = (decisions.name, decision_subjects.name, access_log_subjects.name)
# History kept beside a ledger, one row per event and never changed (two reviews at the same moment both stand).
HISTORY_TABLES = (consent_reviews.name,)
PROTECTED_TABLES = LEDGER_TABLES + LEDGER_INDEX_TABLES + HISTORY_TABLES


def _sqlite_ddl(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_refuse_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only - {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _postgresql_ddl(table: str) -> list[str]:
    function = f"{table}_refuse_change"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    RAISE EXCEPTION USING\n"
        "        ERRCODE = 'restrict_violation',\n"
        f"        MESSAGE = '{table} is append-only - ' || TG_OP || ' refused';\n"
        "END\n"
        "$$",
        f"CREATE TRIGGER {table}_refuse_update_delete BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def _sqlite_drop_ddl(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_refuse_{op}" for op in ("update", "delete")]


def _postgresql_drop_ddl(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_refuse_update_delete ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_refuse_change()",
    ]


_CREATE = {"sqlite": _sqlite_ddl, "postgresql": _postgresql_ddl}
_DROP = {"sqlite": _sqlite_drop_ddl, "postgresql": _postgresql_drop_ddl}


def ledger_protection_ddl(dialect_name: str, tables: tuple[str, ...] = PROTECTED_TABLES) -> list[str]:
    """Statements that make the ledger tables refuse UPDATE/DELETE (for Alembic:
    ``for sql in ledger_protection_ddl(op.get_bind().dialect.name): op.execute(sql)``).
    Empty for dialects without support. Contains no ``%`` or ``:name`` so it passes
    unchanged through ``DDL()`` and ``text()``."""
    build = _CREATE.get(dialect_name)
    return [sql for table in tables for sql in build(table)] if build else []


def drop_ledger_protection_ddl(
    dialect_name: str, tables: tuple[str, ...] = PROTECTED_TABLES
) -> list[str]:
    """The reverse of ``ledger_protection_ddl`` (Alembic downgrades)."""
    build = _DROP.get(dialect_name)
    return [sql for table in tables for sql in build(table)] if build else []


def _protect_on_create(table: Table) -> None:
    for dialect_name in _CREATE:
        for sql in ledger_protection_ddl(dialect_name, (table.name,)):
            event.listen(table, "after_create", DDL(sql).execute_if(dialect=dialect_name))
    # Dropping the table drops its triggers; the PostgreSQL function would be left behind.
    drop_function = f"DROP FUNCTION IF EXISTS {table.name}_refuse_change()"
    event.listen(table, "after_drop", DDL(drop_function).execute_if(dialect="postgresql"))


for _table in (
    ledger_entries, ledger_checkpoints, ledger_witnesses, ledger_cosignatures, decisions, decision_subjects, access_log_subjects,
    consent_reviews,
):
    _protect_on_create(_table)
