"""Disclosures: the items actually sent to named recipients, under a sealed decision (R9, R10, R12, R22)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from safeshare.domain.advice import InformDecision, PurposeCategory
from safeshare.domain.decisions import DecisionInput, FamilyTold, Recipient, SharedItem
from safeshare.domain.model import DomainModel, Instant


class SubjectIdentity(DomainModel):
    """The least a recipient needs to know who the information is about."""

    id: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None


class ItemRef(DomainModel):
    """An item of a disclosure you received, chosen to pass on (onward sharing)."""

    disclosure_id: str
    index: int = Field(ge=0, lt=200)


class DisclosureInput(DomainModel):
    """A decision to share and the package it sends.

    The decision's `information_shared` are the sender's own items; `forwarded_items` are items the sender
    received and passes on, which the sender of those items must have allowed. An onward share is itself a
    new decision and a new disclosure.
    """

    decision: DecisionInput
    forwarded_items: tuple[ItemRef, ...] = Field(default=(), max_length=100)
    limits_on_use: str | None = Field(default=None, max_length=2000, description="What the recipients may and may not do with it.")
    urgent: bool = False


class FamilyStatus(StrEnum):
    TOLD = "told"
    WILL_TELL = "will_tell"
    NOT_TOLD = "not_told"
    NOT_APPLICABLE = "not_applicable"
    NOT_RECORDED = "not_recorded"


class FamilyInformed(DomainModel):
    """Whether the child or family was told of the sharing, or why not (R10, R22). Can be updated later."""

    status: FamilyStatus
    told_at: dt.datetime | None = None
    reason_not_told: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)
    updated_at: dt.datetime | None = None
    updated_by: str | None = None

    @model_validator(mode="after")
    def _reasons(self) -> FamilyInformed:
        if self.status is FamilyStatus.NOT_TOLD and not (self.reason_not_told or "").strip():
            raise ValueError("reason_not_told: say why the child or family is not told")
        return self


class FamilyUpdate(DomainModel):
    status: FamilyStatus
    told_at: Instant | None = None
    reason_not_told: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)


def family_from_decision(told: FamilyTold | None, sent_at: dt.datetime) -> FamilyInformed:
    if told is None:
        return FamilyInformed(status=FamilyStatus.NOT_RECORDED)
    status = {
        InformDecision.inform_before_sharing: FamilyStatus.TOLD,
        InformDecision.inform_after_sharing: FamilyStatus.WILL_TELL,
        InformDecision.do_not_inform: FamilyStatus.NOT_TOLD,
        InformDecision.not_applicable: FamilyStatus.NOT_APPLICABLE,
    }[told.told]
    return FamilyInformed(
        status=status,
        told_at=sent_at if status is FamilyStatus.TOLD else None,
        reason_not_told=told.reason_not_told,
    )


class RecipientStatus(DomainModel):
    recipient: Recipient
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None


class WithdrawalNotice(DomainModel):
    """Shown on a disclosure made under consent that has since been withdrawn."""

    consent_id: str
    withdrawn_at: dt.datetime
    message: str = (
        "The consent this was shared under has been withdrawn. What was shared stays recorded, "
        "but it must not be used or passed on in reliance on that consent."
    )


class Disclosure(DomainModel):
    """What the sender and the recipients see: the chosen items only, never the sender's other records."""

    id: str
    decision_id: int = Field(description="Number of the decision record in the decisions ledger.")
    subject: SubjectIdentity
    sender_agency_id: str
    sender_agency_name: str
    sender_person_id: str
    sent_at: dt.datetime
    purpose: str
    purpose_category: PurposeCategory
    items: tuple[SharedItem, ...]
    lawful_bases: tuple[str, ...]
    onward_sharing_allowed: bool
    limits_on_use: str | None = None
    secure_method: str | None = None
    urgent: bool
    request_id: str | None = None
    forwarded_from: tuple[str, ...] = ()
    consent_id: str | None = None
    consent_withdrawn: WithdrawalNotice | None = None
    family: FamilyInformed
    recipients: tuple[RecipientStatus, ...]
    ledger_seq: int | None = Field(default=None, description="Number of the entry in the disclosures ledger.")
