"""The consent, request, disclosure, break-glass and access-log endpoints: thin, paged, clear about bad input."""

import pytest

from safeshare.domain.decisions import ConsentDetails, Decision, Recipient
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.requests import RequestAnswer
from tests.api.helpers import bearer
from tests.exchange import EARLY_HELP, consent_input, decision_input, disclose, extend, request_input, to_person
from tests.factories import PASSWORD

API = "/api/v1"


@pytest.fixture
def w(world):
    return extend(world)


@pytest.fixture
def tokens(api, w):
    cache = {}

    def get(key):
        if key not in cache:
            cache[key] = bearer(api, key)
        return cache[key]

    return get


def problems(response) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


def test_consent_is_recorded_withdrawn_and_exported_as_fhir(api, w, tokens):
    body = consent_input(w).model_dump(mode="json")
    created = api.post(f"{API}/consents", json=body, headers=tokens("practitioner_a"))
    assert created.status_code == 201, created.text
    consent_id = created.json()["consent"]["id"]
    listed = api.get(f"{API}/subjects/{w.subjects['kid'].id}/consents?limit=1", headers=tokens("practitioner_a")).json()
    assert listed["total"] == 1 and listed["limit"] == 1
    standing = api.get(
        f"{API}/subjects/{w.subjects['kid'].id}/consent-standing",
        params={"purpose": "early_help", "recipient_agency_id": w.agency_b},
        headers=tokens("practitioner_a"),
    )
    assert standing.json()["state"] == "given"
    fhir = api.get(f"{API}/consents/{consent_id}/fhir", headers=tokens("practitioner_a"))
    assert fhir.status_code == 200 and fhir.headers["content-type"].startswith("application/fhir+json")
    assert fhir.json()["resourceType"] == "Consent"
    imported = api.post(f"{API}/consents/fhir", json=fhir.json(), headers=tokens("practitioner_a"))
    assert imported.status_code == 201 and imported.json()["consent"]["input"] == created.json()["consent"]["input"]
    withdrawn = api.post(f"{API}/consents/{consent_id}/withdraw", json={"how": "phone", "note": "Rang to withdraw"}, headers=tokens("practitioner_a"))
    assert withdrawn.json()["status"] == "withdrawn"
    again = api.post(f"{API}/consents/{consent_id}/withdraw", json={"how": "phone", "note": "x"}, headers=tokens("practitioner_a"))
    assert again.status_code == 409


def test_an_invalid_consent_giver_is_a_422_naming_the_field(api, w, tokens):
    body = consent_input(w, giver="aunt").model_dump(mode="json")
    refused = api.post(f"{API}/consents", json=body, headers=tokens("practitioner_a"))
    assert refused.status_code == 422
    assert "no parental responsibility" in problems(refused)["given_by.subject_id"]
    body = consent_input(w).model_dump(mode="json") | {"freely_given": False}
    assert "freely_given" in problems(api.post(f"{API}/consents", json=body, headers=tokens("practitioner_a")))
    body = consent_input(w).model_dump(mode="json") | {"decision": "withdrawn"}
    assert "decision" in problems(api.post(f"{API}/consents", json=body, headers=tokens("practitioner_a")))


def test_who_may_consent_and_conflicts_for_the_dsl(api, w, tokens):
    who = api.get(f"{API}/subjects/{w.subjects['kid'].id}/who-may-consent", headers=tokens("practitioner_a"))
    assert who.status_code == 200 and who.json()["age"] == 10
    api.post(f"{API}/consents", json=consent_input(w).model_dump(mode="json"), headers=tokens("practitioner_a"))
    refusal = consent_input(w, giver="father", decision="refused", review_by=None).model_dump(mode="json")
    raised = api.post(f"{API}/consents", json=refusal, headers=tokens("practitioner_a")).json()["conflicts_raised"]
    assert [c["kind"] for c in raised] == ["parents"]
    assert api.get(f"{API}/consent-conflicts", headers=tokens("practitioner_a")).status_code == 403
    listed = api.get(f"{API}/consent-conflicts", headers=tokens("dsl_a")).json()
    assert listed["total"] == 1
    resolved = api.post(f"{API}/consent-conflicts/{raised[0]['id']}/resolve", json={"note": "Spoke to both parents"}, headers=tokens("dsl_a"))
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]


def test_a_request_is_sent_answered_and_its_status_seen_at_both_ends(api, w, tokens):
    w.services.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)
    body = request_input(w).model_dump(mode="json")
    sent = api.post(f"{API}/requests", json=body, headers=tokens("practitioner_b"))
    assert sent.status_code == 201, sent.text
    request_id = sent.json()["id"]
    inbox = api.get(f"{API}/requests/to-answer", headers=tokens("practitioner_a")).json()
    assert [r["id"] for r in inbox["items"]] == [request_id] and inbox["items"][0]["target_holds_subject"] is True
    assert api.get(f"{API}/requests/overdue", headers=tokens("dsl_a")).json()["total"] == 0
    answer = RequestAnswer(decision=decision_input(w, "child_b", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    answered = api.post(f"{API}/requests/{request_id}/answer", json=answer.model_dump(mode="json"), headers=tokens("practitioner_a"))
    assert answered.status_code == 200, answered.text
    seen = api.get(f"{API}/requests/{request_id}", headers=tokens("practitioner_b")).json()
    assert seen["status"] == "shared" and seen["target_holds_subject"] is None
    disclosure = api.get(f"{API}/disclosures/{seen['disclosure_id']}", headers=tokens("practitioner_b"))
    assert disclosure.status_code == 200 and disclosure.json()["request_id"] == request_id
    assert api.get(f"{API}/requests/sent", headers=tokens("practitioner_b")).json()["total"] == 1


def test_requests_with_bad_targets_are_422(api, w, tokens):
    body = request_input(w, target="no-such-agency").model_dump(mode="json")
    response = api.post(f"{API}/requests", json=body, headers=tokens("practitioner_b"))
    assert response.status_code == 422 and "target_agency_id" in problems(response)
    missing = api.post(f"{API}/requests", json={**body, "why_needed": ""}, headers=tokens("practitioner_b"))
    assert missing.status_code == 422 and "why_needed" in problems(missing)


def test_disclosures_are_sent_received_and_acknowledged_only_by_their_recipients(api, w, tokens):
    submitted = DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)), urgent=True)
    sent = api.post(f"{API}/disclosures", json=submitted.model_dump(mode="json"), headers=tokens("practitioner_a"))
    assert sent.status_code == 201, sent.text
    disclosure_id = sent.json()["id"]
    incoming = api.get(f"{API}/disclosures/incoming?urgent_only=true", headers=tokens("practitioner_b")).json()
    assert [d["id"] for d in incoming["items"]] == [disclosure_id]
    assert api.get(f"{API}/disclosures/{disclosure_id}", headers=tokens("colleague_b")).status_code == 404
    someone_elses = api.post(f"{API}/disclosures/{disclosure_id}/acknowledge", headers=tokens("colleague_b"))
    assert someone_elses.status_code == 404 and "disclosure_id" in someone_elses.json()["detail"]
    assert api.post(f"{API}/disclosures/{disclosure_id}/acknowledge", headers=tokens("practitioner_b")).status_code == 200
    assert api.post(f"{API}/disclosures/{disclosure_id}/acknowledge", headers=tokens("practitioner_b")).status_code == 409
    family = api.put(f"{API}/disclosures/{disclosure_id}/family", json={"status": "told"}, headers=tokens("practitioner_a"))
    assert family.json()["family"]["status"] == "told"
    unacked = api.get(f"{API}/disclosures/sent?urgent_unacknowledged=true", headers=tokens("practitioner_a")).json()
    assert unacked["total"] == 0


def test_disclosures_to_recipients_that_do_not_exist_or_of_foreign_items_are_4xx(api, w, tokens):
    bad = DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (Recipient(agency_id="nowhere", role="practitioner"),)))
    response = api.post(f"{API}/disclosures", json=bad.model_dump(mode="json"), headers=tokens("practitioner_a"))
    assert response.status_code == 422 and "decision.recipients.0.agency_id" in problems(response)
    allowed = disclose(w, decision={"onward_sharing_allowed": True})
    other = disclose(w, subject="kid", decision={"onward_sharing_allowed": True})
    onward = {
        "decision": decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_c"),), items=(), actor="practitioner_b").model_dump(mode="json"),
        "forwarded_items": [{"disclosure_id": allowed.id, "index": 0}, {"disclosure_id": other.id, "index": 0}],
    }
    foreign = api.post(f"{API}/disclosures", json=onward, headers=tokens("practitioner_b"))
    assert foreign.status_code == 422 and "forwarded_items.1" in problems(foreign)


def test_break_glass_over_the_api_then_expiry_is_a_403(api, w, tokens, clock):
    child = w.subjects["child_a"].id
    headers = tokens("practitioner_c")
    assert api.get(f"{API}/subjects/{child}", headers=headers).status_code == 404
    no_reason = api.post(f"{API}/break-glass", json={"subject_id": child, "reason": "x", "password": PASSWORD}, headers=headers)
    assert no_reason.status_code == 422 and "reason" in problems(no_reason)
    opened = api.post(f"{API}/break-glass", json={"subject_id": child, "reason": "Police at the door at 2am, child missing"}, headers=headers)
    assert opened.status_code == 201, opened.text  # the token was issued moments ago, which counts as confirmation
    assert api.get(f"{API}/subjects/{child}", headers=headers).status_code == 200
    assert api.get(f"{API}/break-glass/reviews", headers=tokens("practitioner_a")).status_code == 403
    clock.advance(hours=w.services.context.settings.break_glass_hours, minutes=1)
    headers = bearer(api, "practitioner_c")  # the old token may have timed out too
    expired = api.get(f"{API}/subjects/{child}", headers=headers)
    assert expired.status_code == 403 and "ended" in problems(expired)["subject_id"]
    stale = api.post(f"{API}/break-glass", json={"subject_id": child, "reason": "Still an emergency tonight"}, headers=headers)
    assert stale.status_code == 201  # a fresh sign-in counts as a confirmed password


def test_access_history_for_the_governance_lead(api, w, tokens):
    child = w.subjects["child_a"].id
    api.get(f"{API}/subjects/{child}", headers=tokens("practitioner_a"))
    history = api.get(f"{API}/subjects/{child}/access-history?limit=5", headers=tokens("ig_lead_a"))
    assert history.status_code == 200 and history.json()["items"][0]["grant"] == "holder"
    assert api.get(f"{API}/subjects/{child}/access-history", headers=tokens("ig_lead_b")).status_code == 404
    assert api.get(f"{API}/subjects/{child}/access-history", headers=tokens("practitioner_a")).status_code == 403


def test_a_decision_relying_on_consent_the_register_shows_withdrawn_is_a_422(api, w, tokens):
    consent_id = api.post(f"{API}/consents", json=consent_input(w).model_dump(mode="json"), headers=tokens("practitioner_a")).json()["consent"]["id"]
    api.post(f"{API}/consents/{consent_id}/withdraw", json={"how": "phone", "note": "Rang to withdraw"}, headers=tokens("practitioner_a"))
    body = decision_input(w, "kid", Decision.SHARE, (to_person(w, "practitioner_b"),), case={**EARLY_HELP, "consent": "given", "consent_by": "parental_responsibility"},
                          consent=ConsentDetails(given_by="parental_responsibility", capacity_basis="parent", obtained_at="2026-11-01T10:00:00Z"))
    response = api.post(f"{API}/decisions", json=body.model_dump(mode="json"), headers=tokens("practitioner_a"))
    assert response.status_code == 422 and "withdrawn" in problems(response)["facts.consent"]


def test_a_parent_consenting_for_a_seventeen_year_old_is_a_422(api, w, tokens):
    body = consent_input(w, subject="teen").model_dump(mode="json")
    response = api.post(f"{API}/consents", json=body, headers=tokens("practitioner_a"))
    assert response.status_code == 422 and "decide for themselves" in problems(response)["given_by.kind"]
    body["young_person_lacks_capacity"] = "Cannot retain the information long enough to decide"
    assert api.post(f"{API}/consents", json=body, headers=tokens("practitioner_a")).status_code == 201


def test_importing_the_same_fhir_consent_twice_is_a_409(api, w, tokens):
    consent_id = api.post(f"{API}/consents", json=consent_input(w).model_dump(mode="json"), headers=tokens("practitioner_a")).json()["consent"]["id"]
    fhir = api.get(f"{API}/consents/{consent_id}/fhir", headers=tokens("practitioner_a")).json()
    assert api.post(f"{API}/consents/fhir", json=fhir, headers=tokens("practitioner_a")).status_code == 201
    again = api.post(f"{API}/consents/fhir", json=fhir, headers=tokens("practitioner_a"))
    assert again.status_code == 409 and "identifier" in problems(again)


def test_consent_is_reviewed_over_the_api(api, w, tokens, clock):
    consent_id = api.post(f"{API}/consents", json=consent_input(w).model_dump(mode="json"), headers=tokens("practitioner_a")).json()["consent"]["id"]
    review = {"outcome": "still_valid", "confirmed_with": "Mother", "how": "phone", "next_review_by": "2027-11-01"}
    assert api.post(f"{API}/consents/{consent_id}/review", json=review, headers=tokens("practitioner_b")).status_code == 404
    past = api.post(f"{API}/consents/{consent_id}/review", json={**review, "next_review_by": "2026-01-01"}, headers=tokens("practitioner_a"))
    assert past.status_code == 422 and "future" in problems(past)["next_review_by"]
    done = api.post(f"{API}/consents/{consent_id}/review", json=review, headers=tokens("practitioner_a"))
    assert done.status_code == 200, done.text
    assert done.json()["review_by"] == "2027-11-01" and done.json()["reviews"][0]["confirmed_with"] == "Mother"
    ended = api.post(f"{API}/consents/{consent_id}/review", json={"outcome": "no_longer_valid", "how": "phone", "note": "No longer agrees"},
                     headers=tokens("practitioner_a"))
    assert ended.status_code == 200 and ended.json()["status"] == "withdrawn"
    assert api.post(f"{API}/consents/{consent_id}/review", json=review, headers=tokens("practitioner_a")).status_code == 409
