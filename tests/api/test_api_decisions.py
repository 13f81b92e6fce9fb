from safeshare.domain.decisions import Decision
from tests.api.helpers import bearer
from tests.guidance.helpers import LATER_VERSION, install_later_version
from tests.services.test_decisions import SIGNIFICANT_HARM, complete_input, facts


def test_the_facts_schema_is_published(api, world):
    schema = api.get("/api/v1/advice/schema").json()
    assert schema["title"] == "CaseFacts"
    assert "level_of_concern" in schema["properties"]


def test_advice_through_the_api(api, world):
    response = api.post("/api/v1/advice", json={"facts": SIGNIFICANT_HARM}, headers=bearer(api, "practitioner_a"))
    assert response.status_code == 200, response.text
    advice = response.json()
    assert advice["outcome"] == "share_without_consent"
    assert advice["trail"][0]["citation"]["document"]


def test_advice_input_errors_name_the_field(api, world):
    bad = {**SIGNIFICANT_HARM, "level_of_concern": "worried"}
    response = api.post("/api/v1/advice", json={"facts": bad}, headers=bearer(api, "practitioner_a"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "facts.level_of_concern"


def test_record_and_read_a_decision_through_the_api(api, world):
    as_a = bearer(api, "practitioner_a")
    body = complete_input(world, facts(), Decision.SHARE).model_dump(mode="json")
    created = api.post("/api/v1/decisions", json=body, headers=as_a)
    assert created.status_code == 201, created.text
    number = created.json()["id"]
    assert api.get(f"/api/v1/decisions/{number}", headers=as_a).json()["input"]["reasons"] == body["reasons"]
    assert api.get(f"/api/v1/decisions/{number}", headers=bearer(api, "practitioner_b")).status_code == 404
    listed = api.get(f"/api/v1/subjects/{world.subjects['child_a'].id}/decisions", headers=as_a).json()
    assert [d["id"] for d in listed["items"]] == [number]


def test_an_incomplete_decision_is_a_422_naming_what_is_missing(api, world):
    body = complete_input(world, facts(), Decision.SHARE).model_dump(mode="json")
    body["family_told"] = None
    body["departure_reason"] = None
    response = api.post("/api/v1/decisions", json=body, headers=bearer(api, "practitioner_a"))
    assert response.status_code == 422
    assert "family_told" in {e["field"] for e in response.json()["errors"]}


def test_a_decision_can_be_recorded_under_another_installed_guidance_version(api, world, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESHARE_GUIDANCE_PATH", str(install_later_version(tmp_path / "installed")))
    as_a = bearer(api, "practitioner_a")
    body = complete_input(world, facts(), Decision.SHARE).model_dump(mode="json")
    created = api.post("/api/v1/decisions", params={"guidance_version": LATER_VERSION}, json=body, headers=as_a)
    assert created.status_code == 201, created.text
    assert created.json()["advice"]["guidance"]["version"] == LATER_VERSION
    unknown = api.post("/api/v1/decisions", params={"guidance_version": "national-1999"}, json=body, headers=as_a)
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["guidance_version"]
