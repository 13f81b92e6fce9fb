"""The consent register (R5): who gave or refused consent for a child, on what basis, for what, and what they were told.

004 Appendix 1 question 4 decides who may consent: a young person of 16 or 17, a child under 16 whose
competence to decide has been assessed, otherwise a person with parental responsibility, whose own capacity
(Mental Capacity Act 2005) also matters. Conflicts go to the designated safeguarding lead. Consent must be
freely given, informed and explicit; the person is told at least what is collected, why, who may receive it
and what they may use it for, including detecting crime; it can be withdrawn, and its renewal is reviewed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from safeshare.domain.advice import ConsentGiver, ConsentState, PurposeCategory
from safeshare.domain.agencies import AgencyKind
from safeshare.domain.decisions import ConsentDetails
from safeshare.domain.errors import Problem
from safeshare.domain.model import DomainModel, InformationItem, Instant, distinct_entries

ADULT_AGE = 18
OWN_CONSENT_AGE = 16


class GiverKind(StrEnum):
    """Who gave or refused consent, relative to the child it is about."""

    CHILD = "child"  # under 16, with assessed competence
    YOUNG_PERSON_16_17 = "young_person_16_17"
    PARENTAL_RESPONSIBILITY = "parental_responsibility"
    SOMEONE_ELSE = "someone_else"


class CapacityBasis(StrEnum):
    """Why the giver was able to decide."""

    COMPETENCE_ASSESSED = "competence_assessed"  # a child's competence to decide was assessed
    AGE = "age"  # 16-17, or an adult with parental responsibility, presumed to have capacity
    MENTAL_CAPACITY_CONCERN = "mental_capacity_concern"  # doubt under the Mental Capacity Act 2005


class ConsentStatus(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ObtainedBy(StrEnum):
    IN_PERSON = "in_person"
    WRITTEN = "written"
    PHONE = "phone"


class ConflictKind(StrEnum):
    CHILD_AND_PARENT = "child_and_parent"  # a child who can decide and a parent disagree
    PARENTS = "parents"  # two people with parental responsibility disagree
    CAPACITY_DOUBT = "capacity_doubt"  # the giver's capacity is in doubt


class Giver(DomainModel):
    kind: GiverKind
    subject_id: str | None = Field(
        default=None,
        description="The giver as a recorded subject: required for a person with parental responsibility "
        "(their relationship to the child shows it); the child's own id, or null, for a child or young person.",
    )
    name: str | None = Field(default=None, max_length=200, description="How the giver is named, if not a recorded subject.")
    capacity_basis: CapacityBasis
    capacity_note: str = Field(default="", max_length=2000, description="How competence or capacity was judged.")


class ConsentRecipient(DomainModel):
    """An agency, or every agency of a kind, the consent allows information to go to."""

    agency_id: str | None = None
    agency_kind: AgencyKind | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ConsentRecipient:
        if (self.agency_id is None) == (self.agency_kind is None):
            raise ValueError("give either agency_id or agency_kind")
        return self


class WhatWasTold(DomainModel):
    """The minimum a person is told when asked for consent (004 Appendix 1 q4)."""

    information_collected: str = Field(min_length=1, max_length=2000, description="What is or will be collected.")
    purposes: str = Field(min_length=1, max_length=2000, description="What it will be used for.")
    who_may_receive: str = Field(min_length=1, max_length=2000, description="Who it may be shared with.")
    recipient_uses: str = Field(min_length=1, max_length=2000, description="What those who receive it may use it for.")
    told_may_be_used_to_detect_crime: bool = Field(
        description="Whether the person was told recipients may use it to prevent or detect crime."
    )


class ConsentInput(DomainModel):
    subject_id: str = Field(description="The child the consent is about.")
    given_by: Giver
    decision: ConsentStatus = Field(
        description="'given' or 'refused'; withdrawal is recorded separately.",
        json_schema_extra={"enum": [ConsentStatus.GIVEN.value, ConsentStatus.REFUSED.value]},
    )
    information: tuple[InformationItem, ...] = Field(min_length=1, max_length=50, description="What information it covers.")
    purposes: tuple[PurposeCategory, ...] = distinct_entries(min_length=1, max_length=len(PurposeCategory))
    recipients: tuple[ConsentRecipient, ...] = distinct_entries(min_length=1, max_length=50)
    told: WhatWasTold
    freely_given: bool
    informed: bool
    explicit: bool
    obtained_at: Instant
    obtained_by: ObtainedBy
    review_by: dt.date | None = Field(default=None, description="When to review whether the consent needs renewing.")
    young_person_lacks_capacity: str = Field(
        default="",
        max_length=2000,
        description="Only when a person with parental responsibility decides for a young person of 16 or 17: why the "
        "young person lacks capacity to decide for themselves (Mental Capacity Act 2005).",
    )
    notes: str = Field(default="", max_length=4000)

    @field_validator("purposes", "recipients")
    @classmethod
    def _unique(cls, value: tuple) -> tuple:
        if len(set(value)) != len(value):
            raise ValueError("each entry may appear once")
        return value

    @field_validator("decision")
    @classmethod
    def _given_or_refused(cls, value: ConsentStatus) -> ConsentStatus:
        if value is ConsentStatus.WITHDRAWN:
            raise ValueError("record 'given' or 'refused'; withdraw a consent with the withdraw action")
        return value


class WithdrawalInput(DomainModel):
    withdrawn_at: Instant | None = Field(default=None, description="When the person withdrew; now if not given.")
    how: ObtainedBy
    note: str = Field(min_length=1, max_length=2000, description="What the person said.")


class Withdrawal(DomainModel):
    withdrawn_at: dt.datetime
    how: ObtainedBy
    note: str
    recorded_by: str
    recorded_at: dt.datetime


class ReviewOutcome(StrEnum):
    STILL_VALID = "still_valid"  # confirmed with the person; a new review date is set
    NO_LONGER_VALID = "no_longer_valid"  # the person no longer agrees: recorded as a withdrawal


class ReviewInput(DomainModel):
    """A review of given consent (R5: its renewal is reviewed)."""

    outcome: ReviewOutcome
    confirmed_with: str = Field(default="", max_length=200, description="Who confirmed the consent still stands.")
    how: ObtainedBy = Field(description="How the person was asked: in person, in writing or by phone.")
    next_review_by: dt.date | None = Field(default=None, description="When to review it again; needed if still valid.")
    note: str = Field(default="", max_length=2000, description="What the person said; needed if no longer valid.")


class ConsentReview(DomainModel):
    outcome: ReviewOutcome
    confirmed_with: str
    how: ObtainedBy
    next_review_by: dt.date | None
    note: str
    reviewed_by: str
    reviewed_at: dt.datetime


def review_problems(review: ReviewInput, today: dt.date) -> list[Problem]:
    problems = []
    if review.outcome is ReviewOutcome.STILL_VALID:
        if not review.confirmed_with.strip():
            problems.append(Problem("confirmed_with", "say who confirmed that the consent still stands"))
        if review.next_review_by is None:
            problems.append(Problem("next_review_by", "say when to review this consent again"))
        elif review.next_review_by <= today:
            problems.append(Problem("next_review_by", "the next review date must be in the future"))
    elif not review.note.strip():
        problems.append(Problem("note", "say what the person said: consent that is no longer valid is withdrawn"))
    return problems


class ConsentRecord(DomainModel):
    id: str
    input: ConsentInput
    status: ConsentStatus
    agency_id: str
    recorded_by: str
    recorded_at: dt.datetime
    withdrawal: Withdrawal | None = None
    review_by: dt.date | None = Field(
        default=None, description="When the consent is next to be reviewed: the date recorded, or set at the latest review."
    )
    reviews: tuple[ConsentReview, ...] = ()
    source_identifier: str | None = Field(
        default=None, description="For a consent imported from FHIR: the resource's identifier ('system|value')."
    )
    ledger_seq: int | None = Field(default=None, description="Number of the entry in the consents ledger.")

    @property
    def current(self) -> bool:
        return self.status is not ConsentStatus.WITHDRAWN


class ConsentConflict(DomainModel):
    """A disagreement, or a doubt about capacity, for the designated safeguarding lead to resolve."""

    id: str
    agency_id: str
    subject_id: str
    kind: ConflictKind
    consent_ids: tuple[str, ...]
    raised_at: dt.datetime
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    prevailing_consent_id: str | None = None


class ConflictResolution(DomainModel):
    note: str = Field(min_length=1, max_length=4000, description="What was decided and why.")
    prevailing_consent_id: str | None = Field(
        default=None, description="The consent decision that stands, if the conflict was settled in favour of one."
    )


class ConsentOption(DomainModel):
    """One person who may (or may not) consent for the child, and on what condition."""

    kind: GiverKind
    subject_id: str | None
    name: str | None
    may_consent: bool
    condition: str


class WhoMayConsent(DomainModel):
    subject_id: str
    age: int | None
    options: tuple[ConsentOption, ...]
    notes: tuple[str, ...]


class ConsentStanding(DomainModel):
    """What the register says for one purpose and recipient, in the decision aid's terms."""

    state: ConsentState
    consent_by: ConsentGiver | None = None
    consent_id: str | None = None
    child_age: int | None = None
    explanation: str
    details: ConsentDetails | None = None


# ---------------------------------------------------------------- rules without I/O


def age_on(date_of_birth: dt.date | None, day: dt.date) -> int | None:
    if date_of_birth is None:
        return None
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def consent_problems(submitted: ConsentInput) -> list[Problem]:
    """What makes a consent decision invalid on its face (004 Appendix 1 q4)."""
    problems = []
    if submitted.decision is ConsentStatus.GIVEN:
        for name in ("freely_given", "informed", "explicit"):
            if not getattr(submitted, name):
                problems.append(Problem(name, "consent counts only when it is freely given, informed and explicit"))
        if submitted.review_by is None:
            problems.append(Problem("review_by", "say when to review whether this consent needs renewing"))
    if submitted.review_by is not None and submitted.review_by < submitted.obtained_at.date():
        problems.append(Problem("review_by", "the review date cannot be before consent was obtained"))
    return problems


def giver_problems(submitted: ConsentInput, age: int | None, parental_responsibility: frozenset[str]) -> list[Problem]:
    """Why this person cannot give (or refuse) consent for this child, if they cannot (004 Appendix 1 q4)."""
    giver = submitted.given_by
    problems: list[Problem] = []
    if age is not None and age >= ADULT_AGE:
        return [Problem("subject_id", "the consent register records consent for children; this person is an adult")]
    if giver.kind is GiverKind.CHILD:
        if age is not None and age >= OWN_CONSENT_AGE:
            problems.append(Problem("given_by.kind", "a young person of 16 or 17 is recorded as 'young_person_16_17'"))
        if giver.capacity_basis is not CapacityBasis.COMPETENCE_ASSESSED:
            problems.append(
                Problem(
                    "given_by.capacity_basis",
                    "a child under 16 can decide only when their competence to do so has been assessed; "
                    "otherwise ask a person with parental responsibility",
                )
            )
        elif not giver.capacity_note.strip():
            problems.append(Problem("given_by.capacity_note", "say how the child's competence to decide was assessed"))
    elif giver.kind is GiverKind.YOUNG_PERSON_16_17:
        if age is None:
            problems.append(
                Problem("given_by.kind", "record the young person's date of birth to show they are 16 or 17, "
                        "or record a child under 16 with assessed competence")
            )
        elif age < OWN_CONSENT_AGE:
            problems.append(
                Problem("given_by.kind", f"the child is {age}: under 16, record 'child' with assessed competence")
            )
    elif giver.kind is GiverKind.PARENTAL_RESPONSIBILITY:
        if not giver.subject_id:
            problems.append(
                Problem("given_by.subject_id", "name the person with parental responsibility: record them and their "
                        "relationship to the child first")
            )
        elif giver.subject_id not in parental_responsibility:
            problems.append(
                Problem("given_by.subject_id", "no parental responsibility for this child is recorded for this person: "
                        "only a person with parental responsibility can consent for a child who cannot decide")
            )
        if age is not None and age >= OWN_CONSENT_AGE and not submitted.young_person_lacks_capacity.strip():
            problems.append(
                Problem("given_by.kind", f"the young person is {age}: at 16 or 17 they decide for themselves, unless "
                        "they lack capacity under the Mental Capacity Act 2005 (then say why in young_person_lacks_capacity)")
            )
        if giver.capacity_basis is CapacityBasis.COMPETENCE_ASSESSED:
            problems.append(
                Problem("given_by.capacity_basis", "an adult is presumed to have capacity ('age') unless there is a "
                        "Mental Capacity Act concern ('mental_capacity_concern')")
            )
    else:
        problems.append(
            Problem("given_by.kind", "only the child (16 or 17, or under 16 with assessed competence) or a person with "
                    "parental responsibility can consent for a child; someone else cannot")
        )
    if submitted.young_person_lacks_capacity.strip() and (
        giver.kind is not GiverKind.PARENTAL_RESPONSIBILITY or age is None or age < OWN_CONSENT_AGE
    ):
        problems.append(
            Problem("young_person_lacks_capacity", "only for a person with parental responsibility deciding for a young "
                    "person of 16 or 17")
        )
    if giver.kind in (GiverKind.CHILD, GiverKind.YOUNG_PERSON_16_17) and giver.subject_id not in (None, submitted.subject_id):
        problems.append(Problem("given_by.subject_id", "a child or young person consents for themselves: use the child's own id"))
    return problems


def who_may_consent(
    subject_id: str, age: int | None, parental_responsibility: list[tuple[str, str]]
) -> WhoMayConsent:
    """The people who may consent for a child, given their age and who holds parental responsibility."""
    options: list[ConsentOption] = []
    notes = [
        "Consent must be freely given, informed and explicit, and can be withdrawn at any time.",
        "Where the child and a parent, or two people with parental responsibility, disagree, "
        "ask the designated safeguarding lead.",
    ]
    if age is not None and age >= ADULT_AGE:
        return WhoMayConsent(
            subject_id=subject_id,
            age=age,
            options=(),
            notes=("This person is an adult: they decide for themselves, and the consent register for children does not apply.",),
        )
    if age is None or age >= OWN_CONSENT_AGE:
        options.append(
            ConsentOption(
                kind=GiverKind.YOUNG_PERSON_16_17,
                subject_id=subject_id,
                name=None,
                may_consent=age is not None,
                condition="At 16 or 17 the young person decides for themselves, unless they lack capacity under "
                "the Mental Capacity Act 2005." + (" Record their date of birth first." if age is None else ""),
            )
        )
    if age is None or age < OWN_CONSENT_AGE:
        options.append(
            ConsentOption(
                kind=GiverKind.CHILD,
                subject_id=subject_id,
                name=None,
                may_consent=True,
                condition="Only if their competence to understand and decide has been assessed.",
            )
        )
    for person_id, name in parental_responsibility:
        options.append(
            ConsentOption(
                kind=GiverKind.PARENTAL_RESPONSIBILITY,
                subject_id=person_id,
                name=name,
                may_consent=True,
                condition=(
                    "Only if the young person lacks capacity to decide (Mental Capacity Act 2005); say why."
                    if age is not None and age >= OWN_CONSENT_AGE
                    else "When the child cannot decide for themselves; consider the parent's own capacity "
                    "(Mental Capacity Act 2005)."
                ),
            )
        )
    if not parental_responsibility:
        notes.append("No one is recorded as holding parental responsibility for this child.")
    options.append(
        ConsentOption(
            kind=GiverKind.SOMEONE_ELSE,
            subject_id=None,
            name=None,
            may_consent=False,
            condition="An adult without parental responsibility cannot consent for a child.",
        )
    )
    return WhoMayConsent(subject_id=subject_id, age=age, options=tuple(options), notes=tuple(notes))


def decision_aid_giver(giver: Giver) -> ConsentGiver:
    """The giver in the decision aid's vocabulary."""
    if giver.capacity_basis is CapacityBasis.MENTAL_CAPACITY_CONCERN:
        return ConsentGiver.parent_capacity_doubt
    return {
        GiverKind.CHILD: ConsentGiver.child_with_competence,
        GiverKind.YOUNG_PERSON_16_17: ConsentGiver.young_person_16_17,
        GiverKind.PARENTAL_RESPONSIBILITY: ConsentGiver.parental_responsibility,
        GiverKind.SOMEONE_ELSE: ConsentGiver.no_parental_responsibility,
    }[giver.kind]


def describe_scope(submitted: ConsentInput, agency_names: dict[str, str]) -> str:
    recipients = ", ".join(
        agency_names.get(r.agency_id, r.agency_id) if r.agency_id else f"any {r.agency_kind.value.replace('_', ' ')}"
        for r in submitted.recipients
    )
    return (
        f"Information: {'; '.join(submitted.information)}. Purposes: {', '.join(p.value for p in submitted.purposes)}. "
        f"Recipients: {recipients}."
    )


def _recipient_kind(recipient: ConsentRecipient, kinds: dict[str, AgencyKind]) -> AgencyKind | None:
    return recipient.agency_kind if recipient.agency_kind else kinds.get(recipient.agency_id or "")


def covers(
    submitted: ConsentInput,
    purpose: PurposeCategory,
    recipient_agency_id: str | None,
    recipient_kind: AgencyKind,
    kinds: dict[str, AgencyKind],
) -> bool:
    """Whether a consent covers this purpose and this recipient (a named agency, or any agency of its kind).

    With no particular agency in view (advice about a kind of recipient), consent naming an agency of that kind
    is taken to be about it.
    """
    if purpose not in submitted.purposes:
        return False
    for allowed in submitted.recipients:
        if allowed.agency_id is not None:
            if recipient_agency_id is None and kinds.get(allowed.agency_id) == recipient_kind:
                return True
            if recipient_agency_id is not None and allowed.agency_id == recipient_agency_id:
                return True
        elif allowed.agency_kind == recipient_kind:
            return True
    return False


def scopes_overlap(a: ConsentInput, b: ConsentInput, kinds: dict[str, AgencyKind]) -> bool:
    """Whether two consent decisions are about some of the same sharing (so disagreeing matters)."""
    if not set(a.purposes) & set(b.purposes):
        return False
    for x in a.recipients:
        for y in b.recipients:
            if x.agency_id and y.agency_id:
                if x.agency_id == y.agency_id:
                    return True
            elif _recipient_kind(x, kinds) is not None and _recipient_kind(x, kinds) == _recipient_kind(y, kinds):
                return True
    return False


def giver_key(giver: Giver) -> tuple[str, str]:
    """Consent decisions by the same person: a later decision replaces an earlier one."""
    if giver.kind in (GiverKind.CHILD, GiverKind.YOUNG_PERSON_16_17):
        return ("child", "")
    return (giver.kind.value, giver.subject_id or (giver.name or "").lower())


def latest_per_giver(records: list[ConsentRecord]) -> list[ConsentRecord]:
    latest: dict[tuple[str, str], ConsentRecord] = {}
    for record in sorted(records, key=lambda r: (r.input.obtained_at, r.recorded_at)):
        latest[giver_key(record.input.given_by)] = record
    return list(latest.values())


def conflicts_with(new: ConsentRecord, existing: list[ConsentRecord], kinds: dict[str, AgencyKind]) -> list[tuple[ConflictKind, tuple[str, ...]]]:
    """Disagreements (and capacity doubts) that recording `new` raises for the safeguarding lead."""
    found: list[tuple[ConflictKind, tuple[str, ...]]] = []
    key = giver_key(new.input.given_by)
    for other in latest_per_giver([r for r in existing if r.id != new.id]):
        if not other.current or giver_key(other.input.given_by) == key or other.status is new.status:
            continue
        if not scopes_overlap(other.input, new.input, kinds):
            continue
        pair = {other.input.given_by.kind, new.input.given_by.kind}
        if GiverKind.PARENTAL_RESPONSIBILITY in pair and pair & {GiverKind.CHILD, GiverKind.YOUNG_PERSON_16_17}:
            found.append((ConflictKind.CHILD_AND_PARENT, (other.id, new.id)))
        elif pair == {GiverKind.PARENTAL_RESPONSIBILITY}:
            found.append((ConflictKind.PARENTS, (other.id, new.id)))
    if new.input.given_by.capacity_basis is CapacityBasis.MENTAL_CAPACITY_CONCERN or new.input.young_person_lacks_capacity.strip():
        found.append((ConflictKind.CAPACITY_DOUBT, (new.id,)))
    return found


_PREFERENCE = {GiverKind.YOUNG_PERSON_16_17: 0, GiverKind.CHILD: 0, GiverKind.PARENTAL_RESPONSIBILITY: 1, GiverKind.SOMEONE_ELSE: 2}


def consent_standing(
    records: list[ConsentRecord],
    conflicts: list[ConsentConflict],
    purpose: PurposeCategory,
    recipient_agency_id: str | None,
    recipient_kind: AgencyKind,
    kinds: dict[str, AgencyKind],
    age: int | None,
    scope_text: dict[str, str] | None = None,
) -> ConsentStanding:
    """The register's answer for one purpose and recipient (R5): a consent that covers both counts as given;
    withdrawn, refused, out-of-scope or disputed consent does not."""
    superseded: set[str] = set()
    disputed: set[str] = set()
    for conflict in conflicts:
        if conflict.kind is ConflictKind.CAPACITY_DOUBT:
            continue
        if conflict.resolved_at is None:
            disputed.update(conflict.consent_ids)
        elif conflict.prevailing_consent_id:
            superseded.update(i for i in conflict.consent_ids if i != conflict.prevailing_consent_id)
    in_scope = [
        r for r in records if r.id not in superseded and covers(r.input, purpose, recipient_agency_id, recipient_kind, kinds)
    ]
    child_age = age if age is not None and age < ADULT_AGE else None
    current = latest_per_giver(in_scope)
    standing = [r for r in current if r.current]
    given = [r for r in standing if r.status is ConsentStatus.GIVEN]
    refused = [r for r in standing if r.status is ConsentStatus.REFUSED]
    if any(r.id in disputed for r in standing) or (given and refused):
        return ConsentStanding(
            state=ConsentState.parent_child_disagree,
            child_age=child_age,
            consent_id=standing[-1].id,
            explanation="The people who can consent disagree; the designated safeguarding lead should help resolve it.",
        )
    if given:
        chosen = sorted(given, key=lambda r: (_PREFERENCE[r.input.given_by.kind], r.input.given_by.capacity_basis is CapacityBasis.MENTAL_CAPACITY_CONCERN))[0]
        by = decision_aid_giver(chosen.input.given_by)
        if by is ConsentGiver.child_with_competence and child_age is not None and child_age >= OWN_CONSENT_AGE:
            by = ConsentGiver.young_person_16_17  # the child has turned 16 since consenting
        giver = chosen.input.given_by
        details = ConsentDetails(
            given_by=by,
            giver_name=giver.name,
            capacity_basis=f"{giver.capacity_basis.value}" + (f": {giver.capacity_note}" if giver.capacity_note else ""),
            obtained_at=chosen.input.obtained_at,
            limits=(scope_text or {}).get(chosen.id),
        )
        return ConsentStanding(
            state=ConsentState.given,
            consent_by=by,
            consent_id=chosen.id,
            child_age=child_age,
            explanation="Consent in the register covers this purpose and recipient.",
            details=details,
        )
    if refused:
        chosen = refused[-1]
        return ConsentStanding(
            state=ConsentState.refused,
            consent_by=decision_aid_giver(chosen.input.given_by),
            consent_id=chosen.id,
            child_age=child_age,
            explanation="Consent for this purpose and recipient was refused.",
        )
    withdrawn = [r for r in current if r.status is ConsentStatus.WITHDRAWN]
    if withdrawn:
        chosen = withdrawn[-1]
        return ConsentStanding(
            state=ConsentState.withdrawn,
            consent_by=decision_aid_giver(chosen.input.given_by),
            consent_id=chosen.id,
            child_age=child_age,
            explanation="Consent that covered this purpose and recipient has been withdrawn.",
        )
    return ConsentStanding(
        state=ConsentState.not_sought,
        child_age=child_age,
        explanation="No consent in the register covers this purpose and recipient.",
    )
