"""Recording a decision (pre-filled from the decision aid's answers), and reading sealed records."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from safeshare.domain.advice import Advice, CaseFacts, ConsentState, InformDecision, RecordField
from safeshare.domain.decisions import FOLLOWS_ADVICE, Decision, DecisionInput, DecisionRecord, ItemKind
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.requests import InformationRequest, RequestAnswer
from safeshare.domain.paging import PageRequest
from safeshare.domain.permissions import Permission
from safeshare.web import cookies
from safeshare.web.choices import all_agencies, all_contacts
from safeshare.services.decisions import DecisionService
from safeshare.services.disclosures import DisclosureService
from safeshare.services.requests import RequestService
from safeshare.web.context import CurrentPage, Page, PageFor, PostedForm, redirect, render
from safeshare.web.form_keys import form_key, shown_at
from safeshare.web.forms import Form, FormErrors, date_items, date_parts, moment_on, parse_date, validation_message
from safeshare.web.journey import Journey, applicable, facts_or_errors, next_unanswered
from safeshare.web.routes.share import load_journey, save_journey, visible_subjects
from safeshare.web.routes.subjects import search_terms

router = APIRouter(include_in_schema=False)

# Recording ends in one of these: a decision, a disclosure sent with it, or a request answered by it.
RecordPage = PageFor(DecisionService.record, DisclosureService.send, RequestService.answer)

PER_PAGE = 20
MIN_ITEMS = 3
MAX_ITEMS = 20

RECORD_LABELS = {
    "subject_ids": "Who the decision is about",
    "question": "What you were deciding",
    "context": "What led to this decision",
    "perceived_risk": "The risk as you see it",
    "decision": "Your decision",
    "reasons": "Your reasons",
    "departure_reason": "Why you decided differently from the advice",
    "information_shared": "What you are sharing",
    "recipients.0.agency_id": "Agency you are sharing with",
    "recipients.0.role": "Role of the person receiving it",
    "lawful_bases": "Lawful basis",
    "secure_method": "How you will share it securely",
    "consent_override_reason": "Why you are sharing without consent",
    "advice_sought.0.from_role": "Who you asked for advice",
    "advice_sought.0.at": "Date you asked",
    "advice_sought.0.anonymous": "Whether you named the child",
    "advice_sought.0.summary": "What they advised",
    "family_told.told": "Telling the child or family",
    "family_told.reason_not_told": "Why you will not tell them",
    "onward_sharing_allowed": "Onward sharing",
    "discussed_with_requester": "Telling the person who asked",
}
RECORD_ALIASES = {
    "recipients": "recipients.0.agency_id",
    "consent": "facts.consent",
    "consent.given_by": "facts.consent",
    "family_told": "family_told.told",
    "advice_sought": "advice_sought.0.from_role",
    "facts.reasons_consent_not_sought": "consent_override_reason",
}


def _journey_ready(page: Page) -> tuple[Journey | None, CaseFacts | None]:
    journey = load_journey(page)
    if journey is None:
        return None, None
    asked, answers = applicable(page.guidance, journey.answers)
    facts, _problems = facts_or_errors(answers)
    if next_unanswered(asked, answers) is not None:
        return journey, None
    return journey, facts


# ------------------------------------------------------------------ who the decision is about


@router.get("/share/about")
def about_form(page: RecordPage):
    journey, facts = _journey_ready(page)
    if journey is None:
        return redirect("/share")
    return _about_page(page, journey, Form(), FormErrors(), [])


@router.post("/share/about")
def about(page: RecordPage, form: PostedForm):
    journey, _facts = _journey_ready(page)
    if journey is None:
        return redirect("/share")
    action = form.get("action")
    if action == "remove":
        journey.subject_ids = [s for s in journey.subject_ids if s != form.get("subject_id")]
        return save_journey(redirect("/share/about"), page, journey)
    if action == "add":
        chosen = form.get("subject_id")
        if chosen and visible_subjects(page, [chosen]) and chosen not in journey.subject_ids:
            journey.subject_ids = [*journey.subject_ids, chosen][:20]
        return save_journey(redirect("/share/record"), page, journey)
    errors = FormErrors({"name": "Name", "date_of_birth": "Date of birth", "nhs_number": "NHS number"})
    terms = search_terms(form, errors)
    found = []
    if terms is not None and not errors:
        found = page.services.subjects.search(page.actor, terms, PageRequest(offset=0, limit=PER_PAGE)).items
        if not found:
            errors.add("name", "No one your agency knows matches. Check the spelling, or search with less")
    return _about_page(page, journey, form, errors, found, status_code=400 if errors else 200)


def _about_page(page: Page, journey: Journey, form: Form, errors: FormErrors, found, status_code: int = 200):
    return render(
        page.request, "share/about.html", status_code=status_code, page=page, section="share",
        chosen=visible_subjects(page, journey.subject_ids), found=found, form=form, errors=errors,
        dob_items=date_items("date_of_birth", date_parts(form, "date_of_birth"), errors),
    )


# ------------------------------------------------------------------ recording


@router.get("/share/record")
def record_form(page: RecordPage):
    journey, facts = _journey_ready(page)
    if journey is None:
        return redirect("/share")
    if facts is None:
        return redirect("/share/check")
    advice = page.services.decisions.advise(page.actor, facts)
    request = _answering(page, journey)
    form = _prefill(facts, advice, request)
    return _record_page(page, journey, facts, advice, form, FormErrors(RECORD_LABELS, RECORD_ALIASES), request=request)


@router.post("/share/record")
def record(page: RecordPage, form: PostedForm):
    journey, facts = _journey_ready(page)
    if journey is None:
        return redirect("/share")
    if facts is None:
        return redirect("/share/check")
    advice = page.services.decisions.advise(page.actor, facts)
    request = _answering(page, journey)
    errors = FormErrors(RECORD_LABELS, RECORD_ALIASES)
    submitted = _decision_input(form, errors, journey, facts, shown_at(form, page.services.context.clock()))
    if submitted is not None:
        try:
            target = _seal(page, journey, form, submitted)
        except (InvalidInput, Conflict, Forbidden) as error:
            _explain(page, advice, error, errors)
        else:
            response = redirect(target)
            cookies.clear_journey(response, page.settings)
            return response
    return _record_page(page, journey, facts, advice, form, errors, status_code=400, request=request)


def _answering(page: Page, journey: Journey) -> InformationRequest | None:
    """The request for information this journey answers, if it answers one."""
    if journey.request_id is None:
        return None
    try:
        return page.services.requests.get(page.actor, journey.request_id)
    except NotFound:
        return None


def _seal(page: Page, journey: Journey, form: Form, submitted: DecisionInput) -> str:
    """Record the decision the way the practitioner chose; return the page that shows what was sealed."""
    services, actor, key = page.services, page.actor, form_key(form)
    limits = form.optional("limits_on_use")
    if journey.request_id is not None:
        answered = services.requests.answer(
            actor, journey.request_id, RequestAnswer(decision=submitted, limits_on_use=limits), idempotency_key=key
        )
        if answered.disclosure_id:
            return f"/disclosures/{answered.disclosure_id}?sent=yes"
        return f"/decisions/{answered.decision_id}?recorded=yes"
    if submitted.decision is Decision.SHARE and form.get("send") == "safeshare":
        sent = services.disclosures.send(
            actor, DisclosureInput(decision=submitted, limits_on_use=limits, urgent=form.get("urgent") == "yes"), idempotency_key=key
        )
        return f"/disclosures/{sent.id}?sent=yes"
    sealed = services.decisions.record(actor, submitted, idempotency_key=key)
    return f"/decisions/{sealed.id}?recorded=yes"


_ASKS_FOR = re.compile(r"the guidance asks for this to be recorded \((\w+)\)")


def _explain(page: Page, advice: Advice, error: InvalidInput | Conflict | Forbidden, errors: FormErrors) -> None:
    """The service's reasons for refusing the record, in the words of the guidance's record fields."""
    guidance = page.services.context.guidance(advice.guidance.version)
    labels = {r.id.value: r.label for r in guidance.record_fields()}
    if not error.problems:
        errors.add("reasons", error.message)
    for problem in error.problems:
        message = problem.message
        asked = _ASKS_FOR.fullmatch(message)
        if asked and asked.group(1) in labels:
            message = f"{labels[asked.group(1)]}: the guidance asks for this to be recorded"
        name = errors.resolve(problem.field.removeprefix("decision."))
        if name.startswith("facts."):
            question = guidance.question_for_field(name.removeprefix("facts."))
            if question is not None:
                errors.add(name, f"{message}. Change your answer to: {question.text}", anchor=f"/share/questions/{question.id}?change=yes")
                continue
        errors.add(name, message)


def _prefill(facts: CaseFacts, advice: Advice, request: InformationRequest | None = None) -> Form:
    values: dict[str, Any] = {
        "send": "record",
        "question": facts.purpose,
        "recipients.0.role": facts.recipient_role or "",
        "family_told.told": advice.inform_family.decision.value,
        "onward_sharing_allowed": "no",
    }
    follows = FOLLOWS_ADVICE[advice.outcome]
    if len(follows) == 1:
        values["decision"] = next(iter(follows)).value
    for index, item in enumerate(facts.information_requested[:MAX_ITEMS]):
        values[f"information_shared.{index}.description"] = item
    if facts.advice_sought:
        values["advice_sought.0.anonymous"] = "yes"
    if request is not None:
        values["recipients.0.agency_id"] = request.requester_agency_id
        values["recipients.0.person_id"] = request.requester_person_id
    return Form(values)


def _item_count(facts: CaseFacts, form: Form) -> int:
    typed = sum(1 for index in range(MAX_ITEMS) if f"information_shared.{index}.description" in form)
    return min(MAX_ITEMS, max(MIN_ITEMS, len(facts.information_requested), typed))


def _decision_input(form: Form, errors: FormErrors, journey: Journey, facts: CaseFacts, now: dt.datetime) -> DecisionInput | None:
    if not journey.subject_ids:
        errors.add("subject_ids", "Choose the child or family member this decision is about", anchor="subject_ids")
    decision = form.get("decision")
    if decision not in {d.value for d in Decision}:
        errors.add("decision", "Select whether you will share")
    if not form.get("reasons"):
        errors.add("reasons", "Enter your reasons: they are needed whether or not you share")

    items, item_rows = [], []
    # Items pre-filled from the answers are ignored, not refused, when the decision is not to share; an item
    # that was asked for is shared only if ticked, so nothing goes out just because it was asked for.
    for index in range(0 if decision == Decision.DO_NOT_SHARE.value else _item_count(facts, form)):
        prefix = f"information_shared.{index}"
        ticked = form.get(f"{prefix}.share") == "yes"
        if index < len(facts.information_requested) and not ticked:
            continue
        description = form.get(f"{prefix}.description")
        kind = form.get(f"{prefix}.kind")
        historical = form.get(f"{prefix}.historical") == "yes"
        dated = parse_date(form, f"{prefix}.dated", errors, f"The date of item {index + 1}")
        if not description:
            if ticked or kind or historical or dated:
                errors.add(f"{prefix}.description", f"Describe item {index + 1}, or clear its other answers")
            continue
        if kind not in {k.value for k in ItemKind}:
            errors.add(f"{prefix}.kind", f"Select whether item {index + 1} is a fact or an opinion")
        items.append(
            {
                "description": description,
                "kind": kind or None,
                "dated": dated,
                "historical": historical,
                "historical_note": form.optional(f"{prefix}.historical_note"),
            }
        )
        item_rows.append(index)
    if decision != Decision.SHARE.value:
        items, item_rows = [], []

    recipients = []
    if decision == Decision.SHARE.value and any(form.get(f"recipients.0.{n}") for n in ("agency_id", "person_id", "role")):
        recipients.append(
            {"agency_id": form.get("recipients.0.agency_id"), "person_id": form.optional("recipients.0.person_id"), "role": form.optional("recipients.0.role")}
        )
        if not form.get("recipients.0.agency_id"):
            errors.add("recipients.0.agency_id", "Select the agency you are sharing with")
    if decision == Decision.SHARE.value and form.get("send") == "safeshare" and not form.get("recipients.0.person_id") and journey.request_id is None:
        errors.add("recipients.0.person_id", "Select the person to send it to, so it reaches them through SafeShare")

    advice_sought = []
    if any(form.get(f"advice_sought.0.{name}") for name in ("from_role", "summary")):
        asked_on = parse_date(form, "advice_sought.0.at", errors, "The date you asked for advice", required=True)
        advice_sought.append(
            {
                "from_role": form.get("advice_sought.0.from_role"),
                "at": moment_on(asked_on, now),
                "anonymous": form.get("advice_sought.0.anonymous") == "yes",
                "summary": form.get("advice_sought.0.summary"),
            }
        )
        for name, message in (("from_role", "Enter the role of the person you asked"), ("summary", "Enter what they advised")):
            if not form.get(f"advice_sought.0.{name}"):
                errors.add(f"advice_sought.0.{name}", message)

    family_told = None
    if form.get("family_told.told"):
        family_told = {"told": form.get("family_told.told"), "reason_not_told": form.optional("family_told.reason_not_told")}

    if errors:
        return None
    data = {
        "subject_ids": tuple(journey.subject_ids),
        "question": form.get("question") or facts.purpose,
        "context": form.get("context"),
        "facts": facts,
        "decision": decision,
        "reasons": form.get("reasons"),
        "departure_reason": form.optional("departure_reason"),
        "information_shared": tuple(items),
        "recipients": tuple(recipients),
        "lawful_bases": tuple(form.getlist("lawful_bases")) if decision == Decision.SHARE.value else (),
        "secure_method": form.optional("secure_method") if decision == Decision.SHARE.value else None,
        "consent": None,  # the service takes consent, and its details, from the agency's consent register
        "consent_override_reason": form.optional("consent_override_reason"),
        "perceived_risk": form.get("perceived_risk"),
        "advice_sought": tuple(advice_sought),
        "family_told": family_told,
        "onward_sharing_allowed": form.get("onward_sharing_allowed") == "yes" if decision == Decision.SHARE.value else False,
        "discussed_with_requester": form.optional("discussed_with_requester") if decision == Decision.DO_NOT_SHARE.value else None,
    }
    try:
        return DecisionInput.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            location = list(item.get("loc", ()))
            if len(location) > 1 and location[0] == "information_shared" and isinstance(location[1], int):
                location[1] = item_rows[location[1]] if location[1] < len(item_rows) else location[1]
            name = ".".join(str(p) for p in location) or "reasons"
            errors.add(name, validation_message(item, errors.label(name)))
        return None


def _record_page(
    page: Page, journey: Journey, facts: CaseFacts, advice: Advice, form: Form, errors: FormErrors, status_code: int = 200,
    request: InformationRequest | None = None,
):
    guidance = page.services.context.guidance(advice.guidance.version)
    outcomes = {o.id: o for o in guidance.outcomes()}
    record_fields = {r.id: r for r in guidance.record_fields()}
    agencies = all_agencies(page)
    names = {a.id: a.name for a in agencies}
    people = []
    if page.may(Permission.PEOPLE_READ):
        people = sorted(
            (p for p in all_contacts(page) if p.agency_id != page.actor.agency_id and p.receives_disclosures),
            key=lambda p: (names.get(p.agency_id, ""), p.name),
        )
    count = _item_count(facts, form)
    dates = {
        name: date_items(name, date_parts(form, name), errors)
        for name in ["advice_sought.0.at"] + [f"information_shared.{i}.dated" for i in range(count)]
    }
    offered = {b.id for b in advice.lawful_bases}
    # A practitioner who departs from the advice may rely on any basis the guidance knows (checked by the service).
    other_bases = [b for b in guidance.lawful_bases() if b.id not in offered]
    # What the guidance asks of a decision not to share may differ from what it asks of the advised decision.
    refusal_fields = guidance.record_fields_for(facts, Decision.DO_NOT_SHARE)
    consent_question = guidance.question_for_field("consent_by")
    consent_giver = None
    if consent_question and facts.consent_by is not None:
        consent_giver = next((o.label for o in consent_question.options if o.value == facts.consent_by.value), None)
    return render(
        page.request, "share/record.html", status_code=status_code, page=page, section="share",
        form=form, errors=errors, facts=facts, advice=advice, outcome=outcomes.get(advice.outcome),
        record_fields=[record_fields[f] for f in advice.record_fields if f in record_fields],
        subjects=visible_subjects(page, journey.subject_ids), agencies=agencies,
        item_count=count, dates=dates, follows=[d.value for d in FOLLOWS_ADVICE[advice.outcome]],
        decisions=list(Decision), item_kinds=list(ItemKind), inform_choices=list(InformDecision),
        consent_given=facts.consent is ConsentState.given,
        consent_not_relied_on=facts.consent in (ConsentState.refused, ConsentState.withdrawn, ConsentState.parent_child_disagree)
        or (facts.consent is ConsentState.not_sought and not facts.reasons_consent_not_sought),
        consent_giver=consent_giver, people=people, agency_names=names, info_request=request, other_bases=other_bases,
        ask_how_requester_told=request is None and RecordField.discussed_with_requester in refusal_fields,
    )


# ------------------------------------------------------------------ reading records


@router.get("/decisions")
def my_decisions(page: CurrentPage, offset: str | None = None):
    start = int(offset) if offset and offset.isdigit() and int(offset) < 10_000_000 else 0
    found = page.services.decisions.mine(page.actor, PageRequest(offset=start, limit=PER_PAGE))
    return render(page.request, "decisions/list.html", page=page, section="decisions", found=found)


@router.get("/decisions/{decision_id}")
def view_decision(decision_id: int, page: CurrentPage, recorded: str | None = None):
    record: DecisionRecord = page.services.decisions.get(page.actor, decision_id)
    guidance = page.services.context.guidance(record.advice.guidance.version)
    outcomes = {o.id: o for o in guidance.outcomes()}
    basis_labels = {b.id: b.label for b in record.advice.lawful_bases}
    names = {}
    for agency_id in {r.agency_id for r in record.input.recipients} | {record.decided_by_agency}:
        try:
            names[agency_id] = page.services.directory.get_agency(page.actor, agency_id).name
        except NotFound:
            names[agency_id] = "An agency no longer in the directory"
    decided_by = None
    if page.may(Permission.PEOPLE_READ):
        try:
            decided_by = page.services.directory.get_contact(page.actor, record.decided_by).name
        except NotFound:
            decided_by = None
    consent_giver = None
    consent_question = guidance.question_for_field("consent_by")
    if record.input.consent and consent_question:
        given_by = record.input.consent.given_by.value
        consent_giver = next((o.label for o in consent_question.options if o.value == given_by), None)
    return render(
        page.request, "decisions/view.html", consent_giver=consent_giver, page=page, section="decisions", record=record,
        outcome=outcomes.get(record.advice.outcome), basis_labels=basis_labels, agency_names=names,
        decided_by=decided_by, just_recorded=recorded == "yes",
        subjects=visible_subjects(page, list(record.input.subject_ids)),
        sources={s.id: s for s in guidance.sources()},
    )
