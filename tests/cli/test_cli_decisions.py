import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.cli import runtime
from safeshare.domain.decisions import Decision
from safeshare.ledger import public_key_base64
from safeshare.services.ledger import signing_key
from tests.cli.test_cli import cli, run, token_for  # noqa: F401  (fixture)
from tests.api.helpers import bearer
from tests.exchange import EARLY_HELP, consent_input, extend
from tests.guidance.helpers import LATER_VERSION, install_later_version
from tests.services.test_decisions import SIGNIFICANT_HARM, complete_input, facts


def test_decide_prints_the_schema(cli):
    result = run("decide", "--schema")
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "CaseFacts"


def test_decide_gives_the_same_advice_as_the_api_in_json_and_explains_it_in_text(cli, world, api, tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps(SIGNIFICANT_HARM))
    token = token_for(world, "practitioner_a")
    as_json = run("decide", "--facts", str(case), "--json", token=token)
    assert as_json.exit_code == 0, as_json.output
    from_api = api.post("/api/v1/advice", json={"facts": SIGNIFICANT_HARM}, headers=bearer(api, "practitioner_a")).json()
    assert json.loads(as_json.output) == from_api
    as_text = run("decide", "--facts", str(case), token=token)
    assert "share_without_consent" in as_text.output and "How the guidance was applied" in as_text.output


def test_decide_reports_bad_files_clearly(cli, world, tmp_path):
    token = token_for(world, "practitioner_a")
    missing = run("decide", "--facts", str(tmp_path / "nope.json"), token=token)
    assert missing.exit_code == 1 and "no file at" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert "not valid JSON" in run("decide", "--facts", str(broken), token=token).output


def test_record_then_verify_and_export_the_ledger_from_the_cli(cli, world, tmp_path):
    decision = tmp_path / "decision.json"
    decision.write_text(complete_input(world, facts(), Decision.SHARE).model_dump_json())
    recorded = run("decisions", "record", "--file", str(decision), "--json", token=token_for(world, "practitioner_a"))
    assert recorded.exit_code == 0, recorded.output
    ig = token_for(world, "ig_lead_a")
    verified = run("ledger", "verify", token=ig)
    assert verified.exit_code == 0 and "OK" in verified.output
    exported = run("ledger", "export", "--out", str(tmp_path / "d.jsonl"), "--checkpoint", str(tmp_path / "cp.txt"), token=token_for(world, "auditor"))
    assert exported.exit_code == 0, exported.output
    offline_files = ("--export", str(tmp_path / "d.jsonl"), "--checkpoint", str(tmp_path / "cp.txt"))
    key = public_key_base64(signing_key(runtime.services().context.settings).public_key())
    offline = run("ledger", "verify", *offline_files, "--public-key", key)
    assert offline.exit_code == 0 and "OK" in offline.output
    # Without the signer's key the checkpoint proves nothing about who made it: refused unless trusted explicitly.
    unproven = run("ledger", "verify", *offline_files)
    assert unproven.exit_code == 1 and "public_key" in unproven.output and "OK" not in unproven.output
    trusted = run("ledger", "verify", *offline_files, "--trust-unverified-signer")
    assert trusted.exit_code == 0 and "OK" in trusted.output
    other_key = public_key_base64(Ed25519PrivateKey.generate().public_key())
    assert run("ledger", "verify", *offline_files, "--public-key", other_key).exit_code == 1
    (tmp_path / "d.jsonl").write_text((tmp_path / "d.jsonl").read_text().replace("scared", "happy"))
    tampered = run("ledger", "verify", *offline_files, "--public-key", key)
    assert tampered.exit_code == 1 and "first bad seq 1" in tampered.output


def test_decide_takes_the_consent_answers_from_the_register(cli, world, api, tmp_path):
    w = extend(world)
    consent = w.services.consents.record(w.actor("practitioner_a"), consent_input(w)).consent
    case = tmp_path / "case.json"
    case.write_text(json.dumps(EARLY_HELP))
    token = token_for(w, "practitioner_a")
    without = run("decide", "--facts", str(case), "--json", token=token)
    assert json.loads(without.output)["outcome"] != "share"
    with_consent = run(
        "decide", "--facts", str(case), "--consent-id", consent.id, "--recipient-agency-id", w.agency_b, "--json", token=token
    )
    assert with_consent.exit_code == 0, with_consent.output
    advice = json.loads(with_consent.output)
    assert advice["outcome"] == "share" and advice["route"] == "consent"
    body = {"facts": EARLY_HELP, "consent_id": consent.id, "recipient_agency_id": w.agency_b}
    assert advice == api.post("/api/v1/advice", json=body, headers=bearer(api, "practitioner_a")).json()
    unknown = run("decide", "--facts", str(case), "--consent-id", consent.id, "--recipient-agency-id", "nowhere", token=token)
    assert unknown.exit_code == 1 and "recipient_agency_id" in unknown.output


def test_record_under_another_installed_guidance_version(cli, world, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESHARE_GUIDANCE_PATH", str(install_later_version(tmp_path / "installed")))
    decision = tmp_path / "decision.json"
    decision.write_text(complete_input(world, facts(), Decision.SHARE).model_dump_json())
    token = token_for(world, "practitioner_a")
    recorded = run("decisions", "record", "--file", str(decision), "--guidance-version", LATER_VERSION, "--json", token=token)
    assert recorded.exit_code == 0, recorded.output
    assert json.loads(recorded.output)["advice"]["guidance"]["version"] == LATER_VERSION
    unknown = run("decisions", "record", "--file", str(decision), "--guidance-version", "national-1999", token=token)
    assert unknown.exit_code == 1
    assert "guidance_version: no installed guidance version 'national-1999'" in unknown.output
