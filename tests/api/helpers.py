from tests.factories import PASSWORD


def bearer(api, key: str) -> dict[str, str]:
    response = api.post("/api/v1/auth/token", json={"email": f"{key}@agency.example", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
