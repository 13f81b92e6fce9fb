"""The consent register (R5) and the decision aid's use of it.

Consent is recorded by an agency that holds the child, and belongs to that agency's register. Who may give it
is checked against the child's age and the parental responsibility recorded in relationships; disagreements
and capacity doubts are flagged to the agency's designated safeguarding lead.
"""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

from safeshare.domain.access import Grant
from safeshare.domain.advice import CaseFacts, ConsentState, PurposeCategory
from safeshare.domain.agencies import AgencyKind
from safeshare.domain.consent import (
    ConflictResolution,
    ConsentConflict,
    ConsentInput,
    ConsentRecord,
    ConsentReview,
    ConsentStanding,
    ConsentStatus,
    ReviewInput,
    ReviewOutcome,
    WhoMayConsent,
    Withdrawal,
    WithdrawalInput,
    age_on,
    conflicts_with,
    consent_problems,
    consent_standing,
    describe_scope,
    giver_problems,
    review_problems,
    who_may_consent,
)
from safeshare.domain.decisions import DecisionInput
from safeshare.domain.errors import Conflict, InvalidInput, NotFound, Problem
from safeshare.domain.model import DomainModel
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission
from safeshare.domain.subjects import holders_of_parental_responsibility
from safeshare.services.access_log import log_read
from safeshare.services.clock import CLOCK_SLACK
from safeshare.services.context import Actor
from safeshare.services.idempotency import Idempotent, ref_id
from safeshare.services.need_to_know import require_holder
from safeshare.services.use_case import Service, new_id, use_case
from safeshare.store.unit_of_work import UnitOfWork

NO_CONSENT = "consent_id: no consent in your agency's register has this id"
NO_CONFLICT = "conflict_id: no consent conflict of your agency has this id"
NO_LONGER_GIVEN = "this consent was changed at the same moment and is no longer given: look at it again"
ALREADY_RESOLVED = "this conflict has already been resolved"
# Clocks differ a little between devices; a consent "obtained" further in the future than this is a mistake.


class ConsentRecorded(DomainModel):
    consent: ConsentRecord
    conflicts_raised: tuple[ConsentConflict, ...] = ()


def _agency_kinds(uow: UnitOfWork, records: list[ConsentRecord], *extra_ids: str | None) -> dict[str, AgencyKind]:
    ids = {r.agency_id for rec in records for r in rec.input.recipients if r.agency_id} | {i for i in extra_ids if i}
    kinds = {}
    for agency_id in ids:
        agency = uow.agencies.get(agency_id)
        if agency is not None:
            kinds[agency_id] = agency.kind
    return kinds


def own_consent(uow: UnitOfWork, actor: Actor, consent_id: str) -> ConsentRecord:
    """A consent in the actor's agency's register about a subject the agency holds, or NotFound."""
    consent = uow.consents.get(consent_id)
    if consent is None or consent.agency_id != actor.agency_id or not uow.subjects.is_held_by(consent.input.subject_id, actor.agency_id):
        raise NotFound(NO_CONSENT)
    return consent


def standing_for(
    uow: UnitOfWork,
    agency_id: str,
    subject_id: str,
    purpose: PurposeCategory,
    recipient_agency_id: str | None,
    recipient_kind: AgencyKind,
    at: dt.datetime,
) -> ConsentStanding:
    """The consent state, for the decision aid, of sharing about a subject for a purpose with a recipient."""
    records = uow.consents.all_for_subject(agency_id, subject_id)
    conflicts = uow.consents.conflicts_for_subject(agency_id, subject_id)
    kinds = _agency_kinds(uow, records, recipient_agency_id)
    subject = uow.subjects.get(subject_id)
    age = subject.details.age_on(at.date()) if subject else None
    names = {a: uow.agencies.get(a).name for a in kinds}
    scope = {r.id: describe_scope(r.input, names) for r in records}
    return consent_standing(records, conflicts, purpose, recipient_agency_id, recipient_kind, kinds, age, scope)


def facts_with_consent(facts: CaseFacts, standing: ConsentStanding) -> CaseFacts:
    """The case facts with the consent answers taken from the register instead of the caller."""
    data = facts.model_dump()
    data["consent"] = standing.state
    data["consent_by"] = None if standing.state is ConsentState.not_sought else standing.consent_by
    if standing.state is not ConsentState.not_sought:
        data["reasons_consent_not_sought"] = []
    if standing.child_age is not None:
        data["child_age"] = standing.child_age
    try:
        return CaseFacts.model_validate(data)
    except ValidationError:
        data["child_age"] = None
        return CaseFacts.model_validate(data)


def _weakest(standings: list[ConsentStanding]) -> ConsentStanding:
    """Sharing with several recipients relies on consent only if it covers every one of them."""
    for standing in standings:
        if standing.state is not ConsentState.given:
            return standing
    return standings[0]


def _targets(uow: UnitOfWork, submitted: DecisionInput) -> list[tuple[str | None, AgencyKind]]:
    targets: list[tuple[str | None, AgencyKind]] = []
    for recipient in submitted.recipients:
        agency = uow.agencies.get(recipient.agency_id)
        if agency is not None:
            targets.append((agency.id, agency.kind))
    return targets or [(None, AgencyKind(submitted.facts.recipient_agency.value))]


def _subject_standing(uow: UnitOfWork, actor: Actor, submitted: DecisionInput, subject_id: str, at: dt.datetime) -> ConsentStanding:
    purpose = submitted.facts.purpose_category
    return _weakest([standing_for(uow, actor.agency_id, subject_id, purpose, a, k, at) for a, k in _targets(uow, submitted)])


def _why_not_given(uow: UnitOfWork, actor: Actor, subject_id: str, standing: ConsentStanding) -> str:
    if standing.state is ConsentState.withdrawn:
        consent = uow.consents.get(standing.consent_id or "")
        when = f" on {consent.withdrawal.withdrawn_at:%d %B %Y}" if consent and consent.withdrawal else ""
        return f"your agency's consent register shows this consent was withdrawn{when}, so it cannot be relied on"
    if standing.state is ConsentState.refused:
        return "your agency's consent register shows consent for this purpose and recipient was refused"
    if standing.state is ConsentState.parent_child_disagree:
        return ("the people who can consent disagree (see your agency's consent register); the designated "
                "safeguarding lead should help resolve it before consent is relied on")
    if uow.consents.all_for_subject(actor.agency_id, subject_id):
        return "no consent in your agency's register covers this purpose and every recipient"
    return "no consent is recorded in your agency's register for this person: record it there first"


def apply_consent(uow: UnitOfWork, actor: Actor, submitted: DecisionInput, at: dt.datetime) -> tuple[DecisionInput, ConsentStanding | None]:
    """Take the consent answers and details of a decision from the register (R5).

    With `consent_id`, that consent's standing is used. Without it, a decision relying on consent ("given")
    about a subject the agency holds needs consent in the register covering the purpose and every recipient:
    the register's consent is used, and a withdrawn, refused, disputed or out-of-scope one is refused.
    Subjects the agency does not hold (items received and passed on) have no entry in its register.
    """
    if submitted.consent_id is None:
        return _register_consent(uow, actor, submitted, at)
    consent = uow.consents.get(submitted.consent_id)
    if consent is None or consent.agency_id != actor.agency_id:
        raise InvalidInput.of("consent_id", "no consent in your agency's register has this id")
    subject_id = consent.input.subject_id
    if subject_id not in submitted.subject_ids:
        raise InvalidInput.of("consent_id", "this consent is about a different subject from the decision")
    standing = _subject_standing(uow, actor, submitted, subject_id, at)
    facts = facts_with_consent(submitted.facts, standing)
    return submitted.model_copy(update={"facts": facts, "consent": standing.details}), standing


def _register_consent(uow: UnitOfWork, actor: Actor, submitted: DecisionInput, at: dt.datetime) -> tuple[DecisionInput, ConsentStanding | None]:
    if submitted.facts.consent is not ConsentState.given:
        return submitted, None
    held = [s for s in submitted.subject_ids if uow.subjects.is_held_by(s, actor.agency_id)]
    standings = []
    for subject_id in held:
        standing = _subject_standing(uow, actor, submitted, subject_id, at)
        if standing.state is not ConsentState.given:
            raise InvalidInput.of("facts.consent", _why_not_given(uow, actor, subject_id, standing))
        standings.append(standing)
    if not standings:
        return submitted, None
    standing = standings[0]
    facts = facts_with_consent(submitted.facts, standing)
    update = {"facts": facts, "consent": standing.details}
    if len(standings) == 1:
        update["consent_id"] = standing.consent_id
    return submitted.model_copy(update=update), standing


def _consent_again(service: ConsentService, uow: UnitOfWork, actor: Actor, ref: str) -> ConsentRecord:
    """A change to the register sent with a key that was used before: the consent it changed, as it now stands."""
    consent = own_consent(uow, actor, ref_id(ref))
    log_read(uow, actor, "consent.replay", [consent.input.subject_id], service.now(), Grant.HOLDER, [ref])
    return consent


def _recorded_again(service: ConsentService, uow: UnitOfWork, actor: Actor, ref: str) -> ConsentRecorded:
    """A consent recorded with a key that was used before: that consent, and the conflicts recording it raised."""
    consent = _consent_again(service, uow, actor, ref)
    raised = [
        c for c in uow.consents.conflicts_for_subject(actor.agency_id, consent.input.subject_id)
        if consent.id in c.consent_ids and c.raised_at == consent.recorded_at
    ]
    return ConsentRecorded(consent=consent, conflicts_raised=tuple(raised))


def _recorded_ref(recorded: ConsentRecorded) -> str:
    return f"consent:{recorded.consent.id}"


def _changed_ref(consent: ConsentRecord) -> str:
    return f"consent:{consent.id}"


RECORDING = Idempotent("consent.record", _recorded_ref, _recorded_again)
IMPORTING = Idempotent("consent.import_fhir", _recorded_ref, _recorded_again)
WITHDRAWING = Idempotent("consent.withdraw", _changed_ref, _consent_again)
REVIEWING = Idempotent("consent.review", _changed_ref, _consent_again)


class ConsentService(Service):
    @use_case(Permission.CONSENT_RECORD, RECORDING)
    def record(self, uow: UnitOfWork, actor: Actor, submitted: ConsentInput) -> ConsentRecorded:
        """Record consent given or refused, refusing it from someone who cannot give it for this child."""
        return self._record(uow, actor, submitted)

    def _record(self, uow: UnitOfWork, actor: Actor, submitted: ConsentInput, source_identifier: str | None = None) -> ConsentRecorded:
        require_holder(uow, actor, submitted.subject_id)
        now = self.now()
        self._check(uow, actor, submitted, now)
        record = ConsentRecord(
            id=new_id(),
            input=submitted,
            status=submitted.decision,
            agency_id=actor.agency_id,
            recorded_by=actor.person_id,
            recorded_at=now,
            source_identifier=source_identifier,
        )
        # The conflicts are looked for after `add` has taken the consents ledger's lock, so two consents recorded
        # for one child at the same moment see each other and a disagreement between them is raised.
        record = uow.consents.add(record)
        if record is None:
            raise Conflict.of("identifier", "this Consent was already imported into your agency's register")
        return ConsentRecorded(consent=record, conflicts_raised=tuple(self._raise_conflicts(uow, actor, record, now)))

    def _check(self, uow: UnitOfWork, actor: Actor, submitted: ConsentInput, now: dt.datetime) -> None:
        problems = consent_problems(submitted)
        if submitted.obtained_at > now + CLOCK_SLACK:
            raise InvalidInput.of("obtained_at", "consent cannot have been obtained in the future")
        subject = uow.subjects.get(submitted.subject_id)
        age = age_on(subject.details.date_of_birth, submitted.obtained_at.date())
        # Only parents the agency itself holds count: another agency's records are not the agency's to rely on,
        # and the answer must not tell it what they say.
        relationships = uow.subjects.relationships_of(submitted.subject_id, others_held_by=actor.agency_id)
        holders = frozenset(holders_of_parental_responsibility(submitted.subject_id, relationships))
        problems += giver_problems(submitted, age, holders)
        for index, recipient in enumerate(submitted.recipients):
            if recipient.agency_id and uow.agencies.get(recipient.agency_id) is None:
                problems.append(Problem(f"recipients.{index}.agency_id", "no agency has this id"))
        if problems:
            raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), tuple(problems))

    def _raise_conflicts(self, uow: UnitOfWork, actor: Actor, record: ConsentRecord, now: dt.datetime) -> list[ConsentConflict]:
        existing = uow.consents.all_for_subject(actor.agency_id, record.input.subject_id)
        kinds = _agency_kinds(uow, existing)
        raised = []
        for kind, ids in conflicts_with(record, existing, kinds):
            conflict = ConsentConflict(
                id=new_id(), agency_id=actor.agency_id, subject_id=record.input.subject_id, kind=kind, consent_ids=ids, raised_at=now
            )
            uow.consents.add_conflict(conflict)
            raised.append(conflict)
        return raised

    @use_case(Permission.CONSENT_RECORD, WITHDRAWING)
    def withdraw(self, uow: UnitOfWork, actor: Actor, consent_id: str, withdrawal: WithdrawalInput) -> ConsentRecord:
        """Withdrawal takes effect at once for every later share; recipients of earlier shares see a notice."""
        return self._withdraw(uow, actor, own_consent(uow, actor, consent_id), withdrawal)

    def _withdraw(self, uow: UnitOfWork, actor: Actor, consent: ConsentRecord, withdrawal: WithdrawalInput) -> ConsentRecord:
        consent_id = consent.id
        if consent.status is not ConsentStatus.GIVEN:
            raise Conflict.of("consent_id", f"only consent that was given can be withdrawn; this one is {consent.status.value}")
        now = self.now()
        withdrawn_at = withdrawal.withdrawn_at or now
        if withdrawn_at > now + CLOCK_SLACK:
            raise InvalidInput.of("withdrawn_at", "cannot be in the future")
        if withdrawn_at < consent.input.obtained_at:
            raise InvalidInput.of("withdrawn_at", "cannot be before the consent was obtained")
        stored = Withdrawal(withdrawn_at=withdrawn_at, how=withdrawal.how, note=withdrawal.note, recorded_by=actor.person_id, recorded_at=now)
        if not uow.consents.withdraw(consent_id, consent.input.subject_id, stored):
            raise Conflict.of("consent_id", NO_LONGER_GIVEN)
        return consent.model_copy(update={"status": ConsentStatus.WITHDRAWN, "withdrawal": stored})

    @use_case(Permission.CONSENT_RECORD, REVIEWING)
    def review(self, uow: UnitOfWork, actor: Actor, consent_id: str, submitted: ReviewInput) -> ConsentRecord:
        """Record a review of given consent (R5: renewal is reviewed): still valid, confirmed with someone and
        with a new review date; or no longer valid, which is a withdrawal taking effect at once."""
        consent = own_consent(uow, actor, consent_id)
        if consent.status is not ConsentStatus.GIVEN:
            raise Conflict.of("consent_id", f"only consent that was given can be reviewed; this one is {consent.status.value}")
        now = self.now()
        problems = review_problems(submitted, now.date())
        if problems:
            raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), tuple(problems))
        still_valid = submitted.outcome is ReviewOutcome.STILL_VALID
        review = ConsentReview(
            outcome=submitted.outcome,
            confirmed_with=submitted.confirmed_with.strip() if still_valid else "",
            how=submitted.how,
            next_review_by=submitted.next_review_by if still_valid else None,
            note=submitted.note.strip(),
            reviewed_by=actor.person_id,
            reviewed_at=now,
        )
        reviewed = uow.consents.review(consent, review)
        if reviewed is None:
            raise Conflict.of("consent_id", NO_LONGER_GIVEN)
        if not still_valid:
            reviewed = self._withdraw(uow, actor, reviewed, WithdrawalInput(how=submitted.how, note=review.note))
        return reviewed

    @use_case(Permission.CONSENT_READ)
    def get(self, uow: UnitOfWork, actor: Actor, consent_id: str) -> ConsentRecord:
        consent = own_consent(uow, actor, consent_id)
        log_read(uow, actor, "consent.view", [consent.input.subject_id], self.now(), Grant.HOLDER, [f"consent:{consent_id}"])
        return consent

    @use_case(Permission.CONSENT_READ)
    def for_subject(self, uow: UnitOfWork, actor: Actor, subject_id: str, page: PageRequest) -> Page[ConsentRecord]:
        require_holder(uow, actor, subject_id)
        found = uow.consents.list_for_subject(actor.agency_id, subject_id, page)
        log_read(uow, actor, "consent.list", [subject_id], self.now(), Grant.HOLDER, [f"consent:{c.id}" for c in found.items])
        return found

    @use_case(Permission.CONSENT_READ)
    def who_may_consent(self, uow: UnitOfWork, actor: Actor, subject_id: str) -> WhoMayConsent:
        """Who may consent for this child: the child (by age or assessed competence) or who holds parental responsibility."""
        require_holder(uow, actor, subject_id)
        now = self.now()
        subject = uow.subjects.get(subject_id)
        # The same parents as recording consent accepts: those the agency holds.
        holders = holders_of_parental_responsibility(subject_id, uow.subjects.relationships_of(subject_id, others_held_by=actor.agency_id))
        visible = uow.subjects.get_many(holders)
        answer = who_may_consent(subject_id, subject.details.age_on(now.date()), [(s.id, s.details.full_name) for s in visible])
        log_read(uow, actor, "consent.who_may_consent", [subject_id, *(s.id for s in visible)], now, Grant.HOLDER)
        return answer

    @use_case(Permission.CONSENT_READ)
    def due_for_review(self, uow: UnitOfWork, actor: Actor, page: PageRequest, on: dt.date | None = None) -> Page[ConsentRecord]:
        """Given consent in the agency's register whose review date has come (R5: renewal is reviewed)."""
        now = self.now()
        found = uow.consents.due_for_review(actor.agency_id, on or now.date(), page)
        log_read(uow, actor, "consent.review_list", [c.input.subject_id for c in found.items], now, Grant.HOLDER,
                 [f"consent:{c.id}" for c in found.items])
        return found

    @use_case(Permission.CONSENT_READ)
    def standing(
        self, uow: UnitOfWork, actor: Actor, subject_id: str, purpose: PurposeCategory, recipient_agency_id: str
    ) -> ConsentStanding:
        """What the register says about sharing this subject's information for a purpose with an agency."""
        require_holder(uow, actor, subject_id)
        agency = uow.agencies.get(recipient_agency_id)
        if agency is None:
            raise InvalidInput.of("recipient_agency_id", "no agency has this id")
        now = self.now()
        found = standing_for(uow, actor.agency_id, subject_id, purpose, agency.id, agency.kind, now)
        log_read(uow, actor, "consent.standing", [subject_id], now, Grant.HOLDER)
        return found

    @use_case(Permission.CONSENT_CONFLICTS)
    def conflicts(self, uow: UnitOfWork, actor: Actor, page: PageRequest, include_resolved: bool = False) -> Page[ConsentConflict]:
        """Disagreements over consent, and doubts about capacity, for the agency's safeguarding lead."""
        found = uow.consents.list_conflicts(actor.agency_id, page, include_resolved)
        log_read(uow, actor, "consent.conflicts", [c.subject_id for c in found.items], self.now(), Grant.HOLDER,
                 [f"consent-conflict:{c.id}" for c in found.items])
        return found

    @use_case(Permission.CONSENT_CONFLICTS)
    def resolve_conflict(self, uow: UnitOfWork, actor: Actor, conflict_id: str, resolution: ConflictResolution) -> ConsentConflict:
        conflict = uow.consents.get_conflict(conflict_id)
        if conflict is None or conflict.agency_id != actor.agency_id:
            raise NotFound(NO_CONFLICT)
        if conflict.resolved_at is not None:
            raise Conflict.of("conflict_id", ALREADY_RESOLVED)
        if resolution.prevailing_consent_id and resolution.prevailing_consent_id not in conflict.consent_ids:
            raise InvalidInput.of("prevailing_consent_id", "must be one of the consent decisions in this conflict")
        now = self.now()
        if not uow.consents.resolve_conflict(conflict, resolution, actor.person_id, now):
            raise Conflict.of("conflict_id", ALREADY_RESOLVED)
        return conflict.model_copy(
            update={
                "resolved_at": now,
                "resolved_by": actor.person_id,
                "resolution": resolution.note,
                "prevailing_consent_id": resolution.prevailing_consent_id,
            }
        )

    @use_case(Permission.CONSENT_READ)
    def export_fhir(self, uow: UnitOfWork, actor: Actor, consent_id: str) -> dict:
        """The consent as a FHIR R5 Consent resource (an export of personal data, so it is logged)."""
        from safeshare.services.fhir_consent import to_fhir

        consent = own_consent(uow, actor, consent_id)
        log_read(uow, actor, "consent.export_fhir", [consent.input.subject_id], self.now(), Grant.HOLDER, [f"consent:{consent_id}"])
        return to_fhir(consent)

    @use_case(Permission.CONSENT_RECORD, IMPORTING)
    def import_fhir(self, uow: UnitOfWork, actor: Actor, resource: dict) -> ConsentRecorded:
        """Record a consent from a FHIR Consent resource, with every check a typed-in consent passes, once only."""
        from safeshare.services.fhir_consent import from_fhir, identifiers_of

        submitted, withdrawal = from_fhir(resource)
        identifiers = identifiers_of(resource)
        already = uow.consents.imported(actor.agency_id, identifiers)
        if already is not None:
            raise Conflict.of("identifier", f"this Consent was already imported into your agency's register (consent {already.id})")
        stored = None
        if withdrawal is not None:
            if submitted.decision is not ConsentStatus.GIVEN:
                raise InvalidInput.of("status", "only consent that was given can have been withdrawn")
            now = self.now()
            withdrawn_at = withdrawal.withdrawn_at or now
            if withdrawn_at > now + CLOCK_SLACK:
                raise InvalidInput.of("extension.withdrawal.withdrawn-at", "cannot be in the future")
            if withdrawn_at < submitted.obtained_at:
                raise InvalidInput.of("extension.withdrawal", "withdrawn before the consent was obtained")
            stored = Withdrawal(withdrawn_at=withdrawn_at, how=withdrawal.how, note=withdrawal.note, recorded_by=actor.person_id, recorded_at=now)
        recorded = self._record(uow, actor, submitted, identifiers[0] if identifiers else None)
        if stored is not None:
            uow.consents.withdraw(recorded.consent.id, submitted.subject_id, stored)  # just recorded as given: it matches
            recorded = recorded.model_copy(
                update={"consent": recorded.consent.model_copy(update={"status": ConsentStatus.WITHDRAWN, "withdrawal": stored})}
            )
        return recorded
