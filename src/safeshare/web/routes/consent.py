"""The consent register: who may consent for a child, recording consent given or refused, reviewing and withdrawing it."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import ValidationError

from safeshare.domain.advice import PurposeCategory
from safeshare.domain.consent import (
    CapacityBasis,
    ConflictResolution,
    ConsentInput,
    ConsentRecord,
    ConsentStatus,
    GiverKind,
    ObtainedBy,
    ReviewInput,
    ReviewOutcome,
    WithdrawalInput,
)
from safeshare.domain.errors import Conflict, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.subjects import Subject
from safeshare.web.choices import all_agencies
from safeshare.services.consents import ConsentService
from safeshare.web.context import CurrentPage, Page, PageFor, PostedForm, redirect, render
from safeshare.web.form_keys import form_key, shown_at
from safeshare.web.forms import Form, FormErrors, date_items, date_parts, moment_on, parse_date
from safeshare.web.words import purpose_labels

router = APIRouter(include_in_schema=False)

RecordPage = PageFor(ConsentService.record)
ReviewPage = PageFor(ConsentService.review)
WithdrawPage = PageFor(ConsentService.withdraw)
ResolvePage = PageFor(ConsentService.resolve_conflict)

PER_PAGE = 20
CONSENT_LABELS = {
    "giver": "Who gave or refused consent",
    "capacity_basis": "Why they could decide",
    "capacity_note": "How competence or capacity was judged",
    "decision": "Their decision",
    "information": "What information it covers",
    "purposes": "What it may be used for",
    "recipients": "Who it may be shared with",
    "told.information_collected": "What information you told them about",
    "told.purposes": "What you told them it is for",
    "told.who_may_receive": "Who you told them may receive it",
    "told.recipient_uses": "What you told them the recipients may use it for",
    "told.told_may_be_used_to_detect_crime": "Whether you told them about crime",
    "confirm": "How consent was given",
    "obtained_at": "Date consent was given or refused",
    "obtained_by": "How it was given",
    "review_by": "Date to review it",
    "young_person_lacks_capacity": "Why the young person cannot decide",
    "notes": "Notes",
}
CONSENT_ALIASES = {
    "given_by.kind": "giver",
    "given_by.subject_id": "giver",
    "given_by": "giver",
    "given_by.capacity_basis": "capacity_basis",
    "given_by.capacity_note": "capacity_note",
    "freely_given": "confirm",
    "informed": "confirm",
    "explicit": "confirm",
    "told": "told.information_collected",
    "subject_id": "giver",
}
REVIEW_LABELS = {
    "outcome": "Whether the consent still stands",
    "confirmed_with": "Who confirmed it",
    "how": "How you asked",
    "next_review_by": "Date to review it again",
    "note": "What they said",
}
WITHDRAW_LABELS = {"how": "How they withdrew it", "note": "What they said", "withdrawn_at": "Date they withdrew it"}


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) < 10_000_000 else 0


# ------------------------------------------------------------------ a child's consent


@router.get("/subjects/{subject_id}/consent")
def consent_for_child(subject_id: str, page: CurrentPage, offset: str | None = None):
    subject = page.services.subjects.view_subject(page.actor, subject_id).subject
    found = page.services.consents.for_subject(page.actor, subject_id, PageRequest(offset=_offset(offset), limit=PER_PAGE))
    who = page.services.consents.who_may_consent(page.actor, subject_id)
    return render(
        page.request, "consent/child.html", page=page, section="subjects", subject=subject, found=found, who=who,
        purposes=purpose_labels(page.guidance),
    )


@router.get("/subjects/{subject_id}/consent/new")
def consent_form(subject_id: str, page: RecordPage):
    subject = page.services.subjects.view_as_holder(page.actor, subject_id).subject
    form = Form({"told.told_may_be_used_to_detect_crime": "", "obtained_by": ""})
    return _consent_page(page, subject, form, FormErrors(CONSENT_LABELS, CONSENT_ALIASES))


@router.post("/subjects/{subject_id}/consent/new")
def record_consent(subject_id: str, page: RecordPage, form: PostedForm):
    subject = page.services.subjects.view_as_holder(page.actor, subject_id).subject
    errors = FormErrors(CONSENT_LABELS, CONSENT_ALIASES)
    submitted = _consent_input(subject, form, errors, shown_at(form, page.services.context.clock()))
    if submitted is not None:
        try:
            recorded = page.services.consents.record(page.actor, submitted, idempotency_key=form_key(form))
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "giver")
        else:
            flag = "&conflict=yes" if recorded.conflicts_raised else ""
            return redirect(f"/consents/{recorded.consent.id}?recorded=yes{flag}")
    return _consent_page(page, subject, form, errors, status_code=400)


def _consent_input(subject: Subject, form: Form, errors: FormErrors, now: dt.datetime) -> ConsentInput | None:
    giver = form.get("giver")
    kind, _, giver_subject = giver.partition(":")
    required = {
        "giver": "Select who gave or refused consent",
        "capacity_basis": "Select why they could decide",
        "decision": "Select whether they gave or refused consent",
        "information": "Say what information the consent covers",
        "told.information_collected": "Say what information you told them about",
        "told.purposes": "Say what you told them it is for",
        "told.who_may_receive": "Say who you told them may receive it",
        "told.recipient_uses": "Say what you told them the recipients may use it for",
        "told.told_may_be_used_to_detect_crime": "Select whether you told them it may be used to prevent or detect crime",
        "obtained_by": "Select how it was given",
    }
    for name, message in required.items():
        if not form.get(name):
            errors.add(name, message)
    if not form.getlist("purposes"):
        errors.add("purposes", "Select at least one purpose")
    if not form.getlist("recipients"):
        errors.add("recipients", "Select at least one agency it may be shared with")
    obtained = parse_date(form, "obtained_at", errors, "The date consent was given or refused", required=True)
    review_by = parse_date(form, "review_by", errors, "The review date")
    if errors:
        return None
    confirmed = set(form.getlist("confirm"))
    try:
        return ConsentInput.model_validate(
            {
                "subject_id": subject.id,
                "given_by": {
                    "kind": kind,
                    "subject_id": giver_subject or None,
                    "capacity_basis": form.get("capacity_basis"),
                    "capacity_note": form.get("capacity_note"),
                },
                "decision": form.get("decision"),
                "information": tuple(dict.fromkeys(form.lines("information"))),
                "purposes": tuple(form.getlist("purposes")),
                "recipients": tuple({"agency_id": a} for a in dict.fromkeys(form.getlist("recipients"))),
                "told": {
                    "information_collected": form.get("told.information_collected"),
                    "purposes": form.get("told.purposes"),
                    "who_may_receive": form.get("told.who_may_receive"),
                    "recipient_uses": form.get("told.recipient_uses"),
                    "told_may_be_used_to_detect_crime": form.get("told.told_may_be_used_to_detect_crime") == "yes",
                },
                "freely_given": "freely_given" in confirmed,
                "informed": "informed" in confirmed,
                "explicit": "explicit" in confirmed,
                "obtained_at": moment_on(obtained, now),
                "obtained_by": form.get("obtained_by"),
                "review_by": review_by,
                "young_person_lacks_capacity": form.get("young_person_lacks_capacity"),
                "notes": form.get("notes"),
            }
        )
    except ValidationError as error:
        errors.from_validation(error)
        return None


def _consent_page(page: Page, subject: Subject, form: Form, errors: FormErrors, status_code: int = 200):
    who = page.services.consents.who_may_consent(page.actor, subject.id)
    return render(
        page.request, "consent/form.html", status_code=status_code, page=page, section="subjects",
        subject=subject, who=who, form=form, errors=errors, purposes=purpose_labels(page.guidance),
        categories=list(PurposeCategory), agencies=[a for a in all_agencies(page) if a.id != page.actor.agency_id],
        capacity=list(CapacityBasis), obtained_ways=list(ObtainedBy), decisions=[ConsentStatus.GIVEN, ConsentStatus.REFUSED],
        obtained_items=date_items("obtained_at", date_parts(form, "obtained_at"), errors),
        review_items=date_items("review_by", date_parts(form, "review_by"), errors),
        kinds=GiverKind,
    )


# ------------------------------------------------------------------ one consent


@router.get("/consents/review")
def due_for_review(page: CurrentPage, offset: str | None = None):
    found = page.services.consents.due_for_review(page.actor, PageRequest(offset=_offset(offset), limit=PER_PAGE))
    names = {}
    for consent in found.items:
        subject_id = consent.input.subject_id
        if subject_id not in names:
            try:
                names[subject_id] = page.services.subjects.view_subject(page.actor, subject_id).subject.details.full_name
            except NotFound:
                names[subject_id] = "Someone your agency no longer holds"
    return render(page.request, "consent/review.html", page=page, section="subjects", found=found, names=names)


@router.get("/consents/conflicts")
def conflicts(page: CurrentPage, offset: str | None = None):
    found = page.services.consents.conflicts(page.actor, PageRequest(offset=_offset(offset), limit=PER_PAGE))
    names = {}
    for conflict in found.items:
        try:
            names[conflict.subject_id] = page.services.subjects.view_subject(page.actor, conflict.subject_id).subject.details.full_name
        except NotFound:
            names[conflict.subject_id] = "Someone your agency no longer holds"
    return render(page.request, "consent/conflicts.html", page=page, section="subjects", found=found, names=names, form=Form(), errors=FormErrors())


@router.post("/consents/conflicts/{conflict_id}/resolve")
def resolve_conflict(conflict_id: str, page: ResolvePage, form: PostedForm):
    errors = FormErrors({"note": "What was decided and why"})
    if not form.get("note"):
        errors.add("note", "Say what was decided and why", anchor=f"note-{conflict_id}")
    else:
        try:
            resolution = ConflictResolution(note=form.get("note"), prevailing_consent_id=form.optional("prevailing_consent_id"))
            page.services.consents.resolve_conflict(page.actor, conflict_id, resolution)
        except ValidationError as error:
            errors.from_validation(error)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "note")
        else:
            return redirect("/consents/conflicts")
    found = page.services.consents.conflicts(page.actor, PageRequest(offset=0, limit=PER_PAGE))
    names = {c.subject_id: page.services.subjects.view_subject(page.actor, c.subject_id).subject.details.full_name for c in found.items}
    return render(page.request, "consent/conflicts.html", status_code=400, page=page, section="subjects", found=found,
                  names=names, form=form, errors=errors, failed=conflict_id)


@router.get("/consents/{consent_id}")
def view_consent(
    consent_id: str, page: CurrentPage, recorded: str | None = None, conflict: str | None = None, reviewed: str | None = None
):
    consent = page.services.consents.get(page.actor, consent_id)
    return _view_page(
        page, consent, Form(), FormErrors(WITHDRAW_LABELS), just_recorded=recorded == "yes", conflict_raised=conflict == "yes",
        just_reviewed=reviewed == "yes",
    )


@router.get("/consents/{consent_id}/review")
def review_form(consent_id: str, page: ReviewPage):
    consent = page.services.consents.get(page.actor, consent_id)
    return _review_page(page, consent, Form(), FormErrors(REVIEW_LABELS))


@router.post("/consents/{consent_id}/review")
def record_review(consent_id: str, page: ReviewPage, form: PostedForm):
    consent = page.services.consents.get(page.actor, consent_id)
    errors = FormErrors(REVIEW_LABELS)
    outcome = form.get("outcome")
    if outcome not in {o.value for o in ReviewOutcome}:
        errors.add("outcome", "Select whether the consent still stands")
    if not form.get("how"):
        errors.add("how", "Select how you asked them")
    next_review = parse_date(form, "next_review_by", errors, "The date to review it again", required=outcome == ReviewOutcome.STILL_VALID)
    if outcome == ReviewOutcome.STILL_VALID and not form.get("confirmed_with"):
        errors.add("confirmed_with", "Enter who confirmed that the consent still stands")
    if outcome == ReviewOutcome.NO_LONGER_VALID and not form.get("note"):
        errors.add("note", "Enter what they said: consent that no longer stands is withdrawn")
    if not errors:
        try:
            submitted = ReviewInput(
                outcome=outcome, how=form.get("how"), confirmed_with=form.get("confirmed_with"),
                next_review_by=next_review if outcome == ReviewOutcome.STILL_VALID else None, note=form.get("note"),
            )
            page.services.consents.review(page.actor, consent_id, submitted, idempotency_key=form_key(form))
        except ValidationError as error:
            errors.from_validation(error)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "outcome")
        else:
            return redirect(f"/consents/{consent_id}?reviewed=yes")
    return _review_page(page, consent, form, errors, status_code=400)


def _review_page(page: Page, consent: ConsentRecord, form: Form, errors: FormErrors, status_code: int = 200):
    subject = page.services.subjects.view_subject(page.actor, consent.input.subject_id).subject
    return render(
        page.request, "consent/review_form.html", status_code=status_code, page=page, section="subjects", consent=consent,
        subject=subject, form=form, errors=errors, ways=list(ObtainedBy),
        next_items=date_items("next_review_by", date_parts(form, "next_review_by"), errors),
    )


@router.post("/consents/{consent_id}/withdraw")
def withdraw(consent_id: str, page: WithdrawPage, form: PostedForm):
    consent = page.services.consents.get(page.actor, consent_id)
    errors = FormErrors(WITHDRAW_LABELS)
    withdrawn_on = parse_date(form, "withdrawn_at", errors, "The date they withdrew it")
    if not form.get("how"):
        errors.add("how", "Select how they withdrew consent")
    if not form.get("note"):
        errors.add("note", "Say what they said")
    if not errors:
        try:
            when = moment_on(withdrawn_on, shown_at(form, page.services.context.clock()))
            withdrawal = WithdrawalInput(withdrawn_at=when, how=form.get("how"), note=form.get("note"))
            page.services.consents.withdraw(page.actor, consent_id, withdrawal, idempotency_key=form_key(form))
        except ValidationError as error:
            errors.from_validation(error)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "note")
        else:
            return redirect(f"/consents/{consent_id}")
    return _view_page(page, consent, form, errors, status_code=400)


def _view_page(page: Page, consent: ConsentRecord, form: Form, errors: FormErrors, status_code: int = 200, **flags):
    subject = page.services.subjects.view_subject(page.actor, consent.input.subject_id)
    related = {s.id: s.details.full_name for s in subject.related}
    names = {a.id: a.name for a in all_agencies(page)}
    return render(
        page.request, "consent/view.html", status_code=status_code, page=page, section="subjects", consent=consent,
        subject=subject.subject, related=related, agency_names=names, purposes=purpose_labels(page.guidance),
        form=form, errors=errors, ways=list(ObtainedBy),
        withdrawn_items=date_items("withdrawn_at", date_parts(form, "withdrawn_at"), errors), **flags,
    )
