"""Signing in and out, the session cookie, time-outs and CSRF, through the web pages."""

from __future__ import annotations

from safeshare.settings import Environment, Settings
from safeshare.app import create_app
from fastapi.testclient import TestClient
from tests.factories import PASSWORD, TEST_SECRET_KEY
from tests.web.helpers import csrf_token, error_summary, page_title, sign_in


def test_pages_need_a_session_and_send_you_to_sign_in(web, world):
    response = web.get("/subjects/find")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/subjects/find"
    assert web.get("/sign-in").status_code == 200


def test_signing_in_sets_a_protected_session_cookie_and_returns_to_the_page_asked_for(web, world):
    form = web.get("/sign-in?next=/subjects/find")
    assert 'name="next" value="/subjects/find"' in form.text
    response = web.post(
        "/sign-in",
        data={"csrf_token": csrf_token(form.text), "email": "practitioner_a@agency.example", "password": PASSWORD, "next": "/subjects/find"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/subjects/find"
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("safeshare_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie
    assert "Path=/" in session_cookie
    assert "Secure" not in session_cookie
    assert web.get("/subjects/find").status_code == 200


def test_cookies_are_secure_and_host_only_over_tls(services, world, database_url):
    settings = Settings(environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=database_url, cookie_secure=True)
    with TestClient(create_app(settings, services), base_url="https://testserver", follow_redirects=False) as client:
        form = client.get("/sign-in")
        assert any(c.startswith("__Host-safeshare_sign_in=") and "Secure" in c for c in form.headers.get_list("set-cookie"))
        response = client.post(
            "/sign-in", data={"csrf_token": csrf_token(form.text), "email": "practitioner_a@agency.example", "password": PASSWORD}
        )
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("__Host-safeshare_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert "strict-transport-security" in response.headers


def test_a_wrong_password_is_an_error_summary_naming_the_field(web, world):
    form = web.get("/sign-in")
    response = web.post("/sign-in", data={"csrf_token": csrf_token(form.text), "email": "practitioner_a@agency.example", "password": "hunter2-typo"})
    assert response.status_code == 400
    assert page_title(response.text).startswith("Error: Sign in")
    assert error_summary(response.text) == [("#email", "The email address or password is not right, or the account cannot sign in")]
    assert 'value="practitioner_a@agency.example"' in response.text
    assert "hunter2-typo" not in response.text  # a password is never sent back


def test_empty_sign_in_names_both_fields(web, world):
    form = web.get("/sign-in")
    response = web.post("/sign-in", data={"csrf_token": csrf_token(form.text)})
    assert [href for href, _ in error_summary(response.text)] == ["#email", "#password"]


def test_sign_in_is_refused_without_the_signed_double_submit_token(web, world):
    web.get("/sign-in")
    forged = web.post("/sign-in", data={"csrf_token": "forged", "email": "practitioner_a@agency.example", "password": PASSWORD})
    assert forged.status_code == 400
    assert "sign-in page had expired" in forged.text
    assert "safeshare_session" not in web.cookies

    other = TestClient(web.app, follow_redirects=False)
    token_for_another_browser = csrf_token(other.get("/sign-in").text)
    response = web.post(
        "/sign-in", data={"csrf_token": token_for_another_browser, "email": "practitioner_a@agency.example", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "safeshare_session" not in web.cookies


def test_signed_in_forms_are_refused_without_the_sessions_csrf_token(web, world):
    sign_in(web, "practitioner_a")
    for token in (None, "not-the-token"):
        data = {"name": "Ada"} | ({"csrf_token": token} if token else {})
        response = web.post("/subjects/find", data=data)
        assert response.status_code == 400
        assert page_title(response.text) == "This form could not be sent – SafeShare"
        assert "Lovelace" not in response.text


def test_sign_out_ends_the_session_on_the_server(web, world):
    token = sign_in(web, "practitioner_a")
    session = web.cookies.get("safeshare_session")
    assert web.post("/sign-out", data={}).status_code == 400  # no CSRF token: nothing happens
    assert web.get("/").status_code == 200
    response = web.post("/sign-out", data={"csrf_token": token})
    assert response.headers["location"] == "/signed-out"
    web.cookies.set("safeshare_session", session)  # even a copied cookie no longer works
    assert web.get("/").status_code == 303


def test_idle_time_out_sends_you_to_sign_in_saying_why(web, world, clock, settings):
    sign_in(web, "practitioner_a")
    clock.advance(minutes=settings.session_idle_minutes + 1)
    response = web.get("/subjects/find")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?ended=timed-out&next=/subjects/find"
    page = web.get(response.headers["location"])
    assert "You were signed out because you had not used SafeShare for a while" in page.text


def test_absolute_time_out(web, world, clock, settings):
    sign_in(web, "practitioner_a")
    for _ in range(settings.session_absolute_hours * 2 + 1):
        clock.advance(minutes=29)
        web.get("/")
    clock.advance(minutes=29)
    assert web.get("/").status_code == 303


def test_next_never_leaves_the_service(web, world):
    form = web.get("/sign-in?next=//evil.example/")
    assert 'name="next"' not in form.text
    response = web.post(
        "/sign-in",
        data={"csrf_token": csrf_token(form.text), "email": "practitioner_a@agency.example", "password": PASSWORD, "next": "https://evil.example"},
    )
    assert response.headers["location"] == "/"


def test_every_page_carries_the_security_headers(web, world):
    sign_in(web, "practitioner_a")
    response = web.get("/")
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script>" not in response.text  # no inline script: the CSP would block it
    assert '<script type="module" src="/assets/safeshare/safeshare.js">' in response.text
    assert web.get("/assets/safeshare/safeshare.js").headers["cache-control"] == "public, max-age=3600"
