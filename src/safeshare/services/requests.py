"""Requests for information (R11): asked of an agency, answered through the decision aid.

The requester's agency must hold the subject. The request goes to an agency; the request does not show
whether that agency holds the subject until it answers (the child's page lists the agencies that know them).
The agency asked answers by sharing (a decision and a disclosure), by refusing (a decision not to share,
whose reasons go back to the requester, 000 "Record"), or, when it holds nothing about the person, by saying so.
"""

from __future__ import annotations

import datetime as dt

from safeshare.domain.access import Grant
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.errors import Conflict, InvalidInput, NotFound
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission, permissions_of
from safeshare.domain.requests import (
    InformationRequest,
    NotHeld,
    RequestAnswer,
    RequestInput,
    RequestStatus,
    Urgency,
)
from safeshare.services.access_log import log_read
from safeshare.services.context import Actor
from safeshare.services.decisions import seal_decision
from safeshare.services.disclosures import send_disclosure
from safeshare.services.idempotency import Idempotent, ref_id
from safeshare.services.need_to_know import held_by_agency, identities_of, require_holder
from safeshare.services.use_case import Service, new_id, use_case
from safeshare.store.repositories.requests import StoredRequest
from safeshare.store.unit_of_work import UnitOfWork

NO_REQUEST = "request_id: no request you may see has this id"
CLOSED_MEANWHILE = "this request was answered or withdrawn at the same moment: look at it again"


def respond_within(settings, urgency: Urgency) -> dt.timedelta:
    hours = {
        Urgency.IMMEDIATE: settings.respond_within_hours_immediate,
        Urgency.URGENT: settings.respond_within_hours_urgent,
        Urgency.ROUTINE: settings.respond_within_hours_routine,
    }[urgency]
    return dt.timedelta(hours=hours)


def _views(uow: UnitOfWork, stored: list[StoredRequest], now: dt.datetime, target_side: bool) -> list[InformationRequest]:
    subjects = identities_of(uow, [r.subject_id for r in stored])
    held: dict[str, set[str]] = {}
    if target_side:
        for target in {r.target_agency_id for r in stored}:
            held[target] = held_by_agency(uow, target, [r.subject_id for r in stored if r.target_agency_id == target])
    views = []
    for r in stored:
        answered = r.status != RequestStatus.OPEN.value
        views.append(
            InformationRequest(
                id=r.id,
                subject=subjects[r.subject_id],
                requester_agency_id=r.requester_agency_id,
                requester_person_id=r.requester_person_id,
                target_agency_id=r.target_agency_id,
                target_person_id=r.target_person_id,
                purpose=r.purpose,
                purpose_category=r.purpose_category,
                gateway=r.gateway,
                why_needed=r.why_needed,
                information_sought=tuple(r.information_sought),
                urgency=r.urgency,
                respond_by=r.respond_by,
                created_at=r.created_at,
                status=r.status,
                overdue=not answered and r.respond_by < now,
                answered_at=r.answered_at,
                answered_by=r.answered_by,
                answer_reasons=r.answer_reasons,
                decision_id=r.decision_id,
                disclosure_id=r.disclosure_id,
                target_holds_subject=(r.subject_id in held[r.target_agency_id]) if target_side else None,
            )
        )
    return views


def _is_target(actor: Actor, stored: StoredRequest) -> bool:
    if stored.target_agency_id != actor.agency_id or not actor.may(Permission.REQUESTS_ANSWER):
        return False
    return stored.target_person_id in (None, actor.person_id) or actor.may(Permission.OVERSIGHT_READ)


def _require_closed(closed: bool) -> None:
    """Refuse (so the whole answer, decision and disclosure included, is rolled back) if someone closed it first."""
    if not closed:
        raise Conflict.of("request_id", CLOSED_MEANWHILE)


def _request_ref(found: InformationRequest) -> str:
    return f"request:{found.id}"


def _sent_again(service: RequestService, uow: UnitOfWork, actor: Actor, ref: str) -> InformationRequest:
    """A request sent with a key that was used before: the request it sent, as the requester sees it."""
    stored = uow.requests.get(ref_id(ref))
    if stored is None or stored.requester_agency_id != actor.agency_id or not uow.subjects.is_held_by(stored.subject_id, actor.agency_id):
        raise NotFound(NO_REQUEST)
    now = service.now()
    log_read(uow, actor, "request.replay", [stored.subject_id], now, Grant.HOLDER, [ref])
    return _views(uow, [stored], now, target_side=False)[0]


def _answered_again(service: RequestService, uow: UnitOfWork, actor: Actor, ref: str) -> InformationRequest:
    """An answer sent with a key that was used before: the request as that answer left it, as the agency asked sees it."""
    stored = uow.requests.get(ref_id(ref))
    if stored is None or not _is_target(actor, stored):
        raise NotFound(NO_REQUEST)
    now = service.now()
    service._log_target(uow, actor, [stored], now, "request.replay")
    return _views(uow, [stored], now, target_side=True)[0]


SENDING = Idempotent("request.send", _request_ref, _sent_again)
ANSWERING = Idempotent("request.answer", _request_ref, _answered_again)
ANSWERING_NOT_HELD = Idempotent("request.not_held", _request_ref, _answered_again)


class RequestService(Service):
    @use_case(Permission.REQUESTS_SEND, SENDING)
    def send(self, uow: UnitOfWork, actor: Actor, submitted: RequestInput) -> InformationRequest:
        """Ask another agency for information about a subject your agency holds."""
        require_holder(uow, actor, submitted.subject_id)
        if uow.agencies.get(submitted.target_agency_id) is None:
            raise InvalidInput.of("target_agency_id", "no agency has this id")
        if submitted.target_agency_id == actor.agency_id:
            raise InvalidInput.of("target_agency_id", "ask another agency: your own agency's records are already open to you")
        if submitted.target_person_id is not None:
            person = uow.people.get(submitted.target_person_id)
            if (
                person is None
                or person.disabled
                or person.agency_id != submitted.target_agency_id
                or Permission.REQUESTS_ANSWER not in permissions_of(person.roles)
            ):
                raise InvalidInput.of("target_person_id", "no active person at that agency who answers requests has this id")
        now = self.now()
        respond_by = submitted.respond_by or now + respond_within(self.context.settings, submitted.urgency)
        if respond_by <= now:
            raise InvalidInput.of("respond_by", "must be in the future")
        stored = StoredRequest(
            id=new_id(),
            subject_id=submitted.subject_id,
            requester_agency_id=actor.agency_id,
            requester_person_id=actor.person_id,
            target_agency_id=submitted.target_agency_id,
            target_person_id=submitted.target_person_id,
            purpose=submitted.purpose,
            purpose_category=submitted.purpose_category.value,
            gateway=submitted.gateway.value if submitted.gateway else None,
            why_needed=submitted.why_needed,
            information_sought=list(submitted.information_sought),
            urgency=submitted.urgency.value,
            respond_by=respond_by,
            created_at=now,
            status=RequestStatus.OPEN.value,
            answered_at=None,
            answered_by=None,
            answer_reasons=None,
            decision_id=None,
            disclosure_id=None,
        )
        uow.requests.add(stored)
        return _views(uow, [stored], now, target_side=False)[0]

    @use_case(Permission.REQUESTS_SEND)
    def get(self, uow: UnitOfWork, actor: Actor, request_id: str) -> InformationRequest:
        """A request, from either end: the requester sees its status and answer; the agency asked sees what is asked."""
        stored = uow.requests.get(request_id)
        if stored is None:
            raise NotFound(NO_REQUEST)
        now = self.now()
        if stored.requester_agency_id == actor.agency_id and uow.subjects.is_held_by(stored.subject_id, actor.agency_id):
            view = _views(uow, [stored], now, target_side=False)[0]
            log_read(uow, actor, "request.view", [stored.subject_id], now, Grant.HOLDER, [f"request:{request_id}"])
            return view
        if _is_target(actor, stored):
            view = _views(uow, [stored], now, target_side=True)[0]
            self._log_target(uow, actor, [stored], now, "request.view")
            return view
        raise NotFound(NO_REQUEST)

    @use_case(Permission.REQUESTS_SEND)
    def sent(
        self, uow: UnitOfWork, actor: Actor, page: PageRequest, status: RequestStatus | None = None, whole_agency: bool = False
    ) -> Page[InformationRequest]:
        """Requests I sent (or my agency sent), with their status."""
        person = None if whole_agency else actor.person_id
        found = uow.requests.sent_by(actor.agency_id, person, page, status)  # only subjects the agency holds
        now = self.now()
        views = _views(uow, found.items, now, target_side=False)
        log_read(uow, actor, "request.sent", [r.subject_id for r in found.items], now, Grant.HOLDER, [f"request:{r.id}" for r in found.items])
        return Page(items=views, total=found.total, offset=found.offset, limit=found.limit)

    @use_case(Permission.REQUESTS_ANSWER)
    def to_answer(self, uow: UnitOfWork, actor: Actor, page: PageRequest) -> Page[InformationRequest]:
        """Open requests I must answer: to me, or to my agency with no one named; all of them for oversight roles."""
        return self._inbox(uow, actor, page, overdue_only=False)

    @use_case(Permission.REQUESTS_ANSWER)
    def overdue(self, uow: UnitOfWork, actor: Actor, page: PageRequest) -> Page[InformationRequest]:
        """Open requests past their respond-by time, for the agency asked and its safeguarding lead."""
        return self._inbox(uow, actor, page, overdue_only=True)

    def _inbox(self, uow: UnitOfWork, actor: Actor, page: PageRequest, overdue_only: bool) -> Page[InformationRequest]:
        now = self.now()
        found = uow.requests.to_answer(
            actor.agency_id,
            actor.person_id,
            page,
            whole_agency=actor.may(Permission.OVERSIGHT_READ),
            due_before=now if overdue_only else None,
        )
        views = _views(uow, found.items, now, target_side=True)
        self._log_target(uow, actor, found.items, now, "request.inbox")
        return Page(items=views, total=found.total, offset=found.offset, limit=found.limit)

    @staticmethod
    def _log_target(uow: UnitOfWork, actor: Actor, stored: list[StoredRequest], now: dt.datetime, action: str) -> None:
        """One entry for the subjects the agency holds, one for those only the requests named to it."""
        holding = held_by_agency(uow, actor.agency_id, [r.subject_id for r in stored])
        held = [r for r in stored if r.subject_id in holding]
        named = [r for r in stored if r.subject_id not in holding]
        log_read(uow, actor, action, [r.subject_id for r in held], now, Grant.HOLDER, [f"request:{r.id}" for r in held])
        # The request itself disclosed who it is about: that is the grant, and the request is its reference.
        ref = f"request:{named[0].id}" if len(named) == 1 else None
        log_read(uow, actor, action, [r.subject_id for r in named], now, Grant.DISCLOSURE, [f"request:{r.id}" for r in named], ref)

    def _open_for_target(self, uow: UnitOfWork, actor: Actor, request_id: str) -> StoredRequest:
        stored = uow.requests.get(request_id)
        if stored is None or not _is_target(actor, stored):
            raise NotFound(NO_REQUEST)
        if stored.status != RequestStatus.OPEN.value:
            raise Conflict.of("request_id", f"this request is no longer open ({stored.status})")
        return stored

    @use_case(Permission.REQUESTS_ANSWER, ANSWERING)
    def answer(self, uow: UnitOfWork, actor: Actor, request_id: str, answer: RequestAnswer) -> InformationRequest:
        """Answer through the decision aid: share (decision and disclosure to the requester) or refuse with reasons."""
        stored = self._open_for_target(uow, actor, request_id)
        if not uow.subjects.is_held_by(stored.subject_id, actor.agency_id):
            raise InvalidInput.of("request_id", "your agency does not hold this subject: answer that you hold nothing (not-held)")
        decision = answer.decision
        if tuple(decision.subject_ids) != (stored.subject_id,):
            raise InvalidInput.of("decision.subject_ids", "must be exactly the subject of the request")
        decision = decision.model_copy(update={"request_id": request_id})
        now = self.now()
        if decision.decision is Decision.SHARE:
            requester = uow.people.get(stored.requester_person_id)
            reaches_requester = any(
                r.person_id == requester.id or (r.person_id is None and r.agency_id == requester.agency_id and r.role in {x.value for x in requester.roles})
                for r in decision.recipients
            )
            if not reaches_requester:
                raise InvalidInput.of("decision.recipients", "send the answer to the requester, or to a role they hold at their agency")
            disclosure = send_disclosure(
                self.context,
                uow,
                actor,
                DisclosureInput(
                    decision=decision,
                    forwarded_items=answer.forwarded_items,
                    limits_on_use=answer.limits_on_use,
                    urgent=stored.urgency != Urgency.ROUTINE.value,
                ),
                request_id=request_id,
            )
            closed = uow.requests.answer(
                request_id, stored.subject_id, RequestStatus.SHARED, actor.person_id, now, decision.reasons, disclosure.decision_id, disclosure.id
            )
        else:
            if answer.forwarded_items:
                raise InvalidInput.of("forwarded_items", "a decision not to share sends nothing")
            record = seal_decision(self.context, uow, actor, decision)
            # The reasons go back to the requester, so the decision not to share can be discussed (R11).
            closed = uow.requests.answer(request_id, stored.subject_id, RequestStatus.REFUSED, actor.person_id, now, decision.reasons, record.id)
        _require_closed(closed)
        answered = uow.requests.get(request_id)
        self._log_target(uow, actor, [answered], now, "request.answer")
        return _views(uow, [answered], now, target_side=True)[0]

    @use_case(Permission.REQUESTS_ANSWER, ANSWERING_NOT_HELD)
    def answer_not_held(self, uow: UnitOfWork, actor: Actor, request_id: str, answer: NotHeld) -> InformationRequest:
        """Tell the requester that the agency holds no record of the person."""
        stored = self._open_for_target(uow, actor, request_id)
        if uow.subjects.is_held_by(stored.subject_id, actor.agency_id):
            raise InvalidInput.of(
                "request_id", "your agency holds this subject: answer through the decision aid (share, or refuse with reasons)"
            )
        now = self.now()
        _require_closed(uow.requests.answer(request_id, stored.subject_id, RequestStatus.NOT_HELD, actor.person_id, now, answer.note))
        answered = uow.requests.get(request_id)
        self._log_target(uow, actor, [answered], now, "request.answer")
        return _views(uow, [answered], now, target_side=True)[0]

    @use_case(Permission.REQUESTS_SEND)
    def cancel(self, uow: UnitOfWork, actor: Actor, request_id: str, reason: str) -> InformationRequest:
        """The requester withdraws a request that is no longer needed."""
        stored = uow.requests.get(request_id)
        if stored is None or stored.requester_agency_id != actor.agency_id or not uow.subjects.is_held_by(stored.subject_id, actor.agency_id):
            raise NotFound(NO_REQUEST)
        if stored.status != RequestStatus.OPEN.value:
            raise Conflict.of("request_id", f"this request is no longer open ({stored.status})")
        if not reason.strip():
            raise InvalidInput.of("reason", "say why the request is withdrawn")
        now = self.now()
        _require_closed(uow.requests.answer(request_id, stored.subject_id, RequestStatus.CANCELLED, actor.person_id, now, reason.strip()[:2000]))
        return _views(uow, [uow.requests.get(request_id)], now, target_side=False)[0]
