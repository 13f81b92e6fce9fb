"""Tables of the exchange between agencies: the consent register, requests for information, disclosures and
break-glass grants. Each change is also sealed in a ledger log; these tables hold the current state for listing."""

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
    Text,
)

from safeshare.store.metadata import metadata
from safeshare.store.tables import ID
from safeshare.store.types import UTCDateTime

consents = Table(
    "consents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("agency_id", ID, ForeignKey("agencies.id"), nullable=False),
    Column("subject_id", ID, ForeignKey("subjects.id"), nullable=False),
    Column("giver_kind", String(40), nullable=False),
    Column("giver_subject_id", ID, ForeignKey("subjects.id")),
    Column("status", String(20), nullable=False),
    Column("obtained_at", UTCDateTime(), nullable=False),
    Column("review_by", Date),
    Column("details", JSON, nullable=False),  # the ConsentInput as submitted
    Column("recorded_by", ID, ForeignKey("people.id"), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("withdrawal", JSON),
    Column("source_identifier", String(500)),  # a FHIR import's identifier, so it is not imported twice
    Column("ledger_seq", Integer),
    Index("ix_consents_agency_subject", "agency_id", "subject_id"),
    Index("ix_consents_agency_status_review", "agency_id", "status", "review_by"),
    Index("ix_consents_agency_source", "agency_id", "source_identifier", unique=True),
)

# Reviews of given consent, one row each and never changed: two reviews recorded at the same moment both stand.
# The consent's review_by holds the date the latest review set; ledger_seq orders them as the ledger does.
consent_reviews = Table(
    "consent_reviews",
    metadata,
    Column("consent_id", ID, ForeignKey("consents.id"), primary_key=True),
    Column("ledger_seq", Integer, primary_key=True, autoincrement=False),
    Column("outcome", String(20), nullable=False),
    Column("confirmed_with", Text, nullable=False),
    Column("how", String(40), nullable=False),
    Column("next_review_by", Date),
    Column("note", Text, nullable=False),
    Column("reviewed_by", ID, ForeignKey("people.id"), nullable=False),
    Column("reviewed_at", UTCDateTime(), nullable=False),
)

consent_conflicts = Table(
    "consent_conflicts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("agency_id", ID, ForeignKey("agencies.id"), nullable=False),
    Column("subject_id", ID, ForeignKey("subjects.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("consent_ids", JSON, nullable=False),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime()),
    Column("resolved_by", ID, ForeignKey("people.id")),
    Column("resolution", Text),
    Column("prevailing_consent_id", ID, ForeignKey("consents.id")),
    Index("ix_consent_conflicts_agency_resolved", "agency_id", "resolved_at", "raised_at"),
    Index("ix_consent_conflicts_subject", "subject_id"),
)

information_requests = Table(
    "information_requests",
    metadata,
    Column("id", ID, primary_key=True),
    Column("subject_id", ID, ForeignKey("subjects.id"), nullable=False),
    Column("requester_agency_id", ID, ForeignKey("agencies.id"), nullable=False),
    Column("requester_person_id", ID, ForeignKey("people.id"), nullable=False),
    Column("target_agency_id", ID, ForeignKey("agencies.id"), nullable=False),
    Column("target_person_id", ID, ForeignKey("people.id")),
    Column("purpose", Text, nullable=False),
    Column("purpose_category", String(40), nullable=False),
    Column("gateway", String(60)),
    Column("why_needed", Text, nullable=False),
    Column("information_sought", JSON, nullable=False),
    Column("urgency", String(20), nullable=False),
    Column("respond_by", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("answered_at", UTCDateTime()),
    Column("answered_by", ID, ForeignKey("people.id")),
    Column("answer_reasons", Text),
    Column("decision_id", Integer, ForeignKey("decisions.id")),
    Column("disclosure_id", ID),
    # "Requests I must answer": open requests to an agency, soonest due first.
    Index("ix_information_requests_target", "target_agency_id", "status", "respond_by"),
    Index("ix_information_requests_requester", "requester_person_id", "created_at"),
    Index("ix_information_requests_requester_agency", "requester_agency_id", "created_at"),
)

disclosures = Table(
    "disclosures",
    metadata,
    Column("id", ID, primary_key=True),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=False),
    Column("subject_id", ID, ForeignKey("subjects.id"), nullable=False),
    Column("sender_agency_id", ID, ForeignKey("agencies.id"), nullable=False),
    Column("sender_person_id", ID, ForeignKey("people.id"), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("purpose_category", String(40), nullable=False),
    Column("items", JSON, nullable=False),
    Column("lawful_bases", JSON, nullable=False),
    Column("onward_sharing_allowed", Boolean, nullable=False),
    Column("limits_on_use", Text),
    Column("secure_method", String(500)),
    Column("urgent", Boolean, nullable=False),
    Column("request_id", ID, ForeignKey("information_requests.id")),
    Column("forwarded_from", JSON, nullable=False),
    Column("consent_id", ID, ForeignKey("consents.id"), index=True),
    Column("family", JSON, nullable=False),
    Column("ledger_seq", Integer),
    Index("ix_disclosures_sender", "sender_agency_id", "sent_at"),
    Index("ix_disclosures_subject", "subject_id"),
)

# One row per addressee: a named person, or a role at an agency. sent_at and urgent are copied from the
# disclosure so "my incoming disclosures" is answered from this table's indexes alone.
disclosure_recipients = Table(
    "disclosure_recipients",
    metadata,
    Column("id", ID, primary_key=True),
    Column("disclosure_id", ID, ForeignKey("disclosures.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("agency_id", ID, ForeignKey("agencies.id"), nullable=False),
    Column("person_id", ID, ForeignKey("people.id")),
    Column("role", String(40)),
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("acknowledged_at", UTCDateTime()),
    Column("acknowledged_by", ID, ForeignKey("people.id")),
    Index("ix_disclosure_recipients_person", "person_id", "sent_at"),
    Index("ix_disclosure_recipients_role", "agency_id", "role", "sent_at"),
)

break_glass_grants = Table(
    "break_glass_grants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("person_id", ID, ForeignKey("people.id"), nullable=False),
    Column("agency_id", ID, ForeignKey("agencies.id"), nullable=False),
    Column("subject_id", ID, ForeignKey("subjects.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("reviewed_at", UTCDateTime()),
    Column("reviewed_by", ID, ForeignKey("people.id")),
    Column("review_outcome", String(20)),
    Column("review_note", Text),
    Index("ix_break_glass_person_subject", "person_id", "subject_id", "expires_at"),
    Index("ix_break_glass_agency_review", "agency_id", "reviewed_at", "opened_at"),
)
