"""The published OpenAPI document is the real contract: each operation declares the errors it can give, in
SafeShare's error body, and the server takes exactly what the document allows."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import engine as schemathesis_engine
from schemathesis.engine import StopReason, events

from safeshare.app import create_app
from safeshare.demo import DEMO_PASSWORD, DOMAIN, load_demo
from safeshare.services import SafeShare
from safeshare.services.accounts import SessionKind
from safeshare.settings import Environment, Settings
from tests.api.helpers import bearer
from tests.factories import TEST_SECRET_KEY, code_for, set_up_two_step

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


def test_the_constraints_the_server_enforces_are_in_the_document(api):
    document = api.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    subject = schemas["SubjectDetails"]["properties"]
    assert subject["given_name"]["pattern"] == "^[^\\u0000]*$"  # NUL characters are refused
    assert subject["nhs_number"]["format"] == "nhs-number" and subject["unique_pupil_number"]["format"] == "unique-pupil-number"
    assert schemas["AgencyDetails"]["properties"]["ico_registration"]["format"] == "ico-registration"
    consent = schemas["ConsentInput"]["properties"]
    assert consent["information"]["items"]["maxLength"] == 200 and consent["information"]["items"]["minLength"] == 1
    assert consent["purposes"]["uniqueItems"] and consent["recipients"]["uniqueItems"]
    assert consent["decision"]["enum"] == ["given", "refused"]
    assert schemas["RequestInput"]["properties"]["information_sought"]["items"]["maxLength"] == 200
    offset = next(p for p in document["paths"]["/api/v1/agencies"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] == 2**53 - 1


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


# -- schemathesis: every check, on every operation, as demo roles

#: Per operation and phase, so the contract test stays within a few minutes per backend on two cores.
MAX_EXAMPLES = 5
#: Two demo roles whose permissions between them reach every operation beyond 403: the everyday practitioner
#: (decisions, consent, requests, disclosures) and the information governance lead (holders, break-glass review,
#: access history). More roles multiply the run's time without reaching new code.
ROLES = {
    "practitioner": f"sam.social@{DOMAIN}",
    "information governance lead": f"ivy.ig@{DOMAIN}",
}


@pytest.fixture
def demo_app(engine, database_url):
    # The fuzzer sends wrong passwords where a step asks for one again (break-glass): lock-out would end the
    # run's sign-ins, and is tested on its own in tests/services/test_accounts.py.
    settings = Settings(environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=database_url, max_failed_sign_ins=10**9)
    services = SafeShare.build(engine, settings)
    load_demo(services)
    # A governance role needs two-step sign-in: set it up, as on the first sign-in.
    set_up_two_step(services, ROLES["information governance lead"], DEMO_PASSWORD)
    return create_app(settings, services), services


#: Operations whose bodies carry rules no JSON Schema can state: they depend on the clock, on other records or on
#: a FHIR validator. A body that fits the document but breaks one is answered 422 naming the field, so for these
#: operations (only) schemathesis's positive_data_acceptance also takes 422. Every other check applies in full.
RULES_BEYOND_THE_SCHEMA = {
    ("POST", "/api/v1/advice"): "case facts that contradict each other (consent given but no giver, a giver too old or young)",
    ("POST", "/api/v1/decisions"): "a decision record's completeness (domain/decisions.py), recipients that must exist",
    ("POST", "/api/v1/disclosures"): "the decision record's completeness, items and recipients that must exist",
    ("POST", "/api/v1/requests/{request_id}/answer"): "the decision record's completeness, items that must exist",
    ("POST", "/api/v1/requests"): "the agency and person asked must exist and answer requests",
    ("POST", "/api/v1/consents"): "who may consent for this child, by age and parental responsibility; recipients",
    ("POST", "/api/v1/consents/fhir"): "a valid FHIR R5 Consent resource (checked by fhir.resources)",
    ("POST", "/api/v1/relationships"): "both people must be held; only some kinds hold parental responsibility",
    ("GET", "/api/v1/subjects/{subject_id}/consent-standing"): "the recipient agency must exist",
    ("POST", "/api/v1/subjects"): "a date of birth not in the future (the clock)",
    ("PUT", "/api/v1/subjects/{subject_id}"): "a date of birth not in the future (the clock)",
}
ALSO_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", "422"]


def contract_config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": 7,
        # A deadline for the whole run, far above its two minutes of work even on a busy machine, so a hang
        # cannot hold the suite; reaching it fails the test.
        "max-time": 1800,
        "request-timeout": 30,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": True},
        # The stateful phase (chains of calls) is left out: with every operation linked it grows past the suite's
        # budget; each operation is still tried with generated, coverage and fuzzed inputs.
        "phases": {"stateful": {"enabled": False}},
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": ALSO_ACCEPTED}},
            }
            for method, path in RULES_BEYOND_THE_SCHEMA
        ],
    })


def valid_nhs_numbers():
    def with_check_digit(digits: str) -> str | None:
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        return None if check == 10 else digits + str(check % 11)

    return st.text("0123456789", min_size=9, max_size=9).map(with_check_digit).filter(bool)


def valid_upns():
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"

    def with_check_letter(digits: str) -> str:
        return letters[sum(w * int(d) for w, d in zip(range(2, 14), digits, strict=True)) % 23] + digits

    return st.text("0123456789", min_size=12, max_size=12).map(with_check_letter)


schemathesis.openapi.format("nhs-number", valid_nhs_numbers())
schemathesis.openapi.format("unique-pupil-number", valid_upns())
schemathesis.openapi.format("ico-registration", st.from_regex(r"Z[A-Z0-9][0-9]{6}", fullmatch=True))


def signed_in_as(schema, services: SafeShare, email: str) -> None:
    """A real bearer token from signing in; signing out gets a token of its own so the others stay valid."""
    token = None

    @schema.auth(refresh_interval=None)
    class DemoToken:
        def get(self, case, _context):
            nonlocal token
            if case.operation.path.endswith("/sign-out"):
                return services.accounts.sign_in(email, DEMO_PASSWORD, SessionKind.TOKEN, code=code_for(services, email))[0]
            if token is None:
                token = services.accounts.sign_in(email, DEMO_PASSWORD, SessionKind.TOKEN, code=code_for(services, email))[0]
            return token

        def set(self, case, data, _context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def failures_of(run) -> list[str]:
    found = []
    for event in run:
        if isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    response = event.recorder.find_response(case_id=case_id)
                    answer = f"{response.status_code} {response.content[:400]!r}" if response is not None else "no response"
                    failure = check.failure_info.failure
                    found.append(
                        f"{event.recorder.label} [{check.name}] {failure.title}: {failure.message}\n"
                        f"  {check.failure_info.code_sample}\n  => {answer}"
                    )
        elif isinstance(event, events.NonFatalError):
            found.append(f"{event.label}: error {event.value!r}")
        elif isinstance(event, events.FatalError):
            found.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished) and event.stop_reason is not StopReason.COMPLETED:
            found.append(f"the run stopped before testing every operation: {event.stop_reason}")
    return found


# Hypothesis warns when it prints a large generated case; that is about the report, not the API.
@pytest.mark.contract
@pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")
@pytest.mark.parametrize("role", sorted(ROLES))
def test_schemathesis_finds_no_mismatch_between_the_document_and_the_server(demo_app, role):
    app, services = demo_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=contract_config())
    signed_in_as(schema, services, ROLES[role])
    failures = failures_of(schemathesis_engine.from_schema(schema).execute())
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(dict.fromkeys(failures))
