"""The exchange (R9, R10, R12, R22): chosen items sent to named recipients under a sealed decision to share.

Recipients see only the items sent to them (and who they are about), never the sender's other records.
Onward sharing of received items needs the sender's permission and is itself a new decision and disclosure.
"""

from __future__ import annotations

import datetime as dt

from safeshare.domain.access import Grant
from safeshare.domain.consent import ConsentStatus
from safeshare.domain.decisions import Decision, DecisionRecord, SharedItem
from safeshare.domain.disclosures import (
    Disclosure,
    DisclosureInput,
    FamilyInformed,
    FamilyStatus,
    FamilyUpdate,
    WithdrawalNotice,
    family_from_decision,
)
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.people import Role
from safeshare.domain.permissions import ROLE_PERMISSIONS, Permission, permissions_of
from safeshare.services.access_log import log_read
from safeshare.services.clock import CLOCK_SLACK
from safeshare.services.consents import apply_consent
from safeshare.services.context import Actor
from safeshare.services.decisions import seal_decision
from safeshare.services.need_to_know import (
    NOT_DISCLOSED,
    NOT_VISIBLE,
    held_by_agency,
    identities_of,
    is_recipient,
    receiving_roles,
)
from safeshare.services.idempotency import Idempotent, ref_id
from safeshare.services.use_case import Service, ServiceContext, new_id, use_case
from safeshare.store.repositories.disclosures import StoredDisclosure
from safeshare.store.unit_of_work import UnitOfWork

RECEIVING_ROLES = sorted(r.value for r in Role if Permission.DISCLOSURES_RECEIVE in ROLE_PERMISSIONS[r])


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput.of(field, message)


def _forbidden(field: str, message: str) -> Forbidden:
    return Forbidden(f"{field}: {message}", (Problem(field, message),))


def send_disclosure(
    context: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    submitted: DisclosureInput,
    request_id: str | None = None,
) -> Disclosure:
    """Seal the decision to share, then send its items to its recipients, in the caller's transaction."""
    decision = submitted.decision
    if decision.decision is not Decision.SHARE:
        raise _invalid("decision.decision", "a disclosure follows a decision to share")
    if len(decision.subject_ids) != 1:
        raise _invalid("decision.subject_ids", "a disclosure is about one subject: send one for each")
    subject_id = decision.subject_ids[0]
    holder = uow.subjects.is_held_by(subject_id, actor.agency_id)
    forwarded, sources = _forwarded_items(uow, actor, submitted, subject_id)
    if not holder:
        if not forwarded:
            raise NotFound(NOT_VISIBLE)
        if decision.information_shared:
            raise _invalid(
                "decision.information_shared",
                "your agency does not hold this subject: you can only pass on items disclosed to you (forwarded_items)",
            )
    else:
        _refuse_unmarked_reshare(uow, actor, subject_id, decision.information_shared)
    _check_recipients(uow, decision)
    full = decision.model_copy(update={"information_shared": tuple(decision.information_shared) + tuple(forwarded)})
    if request_id is not None:
        full = full.model_copy(update={"request_id": request_id})
    now = context.clock()
    _, standing = apply_consent(uow, actor, full, now)
    record: DecisionRecord = seal_decision(context, uow, actor, full)
    consent_id = standing.consent_id if standing is not None and standing.details is not None else None
    stored = StoredDisclosure(
        id=new_id(),
        decision_id=record.id,
        subject_id=subject_id,
        sender_agency_id=actor.agency_id,
        sender_person_id=actor.person_id,
        sent_at=now,
        purpose=record.input.facts.purpose,
        purpose_category=record.input.facts.purpose_category.value,
        items=record.input.information_shared,
        lawful_bases=record.input.lawful_bases,
        onward_sharing_allowed=record.input.onward_sharing_allowed,
        limits_on_use=submitted.limits_on_use or (record.input.consent.limits if record.input.consent else None),
        secure_method=record.input.secure_method,
        urgent=submitted.urgent,
        request_id=request_id,
        forwarded_from=tuple(dict.fromkeys(sources)),
        consent_id=consent_id,
        family=family_from_decision(record.input.family_told, now),
    )
    stored = uow.disclosures.add(stored, record.input.recipients)
    return disclosure_views(uow, [stored])[0]


def _forwarded_items(uow: UnitOfWork, actor: Actor, submitted: DisclosureInput, subject_id: str) -> tuple[list[SharedItem], list[str]]:
    items: list[SharedItem] = []
    sources: list[str] = []
    for index, ref in enumerate(submitted.forwarded_items):
        field = f"forwarded_items.{index}"
        source = uow.disclosures.get(ref.disclosure_id)
        if source is None or not is_recipient(uow, actor, ref.disclosure_id):
            message = NOT_DISCLOSED.split(": ", 1)[1]
            raise NotFound(f"{field}.disclosure_id: {message}", (Problem(f"{field}.disclosure_id", message),))
        if source.subject_id != subject_id:
            raise _invalid(field, "this item is about a different subject from the decision")
        if ref.index >= len(source.items):
            raise _invalid(f"{field}.index", f"that disclosure has {len(source.items)} items, numbered from 0")
        if not source.onward_sharing_allowed:
            raise _forbidden(field, "the sender did not allow this information to be passed on: ask them first")
        if source.consent_id:
            consent = uow.consents.get(source.consent_id)
            if consent is not None and consent.status is ConsentStatus.WITHDRAWN:
                raise _forbidden(field, "the consent this was shared under has been withdrawn")
        items.append(source.items[ref.index])
        sources.append(source.id)
    return items, sources


def _refuse_unmarked_reshare(uow: UnitOfWork, actor: Actor, subject_id: str, own: tuple[SharedItem, ...]) -> None:
    """An item received from another agency may not be passed on as if it were the agency's own."""
    if not own:
        return
    received = uow.disclosures.received_items(actor.agency_id, subject_id)
    for index, item in enumerate(own):
        for source in received:
            if source.sender_agency_id != actor.agency_id and not source.onward_sharing_allowed and item in source.items:
                raise _forbidden(
                    f"decision.information_shared.{index}",
                    "this item was disclosed to your agency by another agency, which did not allow onward sharing",
                )


def _check_recipients(uow: UnitOfWork, decision) -> None:
    for index, recipient in enumerate(decision.recipients):
        field = f"decision.recipients.{index}"
        if uow.agencies.get(recipient.agency_id) is None:
            raise _invalid(f"{field}.agency_id", "no agency has this id")
        if recipient.person_id:
            person = uow.people.get(recipient.person_id)
            if person is None or person.agency_id != recipient.agency_id or person.disabled:
                raise _invalid(f"{field}.person_id", "no active person at that agency has this id")
            if Permission.DISCLOSURES_RECEIVE not in permissions_of(person.roles):
                raise _invalid(f"{field}.person_id", "this person's roles do not receive disclosures")
        elif recipient.role not in RECEIVING_ROLES:
            raise _invalid(
                f"{field}.role", f"name a person, or one of the roles that receive disclosures: {', '.join(RECEIVING_ROLES)}"
            )


def disclosure_views(uow: UnitOfWork, stored: list[StoredDisclosure]) -> list[Disclosure]:
    """The sender's and recipients' view: the package, who it is about, who it went to, and any withdrawal."""
    subjects = identities_of(uow, [d.subject_id for d in stored])
    recipients = uow.disclosures.recipients([d.id for d in stored])
    agencies = uow.disclosures.agency_names([d.sender_agency_id for d in stored])
    views = []
    for d in stored:
        notice = None
        if d.consent_id:
            consent = uow.consents.get(d.consent_id)
            if consent is not None and consent.withdrawal is not None:
                notice = WithdrawalNotice(consent_id=consent.id, withdrawn_at=consent.withdrawal.withdrawn_at)
        views.append(
            Disclosure(
                id=d.id,
                decision_id=d.decision_id,
                subject=subjects[d.subject_id],
                sender_agency_id=d.sender_agency_id,
                sender_agency_name=agencies[d.sender_agency_id],
                sender_person_id=d.sender_person_id,
                sent_at=d.sent_at,
                purpose=d.purpose,
                purpose_category=d.purpose_category,
                items=d.items,
                lawful_bases=d.lawful_bases,
                onward_sharing_allowed=d.onward_sharing_allowed,
                limits_on_use=d.limits_on_use,
                secure_method=d.secure_method,
                urgent=d.urgent,
                request_id=d.request_id,
                forwarded_from=d.forwarded_from,
                consent_id=d.consent_id,
                consent_withdrawn=notice,
                family=d.family,
                recipients=tuple(recipients[d.id]),
                ledger_seq=d.ledger_seq,
            )
        )
    return views


def _records(found: list[Disclosure]) -> list[str]:
    return [f"disclosure:{d.id}" for d in found]


def _sent_again(service: DisclosureService, uow: UnitOfWork, actor: Actor, ref: str) -> Disclosure:
    """A disclosure sent with a key that was used before: the disclosure it sent, as its sender sees it."""
    stored = uow.disclosures.get(ref_id(ref))
    if stored is None or stored.sender_agency_id != actor.agency_id:
        raise NotFound(NOT_DISCLOSED)
    grant = Grant.HOLDER if uow.subjects.is_held_by(stored.subject_id, actor.agency_id) else Grant.DISCLOSURE
    view = disclosure_views(uow, [stored])[0]
    log_read(uow, actor, "disclosure.replay", [stored.subject_id], service.now(), grant, _records([view]))
    return view


SENDING = Idempotent("disclosure.send", lambda sent: f"disclosure:{sent.id}", _sent_again)


class DisclosureService(Service):
    @use_case(Permission.DISCLOSURES_SEND, SENDING)
    def send(self, uow: UnitOfWork, actor: Actor, submitted: DisclosureInput) -> Disclosure:
        """Record the decision to share and send the chosen items to the named recipients."""
        return send_disclosure(self.context, uow, actor, submitted)

    @use_case(Permission.DISCLOSURES_RECEIVE)
    def get(self, uow: UnitOfWork, actor: Actor, disclosure_id: str) -> Disclosure:
        """One disclosure, for a recipient (its items only) or for the agency that sent it."""
        # Need-to-know is part of the same query: is it addressed to the reader or their role?
        found = uow.disclosures.get_for(disclosure_id, actor.person_id, actor.agency_id, receiving_roles(actor))
        if found is None:
            raise NotFound(NOT_DISCLOSED)
        stored, addressed = found
        if addressed:
            grant = Grant.DISCLOSURE
        elif stored.sender_agency_id == actor.agency_id and actor.may(Permission.DISCLOSURES_SEND):
            grant = Grant.HOLDER if uow.subjects.is_held_by(stored.subject_id, actor.agency_id) else Grant.DISCLOSURE
        else:
            raise NotFound(NOT_DISCLOSED)
        view = disclosure_views(uow, [stored])[0]
        log_read(uow, actor, "disclosure.view", [stored.subject_id], self.now(), grant, _records([view]), f"disclosure:{disclosure_id}")
        return view

    @use_case(Permission.DISCLOSURES_RECEIVE)
    def incoming(
        self, uow: UnitOfWork, actor: Actor, page: PageRequest, unacknowledged_only: bool = False, urgent_only: bool = False
    ) -> Page[Disclosure]:
        """Disclosures sent to me or to one of my roles at my agency, newest first."""
        found = uow.disclosures.incoming(
            actor.person_id, actor.agency_id, receiving_roles(actor), page, unacknowledged_only, urgent_only
        )
        views = disclosure_views(uow, found.items)
        log_read(uow, actor, "disclosure.incoming", [d.subject_id for d in found.items], self.now(), Grant.DISCLOSURE, _records(views))
        return Page(items=views, total=found.total, offset=found.offset, limit=found.limit)

    @use_case(Permission.DISCLOSURES_SEND)
    def sent(
        self,
        uow: UnitOfWork,
        actor: Actor,
        page: PageRequest,
        subject_id: str | None = None,
        urgent_unacknowledged: bool = False,
    ) -> Page[Disclosure]:
        """What my agency sent (optionally about one subject, or only urgent ones not yet acknowledged)."""
        found = uow.disclosures.sent(actor.agency_id, page, subject_id=subject_id, urgent_unacknowledged=urgent_unacknowledged)
        views = disclosure_views(uow, found.items)
        holding = held_by_agency(uow, actor.agency_id, [d.subject_id for d in found.items])
        held = [d.subject_id for d in found.items if d.subject_id in holding]
        others = [d.subject_id for d in found.items if d.subject_id not in holding]
        now = self.now()
        log_read(uow, actor, "disclosure.sent", held, now, Grant.HOLDER, _records(views))
        log_read(uow, actor, "disclosure.sent", others, now, Grant.DISCLOSURE, _records(views))
        return Page(items=views, total=found.total, offset=found.offset, limit=found.limit)

    @use_case(Permission.DISCLOSURES_RECEIVE)
    def acknowledge(self, uow: UnitOfWork, actor: Actor, disclosure_id: str) -> Disclosure:
        """Confirm receipt of a disclosure sent to me or my role; nobody can acknowledge for someone else."""
        found = uow.disclosures.get_for(disclosure_id, actor.person_id, actor.agency_id, receiving_roles(actor))
        if found is None or not found[1]:
            raise NotFound(NOT_DISCLOSED)
        now = self.now()
        subject_id = found[0].subject_id
        marked = uow.disclosures.acknowledge(disclosure_id, subject_id, actor.person_id, actor.agency_id, receiving_roles(actor), now)
        if not marked:
            raise Conflict.of("disclosure_id", "you have already acknowledged this disclosure")
        view = disclosure_views(uow, [uow.disclosures.get(disclosure_id)])[0]
        log_read(uow, actor, "disclosure.acknowledge", [view.subject.id], now, Grant.DISCLOSURE, _records([view]))
        return view

    @use_case(Permission.DISCLOSURES_SEND)
    def update_family(self, uow: UnitOfWork, actor: Actor, disclosure_id: str, update: FamilyUpdate) -> Disclosure:
        """Record, now or later, whether the child or family was told of the sharing, or why not (R22)."""
        stored = uow.disclosures.get(disclosure_id)
        if stored is None or stored.sender_agency_id != actor.agency_id:
            raise NotFound("disclosure_id: no disclosure your agency sent has this id")
        now = self.now()
        if update.status is FamilyStatus.NOT_TOLD and not (update.reason_not_told or "").strip():
            raise InvalidInput.of("reason_not_told", "say why the child or family is not told")
        if update.status is FamilyStatus.NOT_RECORDED:
            raise InvalidInput.of("status", "say whether they were told, will be told, or not")
        told_at = update.told_at or (now if update.status is FamilyStatus.TOLD else None)
        if told_at is not None and told_at > now + CLOCK_SLACK:
            raise InvalidInput.of("told_at", "cannot be in the future")
        family = FamilyInformed(
            status=update.status,
            told_at=told_at,
            reason_not_told=update.reason_not_told,
            note=update.note,
            updated_at=now,
            updated_by=actor.person_id,
        )
        uow.disclosures.set_family(disclosure_id, stored.subject_id, family)
        view = disclosure_views(uow, [uow.disclosures.get(disclosure_id)])[0]
        grant = Grant.HOLDER if uow.subjects.is_held_by(stored.subject_id, actor.agency_id) else Grant.DISCLOSURE
        log_read(uow, actor, "disclosure.family", [stored.subject_id], now, grant, _records([view]))
        return view
