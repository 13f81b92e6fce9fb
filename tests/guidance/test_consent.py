"""When not to seek consent (R4), who can consent (R5) and the public interest test (R6)."""

from __future__ import annotations

import pytest

from safeshare.domain.advice import InformDecision, Outcome, ReasonConsentNotSought, RecordField

from .helpers import visited

# What each reason does at the level of significant harm: all share without consent, record the
# reason, and decide differently whether to tell the family first.
REASON_FAMILY = {
    ReasonConsentNotSought.increase_risk_to_child: InformDecision.do_not_inform,
    ReasonConsentNotSought.serious_harm_to_adult: InformDecision.do_not_inform,
    ReasonConsentNotSought.prejudice_crime_prevention: InformDecision.do_not_inform,
    ReasonConsentNotSought.undue_delay_enquiries: InformDecision.inform_after_sharing,
}

# The same reasons when the practitioner rated the concern lower (no concern).
REASON_ROUTE_WITHOUT_CONCERN = {
    ReasonConsentNotSought.increase_risk_to_child: (Outcome.seek_advice, "threshold_check"),
    ReasonConsentNotSought.serious_harm_to_adult: (Outcome.share_without_consent, "adult_serious_harm"),
    ReasonConsentNotSought.prejudice_crime_prevention: (Outcome.share_without_consent, "serious_crime"),
    ReasonConsentNotSought.undue_delay_enquiries: (Outcome.seek_advice, "threshold_check"),
}


class TestReasonsNotToSeekConsent:
    def test_every_reason_is_covered(self) -> None:
        assert set(REASON_FAMILY) == set(ReasonConsentNotSought) == set(REASON_ROUTE_WITHOUT_CONCERN)

    @pytest.mark.parametrize("reason", list(ReasonConsentNotSought))
    def test_reason_with_significant_harm(self, advise, reason) -> None:
        advice = advise(level_of_concern="significant_harm", reasons_consent_not_sought=[reason])
        assert advice.outcome is Outcome.share_without_consent
        assert RecordField.reasons_consent_not_sought in advice.record_fields
        assert RecordField.legal_basis in advice.record_fields
        assert advice.inform_family.decision is REASON_FAMILY[reason]
        assert advice.inform_family.citation.document == "004"
        assert "discuss-with-family-first" not in [a.id for a in advice.actions]

    @pytest.mark.parametrize("reason", list(ReasonConsentNotSought))
    def test_reason_without_stated_concern(self, advise, reason) -> None:
        advice = advise(reasons_consent_not_sought=[reason])
        assert (advice.outcome, advice.route) == REASON_ROUTE_WITHOUT_CONCERN[reason]
        entry = next(t for t in advice.trail if t.step == "reasons_not_to_seek_consent")
        assert entry.answers["reasons_consent_not_sought"] == [reason.value]
        assert entry.citation.document == "004"

    def test_family_not_told_is_recorded_with_reason(self, advise) -> None:
        advice = advise(level_of_concern="significant_harm", reasons_consent_not_sought=["increase_risk_to_child"])
        assert RecordField.reason_family_not_informed in advice.record_fields
        assert "explain-sharing-without-consent" not in [a.id for a in advice.actions]

    def test_no_reason_recorded_field_when_consent_was_given(self, advise) -> None:
        advice = advise(consent="given", consent_by="parental_responsibility")
        assert RecordField.reasons_consent_not_sought not in advice.record_fields


class TestWhoCanConsent:
    def test_young_person_16_17_consents_for_themselves(self, advise) -> None:
        advice = advise(consent="given", consent_by="young_person_16_17", child_age=17)
        assert advice.outcome is Outcome.share
        assert visited(advice)[-1] == ("consent", "consent-young-person")
        assert {RecordField.consent_given_by, RecordField.consent_recorded_at, RecordField.consent_limits} <= set(advice.record_fields)

    def test_competent_child_under_16_consents_for_themselves(self, advise) -> None:
        assert advise(consent="given", consent_by="child_with_competence", child_age=12).outcome is Outcome.share

    def test_parental_responsibility_consents_for_child_who_cannot(self, advise) -> None:
        assert advise(consent="given", consent_by="parental_responsibility", child_age=3).outcome is Outcome.share

    def test_parent_cannot_consent_instead_of_a_16_17_year_old(self, advise) -> None:
        advice = advise(consent="given", consent_by="parental_responsibility", child_age=16)
        assert advice.outcome is Outcome.seek_consent
        assert ("consent", "parent-consent-for-16-17") in visited(advice)

    def test_adult_without_parental_responsibility_cannot_consent(self, advise) -> None:
        advice = advise(consent="given", consent_by="no_parental_responsibility", child_age=4)
        assert advice.outcome is Outcome.seek_consent
        entry = next(t for t in advice.trail if t.step == "consent")
        assert entry.branch == "consent-no-parental-responsibility"
        assert entry.citation.paragraph == "Question 4"
        assert "consent-from-the-right-person" in [a.id for a in advice.actions]

    @pytest.mark.parametrize("state", ["given", "refused", "withdrawn"])
    def test_parental_capacity_doubt_means_seek_advice(self, advise, state) -> None:
        advice = advise(consent=state, consent_by="parent_capacity_doubt")
        assert advice.outcome is Outcome.seek_advice
        assert advice.route == "consent_capacity"
        assert "designated_safeguarding_lead" in [c.id for c in advice.contacts]

    @pytest.mark.parametrize("level", ["no_concern", "early_help"])
    def test_parent_child_disagreement_goes_to_the_safeguarding_lead(self, advise, level) -> None:
        advice = advise(level_of_concern=level, consent="parent_child_disagree")
        assert advice.outcome is Outcome.seek_advice
        assert advice.route == "consent_conflict"
        assert advice.contacts[0].id == "designated_safeguarding_lead"

    def test_disagreement_does_not_block_a_significant_harm_referral(self, advise) -> None:
        assert advise(level_of_concern="significant_harm", consent="parent_child_disagree").outcome is Outcome.share_without_consent

    def test_withdrawn_consent_no_longer_covers_sharing(self, advise) -> None:
        advice = advise(consent="withdrawn", consent_by="young_person_16_17", child_age=16)
        assert advice.outcome is Outcome.do_not_share
        assert ("consent", "consent-withdrawn") in visited(advice)

    def test_seeking_consent_lists_the_minimum_information(self, advise) -> None:
        advice = advise()
        assert advice.outcome is Outcome.seek_consent
        actions = [a.id for a in advice.actions]
        assert {"consent-minimum-information", "consent-quality"} <= set(actions)
        assert advice.inform_family.decision is InformDecision.inform_before_sharing

    def test_consent_route_reminds_about_limits_and_renewal(self, advise) -> None:
        actions = [a.id for a in advise(consent="given", consent_by="child_with_competence").actions]
        assert {"explain-consent-limits", "consent-review"} <= set(actions)


REFUSED = {"consent": "refused", "consent_by": "parental_responsibility"}


class TestPublicInterest:
    @pytest.mark.parametrize(
        ("changes", "route"),
        [
            ({**REFUSED, "level_of_concern": "significant_harm"}, "significant_harm"),
            ({**REFUSED, "adult_at_risk_of_serious_harm": True}, "adult_serious_harm"),
            ({"reasons_consent_not_sought": ["prejudice_crime_prevention"]}, "serious_crime"),
            ({**REFUSED, "public_interest_outweighs": "yes", "advice_sought": True}, "public_interest"),
        ],
    )
    def test_justified_circumstances_share_without_consent_and_record_the_weighing(self, advise, changes, route) -> None:
        advice = advise(**changes)
        assert advice.outcome is Outcome.share_without_consent
        assert advice.route == route
        assert "weigh-and-record-public-interest" in [a.id for a in advice.actions]
        assert "common_law_confidence_public_interest" in [b.id for b in advice.lawful_bases]
        assert {RecordField.context, RecordField.risk_level} <= set(advice.record_fields)

    def test_public_interest_needs_experienced_advice(self, advise) -> None:
        advice = advise(consent="refused", consent_by="parental_responsibility", public_interest_outweighs="yes")
        assert advice.outcome is Outcome.seek_advice
        assert advice.trail[-1].citation.document == "003"

    def test_refused_without_public_interest_is_not_shared(self, advise) -> None:
        advice = advise(consent="refused", consent_by="parental_responsibility", public_interest_outweighs="no", requested_by_recipient=True)
        assert advice.outcome is Outcome.do_not_share
        assert RecordField.discussed_with_requester in advice.record_fields
        assert {"discuss-with-requester", "escalate-disagreement"} <= {a.id for a in advice.actions}
