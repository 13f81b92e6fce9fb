"""The benches' scratch PostgreSQL databases: made as the suite makes its own (tests/databases.py), each named
with the checkout's test prefix, so two checkouts benching on one server never drop each other's."""

from __future__ import annotations

import pytest

from tests import databases


def scratch_name(bench: str) -> str:
    return f"{databases.POSTGRES_DATABASE_PREFIX}_bench_{bench}"


def fresh_postgres(bench: str) -> str | None:
    """The URL of an empty database for this bench; None, said so, when PostgreSQL cannot be reached."""
    try:
        return databases.postgres_database_url(scratch_name(bench))
    except (pytest.skip.Exception, pytest.fail.Exception) as unreachable:  # a bench reports it rather than failing
        print(f"  PostgreSQL not reachable, skipped: {unreachable}")
        return None


def drop_postgres(bench: str) -> None:
    databases.drop_postgres_database(scratch_name(bench))
