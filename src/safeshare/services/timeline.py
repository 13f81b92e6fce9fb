"""A child's timeline: everything the reader may see about one subject, newest first, in one paged list;
and the read-only lists the safeguarding and governance leads start from.

Decisions, consents, requests (sent and received) and disclosures (sent and received) are merged in the
database (`store/repositories/timeline.py`), each kind filtered by the same need-to-know rules as the use
case that shows the record itself, so every entry links to a page the reader may open.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from safeshare.domain.access import Grant
from safeshare.domain.advice import Outcome
from safeshare.domain.consent import ConsentStatus
from safeshare.domain.decisions import Decision, DecisionRecord, SharedItem
from safeshare.domain.disclosures import SubjectIdentity
from safeshare.domain.model import DomainModel
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission
from safeshare.domain.requests import RequestStatus
from safeshare.services.access_log import log_read, log_records_read
from safeshare.services.context import Actor
from safeshare.services.need_to_know import identities_of, receiving_roles, record_access
from safeshare.services.subjects import SubjectSearch
from safeshare.services.use_case import Service, use_case
from safeshare.store.repositories.timeline import TimelineRef, TimelineScope, decisions_with_outcome, timeline_page
from safeshare.store.unit_of_work import UnitOfWork
from safeshare.store.visibility import visible_subject_ids


class TimelineKind(StrEnum):
    DECISION = "decision"
    CONSENT = "consent"
    REQUEST_SENT = "request_sent"
    REQUEST_RECEIVED = "request_received"
    DISCLOSURE_SENT = "disclosure_sent"
    DISCLOSURE_RECEIVED = "disclosure_received"


class TimelineEntry(DomainModel):
    """One record on the timeline: when, what kind, a line saying what it is, and where to read it."""

    kind: TimelineKind
    at: dt.datetime
    record_id: str = Field(description="The id (or ledger number) of the record, for its own page.")
    summary: str = Field(description="The record's own words: the question decided, what consent covers, a purpose.")
    agency_name: str | None = Field(default=None, description="The other agency: who asked, was asked, sent or received.")
    decision: Decision | None = None
    follows_advice: bool | None = None
    consent_status: ConsentStatus | None = None
    request_status: RequestStatus | None = None
    overdue: bool = False
    urgent: bool = False
    items: tuple[SharedItem, ...] = Field(default=(), description="A disclosure's items, facts and opinions marked.")

    @property
    def reference(self) -> str:
        """How the access log names the record."""
        kind = self.kind.value.split("_", 1)[0]
        return f"{kind}:{self.record_id}"


class Timeline(DomainModel):
    subject: SubjectIdentity
    grant: Grant = Field(description="Under which grant the reader sees it; a recipient sees only what was disclosed to them.")
    entries: Page[TimelineEntry]


def _scope(actor: Actor, subject_id: str, grant: Grant) -> TimelineScope:
    """The kinds of record the reader may see, mirroring the use case that shows each record."""
    holder = grant is Grant.HOLDER
    return TimelineScope(
        subject_id=subject_id,
        agency_id=actor.agency_id,
        person_id=actor.person_id,
        receiving_roles=receiving_roles(actor),
        decisions=actor.may(Permission.DECISIONS_READ),  # the agency's own decisions (DecisionService.for_subject)
        consents=holder and actor.may(Permission.CONSENT_READ),  # the register is the holder's
        requests_sent=holder and actor.may(Permission.REQUESTS_SEND),
        requests_received=actor.may(Permission.REQUESTS_ANSWER),
        requests_received_by_anyone=actor.may(Permission.OVERSIGHT_READ),
        disclosures_sent=actor.may(Permission.DISCLOSURES_SEND),
        disclosures_received=actor.may(Permission.DISCLOSURES_RECEIVE),
    )


def _entries(uow: UnitOfWork, refs: list[TimelineRef], now: dt.datetime) -> list[TimelineEntry]:
    by_kind: dict[str, list[str]] = {}
    for ref in refs:
        by_kind.setdefault(ref.kind, []).append(ref.id)
    decisions = {str(i): uow.decisions.get(int(i)) for i in by_kind.get("decision", [])}
    consents = {i: uow.consents.get(i) for i in by_kind.get("consent", [])}
    requests = {i: uow.requests.get(i) for i in by_kind.get("request_sent", []) + by_kind.get("request_received", [])}
    disclosure_ids = by_kind.get("disclosure_sent", []) + by_kind.get("disclosure_received", [])
    disclosures = uow.disclosures.get_many(disclosure_ids)
    recipients = uow.disclosures.recipients(disclosure_ids)
    agency_ids = [r.requester_agency_id for r in requests.values()] + [r.target_agency_id for r in requests.values()]
    agency_ids += [d.sender_agency_id for d in disclosures.values()]
    agency_ids += [x.recipient.agency_id for rows in recipients.values() for x in rows]
    names = uow.disclosures.agency_names(agency_ids)

    entries = []
    for ref in refs:
        kind = TimelineKind(ref.kind)
        common = {"kind": kind, "at": ref.at, "record_id": ref.id}
        if kind is TimelineKind.DECISION:
            record = decisions[ref.id]
            entries.append(TimelineEntry(**common, summary=record.input.question, decision=record.input.decision,
                                         follows_advice=record.follows_advice))
        elif kind is TimelineKind.CONSENT:
            consent = consents[ref.id]
            entries.append(TimelineEntry(**common, summary=", ".join(consent.input.information), consent_status=consent.status))
        elif kind in (TimelineKind.REQUEST_SENT, TimelineKind.REQUEST_RECEIVED):
            stored = requests[ref.id]
            other = stored.target_agency_id if kind is TimelineKind.REQUEST_SENT else stored.requester_agency_id
            status = RequestStatus(stored.status)
            entries.append(TimelineEntry(**common, summary=stored.purpose, agency_name=names.get(other), request_status=status,
                                         overdue=status is RequestStatus.OPEN and stored.respond_by < now))
        else:
            stored = disclosures[ref.id]
            if kind is TimelineKind.DISCLOSURE_RECEIVED:
                other = names.get(stored.sender_agency_id)
            else:
                other = ", ".join(dict.fromkeys(names.get(x.recipient.agency_id, "") for x in recipients[ref.id])) or None
            entries.append(TimelineEntry(**common, summary=stored.purpose, agency_name=other, urgent=stored.urgent, items=stored.items))
    return entries


class TimelineService(Service):
    @use_case(Permission.SUBJECTS_READ)
    def for_subject(self, uow: UnitOfWork, actor: Actor, subject_id: str, page: PageRequest) -> Timeline:
        """Everything the reader may see about a subject, newest first.

        A holder (or a reader with emergency access) sees their agency's records about the subject; a reader
        the subject's information was only disclosed to sees the items disclosed to them (and their agency's
        own records, such as an onward share), never the sender's. Anyone else gets the same NotFound as for
        an id that does not exist.
        """
        now = self.now()
        access = record_access(uow, actor, subject_id, now)
        found = timeline_page(uow.connection, _scope(actor, subject_id, access.grant), page)
        entries = _entries(uow, found.items, now)
        log_read(uow, actor, "subject.timeline", [subject_id], now, access.grant, [e.reference for e in entries], access.ref)
        return Timeline(
            subject=identities_of(uow, [subject_id])[subject_id],
            grant=access.grant,
            entries=Page(items=entries, total=found.total, offset=found.offset, limit=found.limit),
        )

    @use_case(Permission.OVERSIGHT_READ)
    def advice_requests(self, uow: UnitOfWork, actor: Actor, page: PageRequest) -> Page[DecisionRecord]:
        """Decisions at the reader's agency where the guidance advised seeking advice first, newest first:
        the safeguarding lead's queue of colleagues who may need their advice."""
        found = decisions_with_outcome(uow.connection, actor.agency_id, Outcome.seek_advice.value, page)
        records = [uow.decisions.get(i) for i in found.items]
        subjects = [s for r in records for s in r.input.subject_ids]
        log_records_read(uow, actor, "decision.advice_requests", subjects, self.now(), [f"decision:{r.id}" for r in records])
        return Page(items=records, total=found.total, offset=found.offset, limit=found.limit)

    @use_case(Permission.ACCESS_LOG_READ)
    def find_for_access_history(self, uow: UnitOfWork, actor: Actor, terms: SubjectSearch, page: PageRequest) -> Page[SubjectIdentity]:
        """Children and adults the governance lead's agency holds, by the same terms as the casework search, so
        the lead can open one's access history. Only the minimal identity is returned; the search is logged."""
        found = uow.subjects.search(
            visible_subject_ids(actor.agency_id), page, name=terms.name, date_of_birth=terms.date_of_birth, nhs_number=terms.nhs_number
        )
        log_read(uow, actor, "access_log.find_subject", [s.id for s in found.items], self.now(), Grant.ROLE)
        identities = [
            SubjectIdentity(id=s.id, given_name=s.details.given_name, family_name=s.details.family_name, date_of_birth=s.details.date_of_birth)
            for s in found.items
        ]
        return Page(items=identities, total=found.total, offset=found.offset, limit=found.limit)
