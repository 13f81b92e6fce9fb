"""Configuration from SAFESHARE_* environment variables; unsafe values are refused.

There is no built-in secret key: production must be given one, and development makes its own random one
under ./var/ the first time it serves (`ensure_development_secret`), so no installation runs on a value
anyone can read in this repository.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from enum import StrEnum
from pathlib import Path

from limits import parse as parse_limit
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_LENGTH = 32
_RATE_LIMIT_SCHEMES = {"memory", "redis", "rediss", "redis+sentinel", "redis+cluster"}
# Values published somewhere (this repository once shipped the last one as its default): never accepted.
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "development-only-secret-key-change-me"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class UnsafeSettings(ValueError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAFESHARE_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///var/safeshare.db"
    secret_key: SecretStr | None = Field(
        default=None, description="A random value of at least 32 characters; development generates one (secret_key_file)."
    )
    # Development only: where the generated secret key is kept between runs.
    secret_key_file: Path = Path("var/secret_key")
    ledger_signing_key: SecretStr | None = Field(
        default=None, description="Base64 of a 32-byte Ed25519 seed that signs ledger checkpoints."
    )
    # Signed checkpoints of every ledger, written to a directory outside the database (store/witness_store.py)
    # whenever a log has grown by `checkpoint_every_entries`, or `checkpoint_every_minutes` after it last grew.
    witness_dir: Path | None = None
    checkpoint_every_entries: int = Field(default=1000, ge=1, le=1_000_000)
    checkpoint_every_minutes: int = Field(default=1, ge=1, le=1440)
    cookie_secure: bool = False
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=10, ge=1)
    # Sessions and tokens one person may hold at once; signing in again ends the oldest (docs/SECURITY.md).
    max_sessions_per_person: int = Field(default=10, ge=1, le=100)
    api_token_hours: int = Field(default=12, ge=1)
    max_failed_sign_ins: int = Field(default=5, ge=3)
    lockout_minutes: int = Field(default=15, ge=1)
    # Failures count towards the lock-out only within this long of the first of them.
    failed_sign_in_window_minutes: int = Field(default=15, ge=1)
    # The sign-in throttle (services/throttle.py), in the `limits` library's notation. Its count is kept in
    # rate_limit_storage: memory:// for one server process only, redis://host:port/db shared by several.
    rate_limit_storage: str = "memory://"
    rate_limit_key_prefix: str = Field(default="safeshare", min_length=1, max_length=100)
    sign_in_limit_per_address: str = "60 per minute"
    sign_in_limit_per_address_and_account: str = "3 per 15 minutes"
    # The partnership's default time to answer a request for information, by urgency (R11).
    respond_within_hours_immediate: int = Field(default=2, ge=1)
    respond_within_hours_urgent: int = Field(default=24, ge=1)
    respond_within_hours_routine: int = Field(default=240, ge=1)
    # Break-glass (emergency) access: how long it lasts, and how recently the password must have been confirmed.
    break_glass_hours: int = Field(default=4, ge=1, le=24)
    break_glass_reauth_minutes: int = Field(default=5, ge=1, le=60)
    # Ending sessions from "Your account" needs the password confirmed this recently (signing in counts).
    account_reauth_minutes: int = Field(default=5, ge=1, le=60)
    # How long an Idempotency-Key is honoured: a retry within it returns the first result (services/idempotency.py).
    idempotency_key_hours: int = Field(default=24, ge=1, le=24 * 30)
    # Signing in through the partnership's identity provider (OpenID Connect); off unless the issuer is set.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    guidance_version: str | None = None
    guidance_overlays: list[Path] = []
    host: str = "127.0.0.1"
    port: int = 8000
    # Bounded requests (request_limits.py, serving.py): how long a request body may stall and take in all; how
    # long the request line and headers may take, and their size; how long an idle kept-alive connection stays
    # open; and how many connections are served at once.
    body_idle_seconds: float = Field(default=10, gt=0, le=300)
    body_total_seconds: float = Field(default=60, gt=0, le=3600)
    request_head_seconds: float = Field(default=10, gt=0, le=300)
    max_request_head_bytes: int = Field(default=16 * 1024, ge=4 * 1024, le=1024 * 1024)
    keep_alive_seconds: int = Field(default=5, ge=1, le=300)
    max_connections: int = Field(default=100, ge=1)

    @model_validator(mode="after")
    def _refuse_unsafe_values(self) -> Settings:
        if self.secret_key is None and self.environment is Environment.DEVELOPMENT and self.secret_key_file.is_file():
            self.secret_key = SecretStr(self.secret_key_file.read_text().strip())
        problems = []
        if self.secret_key is not None and _weak(self.secret_key.get_secret_value()):
            problems.append(f"SAFESHARE_SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} characters")
        address_problem = serving_address_problem(self.environment, self.host)
        if address_problem:
            problems.append(address_problem)
        problems += self._throttle_problems()
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            problems.append("SAFESHARE_OIDC_CLIENT_ID and SAFESHARE_OIDC_CLIENT_SECRET must be set with SAFESHARE_OIDC_ISSUER")
        if self.environment is Environment.PRODUCTION:
            problems += self._production_problems()
        if problems:
            raise UnsafeSettings(f"refusing unsafe {self.environment.value} settings: " + "; ".join(problems))
        return self

    def _throttle_problems(self) -> list[str]:
        problems = []
        if self.rate_limit_storage.split("://", 1)[0] not in _RATE_LIMIT_SCHEMES:
            problems.append("SAFESHARE_RATE_LIMIT_STORAGE must be memory:// (one process) or a redis:// URL")
        limits = {}
        for name in ("sign_in_limit_per_address", "sign_in_limit_per_address_and_account"):
            try:
                limits[name] = parse_limit(getattr(self, name))
            except ValueError:
                problems.append(f"SAFESHARE_{name.upper()} must be a rate such as '3 per 15 minutes'")
        per_account = limits.get("sign_in_limit_per_address_and_account")
        if per_account is not None and (
            per_account.amount > self.max_failed_sign_ins - 2 or per_account.get_expiry() < self.failed_sign_in_window_minutes * 60
        ):
            problems.append(
                "SAFESHARE_SIGN_IN_LIMIT_PER_ADDRESS_AND_ACCOUNT must allow at most SAFESHARE_MAX_FAILED_SIGN_INS - 2 attempts "
                f"({self.max_failed_sign_ins - 2}) over at least SAFESHARE_FAILED_SIGN_IN_WINDOW_MINUTES "
                f"({self.failed_sign_in_window_minutes}), so that one address cannot lock an account out, even with "
                "one mistyped password of its owner's"
            )
        return problems

    def _production_problems(self) -> list[str]:
        problems = []
        if "rate_limit_storage" not in self.model_fields_set:
            problems.append(
                "SAFESHARE_RATE_LIMIT_STORAGE must be set: a redis:// URL that every server process shares, "
                "or memory:// only if a single process serves"
            )
        if self.secret_key is None:
            problems.append(f"SAFESHARE_SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters")
        if self.ledger_signing_key is None:
            problems.append("SAFESHARE_LEDGER_SIGNING_KEY must be set (see 'safeshare ledger keygen')")
        if self.witness_dir is None:
            problems.append("SAFESHARE_WITNESS_DIR must be set: ledger checkpoints are kept outside the database")
        if not self.cookie_secure:
            problems.append("SAFESHARE_COOKIE_SECURE must be true: production is served over TLS")
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
            problems.append("SAFESHARE_OIDC_ISSUER must be an https:// address")
        if self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
            problems.append("SAFESHARE_DATABASE_URL must not be an in-memory database")
        return problems

    def secret(self) -> str:
        """The secret key, for whatever signs, encrypts or derives keys from it; never a default."""
        if self.secret_key is None:
            hint = " ('safeshare serve' generates one for development)" if self.environment is Environment.DEVELOPMENT else ""
            raise UnsafeSettings(f"SAFESHARE_SECRET_KEY is not set{hint}")
        return self.secret_key.get_secret_value()


def _weak(secret: str) -> bool:
    return secret.strip().lower() in _PLACEHOLDERS or len(secret) < MIN_SECRET_LENGTH


def serving_address_problem(environment: Environment, host: str) -> str | None:
    """Development and test settings (a generated secret, cookies without Secure, demo accounts) are for
    this machine only: serving them on any other address is refused."""
    if environment is Environment.PRODUCTION or _loopback(host):
        return None
    return (
        f"will not serve on {host} with {environment.value} settings, which are for this machine only: "
        "serve on 127.0.0.1 (the default), or set SAFESHARE_ENVIRONMENT=production with its settings"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ensure_development_secret(settings: Settings) -> tuple[Settings, bool]:
    """Development settings with a secret key: the one kept in `secret_key_file`, made (random, readable by
    this user only) if there is none yet. Returns the settings and whether a new secret was made."""
    if settings.secret_key is not None or settings.environment is not Environment.DEVELOPMENT:
        return settings, False
    path = settings.secret_key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    made = True
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        made = False
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
    return settings.model_copy(update={"secret_key": SecretStr(path.read_text().strip())}), made


def load_settings() -> Settings:
    """Settings from the environment, or one readable sentence saying what is wrong with them."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        raise UnsafeSettings(problems) from None
