"""Break-glass: time-limited emergency access to a record the agency does not hold, after confirming the
password again, and its review by the agency's information governance lead afterwards."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError

from safeshare.domain.break_glass import BreakGlassInput, BreakGlassReviewInput, ReviewOutcome
from safeshare.api.errors import error_headers
from safeshare.domain.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, TooManyAttempts
from safeshare.domain.paging import PageRequest
from safeshare.domain.permissions import Permission
from safeshare.services.break_glass import BreakGlassService
from safeshare.web.context import CurrentPage, Page, PageFor, PostedForm, redirect, render
from safeshare.web.forms import Form, FormErrors

PER_PAGE = 20

router = APIRouter(include_in_schema=False)

EmergencyPage = PageFor(BreakGlassService.open)
ReviewPage = PageFor(BreakGlassService.review)

LABELS = {"reason": "Why you need emergency access", "password": "Your password"}
OUTCOMES = {
    ReviewOutcome.JUSTIFIED: ("It was justified", "The emergency needed the access."),
    ReviewOutcome.NOT_JUSTIFIED: ("It was not justified", "Handle it as a possible data breach."),
    ReviewOutcome.FOLLOW_UP: ("It needs following up", "Talk to the person, or to their manager."),
}


@router.get("/subjects/{subject_id}/emergency-access")
def emergency_form(subject_id: str, page: EmergencyPage):
    return _form_page(page, subject_id, Form(), FormErrors(LABELS))


@router.post("/subjects/{subject_id}/emergency-access")
def open_emergency_access(subject_id: str, page: EmergencyPage, form: PostedForm):
    errors = FormErrors(LABELS)
    if not form.get("reason"):
        errors.add("reason", "Say what the emergency is")
    if not form.raw("password"):
        errors.add("password", "Enter your password to confirm it is you")
    if not errors:
        try:
            request = BreakGlassInput(subject_id=subject_id, reason=form.get("reason"))
            page.services.break_glass.open(page.actor, request, password=form.raw("password"))
        except ValidationError as error:
            errors.from_validation(error)
        except TooManyAttempts as error:
            errors.add("password", error.message)
            response = _form_page(page, subject_id, Form({"reason": form.get("reason")}), errors, status_code=429)
            response.headers.update(error_headers(error) or {})
            return response
        except AuthenticationFailed:
            errors.add("password", "That password is not right")
        except Conflict as error:
            errors.from_problems(error, "reason")
        except InvalidInput as error:
            errors.from_problems(error, "password")
        else:
            return redirect(f"/subjects/{subject_id}")
    return _form_page(page, subject_id, Form({"reason": form.get("reason")}), errors, status_code=400)


def _form_page(page: Page, subject_id: str, form: Form, errors: FormErrors, status_code: int = 200):
    return render(
        page.request, "emergency/form.html", status_code=status_code, page=page, section="subjects",
        subject_id=subject_id, form=form, errors=errors, hours=page.settings.break_glass_hours,
    )


@router.get("/emergency-access/review")
def review_queue(page: CurrentPage, offset: str | None = None):
    start = int(offset) if offset and offset.isdigit() and int(offset) < 10_000_000 else 0
    return _queue_page(page, Form(), FormErrors(), start=start)


@router.post("/emergency-access/{grant_id}/review")
def review(grant_id: str, page: ReviewPage, form: PostedForm):
    errors = FormErrors({"outcome": "Your conclusion", "note": "Your reasons"})
    if not form.get("outcome"):
        errors.add("outcome", "Select your conclusion", anchor=f"outcome-{grant_id}")
    if not form.get("note"):
        errors.add("note", "Say how you reached it", anchor=f"note-{grant_id}")
    if not errors:
        try:
            page.services.break_glass.review(page.actor, grant_id, BreakGlassReviewInput(outcome=form.get("outcome"), note=form.get("note")))
        except ValidationError as error:
            errors.from_validation(error)
        except (InvalidInput, Conflict, NotFound) as error:
            errors.from_problems(error, "note")
        else:
            return redirect("/emergency-access/review")
    return _queue_page(page, form, errors, failed=grant_id, status_code=400)


def _queue_page(page: Page, form: Form, errors: FormErrors, failed: str | None = None, status_code: int = 200, start: int = 0):
    found = page.services.break_glass.for_review(page.actor, PageRequest(offset=start, limit=PER_PAGE))
    names = {}
    if page.may(Permission.PEOPLE_READ):
        for grant in found.items:
            if grant.person_id not in names:
                try:
                    names[grant.person_id] = page.services.directory.get_contact(page.actor, grant.person_id).name
                except NotFound:
                    names[grant.person_id] = "Someone no longer in the directory"
    return render(
        page.request, "emergency/review.html", status_code=status_code, page=page, section="home",
        found=found, names=names, form=form, errors=errors, failed=failed, outcomes=OUTCOMES,
    )
