import stat

import pytest
from pydantic import ValidationError

from safeshare.settings import Environment, Settings, UnsafeSettings, ensure_development_secret

STRONG = "x" * 40


@pytest.fixture
def no_secret_file(tmp_path):
    """Where development would keep its generated secret, in an empty folder of the test's own."""
    return tmp_path / "var" / "secret_key"


def test_development_defaults_to_sqlite_and_has_no_secret_until_one_is_made(no_secret_file):
    settings = Settings(environment=Environment.DEVELOPMENT, secret_key_file=no_secret_file)
    assert settings.database_url.startswith("sqlite")
    assert settings.secret_key is None
    with pytest.raises(UnsafeSettings, match="SAFESHARE_SECRET_KEY is not set"):
        settings.secret()


@pytest.mark.parametrize("environment", list(Environment))
def test_no_environment_has_a_public_default_secret(environment, no_secret_file):
    fields = {"secret_key_file": no_secret_file}
    if environment is Environment.PRODUCTION:
        with pytest.raises(ValidationError, match="SAFESHARE_SECRET_KEY must be set"):
            Settings(environment=environment, ledger_signing_key="k", cookie_secure=True, **fields)
    else:
        assert Settings(environment=environment, **fields).secret_key is None


def test_the_app_will_not_start_without_a_secret(no_secret_file, database_url):
    from safeshare.app import create_app

    settings = Settings(environment=Environment.DEVELOPMENT, secret_key_file=no_secret_file, database_url=database_url)
    with pytest.raises(UnsafeSettings, match="SAFESHARE_SECRET_KEY is not set"):
        create_app(settings)


@pytest.mark.parametrize("environment", list(Environment))
@pytest.mark.parametrize("secret", ["changeme", "development-only-secret-key-change-me", "short but not 32"])
def test_a_weak_or_published_secret_is_refused_everywhere(environment, secret):
    with pytest.raises(ValidationError, match="SAFESHARE_SECRET_KEY must be a random value of at least 32 characters"):
        Settings(environment=environment, secret_key=secret, ledger_signing_key="k", cookie_secure=True)


def test_development_makes_a_random_secret_file_once_and_keeps_it(no_secret_file):
    settings, made = ensure_development_secret(Settings(environment=Environment.DEVELOPMENT, secret_key_file=no_secret_file))
    assert made
    secret = settings.secret()
    assert len(secret) >= 48
    assert stat.S_IMODE(no_secret_file.stat().st_mode) == 0o600  # readable by this user only
    # The next start reads it, without making another.
    again = Settings(environment=Environment.DEVELOPMENT, secret_key_file=no_secret_file)
    assert again.secret() == secret
    assert ensure_development_secret(again) == (again, False)
    other_file = no_secret_file.with_name("other")
    other, _ = ensure_development_secret(Settings(environment=Environment.DEVELOPMENT, secret_key_file=other_file))
    assert other.secret() != secret


def test_only_development_reads_or_makes_the_secret_file(no_secret_file):
    no_secret_file.parent.mkdir(parents=True)
    no_secret_file.write_text("y" * 48)
    settings = Settings(environment=Environment.TEST, secret_key_file=no_secret_file)
    assert settings.secret_key is None
    assert ensure_development_secret(settings) == (settings, False)
    with pytest.raises(ValidationError, match="SAFESHARE_SECRET_KEY must be set"):
        Settings(environment=Environment.PRODUCTION, secret_key_file=no_secret_file, ledger_signing_key="k", cookie_secure=True)


@pytest.mark.parametrize("environment", [Environment.DEVELOPMENT, Environment.TEST])
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "safeshare.example"])
def test_development_and_test_refuse_to_serve_beyond_this_machine(environment, host):
    with pytest.raises(ValidationError, match=f"will not serve on {host} with {environment.value} settings, which are for this machine only"):
        Settings(environment=environment, secret_key=STRONG, host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_development_serves_on_loopback_addresses(host):
    assert Settings(environment=Environment.DEVELOPMENT, secret_key=STRONG, host=host).host == host


def test_production_may_serve_on_any_address():
    settings = Settings(
        environment=Environment.PRODUCTION, secret_key=STRONG, ledger_signing_key="k", cookie_secure=True, witness_dir="/w",
        database_url="postgresql://db.internal/safeshare", rate_limit_storage="memory://", host="0.0.0.0",
    )
    assert settings.host == "0.0.0.0"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "SAFESHARE_SECRET_KEY"),
        ({"secret_key": "changeme"}, "SAFESHARE_SECRET_KEY"),
        ({"secret_key": STRONG}, "SAFESHARE_LEDGER_SIGNING_KEY"),
        ({"secret_key": STRONG, "ledger_signing_key": "k"}, "SAFESHARE_COOKIE_SECURE"),
        ({"secret_key": STRONG, "ledger_signing_key": "k", "cookie_secure": True}, "SAFESHARE_WITNESS_DIR"),
        (
            {"secret_key": STRONG, "ledger_signing_key": "k", "cookie_secure": True, "witness_dir": "/w",
             "database_url": "sqlite:///:memory:"},
            "SAFESHARE_DATABASE_URL",
        ),
    ],
)
def test_production_refuses_unsafe_defaults(overrides, message):
    with pytest.raises(ValidationError, match=message):
        Settings(environment=Environment.PRODUCTION, **overrides)


def test_production_accepts_safe_settings():
    settings = Settings(
        environment=Environment.PRODUCTION, secret_key=STRONG, ledger_signing_key="k", cookie_secure=True,
        database_url="postgresql://db.internal/safeshare", witness_dir="/srv/safeshare-witness",
        rate_limit_storage="redis://cache.internal:6379/0",
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


@pytest.mark.parametrize(
    "limit",
    ["5 per 15 minutes", "4 per 15 minutes", "3 per 10 minutes", "not a rate"],
)
def test_the_address_and_account_limit_must_stop_one_address_before_the_lock_out(limit):
    """Five failures lock an account; one address may make three within the failure window, leaving the owner a typo."""
    with pytest.raises(ValidationError, match="SAFESHARE_SIGN_IN_LIMIT_PER_ADDRESS_AND_ACCOUNT"):
        Settings(environment=Environment.TEST, secret_key=STRONG, sign_in_limit_per_address_and_account=limit)


def test_the_throttle_storage_must_be_memory_or_redis():
    with pytest.raises(ValidationError, match="SAFESHARE_RATE_LIMIT_STORAGE must be memory:// .one process. or a redis:// URL"):
        Settings(environment=Environment.TEST, secret_key=STRONG, rate_limit_storage="memcached://127.0.0.1:11211")


def test_production_must_choose_where_the_throttle_counts(monkeypatch):
    safe = {"secret_key": STRONG, "ledger_signing_key": "k", "cookie_secure": True, "database_url": "postgresql://db/safeshare",
            "witness_dir": "/srv/safeshare-witness"}
    with pytest.raises(ValidationError, match="SAFESHARE_RATE_LIMIT_STORAGE must be set: a redis:// URL that every server process shares"):
        Settings(environment=Environment.PRODUCTION, **safe)
    monkeypatch.setenv("SAFESHARE_RATE_LIMIT_STORAGE", "redis://cache.internal:6379/0")
    assert Settings(environment=Environment.PRODUCTION, **safe).rate_limit_storage.startswith("redis://")
    monkeypatch.setenv("SAFESHARE_RATE_LIMIT_STORAGE", "memory://")  # a single process, said out loud
    assert Settings(environment=Environment.PRODUCTION, **safe).rate_limit_storage == "memory://"


def test_the_address_and_account_limit_follows_the_lock_out_threshold():
    settings = Settings(
        environment=Environment.TEST, secret_key=STRONG, max_failed_sign_ins=10, sign_in_limit_per_address_and_account="8 per hour"
    )
    assert settings.sign_in_limit_per_address_and_account == "8 per hour"


def test_the_identity_provider_needs_its_client_credentials():
    with pytest.raises(ValidationError, match="SAFESHARE_OIDC_CLIENT_ID and SAFESHARE_OIDC_CLIENT_SECRET must be set"):
        Settings(environment=Environment.TEST, secret_key=STRONG, oidc_issuer="https://idp.example")


def test_production_talks_to_the_identity_provider_over_tls_only():
    with pytest.raises(ValidationError, match="SAFESHARE_OIDC_ISSUER must be an https:// address"):
        Settings(
            environment=Environment.PRODUCTION, secret_key=STRONG, ledger_signing_key="k", cookie_secure=True,
            rate_limit_storage="memory://", oidc_issuer="http://idp.example", oidc_client_id="c", oidc_client_secret="s",
        )
