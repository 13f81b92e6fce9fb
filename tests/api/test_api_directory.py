from tests.api.helpers import bearer


def test_admin_adds_agency_and_people_through_the_api(api, world):
    admin = bearer(api, "admin")
    agency = api.post("/api/v1/agencies", json={"name": "Harbour Charity", "kind": "voluntary_community", "section_11_duty": False}, headers=admin)
    assert agency.status_code == 201
    agency_id = agency.json()["id"]
    person = api.post(
        "/api/v1/people",
        json={"details": {"agency_id": agency_id, "name": "Cora", "email": "cora@agency.example", "roles": ["practitioner"]}, "password": "a long enough password"},
        headers=admin,
    )
    assert person.status_code == 201
    assert "password" not in person.text
    token = api.post("/api/v1/auth/token", json={"email": "cora@agency.example", "password": "a long enough password"})
    assert token.status_code == 200


def test_directory_errors(api, world):
    admin = bearer(api, "admin")
    unknown_kind = api.post("/api/v1/agencies", json={"name": "Bakery", "kind": "bakery", "section_11_duty": False}, headers=admin)
    assert unknown_kind.status_code == 422 and unknown_kind.json()["errors"][0]["field"] == "kind"
    bad_ico = api.post("/api/v1/agencies", json={"name": "Bakery", "kind": "other", "section_11_duty": False, "ico_registration": "12"}, headers=admin)
    assert bad_ico.status_code == 422 and bad_ico.json()["errors"][0]["field"] == "ico_registration"
    duplicate = api.post(
        "/api/v1/people",
        json={"details": {"agency_id": world.agency_a, "name": "Dup", "email": "practitioner_a@agency.example", "roles": ["practitioner"]}},
        headers=admin,
    )
    assert duplicate.status_code == 409 and duplicate.json()["errors"] == [{"field": "email", "problem": "a person with this email address already exists"}]
    bad_page = api.get("/api/v1/people?limit=100000", headers=admin)
    assert bad_page.status_code == 422 and bad_page.json()["errors"][0]["field"] == "limit"


def test_practitioner_cannot_add_agencies(api, world):
    response = api.post("/api/v1/agencies", json={"name": "X Agency", "kind": "other", "section_11_duty": False}, headers=bearer(api, "practitioner_a"))
    assert response.status_code == 403


def test_disabled_account_token_stops_working_at_once(api, world):
    as_a = bearer(api, "practitioner_a")
    assert api.get("/api/v1/auth/me", headers=as_a).status_code == 200
    assert api.post(f"/api/v1/people/{world.people['practitioner_a'].id}/disable", headers=bearer(api, "admin")).status_code == 200
    assert api.get("/api/v1/auth/me", headers=as_a).status_code == 401


def test_sign_in_failures_are_401_without_saying_which_part_was_wrong(api, world):
    response = api.post("/api/v1/auth/token", json={"email": "practitioner_a@agency.example", "password": "nope"})
    assert response.status_code == 401
    assert "email address or password" in response.json()["detail"]


def test_colleagues_get_contacts_and_only_the_administrator_gets_accounts(api, world):
    practitioner = bearer(api, "practitioner_a")
    for path in ("/api/v1/people", f"/api/v1/people/{world.people['practitioner_b'].id}"):
        refused = api.get(path, headers=practitioner)
        assert refused.status_code == 403 and "@agency.example" not in refused.text
        assert api.get(path, headers=bearer(api, "admin")).status_code == 200
    contacts = api.get(f"/api/v1/contacts?agency_id={world.agency_b}", headers=practitioner)
    assert contacts.status_code == 200
    assert contacts.json()["items"] == [
        {"id": world.people["practitioner_b"].id, "name": "Practitioner B", "job_title": "", "agency_id": world.agency_b,
         "receives_disclosures": True},
    ]
    one = api.get(f"/api/v1/contacts/{world.people['dsl_a'].id}", headers=practitioner)
    assert one.status_code == 200 and "email" not in one.json() and "roles" not in one.json()
    assert api.get("/api/v1/contacts", headers=bearer(api, "auditor")).status_code == 403
