"""Two-step sign-in through the web pages: the code page after the password, and setting up an app."""

from __future__ import annotations

import re
from html import unescape

import pyotp

from safeshare.domain.people import PersonDetails, Role
from tests.factories import PASSWORD, TWO_STEP, code_for
from tests.web.helpers import csrf_token, error_summary


def password_step(web, key):
    page = web.get("/sign-in")
    return web.post("/sign-in", data={"email": f"{key}@agency.example", "password": PASSWORD, "csrf_token": csrf_token(page.text)})


def test_a_person_with_two_step_sign_in_gives_a_code_before_any_page_opens(web, world, services):
    response = password_step(web, "ig_lead_a")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in/code"
    assert web.get("/").status_code == 303  # the partial session opens nothing
    password_step(web, "ig_lead_a")
    page = web.get("/sign-in/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    forged = web.post("/sign-in/code", data={"code": code_for(services, "ig_lead_a@agency.example")})  # no CSRF token
    assert forged.status_code == 400 and web.get("/sign-in/code").status_code == 200  # refused, and nothing used up
    done = web.post("/sign-in/code", data={"csrf_token": csrf_token(page.text), "code": code_for(services, "ig_lead_a@agency.example")})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert web.get("/").status_code == 200


def test_a_wrong_code_is_shown_against_the_field(web, world):
    password_step(web, "ig_lead_a")
    page = web.get("/sign-in/code")
    wrong = web.post("/sign-in/code", data={"csrf_token": csrf_token(page.text), "code": "12345"})
    assert wrong.status_code == 400
    assert error_summary(wrong.text) == [("#code", "That code is not right, or it has been used already")]


def test_a_governance_role_sets_up_its_app_on_first_sign_in(web, world, services, clock):
    details = PersonDetails(agency_id=world.agency_a, name="Sara Siro", email="siro_a@agency.example", roles=frozenset({Role.SIRO}))
    services.directory.add_person(world.admin, details, PASSWORD)
    response = password_step(web, "siro_a")
    assert response.headers["location"] == "/two-step/set-up"
    page = web.get("/two-step/set-up")
    assert page.status_code == 200
    secret = re.search(r'<code id="two-step-secret"[^>]*>([^<]+)</code>', page.text).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page.text  # the QR code, inline under the page's CSP
    missing = web.post("/two-step/set-up", data={"csrf_token": csrf_token(page.text), "code": ""})
    assert missing.status_code == 400
    code = pyotp.TOTP(secret).at(clock.now.timestamp())
    confirmed = web.post("/two-step/set-up", data={"csrf_token": csrf_token(page.text), "code": code})
    assert confirmed.status_code == 200
    codes = [unescape(c) for c in re.findall(r"<li><code>([a-z0-9-]+)</code></li>", confirmed.text)]
    assert len(codes) == 10 and "This is the only time they are shown" in confirmed.text
    assert web.get("/").status_code == 200  # the new complete session
    # A recovery code then signs in instead of the app's code.
    web.cookies.clear()
    password_step(web, "siro_a")
    page = web.get("/sign-in/code")
    done = web.post("/sign-in/code", data={"csrf_token": csrf_token(page.text), "code": codes[0]})
    assert done.status_code == 303 and done.headers["location"] == "/"


def test_the_api_asks_for_the_code_too(api, world, services):
    body = {"email": "auditor@agency.example", "password": PASSWORD}
    refused = api.post("/api/v1/auth/token", json=body)
    assert refused.status_code == 401 and "two steps" in refused.json()["detail"]
    issued = api.post("/api/v1/auth/token", json={**body, "code": code_for(services, "auditor@agency.example")})
    assert issued.status_code == 200
    assert "auditor@agency.example" in TWO_STEP
