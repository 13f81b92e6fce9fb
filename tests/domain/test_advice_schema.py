"""The case-facts input schema and the advice output schema (R1-R13 contracts)."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from safeshare.domain.advice import (
    Advice,
    CaseFacts,
    ConsentGiver,
    ConsentState,
    LevelOfConcern,
    Outcome,
    ReasonConsentNotSought,
    RecipientAgencyKind,
    RecordField,
)

MINIMAL = {
    "purpose": "Referral after a disclosure",
    "purpose_category": "safeguarding_referral",
    "recipient_agency": "local_authority_childrens_social_care",
    "level_of_concern": "significant_harm",
}


def error_fields(data: dict) -> list[tuple]:
    with pytest.raises(ValidationError) as caught:
        CaseFacts.model_validate(data)
    return [e["loc"] for e in caught.value.errors()]


class TestVocabularies:
    def test_outcomes_are_exactly_the_six(self) -> None:
        assert [o.value for o in Outcome] == ["share", "share_without_consent", "do_not_share", "seek_consent", "seek_advice", "act_now"]

    def test_agency_kinds(self) -> None:
        assert [k.value for k in RecipientAgencyKind] == [
            "local_authority_childrens_social_care", "school", "college", "early_years", "gp_practice", "nhs_trust",
            "health_visiting", "midwifery", "camhs", "police", "probation", "youth_offending_team", "prison",
            "voluntary_community", "other",
        ]  # fmt: skip

    def test_consent_and_concern_vocabularies(self) -> None:
        assert [c.value for c in ConsentState] == ["not_sought", "given", "refused", "withdrawn", "parent_child_disagree"]
        assert [c.value for c in ConsentGiver] == [
            "child_with_competence", "young_person_16_17", "parental_responsibility", "no_parental_responsibility", "parent_capacity_doubt",
        ]  # fmt: skip
        assert [r.value for r in ReasonConsentNotSought] == [
            "increase_risk_to_child", "serious_harm_to_adult", "prejudice_crime_prevention", "undue_delay_enquiries",
        ]  # fmt: skip
        assert [c.value for c in LevelOfConcern] == ["no_concern", "early_help", "unsure", "significant_harm", "immediate_risk"]

    def test_record_fields_are_stable_names(self) -> None:
        assert all(f.name == f.value for f in RecordField)
        assert {"decision", "reasons", "decided_at", "legal_basis", "information_shared", "recipient", "consent_given_by"} <= {f.value for f in RecordField}


class TestCaseFactsValidation:
    def test_minimal_facts_take_cautious_defaults(self) -> None:
        facts = CaseFacts.model_validate(MINIMAL)
        assert facts.identifies_person is True
        assert facts.confidential is True
        assert facts.consent is ConsentState.not_sought
        assert facts.reasons_consent_not_sought == []

    def test_missing_and_unknown_fields_are_named(self) -> None:
        data = dict(MINIMAL)
        del data["level_of_concern"]
        assert error_fields(data) == [("level_of_concern",)]
        assert error_fields({**MINIMAL, "colour": "blue"}) == [("colour",)]

    def test_bad_vocabulary_value_is_named(self) -> None:
        assert error_fields({**MINIMAL, "recipient_agency": "council"}) == [("recipient_agency",)]

    def test_consent_given_needs_a_giver(self) -> None:
        assert error_fields({**MINIMAL, "consent": "given"}) == [("consent_by",)]

    def test_giver_not_allowed_before_consent_is_sought(self) -> None:
        assert error_fields({**MINIMAL, "consent_by": "parental_responsibility"}) == [("consent_by",)]

    def test_age_must_fit_the_giver(self) -> None:
        assert error_fields({**MINIMAL, "consent": "given", "consent_by": "young_person_16_17", "child_age": 14}) == [("child_age",)]
        assert error_fields({**MINIMAL, "consent": "given", "consent_by": "child_with_competence", "child_age": 16}) == [("child_age",)]
        assert error_fields({**MINIMAL, "child_age": 18}) == [("child_age",)]

    def test_reasons_only_when_consent_not_sought(self) -> None:
        data = {**MINIMAL, "consent": "refused", "consent_by": "parental_responsibility", "reasons_consent_not_sought": ["increase_risk_to_child"]}
        assert error_fields(data) == [("reasons_consent_not_sought",)]
        assert error_fields({**MINIMAL, "reasons_consent_not_sought": ["increase_risk_to_child", "increase_risk_to_child"]}) == [("reasons_consent_not_sought",)]

    def test_information_items(self) -> None:
        assert error_fields({**MINIMAL, "information_requested": ["dob", "dob"]}) == [("information_requested",)]
        assert error_fields({**MINIMAL, "information_requested": [""]}) == [("information_requested", 0)]

    def test_facts_are_immutable(self) -> None:
        facts = CaseFacts.model_validate(MINIMAL)
        with pytest.raises(ValidationError):
            facts.level_of_concern = LevelOfConcern.no_concern  # type: ignore[misc]


class TestPublishedSchemas:
    def test_case_facts_schema_is_valid_and_documented(self) -> None:
        schema = CaseFacts.model_json_schema()
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == "safeshare.case-facts/1"
        for name, prop in schema["properties"].items():
            assert prop.get("description"), f"{name} has no description"
        assert set(schema["required"]) == {"purpose", "purpose_category", "recipient_agency", "level_of_concern"}

    def test_case_facts_schema_accepts_what_the_model_accepts(self) -> None:
        validator = Draft202012Validator(CaseFacts.model_json_schema())
        dumped = CaseFacts.model_validate({**MINIMAL, "consent": "given", "consent_by": "young_person_16_17", "child_age": 17}).model_dump(mode="json")
        assert list(validator.iter_errors(dumped)) == []
        assert list(validator.iter_errors({**MINIMAL, "level_of_concern": "worried"}))

    def test_advice_schema_is_valid_json_schema(self) -> None:
        schema = Advice.model_json_schema()
        Draft202012Validator.check_schema(schema)
        outcome = schema["$defs"]["Outcome"]
        assert outcome["enum"] == [o.value for o in Outcome]
        assert schema["properties"]["trail"]["minItems"] == 1
        json.dumps(schema)

    def test_advice_needs_a_trail(self) -> None:
        with pytest.raises(ValidationError) as caught:
            Advice.model_validate(
                {
                    "outcome": "share",
                    "route": "consent",
                    "summary": "x",
                    "guidance": {"version": "v", "title": "t", "content_hash": "h"},
                    "inform_family": {"decision": "not_applicable", "reason": "r", "citation": {"document": "000", "section": "s"}},
                    "record_fields": ["decision"],
                    "trail": [],
                }
            )
        assert [e["loc"] for e in caught.value.errors()] == [("trail",)]
