"""Configuration from SAFESHARE_* environment variables; unsafe values are refused outside development."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-key-change-me"
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", DEVELOPMENT_SECRET}


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
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
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
    api_token_hours: int = Field(default=12, ge=1)
    max_failed_sign_ins: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    # The partnership's default time to answer a request for information, by urgency (R11).
    respond_within_hours_immediate: int = Field(default=2, ge=1)
    respond_within_hours_urgent: int = Field(default=24, ge=1)
    respond_within_hours_routine: int = Field(default=240, ge=1)
    # Break-glass (emergency) access: how long it lasts, and how recently the password must have been confirmed.
    break_glass_hours: int = Field(default=4, ge=1, le=24)
    break_glass_reauth_minutes: int = Field(default=5, ge=1, le=60)
    guidance_version: str | None = None
    guidance_overlays: list[Path] = []
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.environment is not Environment.PRODUCTION:
            return self
        problems = []
        secret = self.secret_key.get_secret_value()
        if secret.lower() in _PLACEHOLDERS or len(secret) < 32:
            problems.append("SAFESHARE_SECRET_KEY must be set to a random value of at least 32 characters")
        if self.ledger_signing_key is None:
            problems.append("SAFESHARE_LEDGER_SIGNING_KEY must be set (see 'safeshare ledger keygen')")
        if self.witness_dir is None:
            problems.append("SAFESHARE_WITNESS_DIR must be set: ledger checkpoints are kept outside the database")
        if not self.cookie_secure:
            problems.append("SAFESHARE_COOKIE_SECURE must be true: production is served over TLS")
        if self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
            problems.append("SAFESHARE_DATABASE_URL must not be an in-memory database")
        if problems:
            raise UnsafeSettings("refusing unsafe production settings: " + "; ".join(problems))
        return self


def load_settings() -> Settings:
    """Settings from the environment, or one readable sentence saying what is wrong with them."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        raise UnsafeSettings(problems) from None
