"""The witnesses' API: register a key, fetch the latest checkpoint with its proof, send the cosignature; and the
auditor's download of the witness store."""

import io
import tarfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from safeshare.app import create_app
from safeshare.ledger.cosignature import cosign, cosigner_vkey, with_cosignatures
from safeshare.ledger.keys import public_key_base64
from safeshare.ledger.witness import check_offered
from safeshare.services.ledger import signing_key
from tests.api.helpers import bearer
from tests.witnessing import record_some, witnessed_world


@pytest.fixture
def world(engine, database_url, tmp_path, clock):
    return witnessed_world(engine, database_url, tmp_path / "witness", clock)


@pytest.fixture
def api(world):
    # Not entered as a context manager: no background checkpointing, the test checkpoints when it means to.
    return TestClient(create_app(world.services.context.settings, world.services))


def test_a_witness_registers_fetches_and_cosigns_over_the_api(api, world):
    lead = bearer(api, "ig_lead_a")
    key = Ed25519PrivateKey.generate()
    registered = api.post("/api/v1/ledger/witnesses", json={"verifier_key": cosigner_vkey("agency-a.example/w", key)}, headers=lead)
    assert registered.status_code == 201, registered.text
    record_some(world, 2)
    world.services.ledger.checkpointer.run_once()

    offered = api.get("/api/v1/ledger/decisions/checkpoint", params={"seen_size": 0}, headers=lead)
    assert offered.status_code == 200 and offered.text.startswith("old 0\n")
    checkpoint = check_offered(offered.text, "decisions", None, public_key_base64(signing_key(world.services.context.settings)))
    line = cosign(checkpoint, "agency-a.example/w", key, int(world.services.context.clock().timestamp())).line
    sent = api.post("/api/v1/ledger/decisions/cosignatures", json={"note": with_cosignatures(checkpoint, [line]).text}, headers=lead)
    assert sent.status_code == 201 and sent.json()["tree_size"] == 2, sent.text
    again = api.post("/api/v1/ledger/decisions/cosignatures", json={"note": with_cosignatures(checkpoint, [line]).text}, headers=lead)
    assert again.status_code == 409


def test_bad_witness_input_is_a_4xx_naming_the_field(api, world):
    lead = bearer(api, "ig_lead_a")
    bad_key = api.post("/api/v1/ledger/witnesses", json={"verifier_key": "name+00000000+AAAA"}, headers=lead)
    assert bad_key.status_code == 422 and "verifier_key" in bad_key.text
    no_checkpoint = api.get("/api/v1/ledger/consents/checkpoint", headers=lead)
    assert no_checkpoint.status_code == 422 and "log" in no_checkpoint.text
    garbage = api.post("/api/v1/ledger/decisions/cosignatures", json={"note": "not a note"}, headers=lead)
    assert garbage.status_code == 422 and "note" in garbage.text
    assert api.get("/api/v1/ledger/nonsense/checkpoint", headers=lead).status_code == 422
    assert api.get("/api/v1/ledger/decisions/checkpoint", params={"seen_size": -1}, headers=lead).status_code == 422


def test_only_the_auditor_downloads_the_witness_store_and_only_governance_leads_witness(api, world):
    record_some(world, 1)
    world.services.ledger.checkpointer.run_once()
    download = api.get("/api/v1/ledger/decisions/witness-store", headers=bearer(api, "auditor"))
    assert download.status_code == 200 and download.headers["content-type"] == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(download.content)) as tar:
        assert f"decisions/checkpoints/{1:020d}.checkpoint" in tar.getnames()
    practitioner = bearer(api, "practitioner_a")
    assert api.get("/api/v1/ledger/decisions/witness-store", headers=practitioner).status_code == 403
    assert api.get("/api/v1/ledger/decisions/checkpoint", headers=practitioner).status_code == 403
    assert api.get("/api/v1/ledger/decisions/checkpoint").status_code == 401
