"""ledger entries carry a tag

Revision ID: 3f92a24bdb6b
Revises: 7e8f06ffd87d
Create Date: 2026-12-04 19:01:28.439588
"""
from alembic import op
import sqlalchemy as sa

from safeshare.store.ledger_tables import drop_ledger_protection_ddl, ledger_protection_ddl


revision = '3f92a24bdb6b'
down_revision = '7e8f06ffd87d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Entries already recorded keep no tag: the first witnessed checkpoint covers them (ledger/tags.py).
    op.add_column('ledger_entries', sa.Column('tag', sa.LargeBinary(length=32), nullable=True))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    # SQLite rebuilds the table to drop a column, which loses its triggers: lift them and put them back.
    for statement in drop_ledger_protection_ddl(dialect, ("ledger_entries",)):
        op.execute(statement)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('tag')
    for statement in ledger_protection_ddl(dialect, ("ledger_entries",)):
        op.execute(statement)
