"""The home page: what each person needs first, by what their role lets them do."""

from __future__ import annotations

from fastapi import APIRouter

from safeshare.domain.paging import PageRequest
from safeshare.domain.permissions import Permission
from safeshare.web.context import CurrentPage, render
from safeshare.web.routes.exchange import agency_names_for, vocabulary
from safeshare.web.forms import Form

router = APIRouter(include_in_schema=False)

RECENT = PageRequest(offset=0, limit=5)


@router.get("/")
def home(page: CurrentPage):
    services, actor = page.services, page.actor
    agency = services.directory.get_agency(actor, actor.agency_id) if page.may(Permission.AGENCIES_READ) else None
    decisions = services.decisions.mine(actor, RECENT) if page.may(Permission.DECISIONS_READ) else None
    colleagues = None
    if page.may(Permission.ACCESS_LOG_READ) and page.may(Permission.PEOPLE_READ):
        colleagues = services.directory.list_contacts(actor, PageRequest(offset=0, limit=20), actor.agency_id)
    partnership = None
    if page.may(Permission.AGENCIES_MANAGE):
        partnership = services.directory.list_agencies(actor, PageRequest(offset=0, limit=1))
    people = None
    if page.may(Permission.PEOPLE_MANAGE):
        people = services.directory.list_people(actor, PageRequest(offset=0, limit=1))
    requests_to_answer = services.requests.to_answer(actor, RECENT) if page.may(Permission.REQUESTS_ANSWER) else None
    incoming = services.disclosures.incoming(actor, RECENT, unacknowledged_only=True) if page.may(Permission.DISCLOSURES_RECEIVE) else None
    consent_review = services.consents.due_for_review(actor, PageRequest(offset=0, limit=1)) if page.may(Permission.CONSENT_READ) else None
    consent_conflicts = services.consents.conflicts(actor, PageRequest(offset=0, limit=1)) if page.may(Permission.CONSENT_CONFLICTS) else None
    emergency_reviews = services.break_glass.for_review(actor, PageRequest(offset=0, limit=1)) if page.may(Permission.BREAK_GLASS_REVIEW) else None
    # Oversight (safeguarding lead, manager): what is late at the agency, and colleagues the guidance sent for advice.
    overseeing = page.may(Permission.OVERSIGHT_READ)
    overdue = services.requests.overdue(actor, RECENT) if overseeing and page.may(Permission.REQUESTS_ANSWER) else None
    advice_requests = services.timeline.advice_requests(actor, RECENT) if overseeing else None
    return render(
        page.request,
        "home.html",
        emergency_reviews=emergency_reviews,
        overdue=overdue,
        advice_requests=advice_requests,
        access_history=page.may(Permission.ACCESS_LOG_READ),
        requests_to_answer=requests_to_answer,
        incoming=incoming,
        consent_review=consent_review,
        consent_conflicts=consent_conflicts,
        agency_names=agency_names_for(page) if requests_to_answer is not None or overdue is not None else {},
        **vocabulary(page),
        page=page,
        section="home",
        agency=agency,
        decisions=decisions,
        colleagues=colleagues,
        partnership=partnership,
        people=people,
        form=Form(),
    )
