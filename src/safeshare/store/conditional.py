"""Writes that check what they change as they change it, so that two at the same moment cannot both pass.

A check made by reading first and writing later is not enough on PostgreSQL: two transactions can both read
the old state before either writes (SQLite's write lock, taken when every transaction begins, hides this).
Repositories therefore put the condition in the statement itself (an ``UPDATE ... WHERE status = ...`` whose
row count says whether it matched, or an insert that skips a row whose unique key is taken) and tell the
service, which refuses with ``Conflict``. On PostgreSQL the second writer waits for the first's row lock and
then finds the condition no longer holds.
"""

from __future__ import annotations

from sqlalchemy import Connection, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_unless_taken(connection: Connection, table: Table, values: dict) -> bool:
    """Insert the row unless one of its unique keys is taken (also by a row committed meanwhile); say whether it was."""
    statement = _INSERT[connection.dialect.name](table).values(**values).on_conflict_do_nothing()
    # An INSERT's row count is kept only when asked for (SQLAlchemy keeps it for UPDATE and DELETE).
    statement = statement.execution_options(preserve_rowcount=True)
    return connection.execute(statement).rowcount == 1


def unless_taken(connection: Connection, statement: Executable) -> bool:
    """Run an UPDATE that may set a unique key another row has (also one committed meanwhile), in a savepoint;
    say whether it ran, rather than fail the transaction."""
    try:
        with connection.begin_nested():
            connection.execute(statement)
    except IntegrityError as error:
        if not _unique_violation(error):
            raise
        return False
    return True


def _unique_violation(error: IntegrityError) -> bool:
    code = getattr(error.orig, "sqlstate", None)  # psycopg
    return code == "23505" if code is not None else "UNIQUE constraint failed" in str(error.orig)
