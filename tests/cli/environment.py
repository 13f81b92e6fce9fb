"""The command line, as the tests run it in-process: pointed at the test's database, with a fresh runtime."""

from __future__ import annotations

import pytest

from safeshare.cli import runtime
from tests.factories import TEST_SECRET_KEY


def point_cli_at(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Until the test ends; the caller resets the runtime again afterwards, so no other test sees its services."""
    monkeypatch.setenv("SAFESHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFESHARE_ENVIRONMENT", "test")
    monkeypatch.setenv("SAFESHARE_SECRET_KEY", TEST_SECRET_KEY)
    runtime.reset()
