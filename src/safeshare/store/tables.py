"""Tables of the partnership directory, people, subjects and sessions."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from safeshare.store.metadata import metadata
from safeshare.store.types import UTCDateTime

ID = String(36)

agencies = Table(
    "agencies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(60), nullable=False),
    Column("section_11_duty", Boolean, nullable=False),
    Column("ico_registration", String(8)),
    Column("lead_information_officer_id", ID),
    Column("caldicott_guardian_id", ID),
    Column("siro_id", ID),
    Column("created_at", UTCDateTime(), nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", ID, primary_key=True),
    Column("agency_id", ID, ForeignKey("agencies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("job_title", String(200), nullable=False),
    Column("password_hash", String(200)),
    Column("failed_sign_ins", Integer, nullable=False, default=0),
    Column("first_failed_sign_in_at", UTCDateTime()),  # failures count towards the lock-out within a window from here
    Column("locked_until", UTCDateTime()),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

person_roles = Table(
    "person_roles",
    metadata,
    Column("person_id", ID, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(40), primary_key=True),
)

subjects = Table(
    "subjects",
    metadata,
    Column("id", ID, primary_key=True),
    Column("given_name", String(100), nullable=False),
    Column("family_name", String(100), nullable=False),
    Column("other_names", JSON, nullable=False),
    Column("date_of_birth", Date),
    Column("sex", String(20), nullable=False),
    Column("nhs_number", String(10), unique=True),
    Column("unique_pupil_number", String(13), unique=True),
    Column("addresses", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", ID, ForeignKey("people.id"), nullable=False),
    Index("ix_subjects_family_given", "family_name", "given_name"),
)

subject_holders = Table(
    "subject_holders",
    metadata,
    Column("subject_id", ID, ForeignKey("subjects.id"), primary_key=True),
    Column("agency_id", ID, ForeignKey("agencies.id"), primary_key=True, index=True),
    Column("since", UTCDateTime(), nullable=False),
)

relationships = Table(
    "relationships",
    metadata,
    Column("id", ID, primary_key=True),
    Column("person_id", ID, ForeignKey("subjects.id"), nullable=False, index=True),
    Column("child_id", ID, ForeignKey("subjects.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("parental_responsibility", Boolean, nullable=False),
    Column("recorded_by", ID, ForeignKey("people.id"), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("person_id", "child_id", "kind", name="uq_relationships_pair_kind"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", ID, ForeignKey("people.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("reauthenticated_at", UTCDateTime()),
    Column("csrf_token", String(64)),
    # "complete", or a web session part way through signing in: "second_step" (a code is due) or "enrol"
    # (two-step sign-in must be set up first). Only a complete session reaches any use case.
    Column("stage", String(20), nullable=False, server_default="complete"),
)

# Two-step sign-in: the RFC 6238 secret, encrypted with a key derived from the secret key. Unconfirmed until
# the first code from it is given; the last time step used, so that a code is never accepted twice.
two_step_secrets = Table(
    "two_step_secrets",
    metadata,
    Column("person_id", ID, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("secret", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("confirmed_at", UTCDateTime()),
    Column("last_used_step", Integer),
)

# Single-use recovery codes, kept only as keyed hashes (each code carries 120 random bits).
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("person_id", ID, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("used_at", UTCDateTime()),
)

# Lets a subject's access history be listed without scanning the whole access log.
access_log_subjects = Table(
    "access_log_subjects",
    metadata,
    Column("subject_id", ID, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("person_id", ID, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

# An index over the decisions ledger for listing; the ledger entry itself is the record.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("agency_id", ID, ForeignKey("agencies.id"), nullable=False, index=True),
    Column("decided_by", ID, ForeignKey("people.id"), nullable=False, index=True),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("follows_advice", Boolean, nullable=False),
    Column("guidance_version", String(100), nullable=False),
    Column("request_id", ID, index=True),
    Column("corrects", Integer, index=True),  # reading a record shows what corrected it
)

decision_subjects = Table(
    "decision_subjects",
    metadata,
    Column("decision_id", Integer, ForeignKey("decisions.id"), primary_key=True),
    Column("subject_id", ID, ForeignKey("subjects.id"), primary_key=True, index=True),
)

# A retried request that seals or sends returns what the first one did (services/idempotency.py). Written in the same
# transaction as the record it points to; the primary key lets only one of two concurrent requests with a key commit.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("person_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("operation", String(40), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("request_digest", String(64), nullable=False),
    Column("result_ref", String(80), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
)
