"""The sign-in page points a newcomer to the demo accounts, only where the demo partnership is loaded and
never in production."""

from __future__ import annotations

from safeshare.demo import ADMIN_EMAIL, DEMO_PASSWORD, PEOPLE, demo_accounts, load_demo
from safeshare.settings import Environment
from tests.web.helpers import csrf_token


def test_a_demo_installation_lists_its_accounts_and_the_password(web, services):
    load_demo(services)
    html = web.get("/sign-in").text
    assert "This is a demonstration installation" in html
    assert DEMO_PASSWORD in html
    assert ADMIN_EMAIL in html
    for agency, local, name, title, _roles in PEOPLE:
        assert f"{local}@fernhill.example</code>: {name}, {title}, {agency}".replace("'", "&#39;") in html
    # An account read off the page signs in with the password on the page.
    response = web.post("/sign-in", data={"email": "tara.teacher@fernhill.example", "password": DEMO_PASSWORD, "csrf_token": csrf_token(html)})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_the_accounts_are_shown_again_after_a_wrong_password(web, services):
    load_demo(services)
    html = web.get("/sign-in").text
    response = web.post("/sign-in", data={"email": "tara.teacher@fernhill.example", "password": "wrong", "csrf_token": csrf_token(html)})
    assert response.status_code == 400
    assert "Demo accounts" in response.text


def test_an_installation_without_the_demo_says_nothing_of_it(web, services, world):
    assert demo_accounts(services) == []
    html = web.get("/sign-in").text
    assert "Demo accounts" not in html
    assert "demonstration" not in html
    assert DEMO_PASSWORD not in html


def test_an_empty_installation_says_nothing_of_the_demo(web, services):
    html = web.get("/sign-in").text
    assert "Demo accounts" not in html
    assert DEMO_PASSWORD not in html


def test_production_never_shows_the_demo_accounts_even_if_they_exist(web, services, monkeypatch):
    load_demo(services)
    assert demo_accounts(services)
    monkeypatch.setattr(services.context.settings, "environment", Environment.PRODUCTION)
    assert demo_accounts(services) == []
    html = web.get("/sign-in").text
    assert "Sign in to SafeShare" in html
    assert "Demo accounts" not in html
    assert DEMO_PASSWORD not in html
    assert "tara.teacher@fernhill.example" not in html


def test_guessing_at_the_sign_in_form_is_throttled_with_retry_after(web, world):
    from tests.factories import PASSWORD

    def attempt(password):
        page = web.get("/sign-in").text
        return web.post("/sign-in", data={"email": "practitioner_a@agency.example", "password": password, "csrf_token": csrf_token(page)})

    assert [attempt("guessing").status_code for _ in range(3)] == [400, 400, 400]
    throttled = attempt(PASSWORD)  # even the right password waits now, from this address
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60
    assert "Too many attempts to sign in: wait 15 minutes and try again" in throttled.text
    assert 'class="govuk-error-summary' in throttled.text


def test_guessing_the_password_for_emergency_access_is_throttled(web, world):
    from tests.web.helpers import sign_in

    token = sign_in(web, "practitioner_b")
    path = f"/subjects/{world.subjects['child_a'].id}/emergency-access"
    form = {"reason": "a child is missing and may be at risk", "password": "guessing", "csrf_token": token}
    statuses = [web.post(path, data=form).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    throttled = web.post(path, data=form)
    assert "Too many attempts to sign in" in throttled.text and throttled.headers["retry-after"]
