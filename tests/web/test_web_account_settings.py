"""Your account through the web pages: changing your password, your sessions, an administrator signing someone
out everywhere, and signing out clearing the browser's data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from safeshare.app import create_app
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Channel
from safeshare.domain.errors import AuthenticationFailed
from tests.factories import PASSWORD
from tests.web.helpers import csrf_token, error_summary, sign_in

NEW_PASSWORD = "quiet otter under a blue bridge"


def session_cookie(client: TestClient) -> str:
    return client.cookies.get("safeshare_session")


def still_signed_in(world, token: str, kind=SessionKind.WEB) -> bool:
    try:
        world.services.accounts.authenticate(token, kind, Channel.WEB)
    except AuthenticationFailed:
        return False
    return True


def test_signing_out_tells_the_browser_to_clear_its_data(web, world):
    csrf = sign_in(web, "practitioner_a")
    response = web.post("/sign-out", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'


def test_every_signed_in_page_links_to_your_account(web, world):
    sign_in(web, "auditor")
    assert 'href="/account"' in web.get("/").text
    page = web.get("/account")
    assert page.status_code == 200 and "Your account" in page.text


def test_changing_your_password_replaces_the_session_and_ends_the_others(web, world, services, settings):
    csrf = sign_in(web, "practitioner_a")
    old_cookie = session_cookie(web)
    other_token, _ = world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.TOKEN)
    form = web.get("/account/password")
    assert 'name="end_other_sessions" type="checkbox" value="yes" checked' in form.text, "ending the others is the default"
    response = web.post("/account/password", data={
        "csrf_token": csrf, "current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
        "end_other_sessions": "yes",
    })
    assert response.status_code == 303 and response.headers["location"] == "/account?done=password"
    assert session_cookie(web) != old_cookie
    assert not still_signed_in(world, old_cookie)
    assert not still_signed_in(world, other_token, SessionKind.TOKEN)
    done = web.get("/account?done=password")
    assert done.status_code == 200 and "Your password has been changed" in done.text
    with TestClient(create_app(settings, services), follow_redirects=False) as elsewhere:
        sign_in(elsewhere, "practitioner_a", NEW_PASSWORD)


def test_unticking_the_box_keeps_the_other_sessions(web, world):
    csrf = sign_in(web, "practitioner_a")
    other_token, _ = world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.TOKEN)
    response = web.post("/account/password", data={
        "csrf_token": csrf, "current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
    })
    assert response.status_code == 303
    assert still_signed_in(world, other_token, SessionKind.TOKEN)


def test_a_weak_or_mistaken_new_password_is_explained_on_the_form(web, world):
    csrf = sign_in(web, "practitioner_a")
    weak = web.post("/account/password", data={
        "csrf_token": csrf, "current_password": PASSWORD, "password": "password1234", "password_again": "password1234",
        "end_other_sessions": "yes",
    })
    assert weak.status_code == 400
    [(href, message)] = error_summary(weak.text)
    assert href == "#password" and "too easy to guess" in message
    wrong = web.post("/account/password", data={
        "csrf_token": csrf, "current_password": "not my password", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
    })
    assert wrong.status_code == 400
    assert error_summary(wrong.text) == [("#current_password", "That password is not right")]
    assert 'value="yes" checked' not in wrong.text, "the box stays as it was sent"
    mismatch = web.post("/account/password", data={
        "csrf_token": csrf, "current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": "something else",
    })
    assert mismatch.status_code == 400 and error_summary(mismatch.text)[0][0] == "#password_again"


def test_the_password_form_needs_the_csrf_token(web, world):
    sign_in(web, "practitioner_a")
    response = web.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 400 and "This form could not be sent" in response.text
    assert world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.TOKEN), "the password is unchanged"
    assert world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.TOKEN)


def test_your_sessions_are_listed_and_can_be_ended(web, world, clock):
    csrf = sign_in(web, "practitioner_a")
    other_token, _ = world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.TOKEN)
    page = web.get("/account")
    assert "Website (this one)" in page.text and "API or command-line token" in page.text
    assert session_cookie(web) not in page.text and other_token not in page.text
    clock.advance(minutes=world.services.context.settings.account_reauth_minutes + 1)
    web.get("/")  # keep the session in use
    stale = web.post("/account/sessions/end", data={"csrf_token": csrf, "session": "all"})
    assert stale.status_code == 400 and error_summary(stale.text)[0][0] == "#password"
    assert still_signed_in(world, other_token, SessionKind.TOKEN)
    none = web.post("/account/sessions/end", data={"csrf_token": csrf, "password": PASSWORD})
    assert none.status_code == 400 and error_summary(none.text)[0][0] == "#session"
    ended = web.post("/account/sessions/end", data={"csrf_token": csrf, "session": "all", "password": PASSWORD})
    assert ended.status_code == 303
    assert not still_signed_in(world, other_token, SessionKind.TOKEN)
    assert web.get("/account").status_code == 200, "the current session carries on"


def test_ending_one_session_by_its_id(web, world):
    csrf = sign_in(web, "practitioner_a")
    other_token, other = world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.TOKEN)
    other_id = next(s.id for s in world.services.account_settings.my_sessions(other) if s.current)
    assert f'value="{other_id}"' in web.get("/account").text
    assert web.post("/account/sessions/end", data={"csrf_token": csrf, "session": other_id}).status_code == 303
    assert not still_signed_in(world, other_token, SessionKind.TOKEN)
    unknown = web.post("/account/sessions/end", data={"csrf_token": csrf, "session": other_id})
    assert unknown.status_code == 400 and error_summary(unknown.text)[0][0] == "#session"


def test_an_administrator_signs_someone_out_everywhere(web, world):
    person = world.people["practitioner_a"]
    token, _ = world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.WEB)
    csrf = sign_in(web, "admin")
    page = web.get(f"/admin/people/{person.id}/edit")
    assert f'action="/admin/people/{person.id}/sessions/end"' in page.text
    response = web.post(f"/admin/people/{person.id}/sessions/end", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert not still_signed_in(world, token)
    assert not world.services.directory.get_person(world.admin, person.id).disabled


def test_only_an_administrator_signs_someone_else_out(web, world):
    target = world.people["practitioner_b"]
    token, _ = world.services.accounts.sign_in("practitioner_b@agency.example", PASSWORD, SessionKind.WEB)
    csrf = sign_in(web, "practitioner_a")
    assert web.post(f"/admin/people/{target.id}/sessions/end", data={"csrf_token": csrf}).status_code == 403
    assert still_signed_in(world, token)
