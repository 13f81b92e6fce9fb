"""The authorisation matrix through the adapters: every exchange endpoint and a set of commands, for every
role and relationship (see tests/authorisation.py). Refusals are 403/404 (exit code 1) and name nobody."""

from __future__ import annotations

import json

import pytest
import typer
from click.testing import CliRunner

from safeshare.cli import runtime
from safeshare.cli.main import app
from safeshare.domain.break_glass import BreakGlassInput
from safeshare.domain.consent import ConflictResolution
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.requests import RequestAnswer
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Channel
from tests.api.helpers import bearer
from tests.authorisation import ACTORS, REASON, build_scene, expected, names, use_cases
from tests.cli.environment import point_cli_at
from tests.exchange import EARLY_HELP, consent_input, decision_input, request_input, to_person
from tests.factories import PASSWORD, code_for

API = "/api/v1"
STATUS = {"forbidden": 403, "notfound": 404, "conflict": 409}


def endpoints(scene) -> dict[str, tuple[str, str, object]]:
    w = scene.world
    i = scene.ids
    child, kid = w.subjects["child_a"].id, w.subjects["kid"].id
    disclosure = DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    answer = RequestAnswer(decision=decision_input(w, "child_b", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    advice = {"facts": decision_input(w, "kid", Decision.DO_NOT_SHARE, case=EARLY_HELP).facts.model_dump(mode="json"),
              "consent_id": i["K"], "recipient_agency_id": w.agency_b}
    return {
        "view subject": ("GET", f"/subjects/{child}", None),
        "search subjects": ("POST", "/subjects/search?limit=200", {"name": "Ada"}),
        "advice with consent from the register": ("POST", "/advice", advice),
        "my decisions": ("GET", "/decisions?limit=200", None),
        "read decision": ("GET", f"/decisions/{i['decision_D']}", None),
        "decisions about a subject": ("GET", f"/subjects/{child}/decisions?limit=200", None),
        "read consent": ("GET", f"/consents/{i['K']}", None),
        "consents of a subject": ("GET", f"/subjects/{kid}/consents?limit=200", None),
        "who may consent": ("GET", f"/subjects/{kid}/who-may-consent", None),
        "consent standing": ("GET", f"/subjects/{kid}/consent-standing?purpose=early_help&recipient_agency_id={w.agency_b}", None),
        "consents due for review": ("GET", "/consents/due-for-review?limit=200", None),
        "consent conflicts": ("GET", "/consent-conflicts?limit=200", None),
        "export consent as FHIR": ("GET", f"/consents/{i['K']}/fhir", None),
        "read disclosure": ("GET", f"/disclosures/{i['D']}", None),
        "incoming disclosures": ("GET", "/disclosures/incoming?limit=200", None),
        "sent disclosures": ("GET", "/disclosures/sent?limit=200", None),
        "read request": ("GET", f"/requests/{i['R']}", None),
        "requests to answer": ("GET", "/requests/to-answer?limit=200", None),
        "overdue requests": ("GET", "/requests/overdue?limit=200", None),
        "sent requests": ("GET", "/requests/sent?limit=200", None),
        "access history": ("GET", f"/subjects/{child}/access-history?limit=200", None),
        "break-glass review queue": ("GET", "/break-glass/reviews?limit=200", None),
        "my break-glass": ("GET", "/break-glass/mine?limit=200", None),
        "record consent": ("POST", "/consents", consent_input(w, giver="father").model_dump(mode="json")),
        "withdraw consent": ("POST", f"/consents/{i['K']}/withdraw", {"how": "phone", "note": "Rang"}),
        "review consent": ("POST", f"/consents/{i['K']}/review",
                           {"outcome": "still_valid", "confirmed_with": "Mother", "how": "phone", "next_review_by": "2027-12-01"}),
        "resolve consent conflict": ("POST", f"/consent-conflicts/{i['conflict']}/resolve", ConflictResolution(note="Met both").model_dump()),
        "import FHIR consent": ("POST", "/consents/fhir", scene.world.services.consents.export_fhir(scene.actor("practitioner_a"), i["K"])),
        "send disclosure": ("POST", "/disclosures", disclosure.model_dump(mode="json")),
        "acknowledge disclosure": ("POST", f"/disclosures/{i['D']}/acknowledge", None),
        "update family told": ("PUT", f"/disclosures/{i['D']}/family", {"status": "told"}),
        "send request": ("POST", "/requests", request_input(w, subject="child_a", target=w.agency_b).model_dump(mode="json")),
        "answer request": ("POST", f"/requests/{i['R']}/answer", answer.model_dump(mode="json")),
        "answer not held": ("POST", f"/requests/{i['R2']}/not-held", {}),
        "cancel request": ("POST", f"/requests/{i['R']}/cancel", {"reason": "No longer needed"}),
        "open break-glass": ("POST", "/break-glass", {"subject_id": child, "reason": REASON, "password": PASSWORD}),
        "review break-glass": ("POST", f"/break-glass/{i['G']}/review", {"outcome": "justified", "note": "Confirmed"}),
        "record decision": ("POST", "/decisions", decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)).model_dump(mode="json")),
        "change subject": ("PUT", f"/subjects/{child}", {"given_name": "Ada", "family_name": "King"}),
        "my sessions": ("GET", "/account/sessions", None),
        "end someone's sessions": ("POST", f"/people/{w.people['practitioner_c'].id}/sessions/end", None),
    }


class Ids:
    """A page read back from JSON, so the scene can name what came back."""

    def __init__(self, body):
        self.items = [type("Item", (), {"id": item.get("id")})() for item in body["items"]]


def call(api, headers, method, path, body):
    return api.request(method, API + path, headers=headers, json=body)


def check(api, scene, case, tokens, key, endpoint) -> str | None:
    want = expected(case, scene, key)
    response = call(api, tokens[key], *endpoint)
    if isinstance(want, set):
        if response.status_code != 200:
            return f"{key}: expected the listing {sorted(want)}, got {response.status_code}"
        got = names(scene, Ids(response.json()))
        return None if got == want else f"{key}: listing returned {sorted(got)}, expected {sorted(want)}"
    if want == "ok":
        return None if response.status_code in (200, 201) else f"{key}: expected success, got {response.status_code} {response.text}"
    if response.status_code != STATUS[want]:
        return f"{key}: expected {STATUS[want]}, got {response.status_code} {response.text[:200]}"
    if any(word in response.text for word in ("Ada", "Lovelace", "Kit")):
        return f"{key}: the refusal names the child"
    return None


@pytest.fixture
def scene(world, clock, api):
    return build_scene(world, clock)


@pytest.fixture
def tokens(api, scene):
    return {key: bearer(api, key) for key in ACTORS}


def test_no_endpoint_leaks_a_read(api, scene, tokens):
    cases = [c for c in use_cases(scene) if not c.write]
    table = endpoints(scene)
    failures = [f"{case.name}: {problem}" for case in cases for key in ACTORS if (problem := check(api, scene, case, tokens, key, table[case.name]))]
    assert not failures, "\n".join(failures)


WRITES = [
    "record consent", "withdraw consent", "review consent", "resolve consent conflict", "import FHIR consent", "send disclosure",
    "acknowledge disclosure", "update family told", "send request", "answer request", "answer not held", "cancel request",
    "open break-glass", "review break-glass", "record decision", "change subject", "end someone's sessions",
]


@pytest.mark.parametrize("case_name", WRITES)
def test_no_endpoint_leaks_a_write(api, scene, tokens, case_name):
    case = next(c for c in use_cases(scene) if c.name == case_name)
    assert case.write
    endpoint = endpoints(scene)[case_name]
    allowed = [k for k in ACTORS if expected(case, scene, k) == "ok"]
    refused = [k for k in ACTORS if k not in allowed]
    failures = [p for key in refused if (p := check(api, scene, case, tokens, key, endpoint))]
    failures += [p for key in allowed[: None if case.repeatable else 1] if (p := check(api, scene, case, tokens, key, endpoint))]
    assert not failures, "\n".join(failures)


def test_every_endpoint_refuses_a_disabled_account_and_no_token(api, scene):
    token = bearer(api, "practitioner_a")
    scene.world.services.directory.set_disabled(scene.world.admin, scene.world.people["practitioner_a"].id, True)
    for name, (method, path, body) in endpoints(scene).items():
        assert call(api, token, method, path, body).status_code == 401, name
        assert call(api, {}, method, path, body).status_code == 401, name


# -- the same through the command line ----------------------------------------------------------------

runner = CliRunner()
COMMANDS = {
    "view subject": lambda s: ["subjects", "show", s.world.subjects["child_a"].id],
    "read decision": lambda s: ["decisions", "show", str(s.ids["decision_D"])],
    "read consent": lambda s: ["consent", "show", s.ids["K"]],
    "who may consent": lambda s: ["consent", "who-may", s.world.subjects["kid"].id],
    "consent conflicts": lambda s: ["consent", "conflicts", "--json"],
    "read disclosure": lambda s: ["disclosures", "show", s.ids["D"]],
    "incoming disclosures": lambda s: ["disclosures", "incoming", "--json"],
    "read request": lambda s: ["requests", "show", s.ids["R"]],
    "requests to answer": lambda s: ["requests", "to-answer", "--json"],
    "access history": lambda s: ["access", "history", s.world.subjects["child_a"].id, "--json"],
    "break-glass review queue": lambda s: ["break-glass", "reviews", "--json"],
    "my sessions": lambda s: ["account", "sessions", "--json"],
}


def test_no_command_leaks(world, clock, database_url, monkeypatch):
    point_cli_at(database_url, monkeypatch)
    try:
        scene = build_scene(world, break_glass=False)
        cli = runtime.services()  # the command line runs on the real clock, so its break-glass is opened there
        glass = cli.accounts.authenticate(
            cli.accounts.sign_in("glass_c@agency.example", PASSWORD, SessionKind.TOKEN)[0], SessionKind.TOKEN, Channel.CLI
        )
        scene.ids["G"] = cli.break_glass.open(glass, BreakGlassInput(subject_id=world.subjects["child_a"].id, reason=REASON), PASSWORD).id
        tokens = {
            key: cli.accounts.sign_in(f"{key}@agency.example", PASSWORD, SessionKind.TOKEN, code=code_for(cli, f"{key}@agency.example"))[0]
            for key in ACTORS
        }
        command = typer.main.get_command(app)  # built once: rebuilding it per run is most of a run's cost
        failures = []
        for case in use_cases(scene):
            if case.name not in COMMANDS:
                continue
            for key in ACTORS:
                want = expected(case, scene, key)
                result = runner.invoke(command, COMMANDS[case.name](scene), env={"SAFESHARE_TOKEN": tokens[key]})
                if isinstance(want, set):
                    got = names(scene, Ids(json.loads(result.output))) if result.exit_code == 0 else f"exit {result.exit_code}"
                    if got != want:
                        failures.append(f"{case.name} / {key}: got {got}, expected {sorted(want)}")
                elif (result.exit_code == 0) != (want == "ok"):
                    failures.append(f"{case.name} / {key}: expected {want}, exit code {result.exit_code}: {result.output[:120]}")
                elif want != "ok" and any(word in result.output for word in ("Ada", "Lovelace", "Kit")):
                    failures.append(f"{case.name} / {key}: the refusal names the child")
        assert not failures, "\n".join(failures)
    finally:
        runtime.reset()
