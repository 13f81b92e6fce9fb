import datetime as dt

import pytest

from tests.api.helpers import bearer


@pytest.fixture
def as_a(api, world):
    return bearer(api, "practitioner_a")


def field_problems(response) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


def test_openapi_is_published(api):
    spec = api.get("/openapi.json").json()
    assert "/api/v1/subjects/search" in spec["paths"]


def test_requests_without_a_token_are_refused(api, world):
    response = api.get(f"/api/v1/subjects/{world.subjects['child_a'].id}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_practitioner_reads_own_agencys_subject_but_not_another_agencys(api, world, as_a):
    own = api.get(f"/api/v1/subjects/{world.subjects['child_a'].id}", headers=as_a)
    assert own.status_code == 200 and own.json()["subject"]["details"]["given_name"] == "Ada"
    other = api.get(f"/api/v1/subjects/{world.subjects['child_b'].id}", headers=as_a)
    assert other.status_code == 404
    assert "Bea" not in other.text


def test_search_is_a_post_so_names_never_appear_in_urls(api, world, as_a):
    found = api.post("/api/v1/subjects/search?limit=10", json={"name": "Lovelace"}, headers=as_a)
    assert found.status_code == 200
    assert found.json()["total"] == 2 and found.json()["limit"] == 10


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"given_name": "A", "family_name": "B", "nhs_number": "9434765918"}, "nhs_number", "check digit"),
        ({"given_name": "A", "family_name": "B", "unique_pupil_number": "A881200101001"}, "unique_pupil_number", "check letter"),
        ({"given_name": "A", "family_name": "B", "date_of_birth": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "date_of_birth", "future"),
        ({"given_name": "A", "family_name": "B", "sex": "unknown-value"}, "sex", "Input should be"),
        ({"family_name": "B"}, "given_name", "required"),
        ({"given_name": "A", "family_name": "B", "favourite_colour": "red"}, "favourite_colour", "not permitted"),
    ],
)
def test_invalid_subjects_get_a_422_naming_the_field(api, world, as_a, body, field, problem):
    response = api.post("/api/v1/subjects", json=body, headers=as_a)
    assert response.status_code == 422
    assert problem in field_problems(response)[field]


def test_malformed_json_is_a_400_in_safeshares_error_body(api, world, as_a):
    response = api.post("/api/v1/subjects", content=b"{not json", headers={**as_a, "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "body: the request body is not valid JSON",
        "errors": [{"field": "body", "problem": "the request body is not valid JSON"}],
    }


def test_duplicate_nhs_number_is_a_409(api, world):
    as_b = bearer(api, "practitioner_b")
    response = api.post("/api/v1/subjects", json={"given_name": "X", "family_name": "Y", "nhs_number": "9434765919"}, headers=as_b)
    assert response.status_code == 409
    assert field_problems(response) == {"nhs_number": field_problems(response)["nhs_number"]}


def test_relationship_errors_name_the_field(api, world, as_a):
    body = {"person_id": world.subjects["parent_a"].id, "child_id": world.subjects["child_a"].id, "kind": "sibling", "parental_responsibility": True}
    response = api.post("/api/v1/relationships", json=body, headers=as_a)
    assert response.status_code == 422
    assert "parental responsibility" in response.json()["detail"]


def test_security_headers_on_every_response(api, world, as_a):
    response = api.get(f"/api/v1/subjects/{world.subjects['child_a'].id}", headers=as_a)
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_information_governance_lead_links_another_agency_as_holder(api, world, as_a):
    child = world.subjects["child_a"].id
    as_b = bearer(api, "practitioner_b")
    assert api.get(f"/api/v1/subjects/{child}", headers=as_b).status_code == 404
    refused = api.post(f"/api/v1/subjects/{child}/holders", json={"agency_id": world.agency_b}, headers=as_a)
    assert refused.status_code == 403 and "subjects:link" in refused.text
    as_ig = bearer(api, "ig_lead_a")
    unknown = api.post(f"/api/v1/subjects/{child}/holders", json={"agency_id": "nowhere"}, headers=as_ig)
    assert unknown.status_code == 422 and "agency_id" in field_problems(unknown)
    linked = api.post(f"/api/v1/subjects/{child}/holders", json={"agency_id": world.agency_b}, headers=as_ig)
    assert linked.status_code == 201, linked.text
    assert set(linked.json()["held_by"]) == {world.agency_a, world.agency_b}
    assert api.get(f"/api/v1/subjects/{child}", headers=as_b).status_code == 200
    again = api.post(f"/api/v1/subjects/{child}/holders", json={"agency_id": world.agency_b}, headers=as_ig)
    assert again.status_code == 409
