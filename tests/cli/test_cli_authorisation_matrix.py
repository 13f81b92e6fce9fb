"""The authorisation matrix for writes through the command line, and two people who must be refused whatever
they try: a disabled account and a reader whose break-glass access has ended. Every refusal exits 1, names
nobody, and leaves the database exactly as it was: no row, no ledger entry, not even an access-log entry."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner
from sqlalchemy import func, select

from safeshare.cli import runtime
from safeshare.cli.main import app
from safeshare.domain.break_glass import BreakGlassInput
from safeshare.domain.errors import AuthenticationFailed
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Channel
from safeshare.store.ledger_tables import ledger_entries
from safeshare.store.metadata import metadata
from tests.authorisation import ACTORS, REASON, build_scene, expected, use_cases
from tests.cli.environment import point_cli_at
from tests.exchange import consent_input, request_input
from tests.factories import PASSWORD, code_for

runner = CliRunner()
CHILD_NAMES = ("Ada", "Lovelace", "Kit")


def snapshot(services) -> dict:
    """Row counts of every table and the head of every ledger log."""
    with services.context.uow_factory() as uow:
        rows = {t.name: uow.connection.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}
        heads = dict(uow.connection.execute(select(ledger_entries.c.log, func.max(ledger_entries.c.seq)).group_by(ledger_entries.c.log)).all())
    return {"rows": rows, "ledgers": heads}


def _write_json(path, model) -> str:
    path.write_text(json.dumps(model.model_dump(mode="json")))
    return str(path)


def write_commands(scene, tmp_path) -> dict[str, tuple[list[str], str | None]]:
    """Use case name (as in tests/authorisation.py) -> (arguments, what to type at the prompt)."""
    w, i = scene.world, scene.ids
    child = w.subjects["child_a"].id
    consent_file = _write_json(tmp_path / "consent.json", consent_input(w, giver="father"))
    request_file = _write_json(tmp_path / "request.json", request_input(w, subject="child_a", target=w.agency_b))
    return {
        "record consent": (["consent", "record", "--file", consent_file], None),
        "withdraw consent": (["consent", "withdraw", i["K"], "--how", "phone", "--note", "Rang to withdraw"], None),
        "send request": (["requests", "send", "--file", request_file], None),
        "cancel request": (["requests", "cancel", i["R"], "--reason", "No longer needed"], None),
        "acknowledge disclosure": (["disclosures", "acknowledge", i["D"]], None),
        "update family told": (["disclosures", "family", i["D"], "--status", "told"], None),
        "open break-glass": (["break-glass", "open", "--subject-id", child, "--reason", REASON], PASSWORD + "\n"),
        "end someone's sessions": (["people", "end-sessions", w.people["practitioner_c"].id], None),
    }


READ_COMMANDS = {
    "view subject": lambda s: ["subjects", "show", s.world.subjects["child_a"].id],
    "read decision": lambda s: ["decisions", "show", str(s.ids["decision_D"])],
    "read consent": lambda s: ["consent", "show", s.ids["K"]],
    "read disclosure": lambda s: ["disclosures", "show", s.ids["D"]],
    "incoming disclosures": lambda s: ["disclosures", "incoming", "--json"],
    "requests to answer": lambda s: ["requests", "to-answer", "--json"],
    "my break-glass": lambda s: ["break-glass", "mine", "--json"],
}


@pytest.fixture
def cli_scene(world, database_url, monkeypatch):
    """The scene, with the command line pointed at its database. The command line runs on the real clock, so
    glass_c's emergency access is opened through it."""
    point_cli_at(database_url, monkeypatch)
    try:
        scene = build_scene(world, break_glass=False)
        cli = runtime.services()
        glass = cli.accounts.authenticate(
            cli.accounts.sign_in("glass_c@agency.example", PASSWORD, SessionKind.TOKEN)[0], SessionKind.TOKEN, Channel.CLI
        )
        scene.ids["G"] = cli.break_glass.open(glass, BreakGlassInput(subject_id=world.subjects["child_a"].id, reason=REASON), PASSWORD).id
        scene.cli = cli  # type: ignore[attr-defined]
        scene.tokens = {  # type: ignore[attr-defined]
            key: cli.accounts.sign_in(f"{key}@agency.example", PASSWORD, SessionKind.TOKEN, code=code_for(cli, f"{key}@agency.example"))[0]
            for key in ACTORS
        }
        yield scene
    finally:
        runtime.reset()


def run(scene, args, token, prompt=None):
    return runner.invoke(app, args, env={"SAFESHARE_TOKEN": token}, input=prompt)


def refused_cleanly(scene, args, token, prompt=None) -> str | None:
    """None if the command is refused with exit 1, names no child and changes nothing; else the problem."""
    before = snapshot(scene.world.services)
    result = run(scene, args, token, prompt)
    if result.exit_code != 1:
        return f"expected a refusal (exit 1), got exit {result.exit_code}: {result.output[:160]}"
    if any(word in result.output for word in CHILD_NAMES):
        return f"the refusal names the child: {result.output[:160]}"
    if snapshot(scene.world.services) != before:
        return "a refused command changed the database"
    return None


WRITE_CASES = ["record consent", "withdraw consent", "send request", "cancel request", "acknowledge disclosure", "update family told", "open break-glass",
               "end someone's sessions"]


@pytest.mark.parametrize("case_name", WRITE_CASES)
def test_no_command_leaks_a_write(cli_scene, tmp_path, case_name):
    scene = cli_scene
    case = next(c for c in use_cases(scene) if c.name == case_name)
    assert case.write
    args, prompt = write_commands(scene, tmp_path)[case_name]
    allowed = [k for k in ACTORS if expected(case, scene, k) == "ok"]
    assert allowed, f"{case_name}: nobody may do it"
    failures = []
    for key in (k for k in ACTORS if k not in allowed):  # refusals first, against the untouched scene
        if problem := refused_cleanly(scene, args, scene.tokens[key], prompt):
            failures.append(f"{key}: {problem}")
    for key in allowed[: None if case.repeatable else 1]:
        before = snapshot(scene.world.services)
        result = run(scene, args, scene.tokens[key], prompt)
        if result.exit_code != 0:
            failures.append(f"{key}: expected ok, exit {result.exit_code}: {result.output[:300]} {result.exception!r}")
        elif snapshot(scene.world.services) == before:
            failures.append(f"{key}: the command succeeded but wrote nothing")
    assert not failures, f"{case_name}:\n" + "\n".join(failures)


def test_a_disabled_account_can_neither_sign_in_nor_use_a_token_it_had(cli_scene, tmp_path):
    scene = cli_scene
    with pytest.raises(AuthenticationFailed):
        scene.cli.accounts.sign_in("disabled_a@agency.example", PASSWORD, SessionKind.TOKEN)
    token = scene.tokens["practitioner_a"]
    assert run(scene, READ_COMMANDS["view subject"](scene), token).exit_code == 0  # the token worked until now
    scene.world.services.directory.set_disabled(scene.world.admin, scene.world.people["practitioner_a"].id, True)
    commands = [args for args, _ in write_commands(scene, tmp_path).values()] + [build(scene) for build in READ_COMMANDS.values()]
    failures = [f"{' '.join(args[:2])}: {p}" for args in commands if (p := refused_cleanly(scene, args, token, PASSWORD + "\n"))]
    assert not failures, "\n".join(failures)


def test_ended_break_glass_opens_nothing_and_logs_nothing(cli_scene, clock, tmp_path):
    scene = cli_scene
    hours = scene.world.services.context.settings.break_glass_hours
    # practitioner_c (agency C, no relation to Ada) had emergency access that ended an hour ago.
    clock.now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours + 1)
    scene.world.services.break_glass.open(
        scene.world.actor("practitioner_c"), BreakGlassInput(subject_id=scene.world.subjects["child_a"].id, reason=REASON), PASSWORD
    )
    token = scene.tokens["practitioner_c"]
    child = scene.world.subjects["child_a"].id
    before = snapshot(scene.world.services)
    shown = run(scene, ["subjects", "show", child], token)
    assert shown.exit_code == 1 and "ended" in shown.output
    assert snapshot(scene.world.services) == before
    commands = [
        ["subjects", "show", child],
        ["decisions", "list", "--subject-id", child],
        ["consent", "record", "--file", _write_json(tmp_path / "c.json", consent_input(scene.world, subject="child_a", giver="parent_a"))],
        ["requests", "send", "--file", _write_json(tmp_path / "r.json", request_input(scene.world, subject="child_a", target=scene.world.agency_b))],
    ]
    failures = [f"{' '.join(args[:2])}: {p}" for args in commands if (p := refused_cleanly(scene, args, token))]
    assert not failures, "\n".join(failures)
