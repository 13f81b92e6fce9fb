"""Your own account from the command line, and an administrator signing someone out everywhere."""

from __future__ import annotations

import json

from safeshare.domain.errors import AuthenticationFailed
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Channel
from tests.cli.test_cli import cli, run, runner, token_for  # noqa: F401 - cli is a fixture
from safeshare.cli import runtime
from safeshare.cli.main import app
from tests.factories import PASSWORD

NEW_PASSWORD = "quiet otter under a blue bridge"


def works(token: str) -> bool:
    try:
        runtime.services().accounts.authenticate(token, SessionKind.TOKEN, Channel.CLI)
    except AuthenticationFailed:
        return False
    return True


def typed(args, token, text):
    return runner.invoke(app, args, env={"SAFESHARE_TOKEN": token}, input=text)


def test_changing_your_password(cli, world):
    mine, other = token_for(world, "practitioner_a"), token_for(world, "practitioner_a")
    result = typed(["account", "password"], mine, f"{PASSWORD}\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "1 other session(s) ended" in result.output
    assert works(mine) and not works(other)
    assert runtime.services().accounts.sign_in("practitioner_a@agency.example", NEW_PASSWORD, SessionKind.TOKEN)


def test_a_weak_password_is_refused_with_the_reason(cli, world):
    mine = token_for(world, "practitioner_a")
    result = typed(["account", "password", "--keep-other-sessions"], mine, f"{PASSWORD}\npassword1234\npassword1234\n")
    assert result.exit_code == 1
    assert "password: is too easy to guess" in result.output


def test_listing_and_ending_your_sessions(cli, world):
    mine, other, third = (token_for(world, "practitioner_a") for _ in range(3))
    listed = run("account", "sessions", "--json", token=mine)
    assert listed.exit_code == 0, listed.output
    sessions = json.loads(listed.output)["items"]
    assert len(sessions) == 3 and all(t not in listed.output for t in (mine, other, third))
    other_id = next(s["id"] for s in sessions if not s["current"])
    assert typed(["account", "end-session", other_id], mine, f"{PASSWORD}\n").exit_code == 0
    assert sum(not works(t) for t in (other, third)) == 1
    wrong = typed(["account", "end-other-sessions"], mine, "not it at all\n")
    assert wrong.exit_code == 1 and "not right" in wrong.output
    ended = typed(["account", "end-other-sessions"], mine, f"{PASSWORD}\n")
    assert ended.exit_code == 0 and "1 session(s) ended" in ended.output
    assert works(mine) and not works(other) and not works(third)


def test_an_administrator_ends_someones_sessions(cli, world):
    theirs = token_for(world, "practitioner_a")
    person_id = world.people["practitioner_a"].id
    refused = run("people", "end-sessions", person_id, token=token_for(world, "practitioner_b"))
    assert refused.exit_code == 1 and works(theirs)
    result = run("people", "end-sessions", person_id, token=token_for(world, "admin"))
    assert result.exit_code == 0 and "1 session(s) ended" in result.output
    assert not works(theirs)
