"""Throttled sign-in through the JSON API: 429 with Retry-After, for tokens and for break-glass passwords."""

from __future__ import annotations

from tests.api.helpers import bearer


def token_attempt(api, password, email="practitioner_a@agency.example"):
    return api.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_guessing_a_token_password_is_answered_429_with_retry_after(api, world):
    statuses = [token_attempt(api, "guessing").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    throttled = token_attempt(api, "guessing")
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60
    assert throttled.json()["detail"].startswith("too many attempts to sign in")
    assert "practitioner_a" not in throttled.text


def test_break_glass_passwords_are_throttled_in_the_api(api, world):
    headers = bearer(api, "practitioner_b")
    body = {"subject_id": world.subjects["child_a"].id, "reason": "a child is missing and may be at risk", "password": "guessing"}
    statuses = [api.post("/api/v1/break-glass", json=body, headers=headers).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
