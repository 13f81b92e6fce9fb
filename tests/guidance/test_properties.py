"""For any valid case facts, advice is produced, well formed and repeatable (R1-R13)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from safeshare.domain.advice import (
    SHARING_OUTCOMES,
    Advice,
    Answer,
    CaseFacts,
    ConsentGiver,
    ConsentState,
    LevelOfConcern,
    Outcome,
    PurposeCategory,
    ReasonConsentNotSought,
    RecipientAgencyKind,
    RecordField,
    StatutoryGateway,
)
from safeshare.guidance import Guidance, bundled_overlays, load_guidance

answers = st.none() | st.sampled_from(Answer)
case_facts = st.fixed_dictionaries(
    {
        "purpose": st.text(min_size=1, max_size=40).filter(str.strip),
        "purpose_category": st.sampled_from(PurposeCategory),
        "recipient_agency": st.sampled_from(RecipientAgencyKind),
        "level_of_concern": st.sampled_from(LevelOfConcern),
    },
    optional={
        "local_purpose": st.none() | st.sampled_from(["early_help_module_record", "unknown_local_purpose"]),
        "recipient_role": st.none() | st.text(max_size=20),
        "sharer_agency": st.none() | st.sampled_from(RecipientAgencyKind),
        "requested_by_recipient": st.booleans(),
        "information_requested": st.lists(st.text(min_size=1, max_size=10).filter(str.strip), max_size=3, unique_by=str.strip),
        "crime_suspected": st.booleans(),
        "adult_at_risk_of_serious_harm": st.booleans(),
        "clear_legitimate_purpose": answers,
        "has_statutory_basis": answers,
        "statutory_gateway": st.none() | st.sampled_from(StatutoryGateway),
        "is_proportionate": answers,
        "need_to_know": answers,
        "obtained_under_limiting_power": answers,
        "involves_secondary_disclosure": answers,
        "anonymised_would_suffice": answers,
        "identifies_person": st.booleans(),
        "confidential": st.booleans(),
        "special_category": st.booleans(),
        "consent": st.sampled_from(ConsentState),
        "consent_by": st.none() | st.sampled_from(ConsentGiver),
        "child_age": st.none() | st.integers(min_value=0, max_value=17),
        "reasons_consent_not_sought": st.lists(st.sampled_from(ReasonConsentNotSought), max_size=4, unique=True),
        "public_interest_outweighs": answers,
        "advice_sought": st.booleans(),
    },
)


def valid(data: dict[str, Any]) -> CaseFacts:
    try:
        return CaseFacts.model_validate(data)
    except ValidationError:
        reject()


RECORD = set(RecordField)


def baseline() -> Guidance:
    return load_guidance("national-2018")  # cached by the registry


def with_overlay() -> Guidance:
    return load_guidance("national-2018", overlays=bundled_overlays())


def check(guidance: Guidance, facts: CaseFacts) -> Advice:
    advice = guidance.advise(facts)
    assert isinstance(advice.outcome, Outcome)
    assert advice.trail, "the trail is never empty"
    assert advice.trail[0].step == "urgency"
    assert advice.summary == advice.trail[-1].explanation
    assert set(advice.record_fields) <= RECORD
    assert {RecordField.decision, RecordField.reasons, RecordField.decided_at} <= set(advice.record_fields)
    assert len(set(advice.record_fields)) == len(advice.record_fields)
    if advice.outcome in SHARING_OUTCOMES and advice.route not in ("anonymised", "anonymise_first"):
        assert advice.lawful_bases, "sharing identifiable information always names a candidate basis"
    if advice.outcome not in SHARING_OUTCOMES:
        assert advice.lawful_bases == ()
    # The decision record must be able to name a basis whenever it is asked for one.
    assert (RecordField.legal_basis in advice.record_fields) == bool(advice.lawful_bases)
    if facts.special_category and advice.outcome in (Outcome.share_without_consent, Outcome.act_now):
        assert "dpa_2018_sch1_para18" in [b.id for b in advice.lawful_bases]
    if facts.level_of_concern is LevelOfConcern.immediate_risk:
        assert advice.outcome is Outcome.act_now
    assert guidance.advise(facts) == advice
    Advice.model_validate(advice.model_dump(mode="json"))
    return advice


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(case_facts)
def test_advise_never_raises_and_always_explains(data: dict[str, Any]) -> None:
    facts = valid(data)
    check(baseline(), facts)
    check(with_overlay(), facts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(case_facts)
def test_mapping_and_model_give_the_same_advice(data: dict[str, Any]) -> None:
    facts = valid(data)
    guidance = baseline()
    assert guidance.advise(facts.model_dump(mode="json")) == guidance.advise(facts)
