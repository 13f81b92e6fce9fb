"""Every page of the web service, opened by each role of the demo partnership: the status each must get.

The pages are read from the application's own routes, so a new page has no row in EXPECTED and fails here
until someone decides who may open it. The ids in the paths are real records of the demo partnership
(Fernhill), made through the services: a consent, a disclosure and its decision, and a request about Mia.
A refused page, and any page for someone who does not manage the directory, names no one's email address
and no child.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from safeshare.app import create_app
from safeshare.demo import ADMIN_EMAIL, DEMO_PASSWORD, DOMAIN, FAMILIES, GP, LA, OAKBROOK, PEOPLE, load_demo
from safeshare.domain.break_glass import BreakGlassInput
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.paging import PageRequest
from safeshare.domain.people import Role, needs_two_step
from safeshare.services.accounts import SessionKind
from safeshare.services.subjects import SubjectSearch
from tests.exchange import consent_input, decision_input, request_input, to_person
from tests.factories import World, code_for, set_up_two_step
from tests.web.helpers import csrf_token

# Who signs in: one demo account for each role, at the council (which holds Mia) where the demo has one, and two
# practitioners standing in other relationships to Mia's records.
ACCOUNTS = {
    "practitioner": "sam.social",  # council: holds Mia, sent the disclosure, was asked the request
    "safeguarding_lead": "dan.dsl",  # school: holds Mia, sent the request, was not sent the disclosure
    "manager": "morgan.manager",  # council; also a safeguarding lead
    "governance_lead": "ivy.ig",
    "caldicott_guardian": "cal.guardian",
    "siro": "sara.siro",
    "auditor": "pat.auditor",
    "administrator": ADMIN_EMAIL.split("@")[0],
    "recipient": "tara.teacher",  # school: the disclosure was sent to her by name
    "elsewhere": "yusuf.year-lead",  # academy: nothing to do with Mia
    "emergency": "pc.patel",  # police: does not hold Mia, has opened emergency access to her record
    "signed_out": None,
}
HOLDERS = ("practitioner", "safeguarding_lead", "manager", "recipient")
CASEWORK = (*HOLDERS, "elsewhere", "emergency")
OUTSIDERS = ("elsewhere", "emergency")
GOVERNANCE = ("governance_lead", "caldicott_guardian", "siro")
SIGNED_IN = tuple(a for a in ACCOUNTS if a != "signed_out")

OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 303, 403, 404


def public() -> dict[str, int]:
    return dict.fromkeys(ACCOUNTS, OK)


def only(*allowed: str, status: int = OK, otherwise: int = FORBIDDEN, **exceptions: int) -> dict[str, int]:
    """`status` for the accounts allowed, `otherwise` for the other signed-in ones; signed out is sent to sign in."""
    expected = {a: (status if a in allowed else otherwise) for a in SIGNED_IN}
    return {**expected, **exceptions, "signed_out": REDIRECT}


# A holder's page of Mia's: the agencies that hold her open it; anyone else is told it does not exist, emergency
# access included, which reads her record but never changes or adds to it.
MIA_AT_HOLDER = only(*CASEWORK, **dict.fromkeys(OUTSIDERS, NOT_FOUND))
# The records the council made: its own staff only (the school holds Mia too, but these are the council's).
COUNCILS_RECORD = only(*CASEWORK, **dict.fromkeys(("safeguarding_lead", "recipient", *OUTSIDERS), NOT_FOUND))
ADMINISTRATION = only("administrator")
# Without answers to work on the decision aid sends its user back to the start.
DECISION_AID = only(*CASEWORK, *GOVERNANCE, status=REDIRECT)

EXPECTED: dict[str, dict[str, int]] = {
    "/sign-in": public(),
    "/signed-out": public(),
    "/": only(*SIGNED_IN),
    "/subjects/find": only(*CASEWORK),
    "/subjects/new": only(*CASEWORK),
    "/subjects/{subject_id}": only(*CASEWORK, elsewhere=NOT_FOUND),  # emergency access reads it
    "/subjects/{subject_id}/edit": MIA_AT_HOLDER,
    "/subjects/{subject_id}/relationships/new": MIA_AT_HOLDER,
    "/share": only(*CASEWORK, *GOVERNANCE),
    "/share/start": only(*CASEWORK, *GOVERNANCE),
    "/share/continue": DECISION_AID,
    "/share/questions/{question_id}": DECISION_AID,
    "/share/check": DECISION_AID,
    "/share/advice": DECISION_AID,
    "/share/about": only(*CASEWORK, status=REDIRECT),  # recording: governance roles advise, they do not record
    "/share/record": only(*CASEWORK, status=REDIRECT),
    "/decisions": only(*CASEWORK),
    "/decisions/{decision_id}": COUNCILS_RECORD,
    "/requests": only(*CASEWORK),
    "/subjects/{subject_id}/requests/new": MIA_AT_HOLDER,
    "/requests/{request_id}": only(*CASEWORK, **dict.fromkeys(OUTSIDERS, NOT_FOUND)),  # the school asked the council: both see it
    "/disclosures": only(*CASEWORK),
    "/disclosures/sent": only(*CASEWORK),
    "/disclosures/{disclosure_id}": only(*CASEWORK, **dict.fromkeys(("safeguarding_lead", *OUTSIDERS), NOT_FOUND)),
    "/subjects/{subject_id}/consent": MIA_AT_HOLDER,
    "/subjects/{subject_id}/consent/new": MIA_AT_HOLDER,
    "/consents/review": only(*CASEWORK),
    "/consents/conflicts": only("safeguarding_lead", "manager"),
    "/consents/{consent_id}": COUNCILS_RECORD,
    "/consents/{consent_id}/review": COUNCILS_RECORD,
    "/subjects/{subject_id}/emergency-access": only(*CASEWORK),  # the form says nothing of whether the child exists
    "/emergency-access/review": only(*GOVERNANCE),
    "/access-history": only(*GOVERNANCE),
    "/subjects/{subject_id}/access-history": only(*GOVERNANCE),  # the council holds Mia
    "/admin/agencies": ADMINISTRATION,
    "/admin/agencies/new": ADMINISTRATION,
    "/admin/agencies/{agency_id}/edit": ADMINISTRATION,
    "/admin/agencies/{agency_id}/governance": ADMINISTRATION,
    "/admin/people": ADMINISTRATION,
    "/admin/people/new": ADMINISTRATION,
    "/admin/people/{person_id}/edit": ADMINISTRATION,
    "/admin/people/{person_id}/password": ADMINISTRATION,
    "/account": only(*SIGNED_IN),  # everyone's own password and sessions
    "/account/password": only(*SIGNED_IN),
    "/guidance": public(),
    "/healthz": public(),  # for a load balancer: says only whether the service and its database answer
    "/guidance/golden-rules": public(),
    "/guidance/principles": public(),
    "/guidance/myths": public(),
    # The steps of signing in, opened last (below): the code page without a sign-in under way sends anyone to
    # sign in again, signed out; then setting up two-step sign-in does too. Without an identity provider
    # configured, the partnership's sign-in does not exist.
    "/sign-in/code": dict.fromkeys(ACCOUNTS, REDIRECT),
    "/sign-in/partnership": dict.fromkeys(ACCOUNTS, NOT_FOUND),
    "/sign-in/partnership/return": dict.fromkeys(ACCOUNTS, NOT_FOUND),
    "/two-step/set-up": dict.fromkeys(ACCOUNTS, REDIRECT),
    "/healthz": public(),  # for the load balancer: says only whether this process can serve
}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
CHILDREN = sorted(
    {fields["given_name"] + " " + fields["family_name"] for subjects, *_ in FAMILIES for _key, fields, _holders in subjects}
)


SIGNING_IN_STEPS = ("/sign-in/", "/two-step/")


def web_pages(app) -> list[str]:
    """Every GET route of the web service: not the JSON API (it has its own matrix), its documentation or the assets."""
    api_docs = {app.openapi_url, app.docs_url, app.swagger_ui_oauth2_redirect_url}
    paths = []
    for route in iter_route_contexts(app.routes):
        if route.methods is None or "GET" not in route.methods:
            continue  # the static assets' mounts
        if route.path.startswith("/api/") or route.path in api_docs:
            continue
        paths.append(route.path)
    return paths


@dataclass
class Fernhill:
    """The demo partnership with a record of each kind about Mia, and the ids the pages' paths take."""

    ids: dict[str, str]


def fernhill(services) -> Fernhill:
    load_demo(services)
    # The roles that need two-step sign-in set it up, as they would on their first sign-in.
    for _agency, local, _name, _title, held in PEOPLE:
        if needs_two_step(frozenset(held)):
            set_up_two_step(services, f"{local}@{DOMAIN}", DEMO_PASSWORD)
    set_up_two_step(services, ADMIN_EMAIL, DEMO_PASSWORD)
    _token, admin = services.accounts.sign_in(ADMIN_EMAIL, DEMO_PASSWORD, SessionKind.TOKEN, code=code_for(services, ADMIN_EMAIL))
    agencies = {a.name: a.id for a in services.directory.list_agencies(admin, PageRequest(limit=50)).items}
    people = {p.details.email.split("@")[0]: p for p in services.directory.list_people(admin, PageRequest(limit=200)).items}
    world = World(services, admin, agencies[LA], agencies[OAKBROOK], people=people)
    found = services.subjects.search(world.actor("sam.social"), SubjectSearch(name="Ashworth"), PageRequest())
    world.subjects = {s.details.given_name.lower(): s for s in found.items}
    consent = services.consents.record(world.actor("sam.social"), consent_input(world, subject="mia", giver="sarah"))
    disclosure = services.disclosures.send(
        world.actor("sam.social"),
        DisclosureInput(
            decision=decision_input(world, "mia", Decision.SHARE, (to_person(world, "tara.teacher"),), actor="sam.social")
        ),
    )
    request = services.requests.send(world.actor("dan.dsl"), request_input(world, subject="mia", target=agencies[LA]))
    emergency = BreakGlassInput(subject_id=world.subjects["mia"].id, reason="Police called to the home at night; is Mia known?")
    services.break_glass.open(world.actor("pc.patel"), emergency, DEMO_PASSWORD)
    return Fernhill(
        ids={
            "subject_id": world.subjects["mia"].id,
            "question_id": services.context.guidance().questions()[0].id,
            "decision_id": str(disclosure.decision_id),
            "request_id": request.id,
            "disclosure_id": disclosure.id,
            "consent_id": consent.consent.id,
            "agency_id": agencies[GP],
            "person_id": people["gina.gp"].id,
        }
    )


def test_every_page_has_a_row_saying_who_may_open_it(settings, services):
    pages = web_pages(create_app(settings, services))
    assert len(pages) == len(set(pages)), "two routes answer GET on one path"
    assert set(pages) - set(EXPECTED) == set(), "a new page: add a row to EXPECTED saying who may open it"
    assert set(EXPECTED) - set(pages) == set(), "a page that no longer exists: remove its row"
    assert all(set(row) == set(ACCOUNTS) for row in EXPECTED.values())


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_each_role_opens_exactly_the_pages_it_may(settings, services, account):
    scene = fernhill(services)
    app = create_app(settings, services)
    with TestClient(app, follow_redirects=False) as client:
        if ACCOUNTS[account] is not None:
            _sign_in(client, ACCOUNTS[account])
        manages_people = account == "administrator"
        got, leaks, links = {}, [], {}
        # The steps of signing in last: a signed-in person who opens one is signed out, to begin again.
        for path in sorted(web_pages(app), key=lambda p: p.startswith(SIGNING_IN_STEPS)):
            response = client.get(path.format(**scene.ids))
            got[path] = response.status_code
            if response.status_code == OK:
                links |= {link: path for link in _links(response.text)}
            if response.status_code in (FORBIDDEN, NOT_FOUND):
                leaks += [(path, name) for name in CHILDREN if name in response.text]
            # The sign-in page lists the demo's own accounts, by design, outside production.
            if not manages_people and path != "/sign-in":
                leaks += [(path, email.group(0)) for email in EMAIL.finditer(response.text)]
        # Every link a page shows its reader leads somewhere they may go: none is refused or "not found".
        dead = {}
        for link, found_on in sorted(links.items()):
            if (status := client.get(link).status_code) >= 400:
                dead[link] = (found_on, status)
    expected = {path: row[account] for path, row in EXPECTED.items()}
    assert {p: s for p, s in got.items() if s != expected[p]} == {}, f"{account}: these pages answered otherwise than expected"
    assert leaks == []
    assert dead == {}, f"{account}: links to pages they may not open (link: (page it is on, status))"


HREF = re.compile(r'href="(/[^"#]*)"')


def _links(html: str) -> set[str]:
    """The pages of this service a page links to (not its stylesheets and icons)."""
    return {unescape(link) for link in HREF.findall(html) if not link.startswith(("/assets/", "/api/"))}


def _sign_in(client: TestClient, local: str) -> None:
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"csrf_token": csrf_token(form.text), "email": f"{local}@{DOMAIN}", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 303, response.text
    if response.headers["location"] == "/sign-in/code":
        page = client.get("/sign-in/code")
        code = code_for(client.app.state.services, f"{local}@{DOMAIN}")
        response = client.post("/sign-in/code", data={"csrf_token": csrf_token(page.text), "code": code})
        assert response.status_code == 303, response.text


def test_the_table_signs_in_as_demo_accounts_holding_every_role():
    """The table's accounts are the demo's, the people `make run` offers, and between them hold every role."""
    roles = {local: set(held) for _agency, local, _name, _title, held in PEOPLE}
    roles[ADMIN_EMAIL.split("@")[0]] = {Role.SYSTEM_ADMINISTRATOR}
    signed_in = [local for local in ACCOUNTS.values() if local]
    assert set(signed_in) <= set(roles)
    assert set().union(*(roles[local] for local in signed_in)) == set(Role)
