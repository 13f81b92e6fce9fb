"""Security events are written as one JSON line each, naming people by id, never what they typed or a child."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from safeshare.domain.errors import Forbidden, NotFound
from safeshare.services.ledger import Log
from safeshare.services.security_events import SecurityEvent, account_digest, record_event
from safeshare.serving import logging_config


def _events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "safeshare.security"]


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="safeshare.security")
    return caplog


def test_a_use_case_refused_for_want_of_a_permission_is_an_event_naming_who_what_and_which_permission(world, security_log, tmp_path):
    actor = world.actor("practitioner_a")
    with pytest.raises(Forbidden):
        world.services.ledger.export(actor, Log.DECISIONS, tmp_path / "export.jsonl", tmp_path / "checkpoint.txt")
    [event] = _events(security_log)
    assert event["event"] == "authorisation.permission_refused"
    assert event["person_id"] == actor.person_id and event["agency_id"] == actor.agency_id
    assert event["use_case"] == "LedgerService.export" and event["permission"] == "ledger:export"
    assert event["at"].endswith("+00:00")


def test_a_record_refused_or_not_found_is_an_event_without_the_record_asked_for(world, security_log):
    actor = world.actor("practitioner_b")
    child = world.subjects["child_a"].id
    with pytest.raises(NotFound):
        world.services.subjects.view_subject(actor, child)
    [event] = _events(security_log)
    assert event["event"] == "authorisation.record_refused" and event["use_case"] == "SubjectService.view_subject"
    assert child not in json.dumps(event)
    assert world.subjects["child_a"].details.family_name not in json.dumps(event)


def test_a_use_case_that_succeeds_writes_no_security_event(world, security_log):
    world.services.subjects.view_subject(world.actor("practitioner_a"), world.subjects["child_a"].id)
    assert _events(security_log) == []


def test_an_email_typed_at_sign_in_is_named_by_a_keyed_digest_that_does_not_reveal_it():
    digest = account_digest("secret one", " Someone@Example.org ")
    assert digest == account_digest("secret one", "someone@example.org")  # the same address, however typed
    assert digest != account_digest("secret two", "someone@example.org")  # not guessable without the key
    assert "someone" not in digest and len(digest) == 24


def test_whatever_a_caller_typed_cannot_forge_a_line_of_its_own(security_log):
    record_event(SecurityEvent.FORM_FORGERY_REFUSED, dt.datetime(2026, 12, 4, tzinfo=dt.UTC), path='/x\n{"event": "forged"}')
    [record] = [r for r in security_log.records if r.name == "safeshare.security"]
    assert "\n" not in record.getMessage()
    assert json.loads(record.getMessage())["path"] == '/x\n{"event": "forged"}'


def test_safeshare_serve_writes_security_events_as_bare_json_lines_to_standard_error():
    config = logging_config()
    security = config["loggers"]["safeshare.security"]
    handler = config["handlers"][security["handlers"][0]]
    assert security["level"] == "INFO" and security["propagate"] is False
    assert handler["stream"] == "ext://sys.stderr" and config["formatters"][handler["formatter"]] == {"format": "%(message)s"}
