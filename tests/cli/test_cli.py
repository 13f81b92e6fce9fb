import json

import pytest
from typer.testing import CliRunner

from safeshare.cli import runtime
from safeshare.cli.main import app
from safeshare.domain.paging import PageRequest
from safeshare.services.accounts import SessionKind
from tests.cli.environment import point_cli_at
from tests.factories import PASSWORD, code_for
from tests.test_app import BROKEN_OVERLAY

runner = CliRunner()


@pytest.fixture
def cli(world, database_url, monkeypatch):
    point_cli_at(database_url, monkeypatch)
    yield
    runtime.reset()


def token_for(world, key):
    # Signed in through the CLI's own services, which run on the real clock.
    email = f"{key}@agency.example"
    token, _ = runtime.services().accounts.sign_in(email, PASSWORD, SessionKind.TOKEN, code=code_for(runtime.services(), email))
    return token


def run(*args, token=None):
    env = {"SAFESHARE_TOKEN": token} if token else {}
    return runner.invoke(app, list(args), env=env)


def test_practitioner_reads_own_subject_but_not_another_agencys(cli, world):
    token = token_for(world, "practitioner_a")
    own = run("subjects", "show", world.subjects["child_a"].id, "--json", token=token)
    assert own.exit_code == 0, own.output
    assert json.loads(own.output)["subject"]["details"]["given_name"] == "Ada"
    other = run("subjects", "show", world.subjects["child_b"].id, token=token)
    assert other.exit_code == 1
    assert "no subject you may see" in other.output
    assert "Bea" not in other.output


def test_cli_reads_are_in_the_access_log_with_their_channel(cli, world):
    run("subjects", "show", world.subjects["child_a"].id, token=token_for(world, "practitioner_a"))
    with world.services.context.uow_factory() as uow:
        entry = uow.access_log.history(world.subjects["child_a"].id, PageRequest()).items[0]
    assert entry.channel == "cli"


def test_commands_need_a_token(cli, world):
    result = run("subjects", "search", "--name", "Ada")
    assert result.exit_code == 1
    assert "safeshare login" in result.output


def test_invalid_input_names_the_field(cli, world):
    result = run("subjects", "add", "--given-name", "A", "--family-name", "B", "--nhs-number", "9434765918", token=token_for(world, "practitioner_a"))
    assert result.exit_code == 1
    assert "nhs_number" in result.output and "check digit" in result.output


def test_admin_manages_people_from_the_cli(cli, world):
    token = token_for(world, "admin")
    added = run("people", "add", "--agency-id", world.agency_b, "--name", "Nia Newcomer", "--email", "nia@agency.example",
                "--role", "practitioner", "--role", "designated_safeguarding_lead", "--json", token=token)
    assert added.exit_code == 0, added.output
    person = json.loads(added.output)
    assert set(person["details"]["roles"]) == {"practitioner", "designated_safeguarding_lead"}
    listed = run("people", "list", "--agency-id", world.agency_b, "--json", token=token)
    assert person["id"] in {p["id"] for p in json.loads(listed.output)["items"]}


def test_search_pages(cli, world):
    result = run("subjects", "search", "--name", "Lovelace", "--limit", "1", "--json", token=token_for(world, "practitioner_a"))
    page = json.loads(result.output)
    assert page["total"] == 2 and len(page["items"]) == 1


def upgrade_with_a_fresh_runtime():
    """`db upgrade` with the settings the test has just put in the environment, and none left behind."""
    runtime.reset()
    try:
        return run("db", "upgrade")
    finally:
        runtime.reset()


def test_an_unreachable_database_is_one_clear_line_not_a_traceback(monkeypatch):
    monkeypatch.setenv("SAFESHARE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    result = upgrade_with_a_fresh_runtime()
    assert result.exit_code == 3
    assert "cannot reach the database at postgresql+psycopg://postgres@127.0.0.1:1/nowhere" in result.output
    assert "Traceback" not in result.output


def test_unsafe_production_settings_stop_the_cli_with_the_reason(monkeypatch):
    monkeypatch.setenv("SAFESHARE_ENVIRONMENT", "production")
    result = upgrade_with_a_fresh_runtime()
    assert result.exit_code == 3
    assert "SAFESHARE_SECRET_KEY" in result.output


def test_login_prints_a_token_and_logout_ends_it(cli, world):
    result = runner.invoke(app, ["login", "--email", "practitioner_a@agency.example"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    token = result.output.split("SAFESHARE_TOKEN=")[1].split()[0]
    assert run("subjects", "search", "--name", "Ada", token=token).exit_code == 0
    assert run("logout", token=token).exit_code == 0
    after = run("subjects", "search", "--name", "Ada", token=token)
    assert after.exit_code == 1 and "not signed in" in after.output


def test_login_asks_for_the_code_of_two_step_sign_in(cli, world):
    email = "ig_lead_a@agency.example"
    without = runner.invoke(app, ["login", "--email", email], input=PASSWORD + "\n")
    assert without.exit_code == 1 and "two steps" in without.output
    code = code_for(runtime.services(), email)
    result = runner.invoke(app, ["login", "--email", email, "--code"], input=f"{PASSWORD}\n{code}\n")
    assert result.exit_code == 0, result.output
    token = result.output.split("SAFESHARE_TOKEN=")[1].split()[0]
    assert run("logout", token=token).exit_code == 0  # the token stood for a signed-in person


def test_a_bad_guidance_overlay_stops_the_cli_at_start_up_naming_file_and_line(cli, world, monkeypatch, tmp_path):
    overlay = tmp_path / "local.yaml"
    overlay.write_text(BROKEN_OVERLAY)
    monkeypatch.setenv("SAFESHARE_GUIDANCE_OVERLAYS", json.dumps([str(overlay)]))
    runtime.reset()
    result = run("subjects", "search", "--name", "Ada", token="any-token")  # fails before any advice is asked
    assert result.exit_code == 3
    assert f"{overlay.resolve()}, line 11: unknown contact 'no_such_contact'" in result.output
    assert "Traceback" not in result.output


def test_an_information_governance_lead_links_another_agency_from_the_cli(cli, world):
    child = world.subjects["child_a"].id
    refused = run("subjects", "link-agency", child, "--agency-id", world.agency_b, token=token_for(world, "practitioner_a"))
    assert refused.exit_code == 1 and "subjects:link" in refused.output
    linked = run("subjects", "link-agency", child, "--agency-id", world.agency_b, "--json", token=token_for(world, "ig_lead_a"))
    assert linked.exit_code == 0, linked.output
    assert set(json.loads(linked.output)["held_by"]) == {world.agency_a, world.agency_b}
    seen = run("subjects", "show", child, "--json", token=token_for(world, "practitioner_b"))
    assert seen.exit_code == 0 and json.loads(seen.output)["subject"]["details"]["given_name"] == "Ada"


def _serve_without_serving(monkeypatch) -> list[dict]:
    """`safeshare serve` up to the point where uvicorn would take over."""
    import uvicorn

    started: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    return started


def test_serve_in_development_makes_a_secret_under_var_the_first_time(monkeypatch, tmp_path, database_url):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFESHARE_DATABASE_URL", database_url)
    started = _serve_without_serving(monkeypatch)
    runtime.reset()
    try:
        first = run("serve")
        secret = (tmp_path / "var" / "secret_key").read_text()
        second = run("serve")
    finally:
        runtime.reset()
    assert first.exit_code == 0, first.output
    assert "made a random development secret key in var/secret_key" in first.output
    assert second.exit_code == 0 and "made a random" not in second.output
    assert (tmp_path / "var" / "secret_key").read_text() == secret
    assert [options["host"] for options in started] == ["127.0.0.1", "127.0.0.1"]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_serve_in_development_refuses_an_address_beyond_this_machine(monkeypatch, tmp_path, database_url, how):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFESHARE_DATABASE_URL", database_url)
    started = _serve_without_serving(monkeypatch)
    if how == "environment":
        monkeypatch.setenv("SAFESHARE_HOST", "0.0.0.0")
    runtime.reset()
    try:
        result = run("serve", "--host", "0.0.0.0") if how == "option" else run("serve")
    finally:
        runtime.reset()
    assert result.exit_code == 3
    assert "will not serve on 0.0.0.0 with development settings, which are for this machine only" in result.output
    assert "Traceback" not in result.output
    assert started == []
    assert not (tmp_path / "var" / "secret_key").exists()


def test_a_practitioner_lists_contacts_but_not_the_accounts_behind_them(cli, world):
    token = token_for(world, "practitioner_a")
    refused = run("people", "list", token=token)
    assert refused.exit_code == 1 and "people:manage" in refused.output and "@agency.example" not in refused.output
    contacts = run("people", "contacts", "--agency-id", world.agency_b, "--json", token=token)
    assert contacts.exit_code == 0, contacts.output
    assert [c["id"] for c in json.loads(contacts.output)["items"]] == [world.people["practitioner_b"].id]
    assert "@agency.example" not in contacts.output
