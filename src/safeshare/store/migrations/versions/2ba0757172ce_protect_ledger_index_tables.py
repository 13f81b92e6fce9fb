"""protect ledger index tables

Revision ID: 2ba0757172ce
Revises: de23b7147a92
Create Date: 2026-12-02 02:18:52.513862
"""
from alembic import op

from safeshare.store.ledger_tables import drop_ledger_protection_ddl, ledger_protection_ddl

# The insert-only index tables of the decisions and access ledgers; fixed here so it never changes.
INDEX_TABLES = ("decisions", "decision_subjects", "access_log_subjects")


revision = '2ba0757172ce'
down_revision = 'de23b7147a92'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reads and authorisation rely on these rows, so the database refuses UPDATE and DELETE on them too.
    for statement in ledger_protection_ddl(op.get_bind().dialect.name, INDEX_TABLES):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_ledger_protection_ddl(op.get_bind().dialect.name, INDEX_TABLES):
        op.execute(statement)
