"""Advice from the guidance, and the sealed record of every decision to share or not (R1-R9, R13)."""

from __future__ import annotations

from safeshare.domain.access import Grant
from safeshare.domain.advice import Advice, CaseFacts
from safeshare.domain.decisions import DecisionInput, DecisionRecord, check_decision
from safeshare.domain.errors import InvalidInput, NotFound
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission
from safeshare.services.access_log import log_read
from safeshare.services.context import Actor
from safeshare.services.need_to_know import require_holder, subject_grant
from safeshare.services.use_case import Service, use_case
from safeshare.store.unit_of_work import UnitOfWork

NO_DECISION = "decision_id: no decision record you may see has this number"


class DecisionService(Service):
    @use_case(Permission.ADVICE_REQUEST)
    def advise(self, uow: UnitOfWork, actor: Actor, facts: CaseFacts, guidance_version: str | None = None) -> Advice:
        """Advice touches no record about a person, so it can be asked without naming anyone (R8)."""
        return self.context.guidance(guidance_version).advise(facts)

    @use_case(Permission.DECISIONS_RECORD)
    def record(self, uow: UnitOfWork, actor: Actor, submitted: DecisionInput, guidance_version: str | None = None) -> DecisionRecord:
        """Seal a decision in the ledger. The advice is worked out again here, never taken from the caller."""
        for subject_id in submitted.subject_ids:
            require_holder(uow, actor, subject_id)
        self._check_recipients(uow, submitted)
        if submitted.corrects is not None:
            if uow.decisions.agency_of(submitted.corrects) != actor.agency_id:
                raise InvalidInput.of("corrects", "no decision record of your agency has this number")
        advice = self.context.guidance(guidance_version).advise(submitted.facts)
        check_decision(submitted, advice)
        record = DecisionRecord(
            id=0,
            input=submitted,
            advice=advice,
            decided_by=actor.person_id,
            decided_by_agency=actor.agency_id,
            decided_at=self.now(),
        )
        return uow.decisions.append(record)

    @use_case(Permission.DECISIONS_READ)
    def get(self, uow: UnitOfWork, actor: Actor, decision_id: int) -> DecisionRecord:
        if uow.decisions.agency_of(decision_id) != actor.agency_id:
            raise NotFound(NO_DECISION)
        record = uow.decisions.get(decision_id)
        grants = [subject_grant(uow, actor, s) for s in record.input.subject_ids]
        log_read(uow, actor, "decision.view", record.input.subject_ids, self.now(), grants[0], [f"decision:{decision_id}"])
        return record

    @use_case(Permission.DECISIONS_READ)
    def for_subject(self, uow: UnitOfWork, actor: Actor, subject_id: str, page: PageRequest) -> Page[DecisionRecord]:
        grant = subject_grant(uow, actor, subject_id)
        found = uow.decisions.list(page, actor.agency_id, subject_id=subject_id)
        log_read(uow, actor, "decision.list", [subject_id], self.now(), grant, [f"decision:{d.id}" for d in found.items])
        return found

    @use_case(Permission.DECISIONS_READ)
    def mine(self, uow: UnitOfWork, actor: Actor, page: PageRequest) -> Page[DecisionRecord]:
        found = uow.decisions.list(page, actor.agency_id, decided_by=actor.person_id)
        subjects = [s for d in found.items for s in d.input.subject_ids]
        log_read(uow, actor, "decision.list", subjects, self.now(), Grant.HOLDER, [f"decision:{d.id}" for d in found.items])
        return found

    @staticmethod
    def _check_recipients(uow: UnitOfWork, submitted: DecisionInput) -> None:
        for index, recipient in enumerate(submitted.recipients):
            if uow.agencies.get(recipient.agency_id) is None:
                raise InvalidInput.of(f"recipients.{index}.agency_id", "no agency has this id")
            if recipient.person_id:
                person = uow.people.get(recipient.person_id)
                if person is None or person.agency_id != recipient.agency_id or person.disabled:
                    raise InvalidInput.of(f"recipients.{index}.person_id", "no active person at that agency has this id")
