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


def test_each_sign_in_and_its_outcome_is_an_event_naming_an_unknown_address_only_by_its_digest(web, world, caplog):
    from safeshare.services.security_events import account_digest

    caplog.set_level(logging.INFO, logger="safeshare.security")
    page = web.get("/sign-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    web.post("/sign-in", data={"csrf_token": token, "email": "nobody@agency.example", "password": "not the password at all"})
    sign_in(web, "practitioner_a")
    web.post("/sign-out", data={"csrf_token": sign_in(web, "practitioner_a")})
    events = _events(caplog)
    failed = [e for e in events if e["event"] == "sign_in.failed"]
    assert failed and failed[0]["account"] == account_digest(world.services.context.settings.secret(), "nobody@agency.example")
    assert failed[0]["method"] == "password" and failed[0]["kind"] == "web" and "client" in failed[0]
    assert [e["event"] for e in events].count("sign_in.succeeded") == 2
    assert any(e["event"] == "signed_out" and e["person_id"] == world.people["practitioner_a"].id for e in events)
    text = json.dumps(events)
    assert "nobody@agency.example" not in text and "not the password" not in text and "practitioner_a@" not in text
