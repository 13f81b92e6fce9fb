"""A subject's access history, for the information governance lead of an agency that holds them: who read
the record, when, how and under which grant. Finding the child is a POST, so no name goes in a URL."""

from __future__ import annotations

from fastapi import APIRouter

from safeshare.domain.access import Grant
from safeshare.domain.errors import NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.permissions import Permission
from safeshare.services.timeline import TimelineService
from safeshare.web.context import CurrentPage, Page, PageFor, PostedForm, render
from safeshare.web.forms import Form, FormErrors, date_items, date_parts
from safeshare.web.routes.exchange import agency_names_for
from safeshare.web.routes.subjects import search_terms

router = APIRouter(include_in_schema=False)

FindPage = PageFor(TimelineService.find_for_access_history)

PER_PAGE = 25
SEARCH_LABELS = {"name": "Name", "date_of_birth": "Date of birth", "nhs_number": "NHS number"}

# What each logged read was, in plain words; anything new falls back to the logged name.
ACTIONS = {
    "subject.view": "Opened the child's record",
    "subject.timeline": "Looked at the child's records",
    "subject.search": "Found the child in a search",
    "decision.view": "Read a decision record",
    "decision.list": "Listed decisions",
    "decision.advice_requests": "Listed decisions waiting for advice",
    "consent.view": "Read a consent",
    "consent.list": "Listed consent",
    "consent.standing": "Checked consent for a share",
    "consent.who_may_consent": "Checked who may consent",
    "consent.review_list": "Listed consent to review",
    "consent.conflicts": "Listed disagreements about consent",
    "consent.export_fhir": "Exported a consent",
    "request.view": "Read a request for information",
    "request.sent": "Listed requests sent",
    "request.inbox": "Listed requests to answer",
    "request.answer": "Answered a request for information",
    "disclosure.view": "Read information that was shared",
    "disclosure.incoming": "Listed information shared with them",
    "disclosure.sent": "Listed information their agency shared",
    "disclosure.acknowledge": "Confirmed receiving shared information",
    "disclosure.family": "Recorded what the family was told",
    "access_log.history": "Looked at this access history",
    "access_log.find_subject": "Found the child to look at their access history",
}
GRANTS = {
    Grant.HOLDER: "Their agency holds the record",
    Grant.DISCLOSURE: "It was shared with them",
    Grant.BREAK_GLASS: "Emergency access",
    Grant.ROLE: "Information governance",
}


@router.get("/access-history")
def find_form(page: FindPage):
    return _find_page(page, Form(), FormErrors(SEARCH_LABELS), None)


@router.post("/access-history")
def find(page: FindPage, form: PostedForm):
    errors = FormErrors(SEARCH_LABELS)
    terms = search_terms(form, errors)
    found = None
    if terms is not None and not errors:
        found = page.services.timeline.find_for_access_history(page.actor, terms, PageRequest(offset=0, limit=PER_PAGE))
    return _find_page(page, form, errors, found, status_code=400 if errors else 200)


def _find_page(page: Page, form: Form, errors: FormErrors, found, status_code: int = 200):
    return render(
        page.request, "access_history/find.html", status_code=status_code, page=page, section="home", form=form, errors=errors,
        found=found, dob_items=date_items("date_of_birth", date_parts(form, "date_of_birth"), errors),
    )


@router.get("/subjects/{subject_id}/access-history")
def history(subject_id: str, page: CurrentPage, offset: str | None = None):
    start = int(offset) if offset and offset.isdigit() and int(offset) < 10_000_000 else 0
    found = page.services.access_history.history(page.actor, subject_id, PageRequest(offset=start, limit=PER_PAGE))
    names = _people(page, {e.person_id for e in found.items})
    return render(
        page.request, "access_history/history.html", page=page, section="home", subject_id=subject_id, found=found,
        names=names, agencies=agency_names_for(page), actions=ACTIONS, grants=GRANTS,
    )


def _people(page: Page, person_ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    if not page.may(Permission.PEOPLE_READ):
        return names
    for person_id in sorted(person_ids):
        try:
            names[person_id] = page.services.directory.get_contact(page.actor, person_id).name
        except NotFound:
            names[person_id] = "Someone no longer in the directory"
    return names
