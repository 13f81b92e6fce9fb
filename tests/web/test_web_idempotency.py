"""Each web form that seals or sends carries its own idempotency key: a double submit, or a refresh and resubmit,
goes to the record the first submit made instead of sealing a second one."""

from __future__ import annotations

import re
from html import unescape

from safeshare.domain.paging import PageRequest
from safeshare.web.forms import FORM_ALREADY_SENT
from tests.exchange import extend
from tests.web.helpers import error_summary, sign_in
from tests.web.test_browser_share import SCENARIO
from tests.web.test_web_record import record_form, walk_journey

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
ALL = PageRequest(offset=0, limit=100)


def form_key(html: str) -> str:
    found = KEY.search(html)
    assert found, "the form carries no idempotency key"
    return unescape(found.group(1))


def consent_form(token: str, world, key: str, **changes) -> dict:
    return {
        "csrf_token": token,
        "idempotency_key": key,
        "giver": f"parental_responsibility:{world.subjects['parent_a'].id}",
        "capacity_basis": "age",
        "decision": "given",
        "information": "Attendance",
        "purposes": "early_help",
        "recipients": world.agency_b,
        "told.information_collected": "Attendance",
        "told.purposes": "Early help",
        "told.who_may_receive": "The school",
        "told.recipient_uses": "Planning support",
        "told.told_may_be_used_to_detect_crime": "yes",
        "confirm": ["freely_given", "informed", "explicit"],
        "obtained_by": "in_person",
        # Today: the moment recorded is the time the form was shown, so a later resubmit is the same request.
        "obtained_at-day": "2", "obtained_at-month": "11", "obtained_at-year": "2026",
        "review_by-day": "1", "review_by-month": "5", "review_by-year": "2027",
        **changes,
    }


def test_every_rendering_of_a_sealing_form_has_a_new_key(web, world, services):
    extend(world)
    sign_in(web, "practitioner_a")
    url = f"/subjects/{world.subjects['kid'].id}/consent/new"
    first, second = form_key(web.get(url).text), form_key(web.get(url).text)
    assert first != second and len(first) >= 32


def test_a_consent_form_sent_twice_minutes_apart_records_one_consent(web, world, services, clock):
    extend(world)
    kid = world.subjects["kid"].id
    token = sign_in(web, "practitioner_a")
    key = form_key(web.get(f"/subjects/{kid}/consent/new").text)
    clock.advance(minutes=2)
    first = web.post(f"/subjects/{kid}/consent/new", data=consent_form(token, world, key))
    assert first.status_code == 303, error_summary(first.text)
    clock.advance(minutes=3)
    again = web.post(f"/subjects/{kid}/consent/new", data=consent_form(token, world, key))
    assert again.status_code == 303, error_summary(again.text)
    assert again.headers["location"] == first.headers["location"]
    assert services.consents.for_subject(world.actor("practitioner_a"), kid, ALL).total == 1


def test_the_same_form_sent_again_with_other_answers_says_so_and_offers_a_new_key(web, world, services):
    extend(world)
    kid = world.subjects["kid"].id
    token = sign_in(web, "practitioner_a")
    key = form_key(web.get(f"/subjects/{kid}/consent/new").text)
    assert web.post(f"/subjects/{kid}/consent/new", data=consent_form(token, world, key)).status_code == 303
    changed = web.post(f"/subjects/{kid}/consent/new", data=consent_form(token, world, key, information="Attendance\nHealth"))
    assert changed.status_code == 400
    assert [message for _, message in error_summary(changed.text)] == [FORM_ALREADY_SENT]
    assert form_key(changed.text) != key
    assert services.consents.for_subject(world.actor("practitioner_a"), kid, ALL).total == 1


def test_a_decision_submitted_twice_from_one_page_is_sealed_once(web, world, services, clock):
    token = sign_in(web, "practitioner_a")
    walk_journey(web, token, services, SCENARIO, world.subjects["child_a"].id)
    key = form_key(web.get("/share/record").text)
    journey = web.cookies.get("safeshare_answers")
    form = record_form(
        token, world, decision="share", lawful_bases="uk_gdpr_6_1_e", idempotency_key=key, departure_reason="The DSL advised it",
        **{"advice_sought.0.from_role": "Designated safeguarding lead", "advice_sought.0.summary": "Refer today",
           "advice_sought.0.at-day": "2", "advice_sought.0.at-month": "11", "advice_sought.0.at-year": "2026"},
    )
    clock.advance(minutes=1)
    first = web.post("/share/record", data=form)
    assert first.status_code == 303, error_summary(first.text)
    web.cookies.set("safeshare_answers", journey, path="/share")  # the second submit left with the first's cookies
    clock.advance(minutes=1)
    again = web.post("/share/record", data=form)
    assert again.status_code == 303, error_summary(again.text)
    assert again.headers["location"] == first.headers["location"]
    assert services.decisions.mine(world.actor("practitioner_a"), ALL).total == 1


def test_a_request_sent_twice_from_one_page_is_sent_once(web, world, services):
    token = sign_in(web, "practitioner_b")
    url = f"/subjects/{world.subjects['child_b'].id}/requests/new"
    key = form_key(web.get(url).text)
    form = {
        "csrf_token": token, "idempotency_key": key, "target_agency_id": world.agency_a, "purpose": "Child protection enquiry",
        "purpose_category": "child_protection_enquiry", "why_needed": "To assess the risk", "information_sought": "Previous concerns",
        "urgency": "urgent",
    }
    first, again = web.post(url, data=form), web.post(url, data=form)
    assert first.status_code == again.status_code == 303, error_summary(first.text)
    assert again.headers["location"] == first.headers["location"]
    assert services.requests.sent(world.actor("practitioner_b"), ALL).total == 1
