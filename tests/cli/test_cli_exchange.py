"""The consent, request, disclosure, break-glass and access-log commands."""

import json

import pytest
from typer.testing import CliRunner

from safeshare.cli import runtime
from safeshare.cli.main import app
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.paging import PageRequest
from safeshare.domain.requests import RequestAnswer
from safeshare.services.accounts import SessionKind
from tests.cli.environment import point_cli_at
from tests.exchange import consent_input, decision_input, disclose, extend, request_input, to_person
from tests.factories import PASSWORD, code_for

runner = CliRunner()


@pytest.fixture
def w(world, database_url, monkeypatch):
    point_cli_at(database_url, monkeypatch)
    yield extend(world)
    runtime.reset()


def token_for(w, key):
    # Signed in through the CLI's own services, which run on the real clock.
    email = f"{key}@agency.example"
    return runtime.services().accounts.sign_in(email, PASSWORD, SessionKind.TOKEN, code=code_for(runtime.services(), email))[0]


def run(*args, token=None, input=None):
    return runner.invoke(app, [str(a) for a in args], env={"SAFESHARE_TOKEN": token} if token else {}, input=input)


def write(tmp_path, name, model) -> str:
    path = tmp_path / name
    path.write_text(model.model_dump_json() if hasattr(model, "model_dump_json") else json.dumps(model))
    return str(path)


def test_consent_commands(w, tmp_path):
    token = token_for(w, "practitioner_a")
    recorded = run("consent", "record", "--file", write(tmp_path, "c.json", consent_input(w)), "--json", token=token)
    assert recorded.exit_code == 0, recorded.output
    consent_id = json.loads(recorded.output)["consent"]["id"]
    who = run("consent", "who-may", w.subjects["kid"].id, token=token)
    assert who.exit_code == 0 and "parental_responsibility" in who.output and "Anne Lovelace" in who.output
    standing = run("consent", "standing", "--subject-id", w.subjects["kid"].id, "--purpose", "early_help", "--recipient-agency-id", w.agency_b, "--json", token=token)
    assert json.loads(standing.output)["state"] == "given"
    exported = run("consent", "export-fhir", consent_id, "--output", tmp_path / "fhir.json", token=token)
    assert exported.exit_code == 0
    imported = run("consent", "import-fhir", "--file", tmp_path / "fhir.json", "--json", token=token)
    assert imported.exit_code == 0, imported.output
    withdrawn = run("consent", "withdraw", consent_id, "--how", "phone", "--note", "Rang us", "--json", token=token)
    assert json.loads(withdrawn.output)["status"] == "withdrawn"
    due = run("consent", "due", "--on", "2027-06-01", "--json", token=token)
    assert json.loads(due.output)["total"] == 1  # the imported copy; the withdrawn one is no longer due


def test_an_invalid_consent_giver_exits_1_naming_the_field(w, tmp_path):
    result = run("consent", "record", "--file", write(tmp_path, "c.json", consent_input(w, giver="aunt")), token=token_for(w, "practitioner_a"))
    assert result.exit_code == 1
    assert "given_by.subject_id" in result.output and "no parental responsibility" in result.output


def test_conflicts_are_for_the_dsl(w, tmp_path):
    refused = run("consent", "conflicts", token=token_for(w, "practitioner_a"))
    assert refused.exit_code == 1 and "consent:conflicts" in refused.output
    assert run("consent", "conflicts", "--json", token=token_for(w, "dsl_a")).exit_code == 0


def test_request_commands(w, tmp_path):
    w.services.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)
    sent = run("requests", "send", "--file", write(tmp_path, "r.json", request_input(w)), "--json", token=token_for(w, "practitioner_b"))
    assert sent.exit_code == 0, sent.output
    request_id = json.loads(sent.output)["id"]
    a = token_for(w, "practitioner_a")
    inbox = run("requests", "to-answer", "--json", token=a)
    assert inbox.exit_code == 0 and json.loads(inbox.output)["items"][0]["subject"]["family_name"] == "Brown"
    assert run("requests", "to-answer", token=a).exit_code == 0
    answer = RequestAnswer(decision=decision_input(w, "child_b", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    answered = run("requests", "answer", request_id, "--file", write(tmp_path, "a.json", answer), "--json", token=a)
    assert answered.exit_code == 0, answered.output
    assert json.loads(answered.output)["status"] == "shared"
    shown = run("requests", "show", request_id, token=token_for(w, "practitioner_b"))
    assert "shared" in shown.output
    assert run("requests", "overdue", "--json", token=token_for(w, "dsl_a")).exit_code == 0


def test_disclosure_commands(w, tmp_path):
    submitted = DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    sent = run("disclosures", "send", "--file", write(tmp_path, "d.json", submitted), "--json", token=token_for(w, "practitioner_a"))
    assert sent.exit_code == 0, sent.output
    disclosure_id = json.loads(sent.output)["id"]
    b = token_for(w, "practitioner_b")
    listed = run("disclosures", "incoming", "--unacknowledged", "--json", token=b)
    assert listed.exit_code == 0 and json.loads(listed.output)["items"][0]["subject"]["given_name"] == "Ada"
    assert run("disclosures", "incoming", token=b).exit_code == 0
    shown = run("disclosures", "show", disclosure_id, token=b)
    assert "scared to go home" in shown.output and "not allowed" in shown.output
    other = run("disclosures", "acknowledge", disclosure_id, token=token_for(w, "colleague_b"))
    assert other.exit_code == 1 and "disclosure_id" in other.output
    assert run("disclosures", "acknowledge", disclosure_id, token=b).exit_code == 0
    family = run("disclosures", "family", disclosure_id, "--status", "not_told", token=token_for(w, "practitioner_a"))
    assert family.exit_code == 1 and "reason_not_told" in family.output


def test_break_glass_and_access_history_commands(w):
    c = token_for(w, "practitioner_c")
    child = w.subjects["child_a"].id
    wrong = run("break-glass", "open", "--subject-id", child, "--reason", "Child missing from home tonight", token=c, input="not my password\n")
    assert wrong.exit_code == 1 and "password" in wrong.output
    opened = run("break-glass", "open", "--subject-id", child, "--reason", "Child missing from home tonight", "--json", token=c, input=f"{PASSWORD}\n")
    assert opened.exit_code == 0, opened.output
    grant_id = json.loads(opened.output[opened.output.index("{"):])["id"]  # after the password prompt
    assert run("subjects", "show", child, token=c).exit_code == 0
    with w.services.context.uow_factory() as uow:
        entry = uow.access_log.history(child, PageRequest()).items[0]
    assert entry.channel == "cli" and entry.grant.value == "break_glass"
    history = run("access", "history", child, "--json", token=token_for(w, "ig_lead_a"))
    assert history.exit_code == 0 and json.loads(history.output)["items"][0]["grant"] == "break_glass"
    assert run("break-glass", "mine", "--json", token=c).exit_code == 0
    assert grant_id


def test_an_onward_share_of_a_forbidden_item_exits_1(w, tmp_path):
    sent = disclose(w)
    onward = {
        "decision": decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_c"),), items=(), actor="practitioner_b").model_dump(mode="json"),
        "forwarded_items": [{"disclosure_id": sent.id, "index": 0}],
    }
    result = run("disclosures", "send", "--file", write(tmp_path, "o.json", onward), token=token_for(w, "practitioner_b"))
    assert result.exit_code == 1 and "did not allow" in result.output


def test_consent_review_command(w, tmp_path):
    import datetime as dt

    token = token_for(w, "practitioner_a")
    consent_id = json.loads(run("consent", "record", "--file", write(tmp_path, "c.json", consent_input(w)), "--json", token=token).output)["consent"]["id"]
    next_year = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    missing = run("consent", "review", consent_id, "--outcome", "still_valid", "--how", "phone", "--confirmed-with", "Mother", token=token)
    assert missing.exit_code == 1 and "next_review_by" in missing.output
    other = run("consent", "review", consent_id, "--outcome", "still_valid", "--how", "phone", "--confirmed-with", "Mother",
                "--next-review-by", next_year, token=token_for(w, "practitioner_b"))
    assert other.exit_code == 1
    done = run("consent", "review", consent_id, "--outcome", "still_valid", "--how", "phone", "--confirmed-with", "Mother",
               "--next-review-by", next_year, "--json", token=token)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["review_by"] == next_year
    ended = run("consent", "review", consent_id, "--outcome", "no_longer_valid", "--how", "in_person", "--note", "Changed her mind", "--json", token=token)
    assert ended.exit_code == 0 and json.loads(ended.output)["status"] == "withdrawn"
    again = run("consent", "review", consent_id, "--outcome", "no_longer_valid", "--how", "phone", "--note", "x", token=token)
    assert again.exit_code == 1 and "only consent that was given" in again.output


def test_importing_a_fhir_consent_twice_exits_1(w, tmp_path):
    token = token_for(w, "practitioner_a")
    consent_id = json.loads(run("consent", "record", "--file", write(tmp_path, "c.json", consent_input(w)), "--json", token=token).output)["consent"]["id"]
    exported = tmp_path / "consent.fhir.json"
    assert run("consent", "export-fhir", consent_id, "--output", exported, token=token).exit_code == 0
    assert run("consent", "import-fhir", "--file", exported, token=token).exit_code == 0
    again = run("consent", "import-fhir", "--file", exported, token=token)
    assert again.exit_code == 1 and "already imported" in again.output
