"""What the web pages write as security events."""

from __future__ import annotations

import json
import logging

from tests.web.helpers import sign_in


def _events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "safeshare.security"]


def test_a_form_refused_as_a_possible_forgery_is_an_event(web, world, caplog):
    caplog.set_level(logging.INFO, logger="safeshare.security")
    sign_in(web, "practitioner_a")
    response = web.post("/subjects/find", data={"csrf_token": "not the session's", "name": "Lovelace"})
    assert response.status_code == 400
    [event] = [e for e in _events(caplog) if e["event"] == "csrf.refused"]
    assert event["person_id"] == world.people["practitioner_a"].id and event["path"] == "/subjects/find"
    assert "Lovelace" not in json.dumps(event)
