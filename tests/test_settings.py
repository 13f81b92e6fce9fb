import pytest
from pydantic import ValidationError

from safeshare.settings import Environment, Settings

STRONG = "x" * 40


def test_development_accepts_the_built_in_defaults():
    assert Settings(environment=Environment.DEVELOPMENT).database_url.startswith("sqlite")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "SAFESHARE_SECRET_KEY"),
        ({"secret_key": "changeme"}, "SAFESHARE_SECRET_KEY"),
        ({"secret_key": STRONG}, "SAFESHARE_LEDGER_SIGNING_KEY"),
        ({"secret_key": STRONG, "ledger_signing_key": "k"}, "SAFESHARE_COOKIE_SECURE"),
        ({"secret_key": STRONG, "ledger_signing_key": "k", "cookie_secure": True}, "SAFESHARE_WITNESS_DIR"),
    ],
)
def test_production_refuses_unsafe_defaults(overrides, message):
    with pytest.raises(ValidationError, match=message):
        Settings(environment=Environment.PRODUCTION, **overrides)


def test_production_accepts_safe_settings():
    settings = Settings(
        environment=Environment.PRODUCTION, secret_key=STRONG, ledger_signing_key="k", cookie_secure=True,
        database_url="postgresql://db.internal/safeshare", witness_dir="/srv/safeshare-witness",
    )
    assert settings.cookie_secure


def test_settings_come_from_prefixed_environment(monkeypatch):
    monkeypatch.setenv("SAFESHARE_ENVIRONMENT", "production")
    monkeypatch.setenv("SAFESHARE_SECRET_KEY", "short")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings()


def test_the_suite_cannot_reach_the_network():
    import socket

    with socket.socket() as sock, pytest.raises(RuntimeError, match="may not reach the network"):
        sock.connect(("192.0.2.1", 80))
