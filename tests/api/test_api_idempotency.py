"""The Idempotency-Key header: declared on every route that seals or sends, replaying the first answer exactly."""

from __future__ import annotations

import uuid

import pytest

from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput
from tests.api.helpers import bearer
from tests.exchange import consent_input, decision_input, extend, request_input, to_person

API = "/api/v1"
SEALING_ROUTES = {
    ("post", f"{API}/decisions"),
    ("post", f"{API}/disclosures"),
    ("post", f"{API}/requests"),
    ("post", f"{API}/requests/{{request_id}}/answer"),
    ("post", f"{API}/requests/{{request_id}}/not-held"),
    ("post", f"{API}/consents"),
    ("post", f"{API}/consents/fhir"),
    ("post", f"{API}/consents/{{consent_id}}/withdraw"),
    ("post", f"{API}/consents/{{consent_id}}/review"),
}


@pytest.fixture
def w(world):
    return extend(world)


def keyed(headers: dict, key: str) -> dict:
    return {**headers, "Idempotency-Key": key}


def test_every_route_that_seals_or_sends_declares_the_header_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json()["paths"]
    declaring = {
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert declaring == SEALING_ROUTES
    header = next(p for p in paths[f"{API}/decisions"]["post"]["parameters"] if p["name"] == "Idempotency-Key")
    assert header["required"] is False and "24 hours" in header["description"]


def test_a_retried_decision_gets_the_same_status_and_body_and_seals_nothing_more(api, w):
    headers = keyed(bearer(api, "practitioner_a"), str(uuid.uuid4()))
    body = decision_input(w, "child_a", Decision.DO_NOT_SHARE).model_dump(mode="json")
    first = api.post(f"{API}/decisions", json=body, headers=headers)
    again = api.post(f"{API}/decisions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert api.get(f"{API}/decisions", headers=headers).json()["total"] == 1


def test_a_retried_disclosure_and_request_return_their_first_answers(api, w):
    a, b = bearer(api, "practitioner_a"), bearer(api, "practitioner_b")
    disclosure = DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    headers = keyed(a, str(uuid.uuid4()))
    first = api.post(f"{API}/disclosures", json=disclosure.model_dump(mode="json"), headers=headers)
    again = api.post(f"{API}/disclosures", json=disclosure.model_dump(mode="json"), headers=headers)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert api.get(f"{API}/disclosures/incoming", headers=b).json()["total"] == 1

    headers = keyed(b, str(uuid.uuid4()))
    body = request_input(w, "child_b", target=w.agency_c).model_dump(mode="json")
    first = api.post(f"{API}/requests", json=body, headers=headers)
    again = api.post(f"{API}/requests", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert api.get(f"{API}/requests/sent", headers=b).json()["total"] == 1


def test_the_same_key_with_a_different_body_is_a_422_naming_the_header(api, w):
    headers = keyed(bearer(api, "practitioner_a"), str(uuid.uuid4()))
    first = api.post(f"{API}/consents", json=consent_input(w).model_dump(mode="json"), headers=headers)
    assert first.status_code == 201
    other = api.post(f"{API}/consents", json=consent_input(w, notes="Something else").model_dump(mode="json"), headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    listed = api.get(f"{API}/subjects/{w.subjects['kid'].id}/consents", headers=headers).json()
    assert listed["total"] == 1


@pytest.mark.parametrize("bad", ["too-short", "a" * 129, "spaces are not allowed here"])
def test_a_malformed_key_is_a_422_naming_the_header(api, w, bad):
    b = bearer(api, "practitioner_b")
    refused = api.post(f"{API}/requests", json=request_input(w, "child_b").model_dump(mode="json"), headers=keyed(b, bad))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["Idempotency-Key"]
    assert api.get(f"{API}/requests/sent", headers=b).json()["total"] == 0
