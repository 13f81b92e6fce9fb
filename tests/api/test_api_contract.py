"""The published OpenAPI document is the real contract: each operation declares the errors it can give, in
SafeShare's error body, and the server takes exactly what the document allows."""

from __future__ import annotations

from tests.api.helpers import bearer

ERROR = {"$ref": "#/components/schemas/Error"}


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def error_schema(operation: dict, status: int) -> dict | None:
    declared = operation["responses"].get(str(status))
    return declared and declared["content"]["application/json"]["schema"]


def test_every_operation_declares_the_errors_it_can_give_in_safeshares_error_body(api):
    document = api.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["Error"]["required"] == ["detail", "errors"]
    checked = 0
    for method, path, operation in operations(document):
        if operation.get("security"):
            assert error_schema(operation, 401) == ERROR and error_schema(operation, 403) == ERROR, (method, path)
            assert operation["responses"]["401"]["headers"]["WWW-Authenticate"]["required"], (method, path)
            checked += 1
        if "requestBody" in operation:
            for status in (400, 413, 422):
                assert error_schema(operation, status) == ERROR, (method, path, status)
        if "{" in path:
            assert error_schema(operation, 404) == ERROR, (method, path)
        if method in ("POST", "PUT") and operation.get("security"):
            assert error_schema(operation, 409) == ERROR, (method, path)
    assert checked >= 50
    sign_in = document["paths"]["/api/v1/auth/token"]["post"]
    assert error_schema(sign_in, 401) == ERROR and error_schema(sign_in, 429) == ERROR


def test_a_method_a_path_does_not_take_is_a_405_naming_every_method_it_does(api, world):
    refused = api.delete("/api/v1/agencies", headers=bearer(api, "admin"))
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, POST"
    assert refused.json() == {"detail": "Method Not Allowed", "errors": []}
    assert api.get("/api/v1/no-such-thing").json() == {"detail": "Not Found", "errors": []}


def test_a_body_is_read_strictly_so_nothing_the_document_forbids_is_taken(api, world):
    headers = bearer(api, "practitioner_a")
    loose = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": 0}  # a number is no date
    refused = api.post("/api/v1/subjects", json=loose, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "date_of_birth", refused.text
    loose = {"given_name": "Ada", "family_name": "Lovelace", "addresses": [{"lines": ["1 Lane"], "current": 0}]}
    refused = api.post("/api/v1/subjects", json=loose, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "addresses.0.current", refused.text


def test_the_caller_is_authenticated_before_the_body_is_read(api):
    refused = api.post("/api/v1/subjects", json={"given_name": 1}, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
