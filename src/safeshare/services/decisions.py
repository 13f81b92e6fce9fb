"""Advice from the guidance, and the sealed record of every decision to share or not (R1-R9, R13)."""

from __future__ import annotations

from dataclasses import dataclass

from safeshare.domain.access import Grant
from safeshare.domain.advice import Advice, CaseFacts
from safeshare.domain.agencies import AgencyKind
from safeshare.domain.decisions import FOLLOWS_ADVICE, DecisionInput, DecisionRecord, check_decision
from safeshare.domain.errors import Forbidden, InvalidInput, NotFound, SafeShareError
from safeshare.domain.model import LARGEST_LEDGER_NUMBER
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission
from safeshare.services.access_log import log_read, log_records_read
from safeshare.services.clock import CLOCK_SLACK
from safeshare.services.context import Actor
from safeshare.services.consents import apply_consent, facts_with_consent, own_consent, standing_for
from safeshare.services.idempotency import Attempt, checked_key, ref_id, request_digest, retrying_taken_keys
from safeshare.services.need_to_know import record_access, require_holder_of_all
from safeshare.services.use_case import Service, ServiceContext, require_permission, use_case
from safeshare.store.group_commit import Failed, GroupCommit
from safeshare.store.repositories.idempotency import KeyTaken
from safeshare.store.repositories.decisions import prepare_decision
from safeshare.store.unit_of_work import UnitOfWork

NO_DECISION = "decision_id: no decision record you may see has this number"
RECORDING = "decision.record"


@dataclass(frozen=True, slots=True)
class _Submission:
    actor: Actor
    submitted: DecisionInput
    guidance_version: str | None
    attempt: Attempt | None = None


class DecisionService(Service):
    def __init__(self, context: ServiceContext):
        super().__init__(context)
        # Records from concurrent callers are checked and sealed in shared transactions, one durable commit each.
        self._sealing = GroupCommit(context.uow_factory, self._seal_batch)

    @use_case(Permission.ADVICE_REQUEST)
    def advise(
        self,
        uow: UnitOfWork,
        actor: Actor,
        facts: CaseFacts,
        guidance_version: str | None = None,
        consent_id: str | None = None,
        recipient_agency_id: str | None = None,
    ) -> Advice:
        """Advice touches no record about a person, so it can be asked without naming anyone (R8).

        Given a consent from the register, the consent answers come from the register instead (R5).
        """
        if consent_id is not None:
            facts = self._facts_from_register(uow, actor, facts, consent_id, recipient_agency_id)
        return self.context.guidance(guidance_version).advise(facts)

    def _facts_from_register(
        self, uow: UnitOfWork, actor: Actor, facts: CaseFacts, consent_id: str, recipient_agency_id: str | None
    ) -> CaseFacts:
        if not actor.may(Permission.CONSENT_READ):
            raise Forbidden(f"your role does not allow this ({Permission.CONSENT_READ.value})")
        consent = own_consent(uow, actor, consent_id)
        kind = AgencyKind(facts.recipient_agency.value)
        if recipient_agency_id is not None:
            agency = uow.agencies.get(recipient_agency_id)
            if agency is None:
                raise InvalidInput.of("recipient_agency_id", "no agency has this id")
            kind = agency.kind
        subject_id = consent.input.subject_id
        now = self.now()
        standing = standing_for(uow, actor.agency_id, subject_id, facts.purpose_category, recipient_agency_id, kind, now)
        log_read(uow, actor, "consent.standing", [subject_id], now, Grant.HOLDER, [f"consent:{consent_id}"])
        return facts_with_consent(facts, standing)

    def record(
        self, actor: Actor, submitted: DecisionInput, guidance_version: str | None = None, idempotency_key: str | None = None
    ) -> DecisionRecord:
        """Seal a decision in the ledger. The advice is worked out again here, never taken from the caller.

        Decisions recorded at the same time are checked and sealed together, in one transaction with one
        durable commit (`safeshare.store.group_commit`). Each is still checked on its own, and this returns
        only once the transaction holding its entry has committed; a decision refused by the checks writes
        nothing and does not hold up the others. With an `idempotency_key` used before for the same decision,
        the record sealed then is returned and nothing new is sealed (`safeshare.services.idempotency`).
        """
        require_permission(actor, Permission.DECISIONS_RECORD)
        key = checked_key(idempotency_key)
        if key is None:
            return self._sealing.submit(_Submission(actor, submitted, guidance_version))
        digest = request_digest(self.context.settings, RECORDING, {"submitted": submitted, "guidance_version": guidance_version})
        item = _Submission(actor, submitted, guidance_version, Attempt(actor, RECORDING, key, digest))
        return retrying_taken_keys(lambda: self._sealing.submit(item))

    record.required_permission = Permission.DECISIONS_RECORD  # type: ignore[attr-defined]

    def _seal_batch(self, uow: UnitOfWork, batch: list[_Submission]) -> list[DecisionRecord | Failed]:
        """What `record` does for each decision, for many in one transaction. If any is refused, nothing is
        appended: the group commit rolls back and seals the others again without it."""
        holdings: dict[str, set[str]] = {}
        for item in batch:
            holdings.setdefault(item.actor.agency_id, set()).update(item.submitted.subject_ids)
        for agency_id, subject_ids in holdings.items():  # one query each; the checks below reuse the answers
            uow.subjects.held_of(subject_ids, agency_id)
        uow.agencies.existing({r.agency_id for item in batch for r in item.submitted.recipients})
        now = self.now()
        results: list[DecisionRecord | Failed | None] = [None] * len(batch)
        prepared, sealing, refused, keys = [], [], {}, set()
        for index, item in enumerate(batch):
            try:
                if item.attempt is not None:
                    earlier = item.attempt.earlier_result(uow, now, self.context.settings)
                    if earlier is not None:
                        results[index] = self._sealed_before(uow, item.actor, earlier, now)
                        continue
                    if (item.actor.person_id, item.attempt.key) in keys:
                        raise KeyTaken(item.attempt.key)  # twice in one batch: sealed once, then found again
                    keys.add((item.actor.person_id, item.attempt.key))
                require_holder_of_all(uow, item.actor, item.submitted.subject_ids)
                record = decision_to_seal(self.context, uow, item.actor, item.submitted, item.guidance_version)
                prepared.append(prepare_decision(record))
                sealing.append(index)
            except (SafeShareError, KeyTaken) as error:
                refused[index] = Failed(error)
        if refused:
            return [refused.get(index) for index in range(len(batch))]
        for index, record in zip(sealing, uow.decisions.append_prepared(prepared) if prepared else [], strict=True):
            results[index] = record
            attempt = batch[index].attempt
            if attempt is not None:  # in the transaction that seals the record, so neither is ever without the other
                attempt.remember(uow, f"decision:{record.id}", now)
        return results

    def _sealed_before(self, uow: UnitOfWork, actor: Actor, ref: str, now) -> DecisionRecord:
        """The record an earlier request with the same key sealed, read as `get` reads it."""
        decision_id = int(ref_id(ref))
        if uow.decisions.agency_of(decision_id) != actor.agency_id:
            raise NotFound(NO_DECISION)
        record = uow.decisions.get(decision_id)
        log_records_read(uow, actor, "decision.replay", record.input.subject_ids, now, [ref])
        return record

    @use_case(Permission.DECISIONS_READ)
    def get(self, uow: UnitOfWork, actor: Actor, decision_id: int) -> DecisionRecord:
        if not 1 <= decision_id <= LARGEST_LEDGER_NUMBER or uow.decisions.agency_of(decision_id) != actor.agency_id:
            raise NotFound(NO_DECISION)
        record = uow.decisions.get(decision_id)
        if record is None:
            raise NotFound(NO_DECISION)
        now = self.now()
        grants = [record_access(uow, actor, s, now) for s in record.input.subject_ids]
        log_read(uow, actor, "decision.view", record.input.subject_ids, now, grants[0].grant, [f"decision:{decision_id}"], grants[0].ref)
        return record

    @use_case(Permission.DECISIONS_READ)
    def for_subject(self, uow: UnitOfWork, actor: Actor, subject_id: str, page: PageRequest) -> Page[DecisionRecord]:
        now = self.now()
        access = record_access(uow, actor, subject_id, now)
        found = uow.decisions.list(page, actor.agency_id, subject_id=subject_id)
        # A record may name others too (a parent, a sibling): their details were read under the same access.
        named = [subject_id, *(s for d in found.items for s in d.input.subject_ids)]
        log_read(uow, actor, "decision.list", named, now, access.grant, [f"decision:{d.id}" for d in found.items], access.ref)
        return found

    @use_case(Permission.DECISIONS_READ)
    def mine(self, uow: UnitOfWork, actor: Actor, page: PageRequest) -> Page[DecisionRecord]:
        found = uow.decisions.list(page, actor.agency_id, decided_by=actor.person_id)
        subjects = [s for d in found.items for s in d.input.subject_ids]
        log_records_read(uow, actor, "decision.list", subjects, self.now(), [f"decision:{d.id}" for d in found.items])
        return found

    @staticmethod
    def _check_recipients(uow: UnitOfWork, submitted: DecisionInput) -> None:
        agencies = uow.agencies.existing({r.agency_id for r in submitted.recipients}) if submitted.recipients else set()
        for index, recipient in enumerate(submitted.recipients):
            if recipient.agency_id not in agencies:
                raise InvalidInput.of(f"recipients.{index}.agency_id", "no agency has this id")
            if recipient.person_id:
                person = uow.people.get(recipient.person_id)
                if person is None or person.agency_id != recipient.agency_id or person.disabled:
                    raise InvalidInput.of(f"recipients.{index}.person_id", "no active person at that agency has this id")


def seal_decision(
    context: ServiceContext, uow: UnitOfWork, actor: Actor, submitted: DecisionInput, guidance_version: str | None = None
) -> DecisionRecord:
    """The checks every decision passes and its sealing in the ledger, once the caller has established that the
    actor may decide about its subjects (as holder, or as a recipient passing received items on)."""
    return uow.decisions.append(decision_to_seal(context, uow, actor, submitted, guidance_version))


def decision_to_seal(
    context: ServiceContext, uow: UnitOfWork, actor: Actor, submitted: DecisionInput, guidance_version: str | None = None
) -> DecisionRecord:
    """The checks of `seal_decision`, and the record it would seal (numbered 0 until appended). Reads only."""
    now = context.clock()
    for index, sought in enumerate(submitted.advice_sought):
        if sought.at > now + CLOCK_SLACK:
            raise InvalidInput.of(f"advice_sought.{index}.at", "advice cannot have been taken in the future")
    submitted, _standing = apply_consent(uow, actor, submitted, now)
    DecisionService._check_recipients(uow, submitted)
    if submitted.request_id is not None:
        _check_request(uow, actor, submitted)
    if submitted.corrects is not None:
        if uow.decisions.agency_of(submitted.corrects) != actor.agency_id:
            raise InvalidInput.of("corrects", "no decision record of your agency has this number")
        corrected = uow.decisions.get(submitted.corrects)
        if set(corrected.input.subject_ids) != set(submitted.subject_ids):
            raise InvalidInput.of("subject_ids", f"a correction must name the same subjects as record {submitted.corrects}")
    guidance = context.guidance(guidance_version)
    advice = guidance.advise(submitted.facts)
    if submitted.decision in FOLLOWS_ADVICE[advice.outcome]:
        check_decision(submitted, advice)
    else:  # a departure needs what the guidance asks of the decision actually made
        check_decision(
            submitted,
            advice,
            required=guidance.record_fields_for(submitted.facts, submitted.decision),
            known_bases=[basis.id for basis in guidance.lawful_bases()],
        )
    return DecisionRecord(
        id=0,
        input=submitted,
        advice=advice,
        decided_by=actor.person_id,
        decided_by_agency=actor.agency_id,
        decided_at=now,
    )


def _check_request(uow: UnitOfWork, actor: Actor, submitted: DecisionInput) -> None:
    """A record may say it answers a request only if that request was made to the actor's agency about its subject."""
    stored = uow.requests.get(submitted.request_id)
    if stored is None or stored.target_agency_id != actor.agency_id:
        raise InvalidInput.of("request_id", "no request to your agency has this id")
    if stored.subject_id not in submitted.subject_ids:
        raise InvalidInput.of("request_id", "this request is about a subject the record does not name")
