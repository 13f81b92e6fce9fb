"""Recording a decision from the web journey when it departs from the advice, or refuses someone who asked:
the record page asks for what the guidance asks of the decision actually made."""

from __future__ import annotations

import html
import re

from safeshare.web.journey import NONE_OF_THESE, encode
from tests.exchange import consent_input, extend
from tests.web.helpers import error_summary, sign_in
from tests.web.test_browser_share import SCENARIO

NO_LEGITIMATE_PURPOSE = {**SCENARIO, "level_of_concern": "no_concern", "clear_legitimate_purpose": "no", "advice_sought": "false"}
REFUSED_TO_REQUESTER = {**NO_LEGITIMATE_PURPOSE, "requested_by_recipient": "true"}
NO_ADVICE_TAKEN = {**SCENARIO, "advice_sought": "false"}


def walk_journey(web, token: str, services, answers: dict, about: str) -> str:
    """Answer every question the guidance asks from `answers` (by field), and return the advice's outcome."""
    started = web.post("/share/start", data={"csrf_token": token, "about": about})
    url = started.headers["location"]
    guidance = services.context.guidance()
    while url.startswith("/share/questions/"):
        question = guidance.question(url.removeprefix("/share/questions/").split("?", 1)[0])
        value = answers.get(question.field)
        if value is None:
            value = NONE_OF_THESE if question.input == "multi_choice" else "Not known"
        if question.options and value != NONE_OF_THESE:
            value = next((encode(o.value) for o in question.options if encode(o.value) == value), encode(question.options[0].value))
        answered = web.post(url, data={"csrf_token": token, "answer": value})
        assert answered.status_code == 303, (question.field, error_summary(answered.text))
        url = answered.headers["location"]
    assert url == "/share/check"
    assert web.post("/share/check", data={"csrf_token": token}).headers["location"] == "/share/advice"
    heading = re.search(r'<h1 class="govuk-heading-xl">\s*(.*?)\s*</h1>', web.get("/share/advice").text).group(1)
    return next(o.id for o in guidance.outcomes() if o.label == html.unescape(heading))


def record_form(token: str, world, **changes) -> dict:
    form = {
        "csrf_token": token,
        "question": "Whether to tell children's social care about the worries",
        "reasons": "The worries have grown this month.",
        "context": "Several small incidents at school.",
        "perceived_risk": "Moderate and rising.",
        "information_shared.0.share": "yes",
        "information_shared.0.description": "Late to school on eight days this month",
        "information_shared.0.kind": "fact",
        "recipients.0.agency_id": world.agency_b,
        "secure_method": "Secure email to the duty desk",
        "onward_sharing_allowed": "no",
        "family_told.told": "inform_after_sharing",
        "send": "record",
    }
    return {**form, **changes}


def offered_bases(page: str) -> set[str]:
    return set(re.findall(r'name="lawful_bases" type="checkbox" value="(\w+)"', page))


def test_the_record_page_offers_every_basis_the_guidance_knows_for_a_departure(web, world, services):
    token = sign_in(web, "practitioner_a")
    assert walk_journey(web, token, services, SCENARIO, world.subjects["child_a"].id) == "share_without_consent"
    page = web.get("/share/record").text
    known = {b.id for b in services.context.guidance().lawful_bases()}
    assert offered_bases(page) == known
    assert "Relying on a basis the advice does not offer" in page


def test_a_share_against_the_advice_may_rely_on_a_basis_the_advice_did_not_offer(web, world, services):
    token = sign_in(web, "practitioner_a")
    assert walk_journey(web, token, services, NO_LEGITIMATE_PURPOSE, world.subjects["child_a"].id) == "do_not_share"
    page = web.get("/share/record").text
    assert "uk_gdpr_6_1_e" in offered_bases(page)  # the advice offers none; every basis the guidance knows can be chosen

    missing = web.post("/share/record", data=record_form(token, world, decision="share", departure_reason="The DSL advised it"))
    assert missing.status_code == 400
    assert "#lawful_bases" in {anchor for anchor, _ in error_summary(missing.text)}

    recorded = web.post("/share/record", data=record_form(
        token, world, decision="share", departure_reason="The DSL advised it", lawful_bases="uk_gdpr_6_1_e",
    ))
    assert recorded.status_code == 303, error_summary(recorded.text)
    decision_id = int(recorded.headers["location"].split("/decisions/", 1)[1].split("?", 1)[0])
    sealed = services.decisions.get(world.actor("practitioner_a"), decision_id)
    assert sealed.input.lawful_bases == ("uk_gdpr_6_1_e",) and not sealed.follows_advice


def test_refusing_someone_who_asked_records_how_they_were_told(web, world, services):
    token = sign_in(web, "practitioner_a")
    assert walk_journey(web, token, services, REFUSED_TO_REQUESTER, world.subjects["child_a"].id) == "do_not_share"
    assert 'name="discussed_with_requester"' in web.get("/share/record").text

    refusal = record_form(token, world, decision="do_not_share", reasons="There is no legitimate purpose for sharing this.")
    missing = web.post("/share/record", data=refusal)
    assert missing.status_code == 400
    assert "#discussed_with_requester" in {anchor for anchor, _ in error_summary(missing.text)}

    told = web.post("/share/record", data={**refusal, "discussed_with_requester": "Phoned the health visitor the same day"})
    assert told.status_code == 303, error_summary(told.text)
    decision_id = int(told.headers["location"].split("/decisions/", 1)[1].split("?", 1)[0])
    sealed = services.decisions.get(world.actor("practitioner_a"), decision_id)
    assert sealed.input.discussed_with_requester == "Phoned the health visitor the same day"


def test_nobody_is_asked_how_a_requester_was_told_when_nobody_asked(web, world, services):
    token = sign_in(web, "practitioner_a")
    assert walk_journey(web, token, services, NO_LEGITIMATE_PURPOSE, world.subjects["child_a"].id) == "do_not_share"
    assert 'name="discussed_with_requester"' not in web.get("/share/record").text


CONSENTED = {
    **SCENARIO, "level_of_concern": "early_help", "purpose_category": "early_help", "recipient_agency": "school",
    "consent": "given", "consent_by": "parental_responsibility", "child_age": "10", "advice_sought": "false",
}


def test_consent_relied_on_comes_from_the_register_not_from_the_form(web, world, services):
    extend(world)
    kid = world.subjects["kid"].id
    token = sign_in(web, "practitioner_a")
    assert walk_journey(web, token, services, CONSENTED, kid) == "share"
    page = web.get("/share/record").text
    assert f'href="/subjects/{kid}/consent"' in page and 'name="consent.capacity_basis"' not in page

    share = record_form(token, world, decision="share", lawful_bases="uk_gdpr_6_1_a", **{"family_told.told": "inform_before_sharing"})
    refused = web.post("/share/record", data=share)
    assert refused.status_code == 400
    assert any("record it there first" in message for _, message in error_summary(refused.text))

    consent = services.consents.record(world.actor("practitioner_a"), consent_input(world)).consent
    recorded = web.post("/share/record", data=share)
    assert recorded.status_code == 303, error_summary(recorded.text)
    decision_id = int(recorded.headers["location"].split("/decisions/", 1)[1].split("?", 1)[0])
    sealed = services.decisions.get(world.actor("practitioner_a"), decision_id)
    assert sealed.input.consent_id == consent.id
    assert sealed.input.consent.obtained_at == consent.input.obtained_at


def advice_bases(page: str) -> list[str]:
    """The lawful bases the advice offers (the others sit under "other_lawful_bases" ids)."""
    return re.findall(r'id="lawful_bases[^"]*" name="lawful_bases" type="checkbox" value="(\w+)"', page)


def test_of_the_items_asked_for_only_those_ticked_are_shared_with_any_added(web, world, services):
    token = sign_in(web, "practitioner_a")
    assert walk_journey(web, token, services, NO_ADVICE_TAKEN, world.subjects["child_a"].id) == "share_without_consent"
    page = web.get("/share/record").text
    assert "Asked for: What the child said" in page and "Asked for: Recent attendance" in page
    ticked_by_default = re.findall(r'name="information_shared\.\d+\.share" type="checkbox" value="yes" checked', page)
    assert re.findall(r'name="information_shared\.\d+\.share"', page) and not ticked_by_default

    form = record_form(
        token, world, decision="share", lawful_bases=advice_bases(page), consent_override_reason="Telling the parents would put her at risk",
        **{
            "information_shared.0.description": "She said her stepfather hit her last night",
            "information_shared.1.description": "Recent attendance", "information_shared.1.kind": "fact",  # not ticked
            "information_shared.2.description": "Her teacher finds her withdrawn this term", "information_shared.2.kind": "opinion",
        },
    )
    recorded = web.post("/share/record", data=form)
    assert recorded.status_code == 303, error_summary(recorded.text)
    decision_id = int(recorded.headers["location"].split("/decisions/", 1)[1].split("?", 1)[0])
    shared = services.decisions.get(world.actor("practitioner_a"), decision_id).input.information_shared
    assert [(i.description, i.kind.value) for i in shared] == [
        ("She said her stepfather hit her last night", "fact"), ("Her teacher finds her withdrawn this term", "opinion"),
    ]


def test_an_item_ticked_to_share_must_say_what_is_shared(web, world, services):
    token = sign_in(web, "practitioner_a")
    walk_journey(web, token, services, NO_ADVICE_TAKEN, world.subjects["child_a"].id)
    refused = web.post("/share/record", data=record_form(token, world, **{"information_shared.0.description": "", "information_shared.0.kind": ""}))
    assert refused.status_code == 400
    assert ("#information_shared-0-description", "Describe item 1, or clear its other answers") in error_summary(refused.text)
