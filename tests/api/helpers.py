from tests.factories import PASSWORD, code_for


def bearer(api, key: str) -> dict[str, str]:
    email = f"{key}@agency.example"
    code = code_for(api.app.state.services, email)
    response = api.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD, "code": code})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
