"""ledger leaves bind a hash of the content

Revision ID: 2d32ffec16ec
Revises: 3b6799d07080
Create Date: 2026-12-04 19:31:23.760806
"""
from alembic import op
import sqlalchemy as sa
from safeshare.store.ledger_tables import drop_ledger_protection_ddl, ledger_protection_ddl


revision = '2d32ffec16ec'
down_revision = '3b6799d07080'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Entries already recorded keep their leaves, which bind the payload itself (content_hash NULL): every checkpoint
    # signed over them, and every export, still verifies. New entries' leaves bind the SHA-256 of the payload.
    dialect = op.get_bind().dialect.name
    # SQLite rebuilds the table to change a column, which loses its triggers: lift them and put them back.
    for statement in drop_ledger_protection_ddl(dialect, ("ledger_entries",)):
        op.execute(statement)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.LargeBinary(length=32), nullable=True))
        batch_op.alter_column('payload', existing_type=sa.TEXT(), nullable=True)
    for statement in ledger_protection_ddl(dialect, ("ledger_entries",)):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_ledger_protection_ddl(dialect, ("ledger_entries",)):
        op.execute(statement)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.TEXT(), nullable=False)
        batch_op.drop_column('content_hash')
    for statement in ledger_protection_ddl(dialect, ("ledger_entries",)):
        op.execute(statement)
