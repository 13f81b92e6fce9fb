"""Input at the edges (naive or out-of-range times, numbers past 64 bits, NUL characters, lone surrogates): each
is a 4xx naming the field, never a server error, and nothing is written."""

from __future__ import annotations

import json

import pytest

from safeshare.domain.decisions import Decision
from tests.api.helpers import bearer
from tests.exchange import consent_input, disclose, extend
from tests.services.test_decisions import complete_input, facts

PAST_64_BITS = 2**63


def problems(response) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


@pytest.fixture
def w(world):
    return extend(world)


def test_a_time_without_a_zone_or_past_the_calendar_is_refused(api, w):
    sent = disclose(w)
    headers = bearer(api, "practitioner_a")
    for told_at in ("2026-11-01T10:00:00", "0001-01-01T00:00:00+14:00"):
        refused = api.put(f"/api/v1/disclosures/{sent.id}/family", json={"status": "told", "told_at": told_at}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert "told_at" in problems(refused)
    consent = json.loads(consent_input(w).model_dump_json())
    refused = api.post("/api/v1/consents", json={**consent, "obtained_at": "9999-12-31T23:59:59-12:00"}, headers=headers)
    assert refused.status_code == 422 and "obtained_at" in problems(refused), refused.text


def test_advice_taken_in_the_future_is_refused(api, w):
    body = json.loads(complete_input(w, facts(), Decision.SHARE).model_dump_json())
    body["advice_sought"] = [{**body["advice_sought"][0], "at": "2030-01-01T09:00:00Z"}]
    refused = api.post("/api/v1/decisions", json=body, headers=bearer(api, "practitioner_a"))
    assert refused.status_code == 422, refused.text
    assert "advice_sought.0.at" in problems(refused)


def test_numbers_past_64_bits_are_refused_or_not_found(api, w):
    headers = bearer(api, "practitioner_a")
    body = json.loads(complete_input(w, facts(), Decision.SHARE).model_dump_json())
    refused = api.post("/api/v1/decisions", json={**body, "corrects": PAST_64_BITS, "correction_reason": "typo"}, headers=headers)
    assert refused.status_code == 422 and "corrects" in problems(refused), refused.text
    assert api.get(f"/api/v1/decisions/{PAST_64_BITS}", headers=headers).status_code == 404
    # Ledger numbers are 32-bit INTEGERs on PostgreSQL, which refuses to compare a larger one (was a 500 there).
    assert api.get(f"/api/v1/decisions/{2**40}", headers=headers).status_code == 404
    paged = api.get(f"/api/v1/agencies?offset={PAST_64_BITS}", headers=headers)
    assert paged.status_code == 422 and "offset" in paged.text, paged.text


def test_text_with_a_nul_character_is_refused_naming_the_field(api, w):
    headers = bearer(api, "practitioner_a")
    refused = api.post("/api/v1/subjects", json={"given_name": "A\u0000da", "family_name": "Lovelace"}, headers=headers)
    assert refused.status_code == 422 and "given_name" in refused.text and "NUL" in refused.text, refused.text
    body = json.loads(complete_input(w, facts(), Decision.SHARE).model_dump_json())
    body["information_shared"][0]["description"] = "Ada said\u0000 she is scared"
    refused = api.post("/api/v1/decisions", json=body, headers=headers)
    assert refused.status_code == 422 and "description" in refused.text, refused.text
    advice = {"facts": {**json.loads(facts().model_dump_json()), "purpose": "Referral\u0000"}}
    refused = api.post("/api/v1/advice", json=advice, headers=headers)
    assert refused.status_code == 422 and "purpose" in refused.text, refused.text
    with w.services.context.uow_factory() as uow:
        assert uow.decisions.list(_everything(), w.agency_a).total == 0  # nothing written


def test_a_lone_surrogate_is_refused_not_a_server_error(api, w):
    """Text with a lone surrogate is not Unicode, so the body is not I-JSON (RFC 7493 2.1): a 400, like any
    body that cannot be parsed."""
    headers = {**bearer(api, "ig_lead_a"), "Content-Type": "application/json"}
    child = w.subjects["child_a"].id
    refused = api.post(f"/api/v1/subjects/{child}/holders", content=b'{"agency_id": "a\\ud800b"}', headers=headers)
    assert refused.status_code == 400 and refused.json()["errors"] == [{"field": "body", "problem": "the request body is not valid JSON"}]
    advice = json.dumps({"facts": json.loads(facts().model_dump_json()), "guidance_version": "PLACEHOLDER"})
    body = advice.replace("PLACEHOLDER", "a\\ud800").encode()
    refused = api.post("/api/v1/advice", content=body, headers={**bearer(api, "practitioner_a"), "Content-Type": "application/json"})
    assert refused.status_code == 400, refused.text


def _everything():
    from safeshare.domain.paging import PageRequest

    return PageRequest(limit=200)
