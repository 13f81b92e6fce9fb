"""Requests for information (send, answer) and disclosures (received, acknowledged, what the family was told)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import ValidationError

from safeshare.domain.advice import PurposeCategory, StatutoryGateway
from safeshare.domain.disclosures import Disclosure, FamilyStatus, FamilyUpdate
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.permissions import Permission
from safeshare.domain.requests import InformationRequest, NotHeld, RequestInput, RequestStatus, Urgency
from safeshare.web.choices import all_agencies
from safeshare.services.disclosures import DisclosureService
from safeshare.services.requests import RequestService
from safeshare.web.context import CurrentPage, Page, PageFor, PostedForm, redirect, render
from safeshare.web.form_keys import form_key
from safeshare.web.forms import Form, FormErrors, date_items, date_parts, moment_on, parse_date
from safeshare.web.journey import Journey
from safeshare.web.routes.share import save_journey
from safeshare.web.words import basis_labels, option_labels, purpose_labels

router = APIRouter(include_in_schema=False)

RequestsPage = PageFor(RequestService.to_answer, RequestService.sent)
SendRequestPage = PageFor(RequestService.send)
AnswerPage = PageFor(RequestService.answer)
NotHeldPage = PageFor(RequestService.answer_not_held)
CancelPage = PageFor(RequestService.cancel)
AcknowledgePage = PageFor(DisclosureService.acknowledge)
FamilyPage = PageFor(DisclosureService.update_family)

PER_PAGE = 20
REQUEST_LABELS = {
    "target_agency_id": "Agency to ask",
    "target_person_id": "Person to ask",
    "purpose": "Why you are asking",
    "purpose_category": "Kind of purpose",
    "gateway": "Statutory gateway",
    "why_needed": "Why you need to know",
    "information_sought": "What you are asking for",
    "urgency": "How urgent it is",
    "respond_by": "Date you need an answer by",
}

URGENCY = {
    Urgency.IMMEDIATE: ("Immediate", "A child may be at immediate risk"),
    Urgency.URGENT: ("Urgent", "You need an answer within a day"),
    Urgency.ROUTINE: ("Routine", "An answer within the usual time is fine"),
}
STATUS = {
    RequestStatus.OPEN: ("Waiting for an answer", "govuk-tag--blue"),
    RequestStatus.SHARED: ("Information shared", "govuk-tag--green"),
    RequestStatus.REFUSED: ("Not shared, with reasons", "govuk-tag--orange"),
    RequestStatus.NOT_HELD: ("No record held", "govuk-tag--grey"),
    RequestStatus.CANCELLED: ("Withdrawn", "govuk-tag--grey"),
}
FAMILY = {
    FamilyStatus.TOLD: "They have been told",
    FamilyStatus.WILL_TELL: "They will be told",
    FamilyStatus.NOT_TOLD: "They are not being told",
    FamilyStatus.NOT_APPLICABLE: "Does not apply",
    FamilyStatus.NOT_RECORDED: "Not recorded yet",
}


def agency_names_for(page: Page) -> dict[str, str]:
    return {a.id: a.name for a in all_agencies(page)}


def _person_name(page: Page, person_id: str | None) -> str | None:
    if not person_id or not page.may(Permission.PEOPLE_READ):
        return None
    try:
        return page.services.directory.get_contact(page.actor, person_id).name
    except NotFound:
        return None


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) < 10_000_000 else 0


def vocabulary(page: Page) -> dict:
    guidance = page.guidance
    return {
        "purposes": purpose_labels(guidance),
        "gateways": option_labels(guidance, "statutory_gateway"),
        "bases": basis_labels(guidance),
        "urgency": URGENCY,
        "request_status": STATUS,
        "family_status": FAMILY,
    }


# ------------------------------------------------------------------ requests


@router.get("/requests")
def requests_home(page: RequestsPage, offset: str | None = None, answer_offset: str | None = None):
    to_answer = page.services.requests.to_answer(page.actor, PageRequest(offset=_offset(answer_offset), limit=PER_PAGE)) if page.may(Permission.REQUESTS_ANSWER) else None
    sent = page.services.requests.sent(page.actor, PageRequest(offset=_offset(offset), limit=PER_PAGE)) if page.may(Permission.REQUESTS_SEND) else None
    return render(
        page.request, "exchange/requests.html", page=page, section="requests",
        to_answer=to_answer, sent=sent, agency_names=agency_names_for(page), **vocabulary(page),
    )


@router.get("/subjects/{subject_id}/requests/new")
def new_request_form(subject_id: str, page: SendRequestPage):
    subject = page.services.subjects.view_as_holder(page.actor, subject_id).subject
    return _request_form(page, subject, Form({"urgency": Urgency.ROUTINE.value}), FormErrors(REQUEST_LABELS))


@router.post("/subjects/{subject_id}/requests/new")
def send_request(subject_id: str, page: SendRequestPage, form: PostedForm):
    subject = page.services.subjects.view_as_holder(page.actor, subject_id).subject
    errors = FormErrors(REQUEST_LABELS)
    for name, message in (
        ("target_agency_id", "Select the agency to ask"),
        ("purpose", "Say why you are asking"),
        ("purpose_category", "Select the kind of purpose"),
        ("why_needed", "Say why you need to know"),
        ("information_sought", "Say what information you are asking for"),
        ("urgency", "Select how urgent it is"),
    ):
        if not form.get(name):
            errors.add(name, message)
    respond_by = parse_date(form, "respond_by", errors, "The date you need an answer by")
    if not errors:
        try:
            submitted = RequestInput(
                subject_id=subject.id,
                target_agency_id=form.get("target_agency_id"),
                target_person_id=form.optional("target_person_id"),
                purpose=form.get("purpose"),
                purpose_category=form.get("purpose_category"),
                gateway=form.optional("gateway"),
                why_needed=form.get("why_needed"),
                information_sought=tuple(dict.fromkeys(form.lines("information_sought"))),
                urgency=form.get("urgency"),
                respond_by=dt.datetime.combine(respond_by, dt.time(17, 0), tzinfo=dt.UTC) if respond_by else None,
            )
            sent = page.services.requests.send(page.actor, submitted, idempotency_key=form_key(form))
        except ValidationError as error:
            errors.from_validation(error)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "target_agency_id")
        else:
            return redirect(f"/requests/{sent.id}")
    return _request_form(page, subject, form, errors, status_code=400)


def _request_form(page: Page, subject, form: Form, errors: FormErrors, status_code: int = 200):
    names = agency_names_for(page)
    agencies = sorted(((i, n) for i, n in names.items() if i != page.actor.agency_id), key=lambda a: a[1].lower())
    return render(
        page.request, "exchange/request_form.html", status_code=status_code, page=page, section="requests",
        subject=subject, form=form, errors=errors, agencies=agencies, categories=list(PurposeCategory),
        gateway_values=list(StatutoryGateway), urgencies=list(Urgency),
        respond_items=date_items("respond_by", date_parts(form, "respond_by"), errors), **vocabulary(page),
    )


@router.get("/requests/{request_id}")
def view_request(request_id: str, page: CurrentPage):
    found = page.services.requests.get(page.actor, request_id)
    return _request_page(page, found, Form(), FormErrors())


def _request_page(page: Page, found: InformationRequest, form: Form, errors: FormErrors, status_code: int = 200):
    names = agency_names_for(page)
    asked = found.target_agency_id == page.actor.agency_id and found.requester_agency_id != page.actor.agency_id
    return render(
        page.request, "exchange/request.html", status_code=status_code, page=page, section="requests",
        found=found, asked=asked, agency_names=names, form=form, errors=errors,
        requester_name=_person_name(page, found.requester_person_id), **vocabulary(page),
    )


@router.post("/requests/{request_id}/answer")
def answer_request(request_id: str, page: AnswerPage, form: PostedForm):
    """Answer through the decision aid: its questions start filled in from the request."""
    found = page.services.requests.get(page.actor, request_id)
    requester = page.services.directory.get_agency(page.actor, found.requester_agency_id)
    own = page.services.directory.get_agency(page.actor, page.actor.agency_id)
    answers = {
        "purpose": found.purpose,
        "purpose_category": found.purpose_category.value,
        "recipient_agency": requester.kind.value,
        "sharer_agency": own.kind.value,
        "requested_by_recipient": True,
        "information_requested": list(found.information_sought),
    }
    if found.gateway is not None:
        answers |= {"has_statutory_basis": "yes", "statutory_gateway": found.gateway.value}
    journey = Journey(answers=answers, subject_ids=[found.subject.id], request_id=found.id)
    return save_journey(redirect("/share/continue"), page, journey)


@router.post("/requests/{request_id}/not-held")
def answer_not_held(request_id: str, page: NotHeldPage, form: PostedForm):
    note = form.get("note") or NotHeld().note
    try:
        page.services.requests.answer_not_held(page.actor, request_id, NotHeld(note=note), idempotency_key=form_key(form))
    except ValidationError as error:
        errors = FormErrors({"note": "Your note"})
        errors.from_validation(error)
        return _request_page(page, page.services.requests.get(page.actor, request_id), form, errors, 400)
    return redirect(f"/requests/{request_id}")


@router.post("/requests/{request_id}/cancel")
def cancel_request(request_id: str, page: CancelPage, form: PostedForm):
    errors = FormErrors({"reason": "Why you are withdrawing it"})
    try:
        page.services.requests.cancel(page.actor, request_id, form.get("reason"))
    except (InvalidInput, Conflict) as error:
        errors.from_problems(error, "reason")
        return _request_page(page, page.services.requests.get(page.actor, request_id), form, errors, 400)
    return redirect(f"/requests/{request_id}")


# ------------------------------------------------------------------ disclosures


@router.get("/disclosures")
def incoming(page: CurrentPage, offset: str | None = None):
    found = page.services.disclosures.incoming(page.actor, PageRequest(offset=_offset(offset), limit=PER_PAGE))
    return render(page.request, "exchange/disclosures.html", page=page, section="disclosures", found=found, sent_view=False,
                  unacknowledged=[d for d in found.items if not _acknowledged_by(page, d)], **vocabulary(page))


@router.get("/disclosures/sent")
def sent(page: CurrentPage, offset: str | None = None):
    found = page.services.disclosures.sent(page.actor, PageRequest(offset=_offset(offset), limit=PER_PAGE))
    return render(page.request, "exchange/disclosures.html", page=page, section="disclosures", found=found, sent_view=True,
                  unacknowledged=[], **vocabulary(page))


def _acknowledged_by(page: Page, disclosure: Disclosure) -> bool:
    return any(r.acknowledged_by == page.actor.person_id for r in disclosure.recipients)


@router.get("/disclosures/{disclosure_id}")
def view_disclosure(disclosure_id: str, page: CurrentPage, sent: str | None = None):
    disclosure = page.services.disclosures.get(page.actor, disclosure_id)
    return _disclosure_page(page, disclosure, Form(), FormErrors(), just_sent=sent == "yes")


def _disclosure_page(page: Page, disclosure: Disclosure, form: Form, errors: FormErrors, status_code: int = 200, just_sent: bool = False):
    names = agency_names_for(page)
    is_sender = disclosure.sender_agency_id == page.actor.agency_id
    recipients = [
        {
            "status": r,
            "agency": names.get(r.recipient.agency_id, ""),
            "person": _person_name(page, r.recipient.person_id),
            "acknowledged_by": _person_name(page, r.acknowledged_by),
        }
        for r in disclosure.recipients
    ]
    return render(
        page.request, "exchange/disclosure.html", status_code=status_code, page=page, section="disclosures",
        disclosure=disclosure, is_sender=is_sender, acknowledged=_acknowledged_by(page, disclosure),
        may_acknowledge=not is_sender and any(r.recipient.agency_id == page.actor.agency_id for r in disclosure.recipients),
        recipients=recipients, sender_name=_person_name(page, disclosure.sender_person_id), form=form, errors=errors,
        family_choices=[s for s in FamilyStatus if s is not FamilyStatus.NOT_RECORDED], just_sent=just_sent,
        told_items=date_items("told_at", date_parts(form, "told_at"), errors), **vocabulary(page),
    )


@router.post("/disclosures/{disclosure_id}/acknowledge")
def acknowledge(disclosure_id: str, page: AcknowledgePage, form: PostedForm):
    try:
        page.services.disclosures.acknowledge(page.actor, disclosure_id)
    except Conflict:
        pass  # already acknowledged, perhaps in another tab: the page shows it
    return redirect(f"/disclosures/{disclosure_id}")


@router.post("/disclosures/{disclosure_id}/family")
def update_family(disclosure_id: str, page: FamilyPage, form: PostedForm):
    errors = FormErrors({"status": "Whether they were told", "told_at": "Date they were told", "reason_not_told": "Why they are not told", "note": "Note"})
    told_on = parse_date(form, "told_at", errors, "The date they were told")
    if not form.get("status"):
        errors.add("status", "Select whether the child or family has been told")
    if not errors:
        try:
            update = FamilyUpdate(
                status=form.get("status"),
                told_at=moment_on(told_on, page.services.context.clock()),
                reason_not_told=form.optional("reason_not_told"),
                note=form.optional("note"),
            )
            page.services.disclosures.update_family(page.actor, disclosure_id, update)
        except ValidationError as error:
            errors.from_validation(error)
        except (InvalidInput, Forbidden) as error:
            errors.from_problems(error, "status")
        else:
            return redirect(f"/disclosures/{disclosure_id}")
    disclosure = page.services.disclosures.get(page.actor, disclosure_id)
    return _disclosure_page(page, disclosure, form, errors, status_code=400)
