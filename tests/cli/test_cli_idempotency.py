"""--idempotency-key on the commands that seal or send: running one again gives the first result and seals nothing."""

from __future__ import annotations

import json
import uuid

import pytest

from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.paging import PageRequest
from tests.cli.test_cli_exchange import run, token_for, w, write  # noqa: F401  (w: the CLI's world fixture)
from tests.exchange import consent_input, decision_input, request_input, to_person

ALL = PageRequest(offset=0, limit=100)


@pytest.mark.parametrize(
    ("command", "who", "build"),
    [
        (("decisions", "record"), "practitioner_a", lambda w: decision_input(w, "child_a", Decision.DO_NOT_SHARE)),
        (("disclosures", "send"), "practitioner_a",
         lambda w: DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)))),
        (("requests", "send"), "practitioner_b", lambda w: request_input(w, "child_b", target=w.agency_c)),
        (("consent", "record"), "practitioner_a", lambda w: consent_input(w)),
    ],
)
def test_a_command_run_twice_with_one_key_prints_the_first_result_and_seals_once(w, tmp_path, command, who, build):
    token, key = token_for(w, who), str(uuid.uuid4())
    file = write(tmp_path, "in.json", build(w))
    first = run(*command, "--file", file, "--idempotency-key", key, "--json", token=token)
    again = run(*command, "--file", file, "--idempotency-key", key, "--json", token=token)
    assert first.exit_code == again.exit_code == 0, first.output + again.output
    assert json.loads(again.output) == json.loads(first.output)
    another = run(*command, "--file", file, "--idempotency-key", str(uuid.uuid4()), "--json", token=token)
    assert another.exit_code == 0 and json.loads(another.output) != json.loads(first.output)


def test_a_malformed_key_is_refused_naming_it_and_seals_nothing(w, tmp_path):
    token = token_for(w, "practitioner_a")
    refused = run("decisions", "record", "--file", write(tmp_path, "d.json", decision_input(w, "child_a", Decision.DO_NOT_SHARE)),
                  "--idempotency-key", "not a key", token=token)
    assert refused.exit_code == 1 and "Idempotency-Key" in refused.output
    assert w.services.decisions.mine(w.actor("practitioner_a"), ALL).total == 0


def test_expired_keys_are_deleted_by_the_housekeeping_command(w):
    # The world's clock is weeks behind the command's real one, so this key is long expired by then.
    w.services.requests.send(w.actor("practitioner_b"), request_input(w, "child_b"), idempotency_key=str(uuid.uuid4()))
    first = run("db", "forget-expired-keys")
    assert first.exit_code == 0 and "1 expired idempotency keys deleted" in first.output, first.output
    assert "0 expired" in run("db", "forget-expired-keys").output
