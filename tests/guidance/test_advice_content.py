"""What the advice carries besides its outcome: lawful bases (R7), advice contacts (R8),
principles (R9), record fields (R13), and that it is JSON-serialisable and deterministic."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from safeshare.domain.advice import (
    SHARING_OUTCOMES,
    Advice,
    InformDecision,
    LawfulBasisKind,
    Outcome,
    RecordField,
    StatutoryGateway,
)
from safeshare.guidance import clear_cache, load_guidance

from .helpers import facts


def basis_ids(advice: Advice) -> list[str]:
    return [b.id for b in advice.lawful_bases]


class TestLawfulBases:
    def test_public_body_sharing_without_consent(self, advise) -> None:
        ids = basis_ids(advise(level_of_concern="significant_harm"))
        assert ids[0] == "uk_gdpr_6_1_e"
        assert "echr_article_8" in ids
        assert "common_law_confidence_public_interest" in ids
        assert "uk_gdpr_9_2_g" not in ids

    def test_special_category_adds_article_9_and_the_dpa_safeguarding_condition(self, advise) -> None:
        advice = advise(level_of_concern="significant_harm", special_category=True)
        ids = basis_ids(advice)
        assert {"uk_gdpr_9_2_g", "dpa_2018_sch1_para18"} <= set(ids)
        condition = next(b for b in advice.lawful_bases if b.id == "dpa_2018_sch1_para18")
        assert condition.kind is LawfulBasisKind.dpa_2018_condition
        assert condition.legislation_url.endswith("/ukpga/2018/12/schedule/1/paragraph/18")
        assert condition.citation.document == "000"

    def test_consent_with_special_category_uses_explicit_consent(self, advise) -> None:
        ids = basis_ids(advise(consent="given", consent_by="young_person_16_17", special_category=True))
        assert {"uk_gdpr_6_1_a", "uk_gdpr_9_2_a", "common_law_confidence_consent"} <= set(ids)
        assert "dpa_2018_sch1_para18" not in ids

    def test_emergency_adds_vital_interests(self, advise) -> None:
        ids = basis_ids(advise(level_of_concern="immediate_risk", special_category=True))
        assert {"uk_gdpr_6_1_d", "uk_gdpr_9_2_c", "uk_gdpr_9_2_g", "dpa_2018_sch1_para18"} <= set(ids)

    def test_court_order_is_a_legal_obligation_overriding_confidence(self, advise) -> None:
        ids = basis_ids(advise(statutory_gateway="court_order", special_category=True))
        assert {"uk_gdpr_6_1_c", "court_order", "common_law_confidence_legal_requirement", "uk_gdpr_9_2_f"} <= set(ids)
        assert "common_law_confidence_public_interest" not in ids

    @pytest.mark.parametrize("gateway", list(StatutoryGateway))
    def test_claimed_gateway_is_listed_when_sharing_without_consent(self, advise, gateway) -> None:
        advice = advise(level_of_concern="significant_harm", statutory_gateway=gateway, recipient_agency="police")
        assert advice.outcome is Outcome.share_without_consent
        assert gateway.value in basis_ids(advice)

    def test_voluntary_organisation_gets_legitimate_interests_not_public_task(self, advise) -> None:
        ids = basis_ids(advise(level_of_concern="significant_harm", sharer_agency="voluntary_community"))
        assert "uk_gdpr_6_1_f" in ids
        assert "uk_gdpr_6_1_e" not in ids

    @pytest.mark.parametrize("outcome_changes", [{"clear_legitimate_purpose": "no"}, {"level_of_concern": "unsure"}, {}])
    def test_no_bases_when_not_sharing(self, advise, outcome_changes) -> None:
        advice = advise(**outcome_changes)
        assert advice.outcome not in SHARING_OUTCOMES
        assert advice.lawful_bases == ()

    def test_anonymised_sharing_needs_no_lawful_basis(self, advise) -> None:
        advice = advise(identifies_person=False)
        assert advice.lawful_bases == ()
        assert RecordField.legal_basis not in advice.record_fields
        assert advice.inform_family.decision is InformDecision.not_applicable

    def test_catalogue_has_dpv_iris(self, guidance) -> None:
        bases = {b.id: b for b in guidance.lawful_bases()}
        expected = {
            "uk_gdpr_6_1_a": ("https://w3id.org/dpv#Consent", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a"),
            "uk_gdpr_6_1_b": ("https://w3id.org/dpv#Contract", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-b"),
            "uk_gdpr_6_1_c": ("https://w3id.org/dpv#LegalObligation", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-c"),
            "uk_gdpr_6_1_d": ("https://w3id.org/dpv#VitalInterest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-d"),
            "uk_gdpr_6_1_e": ("https://w3id.org/dpv#PublicInterest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-e"),
            "uk_gdpr_6_1_f": ("https://w3id.org/dpv#LegitimateInterest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-f"),
            "uk_gdpr_9_2_g": ("https://w3id.org/dpv#PublicInterest", "https://w3id.org/dpv/legal/eu/gdpr#A9-2-g"),
        }
        for basis_id, (dpv, gdpr) in expected.items():
            assert (bases[basis_id].dpv_iri, bases[basis_id].dpv_gdpr_iri) == (dpv, gdpr)
        assert bases["dpa_2018_sch1_para18"].dpv_law_iri == "https://w3id.org/dpv/legal/gb#law-DPA"
        kinds = {b.kind for b in bases.values()}
        assert kinds == set(LawfulBasisKind)
        for gateway in StatutoryGateway:
            assert bases[gateway.value].kind is LawfulBasisKind.statutory_gateway


class TestContactsAndPrinciples:
    def test_seek_advice_lists_dsl_manager_and_information_governance(self, advise) -> None:
        advice = advise(clear_legitimate_purpose="unsure")
        assert [c.id for c in advice.contacts] == ["designated_safeguarding_lead", "line_manager", "information_governance_lead"]
        assert all(c.without_identifying for c in advice.contacts)
        assert "ask-without-naming" in [a.id for a in advice.actions]
        assert RecordField.advice_sought_from in advice.record_fields

    def test_caldicott_guardian_for_health_records(self, advise) -> None:
        advice = advise(clear_legitimate_purpose="unsure", sharer_agency="gp_practice")
        assert "caldicott_guardian" in [c.id for c in advice.contacts]

    def test_caldicott_guardian_not_offered_to_a_school(self, advise) -> None:
        advice = advise(clear_legitimate_purpose="unsure", sharer_agency="school")
        assert "caldicott_guardian" not in [c.id for c in advice.contacts]

    @pytest.mark.parametrize("changes", [{"level_of_concern": "significant_harm"}, {"consent": "given", "consent_by": "parental_responsibility"}, {"level_of_concern": "immediate_risk"}])
    def test_sharing_applies_all_seven_principles(self, advise, changes) -> None:
        names = {p.id for p in advise(**changes).principles}
        assert names == {"necessary_proportionate", "relevant", "adequate", "accurate", "timely", "secure", "record"}

    def test_emergency_puts_timeliness_first(self, advise) -> None:
        assert advise(level_of_concern="immediate_risk").principles[0].id == "timely"

    def test_not_sharing_still_records(self, advise) -> None:
        assert [p.id for p in advise(clear_legitimate_purpose="no").principles] == ["record"]

    def test_sharing_the_right_way(self, advise) -> None:
        actions = [a.id for a in advise(level_of_concern="significant_harm", information_requested=[]).actions]
        for expected in ["share-only-necessary", "share-with-need-to-know", "check-accurate", "share-securely", "ask-onward-sharing", "list-information"]:
            assert expected in actions
        assert actions[-1] == "record-decision"

    def test_secondary_disclosure_checks_with_originator(self, advise) -> None:
        assert "check-with-originator" in [a.id for a in advise(level_of_concern="significant_harm", involves_secondary_disclosure="yes").actions]

    def test_unanswered_purpose_checks_are_flagged(self, advise) -> None:
        actions = [a.id for a in advise(level_of_concern="significant_harm", need_to_know=None).actions]
        assert "answer-purpose-checks" in actions


class TestRecordFields:
    ALWAYS = [
        RecordField.decision,
        RecordField.reasons,
        RecordField.decided_at,
        RecordField.decided_by,
        RecordField.purpose,
        RecordField.information_requested,
        RecordField.risk_level,
    ]

    @pytest.mark.parametrize("changes", [{}, {"clear_legitimate_purpose": "no"}, {"level_of_concern": "unsure"}, {"level_of_concern": "significant_harm"}])
    def test_every_decision_is_recorded_with_reasons_and_time(self, advise, changes) -> None:
        assert list(advise(**changes).record_fields[: len(self.ALWAYS)]) == self.ALWAYS

    def test_sharing_records_what_with_whom_and_basis(self, advise) -> None:
        fields = set(advise(consent="given", consent_by="parental_responsibility").record_fields)
        assert {RecordField.information_shared, RecordField.recipient, RecordField.legal_basis, RecordField.consent_given_by, RecordField.consent_recorded_at} <= fields

    def test_without_consent_records_context(self, advise) -> None:
        fields = set(advise(level_of_concern="significant_harm").record_fields)
        assert {RecordField.context, RecordField.reasons_consent_not_sought, RecordField.family_informed} <= fields

    def test_not_sharing_records_no_sharing_details(self, advise) -> None:
        fields = set(advise(clear_legitimate_purpose="no").record_fields)
        assert RecordField.information_shared not in fields
        assert RecordField.discussed_with_requester not in fields

    def test_record_fields_are_a_closed_vocabulary(self, guidance) -> None:
        assert {f.id for f in guidance.record_fields()} == set(RecordField)
        for info in guidance.record_fields():
            assert info.label and info.help and info.citation.document


class TestSerialisation:
    def test_advice_is_json_and_matches_its_schema(self, advise) -> None:
        schema = Advice.model_json_schema()
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema)
        for changes in [{}, {"level_of_concern": "significant_harm", "special_category": True}, {"identifies_person": False}]:
            dumped = advise(**changes).model_dump(mode="json")
            text = json.dumps(dumped)
            assert json.loads(text) == dumped
            assert list(validator.iter_errors(dumped)) == []

    def test_advice_round_trips_through_validation(self, advise) -> None:
        advice = advise(level_of_concern="significant_harm", reasons_consent_not_sought=["undue_delay_enquiries"])
        again = Advice.model_validate(advice.model_dump(mode="json"))
        assert again == advice
        assert again.model_dump(mode="json") == advice.model_dump(mode="json")

    def test_advice_is_deterministic_across_loads(self) -> None:
        the_facts = facts(level_of_concern="early_help", consent="refused", consent_by="parental_responsibility")
        first = load_guidance("national-2018").advise(the_facts).model_dump_json()
        clear_cache()
        second = load_guidance("national-2018").advise(the_facts).model_dump_json()
        assert first == second

    def test_advice_records_the_guidance_version_and_hash(self, advise, guidance) -> None:
        stamp = advise().guidance
        assert stamp.version == "national-2018"
        assert len(stamp.content_hash) == 64
        assert stamp.content_hash == guidance.info.content_hash
        assert stamp.overlays == ()

    def test_advise_accepts_a_mapping_and_validates_it(self, guidance) -> None:
        advice = guidance.advise({"purpose": "x", "purpose_category": "early_help", "recipient_agency": "school", "level_of_concern": "early_help"})
        assert advice.outcome is Outcome.seek_consent
        with pytest.raises(ValueError, match="level_of_concern"):
            guidance.advise({"purpose": "x", "purpose_category": "early_help", "recipient_agency": "school", "level_of_concern": "worried"})
