"""Your own account through the JSON API, and an administrator signing someone out everywhere."""

from __future__ import annotations

from tests.api.helpers import bearer
from tests.factories import PASSWORD

API = "/api/v1"
NEW_PASSWORD = "quiet otter under a blue bridge"


def token_works(api, headers) -> bool:
    return api.get(f"{API}/auth/me", headers=headers).status_code == 200


def test_changing_the_password_keeps_this_token_and_ends_the_others(api, world):
    mine, other = bearer(api, "practitioner_a"), bearer(api, "practitioner_a")
    response = api.post(f"{API}/account/password", headers=mine, json={"current_password": PASSWORD, "password": NEW_PASSWORD})
    assert response.status_code == 200 and response.json() == {"sessions_ended": 1}
    assert token_works(api, mine) and not token_works(api, other)
    signed_in = api.post(f"{API}/auth/token", json={"email": "practitioner_a@agency.example", "password": NEW_PASSWORD})
    assert signed_in.status_code == 200


def test_the_other_tokens_can_be_kept(api, world):
    mine, other = bearer(api, "practitioner_a"), bearer(api, "practitioner_a")
    body = {"current_password": PASSWORD, "password": NEW_PASSWORD, "end_other_sessions": False}
    assert api.post(f"{API}/account/password", headers=mine, json=body).json() == {"sessions_ended": 0}
    assert token_works(api, other)


def test_a_refused_password_names_the_field(api, world):
    mine = bearer(api, "practitioner_a")
    weak = api.post(f"{API}/account/password", headers=mine, json={"current_password": PASSWORD, "password": "password1234"})
    assert weak.status_code == 422
    assert [e["field"] for e in weak.json()["errors"]] == ["password"]
    wrong = api.post(f"{API}/account/password", headers=mine, json={"current_password": "not it at all", "password": NEW_PASSWORD})
    assert wrong.status_code == 422 and [e["field"] for e in wrong.json()["errors"]] == ["current_password"]
    assert token_works(api, mine), "a wrong current password does not end the session asking"


def test_my_sessions_never_show_a_token_and_can_be_ended(api, world):
    mine, other = bearer(api, "practitioner_a"), bearer(api, "practitioner_a")
    response = api.get(f"{API}/account/sessions", headers=mine)
    assert response.status_code == 200
    sessions = response.json()
    assert len(sessions) == 2 and [s["current"] for s in sessions].count(True) == 1
    assert set(sessions[0]) == {"id", "kind", "created_at", "last_seen_at", "expires_at", "current"}
    for headers in (mine, other):
        assert headers["Authorization"].split()[1] not in response.text
    other_id = next(s["id"] for s in sessions if not s["current"])
    ended = api.post(f"{API}/account/sessions/{other_id}/end", headers=mine, json={"password": PASSWORD})
    assert ended.status_code == 204
    assert not token_works(api, other) and token_works(api, mine)
    again = api.post(f"{API}/account/sessions/{other_id}/end", headers=mine, json={})
    assert again.status_code == 404


def test_ending_the_other_sessions_and_a_wrong_password(api, world, clock):
    mine, others = bearer(api, "practitioner_a"), [bearer(api, "practitioner_a"), bearer(api, "practitioner_a")]
    clock.advance(minutes=world.services.context.settings.account_reauth_minutes + 1)
    stale = api.post(f"{API}/account/sessions/end-others", headers=mine, json={})
    assert stale.status_code == 422 and [e["field"] for e in stale.json()["errors"]] == ["password"]
    wrong = api.post(f"{API}/account/sessions/end-others", headers=mine, json={"password": "not it at all"})
    assert wrong.status_code == 422 and "not right" in wrong.text
    assert all(token_works(api, h) for h in others)
    response = api.post(f"{API}/account/sessions/end-others", headers=mine, json={"password": PASSWORD})
    assert response.json() == {"sessions_ended": 2}
    assert not any(token_works(api, h) for h in others) and token_works(api, mine)


def test_an_administrator_ends_someones_sessions(api, world):
    theirs = bearer(api, "practitioner_a")
    admin = bearer(api, "admin")
    person_id = world.people["practitioner_a"].id
    refused = api.post(f"{API}/people/{person_id}/sessions/end", headers=bearer(api, "practitioner_b"))
    assert refused.status_code == 403 and token_works(api, theirs)
    response = api.post(f"{API}/people/{person_id}/sessions/end", headers=admin)
    assert response.status_code == 200 and response.json() == {"sessions_ended": 1}
    assert not token_works(api, theirs)
    assert api.get(f"{API}/people/{person_id}", headers=admin).json()["disabled"] is False
    assert api.post(f"{API}/people/nobody/sessions/end", headers=admin).status_code == 404
