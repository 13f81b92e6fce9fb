"""The "Should I share?" decision aid: questions from the guidance, one a page, then the advice."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from safeshare.domain.advice import CaseFacts
from safeshare.domain.errors import NotFound
from safeshare.domain.permissions import Permission
from safeshare.domain.subjects import Subject
from safeshare.services.decisions import DecisionService
from safeshare.web.context import CurrentPage, Page, PostedForm, offering, redirect, render
from safeshare.web.cookies import JourneyTooLong
from safeshare.web.forms import Form, FormErrors
from safeshare.web.journey import (
    NONE_OF_THESE,
    Journey,
    answer_text,
    applicable,
    encode,
    facts_or_errors,
    form_value,
    next_unanswered,
    previous,
    read_answer,
    trail_answer_text,
)

# Every step of the decision aid leads to advice, so every one opens only for those who may ask for it.
router = APIRouter(prefix="/share", include_in_schema=False, dependencies=[Depends(offering(DecisionService.advise))])

# Where each kind of guidance a question links to is shown.
GUIDANCE_PAGES = {"golden_rule": "/guidance/golden-rules", "principle": "/guidance/principles", "myth": "/guidance/myths"}


# ------------------------------------------------------------------ keeping the answers


def load_journey(page: Page) -> Journey | None:
    sealer = page.request.app.state.journey_sealer
    return Journey.from_json(sealer.read(page.request, page.actor.session_token_hash or ""))


def save_journey(response: Response, page: Page, journey: Journey) -> Response:
    page.request.app.state.journey_sealer.write(response, page.actor.session_token_hash or "", journey.to_json())
    return response


def visible_subjects(page: Page, subject_ids: list[str]) -> list[Subject]:
    found = []
    for subject_id in subject_ids:
        try:
            found.append(page.services.subjects.view_subject(page.actor, subject_id).subject)
        except NotFound:
            continue
    return found


# ------------------------------------------------------------------ start


@router.get("")
@router.get("/start")
def start_page(page: CurrentPage, about: str | None = None):
    guidance = page.guidance
    subject = None
    if about and page.may(Permission.SUBJECTS_READ):
        subject = page.services.subjects.view_subject(page.actor, about).subject
    journey = load_journey(page)
    in_progress = bool(journey and journey.answers)
    return render(
        page.request, "share/start.html", page=page, section="share", subject=subject,
        in_progress=in_progress, guidance=guidance, sources={s.id: s for s in guidance.sources()},
    )


@router.post("/start")
def start(page: CurrentPage, form: PostedForm):
    about = form.get("about")
    subject_ids = [s.id for s in visible_subjects(page, [about])] if about and page.may(Permission.SUBJECTS_READ) else []
    journey = Journey(answers={}, subject_ids=subject_ids)
    asked, _ = applicable(page.guidance, journey.answers)
    return save_journey(redirect(f"/share/questions/{asked[0].id}"), page, journey)


@router.get("/continue")
def resume(page: CurrentPage):
    journey = load_journey(page)
    if journey is None:
        return redirect("/share")
    asked, answers = applicable(page.guidance, journey.answers)
    question = next_unanswered(asked, answers)
    return redirect(f"/share/questions/{question.id}" if question else "/share/check")


# ------------------------------------------------------------------ one question a page


def _question_or_none(page: Page, question_id: str):
    try:
        return page.guidance.question(question_id)
    except KeyError:
        return None


def _asked(page: Page, question_id: str):
    """The journey, the question and what the guidance asks on the answers so far; None without a journey."""
    journey = load_journey(page)
    if journey is None:
        return None
    question = _question_or_none(page, question_id)
    if question is None:
        raise NotFound("no such question")
    asked, answers = applicable(page.guidance, journey.answers)
    return journey, question, asked, answers


@router.get("/questions/{question_id}")
def question_page(question_id: str, page: CurrentPage, change: str | None = None):
    found = _asked(page, question_id)
    if found is None:
        return redirect("/share")
    journey, question, asked, answers = found
    if question.id not in {q.id for q in asked}:
        # Not asked on the answers given so far: go to the next question that is.
        following = next_unanswered(asked, answers)
        return redirect(f"/share/questions/{following.id}" if following else "/share/check")
    return _render_question(page, journey, question, asked, answers, Form(), FormErrors(), change == "yes")


@router.post("/questions/{question_id}")
def answer(question_id: str, page: CurrentPage, form: PostedForm):
    found = _asked(page, question_id)
    if found is None:
        return redirect("/share")
    journey, question, asked, answers = found
    if question.id not in {q.id for q in asked}:
        return redirect("/share/continue")
    value, problem = read_answer(question, form)
    changing = form.get("change") == "yes"
    if problem is None:
        answers[question.field] = value
        asked, answers = applicable(page.guidance, answers)
        journey.answers = answers
        following = next_unanswered(asked, answers)
        if following is None:
            target = "/share/check"
        else:
            # A changed answer can open a new question; answer it, then return to the check page.
            target = f"/share/questions/{following.id}" + ("?change=yes" if changing else "")
        try:
            return save_journey(redirect(target), page, journey)
        except JourneyTooLong:
            problem = "Your answers are too long to keep. Shorten this answer, or put the detail in the record of your decision"
    errors = FormErrors()
    errors.add("answer", problem)
    return _render_question(page, journey, question, asked, answers, form, errors, changing, status_code=400)


def _render_question(page, journey, question, asked, answers, form: Form, errors: FormErrors, changing: bool, status_code=200):
    guidance = page.guidance
    before = previous(asked, question)
    if changing:
        back = "/share/check"
    else:
        back = f"/share/questions/{before.id}" if before else "/share"
    if errors:
        current = form.getlist("answer") if question.input == "multi_choice" else form.raw("answer")
    else:
        current = form_value(question, answers)
    number = [q.id for q in asked].index(question.id) + 1
    return render(
        page.request, "share/question.html", status_code=status_code, page=page, section="share",
        question=question, current=current, errors=errors, back=back, changing=changing,
        encode=encode, none_of_these=NONE_OF_THESE, number=number, total=len(asked),
        optional=not CaseFacts.model_fields[question.field].is_required(),
        sources={s.id: s for s in guidance.sources()}, guidance_pages=GUIDANCE_PAGES,
    )


# ------------------------------------------------------------------ check your answers


def _every_question_answered(page: Page):
    """The journey and its answers once every question asked is answered; otherwise where to go instead."""
    journey = load_journey(page)
    if journey is None:
        return redirect("/share")
    asked, answers = applicable(page.guidance, journey.answers)
    if next_unanswered(asked, answers) is not None:
        return redirect("/share/continue")
    return journey, asked, answers


@router.get("/check")
def check_page(page: CurrentPage):
    found = _every_question_answered(page)
    if not isinstance(found, tuple):
        return found
    journey, asked, answers = found
    _facts, problems = facts_or_errors(answers)
    return _render_check(page, journey, asked, answers, problems)


@router.post("/check")
def confirm_answers(page: CurrentPage, form: PostedForm):
    found = _every_question_answered(page)
    if not isinstance(found, tuple):
        return found
    journey, asked, answers = found
    facts, problems = facts_or_errors(answers)
    if facts is None:
        return _render_check(page, journey, asked, answers, problems, status_code=400)
    return redirect("/share/advice")


def _render_check(page, journey, asked, answers, problems, status_code=200):
    errors = FormErrors()
    for name, message in problems:
        question = page.guidance.question_for_field(name)
        if question is not None:
            errors.add(name, f"{question.text} {message}", anchor=f"answer-{question.id}")
        else:
            errors.add(name or "answers", message, anchor="answers")
    rows = [
        {"question": q, "lines": answer_text(q, answers), "error": errors.messages.get(q.field)}
        for q in asked
    ]
    return render(
        page.request, "share/check.html", status_code=status_code, page=page, section="share",
        rows=rows, errors=errors, subjects=visible_subjects(page, journey.subject_ids),
    )


# ------------------------------------------------------------------ the advice


@router.get("/advice")
def advice_page(page: CurrentPage):
    journey = load_journey(page)
    if journey is None:
        return redirect("/share")
    asked, answers = applicable(page.guidance, journey.answers)
    facts, problems = facts_or_errors(answers)
    if next_unanswered(asked, answers) is not None or facts is None:
        return redirect("/share/check")
    advice = page.services.decisions.advise(page.actor, facts)
    guidance = page.services.context.guidance(advice.guidance.version)
    outcomes = {o.id: o for o in guidance.outcomes()}
    record_fields = {r.id: r for r in guidance.record_fields()}
    trail = [
        {"entry": entry, "answers": trail_answer_text(guidance, entry.answers)}
        for entry in advice.trail
    ]
    return render(
        page.request, "share/advice.html", page=page, section="share",
        advice=advice, outcome=outcomes.get(advice.outcome), trail=trail,
        record_fields=[record_fields[f] for f in advice.record_fields if f in record_fields],
        sources={s.id: s for s in guidance.sources()},
        subjects=visible_subjects(page, journey.subject_ids),
    )
