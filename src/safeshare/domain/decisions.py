"""The decision record (golden rule 7, R13): every decision, to share or not, with its reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from enum import StrEnum

from pydantic import Field, model_validator

from safeshare.domain.advice import (
    Advice,
    CaseFacts,
    ConsentGiver,
    ConsentState,
    InformDecision,
    Outcome,
    RecordField,
)
from safeshare.domain.errors import InvalidInput, Problem
from safeshare.domain.model import DomainModel, Instant, LedgerNumber

Text = Field(min_length=1, max_length=4000)


class Decision(StrEnum):
    SHARE = "share"
    DO_NOT_SHARE = "do_not_share"


# Which decisions follow each outcome of the advice; any other decision departs from it and needs a reason.
FOLLOWS_ADVICE: dict[Outcome, frozenset[Decision]] = {
    Outcome.share: frozenset({Decision.SHARE}),
    Outcome.share_without_consent: frozenset({Decision.SHARE}),
    Outcome.act_now: frozenset({Decision.SHARE}),
    Outcome.do_not_share: frozenset({Decision.DO_NOT_SHARE}),
    Outcome.seek_consent: frozenset({Decision.DO_NOT_SHARE}),
    Outcome.seek_advice: frozenset({Decision.DO_NOT_SHARE}),
}


class ItemKind(StrEnum):
    FACT = "fact"
    OPINION = "opinion"


class SharedItem(DomainModel):
    """One piece of information shared: fact and opinion are kept apart, and old information is labelled (R9)."""

    description: str = Field(min_length=1, max_length=4000)
    kind: ItemKind
    dated: dt.date | None = Field(default=None, description="When the fact happened or the opinion was formed.")
    historical: bool = Field(default=False, description="Older information, shared with an explanation of its relevance.")
    historical_note: str | None = Field(default=None, max_length=1000)

    # A model validator, because a field validator does not run on the note's default.
    @model_validator(mode="after")
    def _note_when_historical(self) -> SharedItem:
        if self.historical and not (self.historical_note and self.historical_note.strip()):
            raise ValueError("historical_note: explain why historical information is relevant now")
        return self


class Recipient(DomainModel):
    """Who receives it: a named person, or a role at an agency."""

    agency_id: str
    person_id: str | None = None
    role: str | None = Field(default=None, max_length=200)


class ConsentDetails(DomainModel):
    given_by: ConsentGiver
    giver_name: str | None = Field(default=None, max_length=200)
    capacity_basis: str = Field(min_length=1, max_length=1000, description="Age, assessed competence, or capacity.")
    obtained_at: Instant
    limits: str | None = Field(default=None, max_length=2000, description="What the consent covers and does not.")


class AdviceSought(DomainModel):
    """Advice taken before deciding; identity-free when the advice was given without naming the subject (R8)."""

    from_role: str = Field(min_length=1, max_length=200)
    from_person_id: str | None = Field(default=None, max_length=100)
    at: Instant
    anonymous: bool = Field(description="True when the subject was not identified to the adviser.")
    summary: str = Field(min_length=1, max_length=2000)


class FamilyTold(DomainModel):
    told: InformDecision
    reason_not_told: str | None = Field(default=None, max_length=2000)


class DecisionInput(DomainModel):
    """What the practitioner submits. The advice is computed again from `facts` when it is recorded."""

    subject_ids: tuple[str, ...] = Field(min_length=1, max_length=20)
    question: str = Field(min_length=1, max_length=2000)
    context: str = Field(default="", max_length=8000)
    facts: CaseFacts
    decision: Decision
    reasons: str = Text
    departure_reason: str | None = Field(default=None, max_length=4000)
    information_shared: tuple[SharedItem, ...] = ()
    recipients: tuple[Recipient, ...] = ()
    lawful_bases: tuple[str, ...] = Field(default=(), description="Ids from the advice's candidate lawful bases.")
    secure_method: str | None = Field(default=None, max_length=500)
    consent: ConsentDetails | None = None
    consent_id: str | None = Field(
        default=None,
        description="A consent in the register. When given, the service reads the consent facts and details from "
        "the register (withdrawn or out-of-scope consent does not count as given) instead of taking them from the caller.",
    )
    consent_override_reason: str | None = Field(default=None, max_length=2000)
    perceived_risk: str = Field(default="", max_length=4000, description="The risk as perceived at the time.")
    advice_sought: tuple[AdviceSought, ...] = ()
    family_told: FamilyTold | None = None
    onward_sharing_allowed: bool = False
    request_id: str | None = Field(default=None, max_length=100, description="The request for information this answers, if any.")
    discussed_with_requester: str | None = Field(
        default=None,
        max_length=4000,
        description="How the decision and its reasons were explained to whoever asked for the information "
        "(not needed when the record answers their request, which sends the reasons back).",
    )
    corrects: LedgerNumber | None = Field(default=None, description="Ledger number of the record this one corrects.")
    correction_reason: str | None = Field(default=None, max_length=2000)


class DecisionRecord(DomainModel):
    """A sealed record: what was submitted, the advice it was given, and who decided when."""

    id: int = Field(description="The record's number in the decisions ledger.")
    input: DecisionInput
    advice: Advice
    decided_by: str
    decided_by_agency: str
    decided_at: dt.datetime
    corrected_by: tuple[int, ...] = Field(
        default=(),
        # Not part of the sealed entry: it is read from the later entries that correct this one.
        exclude_if=lambda numbers: not numbers,
        description="Ledger numbers of the records that correct this one, oldest first.",
    )

    @property
    def follows_advice(self) -> bool:
        return self.input.decision in FOLLOWS_ADVICE[self.advice.outcome]


_SHARE_ONLY = frozenset(
    {
        RecordField.information_shared,
        RecordField.recipient,
        RecordField.legal_basis,
        RecordField.secure_method,
        RecordField.onward_sharing_agreed,
    }
)

_PRESENT: dict[RecordField, tuple[str, Callable[[DecisionInput], bool]]] = {
    RecordField.decision: ("decision", lambda d: True),
    RecordField.reasons: ("reasons", lambda d: bool(d.reasons.strip())),
    RecordField.decided_at: ("decided_at", lambda d: True),
    RecordField.decided_by: ("decided_by", lambda d: True),
    RecordField.purpose: ("facts.purpose", lambda d: bool(d.facts.purpose)),
    RecordField.information_requested: ("facts.information_requested", lambda d: bool(d.facts.information_requested)),
    RecordField.risk_level: ("perceived_risk", lambda d: bool(d.perceived_risk.strip())),
    RecordField.context: ("context", lambda d: bool(d.context.strip())),
    RecordField.information_shared: ("information_shared", lambda d: bool(d.information_shared)),
    RecordField.recipient: ("recipients", lambda d: bool(d.recipients)),
    RecordField.legal_basis: ("lawful_bases", lambda d: bool(d.lawful_bases)),
    RecordField.secure_method: ("secure_method", lambda d: bool(d.secure_method)),
    RecordField.consent_given_by: ("consent.given_by", lambda d: d.consent is not None),
    RecordField.consent_recorded_at: ("consent.obtained_at", lambda d: d.consent is not None),
    RecordField.consent_limits: ("consent.limits", lambda d: bool(d.consent and d.consent.limits)),
    RecordField.reasons_consent_not_sought: (
        "facts.reasons_consent_not_sought",
        lambda d: bool(d.facts.reasons_consent_not_sought) or bool(d.consent_override_reason),
    ),
    RecordField.family_informed: ("family_told", lambda d: d.family_told is not None),
    RecordField.reason_family_not_informed: (
        "family_told.reason_not_told",
        lambda d: d.family_told is not None
        and (d.family_told.told is not InformDecision.do_not_inform or bool(d.family_told.reason_not_told)),
    ),
    RecordField.advice_sought_from: ("advice_sought", lambda d: bool(d.advice_sought)),
    # Answering the request sends the reasons back to the requester (R11); otherwise say how they were told.
    RecordField.discussed_with_requester: (
        "discussed_with_requester",
        lambda d: d.request_id is not None or bool(d.discussed_with_requester and d.discussed_with_requester.strip()),
    ),
    RecordField.onward_sharing_agreed: ("onward_sharing_allowed", lambda d: True),
}


def missing_record_fields(
    submitted: DecisionInput, advice: Advice, required: Iterable[RecordField] | None = None
) -> list[Problem]:
    """What the guidance says this record must hold but the submission lacks (R13).

    `required` is what the guidance asks of the submitted decision (`Guidance.record_fields_for`); without it,
    the advice's own list, which assumes the decision that follows the advice.
    """
    problems = []
    for field in advice.record_fields if required is None else required:
        if field in _SHARE_ONLY and submitted.decision is not Decision.SHARE:
            continue
        name, present = _PRESENT[field]
        if not present(submitted):
            problems.append(Problem(name, f"the guidance asks for this to be recorded ({field.value})"))
    return problems


def check_decision(
    submitted: DecisionInput,
    advice: Advice,
    required: Iterable[RecordField] | None = None,
    known_bases: Iterable[str] | None = None,
) -> None:
    """Refuse a record that is incomplete, inconsistent, or departs from the advice without saying why.

    A share that follows the advice relies on one of the bases it offers. A share that departs from it is the
    practitioner's own judgement, so it may rely on any basis the guidance knows (`known_bases`).
    """
    problems = missing_record_fields(submitted, advice, required)
    follows = submitted.decision in FOLLOWS_ADVICE[advice.outcome]
    if submitted.decision is Decision.SHARE:
        for name, present in (("information_shared", submitted.information_shared), ("recipients", submitted.recipients)):
            if not present and not any(p.field == name for p in problems):
                problems.append(Problem(name, "say what is shared and with whom"))
        offered = {basis.id for basis in advice.lawful_bases}
        allowed = offered if follows or known_bases is None else set(known_bases)
        for basis in submitted.lawful_bases:
            if basis not in allowed:
                message = "is not one of the lawful bases the advice offers" if follows else "is not a lawful basis the guidance knows"
                problems.append(Problem("lawful_bases", f"'{basis}' {message}"))
    elif submitted.information_shared or submitted.recipients:
        problems.append(Problem("information_shared", "a decision not to share cannot list what was shared"))
    if not follows and not (submitted.departure_reason or "").strip():
        problems.append(
            Problem("departure_reason", f"the advice was '{advice.outcome.value}': say why you decided otherwise")
        )
    if submitted.corrects is not None and not (submitted.correction_reason or "").strip():
        problems.append(Problem("correction_reason", "say what this record corrects and why"))
    if submitted.facts.consent is ConsentState.given and submitted.decision is Decision.SHARE and submitted.consent is None:
        problems.append(Problem("consent", "consent is given: record who gave it, their capacity, and when"))
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), tuple(problems))

