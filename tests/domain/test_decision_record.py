"""Record completeness (R13): what a decision record must hold depends on the decision made."""

import datetime as dt

import pytest

from safeshare.domain.advice import CaseFacts, InformDecision, Outcome, RecordField
from safeshare.domain.decisions import (
    Decision,
    DecisionInput,
    FamilyTold,
    Recipient,
    SharedItem,
    check_decision,
    missing_record_fields,
)
from safeshare.domain.errors import InvalidInput
from safeshare.guidance import load_guidance
from tests.exchange import HOUSING_EARLY_HELP, NO_CONCERN

EARLY_HELP = CaseFacts.model_validate(HOUSING_EARLY_HELP)
NOT_NEEDED = CaseFacts.model_validate({**NO_CONCERN, "requested_by_recipient": True})


def submission(facts: CaseFacts, decision: Decision, **overrides) -> DecisionInput:
    share = decision is Decision.SHARE
    fields = dict(
        subject_ids=("s1",),
        question="May I share this?",
        context="Context",
        facts=facts,
        decision=decision,
        reasons="Reasons",
        departure_reason="Discussed with the lead, who agreed to share",
        information_shared=(SharedItem(description="Attendance", kind="fact", dated=dt.date(2026, 1, 1)),) if share else (),
        recipients=(Recipient(agency_id="a2", role="duty social worker"),) if share else (),
        lawful_bases=("uk_gdpr_6_1_e",) if share else (),
        secure_method="secure email" if share else None,
        perceived_risk="Low",
        family_told=FamilyTold(told=InformDecision.inform_before_sharing) if share else None,
    )
    fields.update(overrides)
    return DecisionInput(**fields)


@pytest.fixture(scope="module")
def guidance():
    return load_guidance()


def test_the_guidance_asks_a_departing_share_for_what_every_share_needs(guidance):
    advice = guidance.advise(EARLY_HELP)
    assert advice.outcome is Outcome.seek_consent
    assert RecordField.secure_method not in advice.record_fields
    required = set(guidance.record_fields_for(EARLY_HELP, Decision.SHARE))
    assert {RecordField.legal_basis, RecordField.secure_method, RecordField.family_informed, RecordField.recipient} <= required
    assert guidance.record_fields_for(EARLY_HELP, Decision.DO_NOT_SHARE) == advice.record_fields


def test_a_departing_share_is_refused_without_a_lawful_basis_secure_method_or_family_told(guidance):
    advice = guidance.advise(EARLY_HELP)
    required = guidance.record_fields_for(EARLY_HELP, Decision.SHARE)
    known = [b.id for b in guidance.lawful_bases()]
    bare = submission(EARLY_HELP, Decision.SHARE, lawful_bases=(), secure_method=None, family_told=None)
    with pytest.raises(InvalidInput) as refused:
        check_decision(bare, advice, required, known)
    assert {"lawful_bases", "secure_method", "family_told"} <= {p.field for p in refused.value.problems}
    check_decision(submission(EARLY_HELP, Decision.SHARE), advice, required, known)  # any known basis will do
    with pytest.raises(InvalidInput, match="not a lawful basis the guidance knows"):
        check_decision(submission(EARLY_HELP, Decision.SHARE, lawful_bases=("invented",)), advice, required, known)


def test_a_share_that_follows_the_advice_keeps_to_the_bases_it_offers(guidance):
    facts = EARLY_HELP.model_copy(update={"level_of_concern": "significant_harm", "reasons_consent_not_sought": ["increase_risk_to_child"]})
    advice = guidance.advise(facts)
    offered = {b.id for b in advice.lawful_bases}
    other = next(b.id for b in guidance.lawful_bases() if b.id not in offered)
    submitted = submission(facts, Decision.SHARE, departure_reason=None, lawful_bases=(other,),
                           family_told=FamilyTold(told=InformDecision.do_not_inform, reason_not_told="Unsafe"))
    with pytest.raises(InvalidInput, match="not one of the lawful bases the advice offers"):
        check_decision(submitted, advice, known_bases=[b.id for b in guidance.lawful_bases()])


def test_reasons_alone_do_not_show_a_refusal_was_discussed_with_the_requester(guidance):
    advice = guidance.advise(NOT_NEEDED)
    assert RecordField.discussed_with_requester in advice.record_fields
    refused = submission(NOT_NEEDED, Decision.DO_NOT_SHARE, departure_reason=None)
    assert [p.field for p in missing_record_fields(refused, advice)] == ["discussed_with_requester"]
    discussed = refused.model_copy(update={"discussed_with_requester": "Explained to the charity by phone"})
    assert missing_record_fields(discussed, advice) == []


def test_answering_the_request_counts_as_sending_the_reasons_back(guidance):
    advice = guidance.advise(NOT_NEEDED)
    answered = submission(NOT_NEEDED, Decision.DO_NOT_SHARE, departure_reason=None, request_id="r1")
    assert missing_record_fields(answered, advice) == []
