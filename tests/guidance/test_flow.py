"""Every branch of the decision flow, with the outcome and the citation it gives (R1-R7).

Each scenario names the step and branch that ends the walk, the outcome and route, and the
document the deciding step cites. A final test checks the scenarios reach every branch
of every step, so a branch added to the data without a test fails the suite.
"""

from __future__ import annotations

from typing import Any

import pytest

from safeshare.domain.advice import Outcome
from safeshare.guidance import Guidance

from .helpers import facts, visited

# (scenario id, fact changes, (step, branch) that ends the walk, outcome, route, cited document)
SCENARIOS: list[tuple[str, dict[str, Any], tuple[str, str], Outcome, str, str]] = [
    # -- urgency (000 "Being alert to signs of abuse and neglect")
    ("immediate risk", {"level_of_concern": "immediate_risk"}, ("urgency", "immediate-risk"), Outcome.act_now, "immediate_risk", "000"),
    ("crime and concern", {"crime_suspected": True, "level_of_concern": "significant_harm"}, ("urgency", "crime-with-concern"), Outcome.act_now, "crime_suspected", "000"),
    ("crime, early help", {"crime_suspected": True, "level_of_concern": "early_help"}, ("urgency", "crime-with-concern"), Outcome.act_now, "crime_suspected", "000"),
    # -- legitimate purpose (000 "When", question 1)
    ("no legitimate purpose", {"clear_legitimate_purpose": "no"}, ("legitimate_purpose", "no-purpose"), Outcome.do_not_share, "no_legitimate_purpose", "000"),
    ("purpose unsure", {"clear_legitimate_purpose": "unsure"}, ("legitimate_purpose", "purpose-unsure"), Outcome.seek_advice, "purpose_unclear", "000"),
    ("purpose other, unconfirmed", {"purpose_category": "other"}, ("legitimate_purpose", "purpose-unconfirmed"), Outcome.seek_advice, "purpose_unclear", "000"),
    # -- purpose checks (004 Appendix 1 question 1)
    ("no need to know", {"need_to_know": "no"}, ("purpose_checks", "no-need-to-know"), Outcome.do_not_share, "no_need_to_know", "004"),
    ("not proportionate", {"is_proportionate": "no"}, ("purpose_checks", "not-proportionate"), Outcome.do_not_share, "disproportionate", "000"),
    ("limiting power", {"obtained_under_limiting_power": "yes"}, ("purpose_checks", "limiting-power"), Outcome.seek_advice, "limiting_power", "004"),
    ("need to know unsure", {"need_to_know": "unsure"}, ("purpose_checks", "checks-unsure"), Outcome.seek_advice, "purpose_check_unsure", "000"),
    ("proportionate unsure", {"is_proportionate": "unsure"}, ("purpose_checks", "checks-unsure"), Outcome.seek_advice, "purpose_check_unsure", "000"),
    ("limiting power unsure", {"obtained_under_limiting_power": "unsure"}, ("purpose_checks", "checks-unsure"), Outcome.seek_advice, "purpose_check_unsure", "000"),
    # -- consent (000 "When", question 2; 004 Appendix 1 question 4)
    ("consent from 16-17", {"consent": "given", "consent_by": "young_person_16_17", "child_age": 16}, ("consent", "consent-young-person"), Outcome.share, "consent", "004"),
    ("consent from competent child", {"consent": "given", "consent_by": "child_with_competence", "child_age": 13}, ("consent", "consent-competent-child"), Outcome.share, "consent", "004"),
    ("consent from parent", {"consent": "given", "consent_by": "parental_responsibility", "child_age": 5}, ("consent", "consent-parent"), Outcome.share, "consent", "004"),
    ("consent from parent, age unknown", {"consent": "given", "consent_by": "parental_responsibility"}, ("consent", "consent-parent"), Outcome.share, "consent", "004"),
    # -- identifiable (000 "When", question 3; 004 Appendix 1 question 2)
    ("anonymised", {"identifies_person": False}, ("identifiable", "not-identifiable"), Outcome.share, "anonymised", "000"),
    ("anonymise first", {"anonymised_would_suffice": "yes"}, ("identifiable", "anonymise-first"), Outcome.share, "anonymise_first", "004"),
    # -- significant harm (004 Appendix 1 "Safeguarding")
    ("significant harm", {"level_of_concern": "significant_harm"}, ("significant_harm", "significant-harm"), Outcome.share_without_consent, "significant_harm", "004"),
    ("significant harm, refused", {"level_of_concern": "significant_harm", "consent": "refused", "consent_by": "parental_responsibility"}, ("significant_harm", "significant-harm"), Outcome.share_without_consent, "significant_harm", "004"),
    ("significant harm, secondary", {"level_of_concern": "significant_harm", "involves_secondary_disclosure": "yes"}, ("significant_harm", "significant-harm"), Outcome.share_without_consent, "significant_harm", "004"),
    # -- adult at risk (004 Appendix 1 question 5; 003 section 4)
    ("adult at risk", {"adult_at_risk_of_serious_harm": True}, ("adult_harm", "adult-at-risk"), Outcome.share_without_consent, "adult_serious_harm", "003"),
    # -- reasons not to seek consent (004 "When not to seek consent")
    ("reason: crime", {"reasons_consent_not_sought": ["prejudice_crime_prevention"]}, ("reasons_not_to_seek_consent", "prejudice-crime"), Outcome.share_without_consent, "serious_crime", "004"),
    ("reason: adult", {"reasons_consent_not_sought": ["serious_harm_to_adult"]}, ("reasons_not_to_seek_consent", "adult-harm-reason"), Outcome.share_without_consent, "adult_serious_harm", "004"),
    ("reason: child risk, early help", {"level_of_concern": "early_help", "reasons_consent_not_sought": ["increase_risk_to_child"]}, ("reasons_not_to_seek_consent", "child-risk-reason"), Outcome.seek_advice, "threshold_check", "004"),
    ("reason: delay, no concern", {"reasons_consent_not_sought": ["undue_delay_enquiries"]}, ("reasons_not_to_seek_consent", "child-risk-reason"), Outcome.seek_advice, "threshold_check", "004"),
    # -- statutory gateways (004 Appendix 1 question 1; 000 legislative framework; 003 s115)
    ("court order", {"statutory_gateway": "court_order"}, ("statutory_gateway", "required-by-law"), Outcome.share_without_consent, "statutory_gateway", "000"),
    ("s16H request", {"statutory_gateway": "children_act_2004_s16h"}, ("statutory_gateway", "required-by-law"), Outcome.share_without_consent, "statutory_gateway", "000"),
    ("s14B request", {"statutory_gateway": "children_act_2004_s14b"}, ("statutory_gateway", "required-by-law"), Outcome.share_without_consent, "statutory_gateway", "000"),
    ("s47 enquiries", {"statutory_gateway": "children_act_1989_s47"}, ("statutory_gateway", "s47-enquiries"), Outcome.share_without_consent, "statutory_gateway", "004"),
    ("s115 to police", {"statutory_gateway": "crime_and_disorder_act_1998_s115", "recipient_agency": "police"}, ("statutory_gateway", "s115-to-relevant-authority"), Outcome.share_without_consent, "crime_and_disorder", "003"),
    # -- level of need (004 Appendix 1 "Early Help" and "Safeguarding")
    ("threshold unclear", {"level_of_concern": "unsure"}, ("level_check", "threshold-unclear"), Outcome.seek_advice, "threshold_unclear", "004"),
    ("threshold unclear after advice", {"level_of_concern": "unsure", "advice_sought": True}, ("level_check", "threshold-unclear"), Outcome.seek_advice, "threshold_unclear", "004"),
    ("early help, not sought", {"level_of_concern": "early_help"}, ("early_help_consent", "ask-for-consent"), Outcome.seek_consent, "consent_needed", "004"),
    ("early help, disagreement", {"level_of_concern": "early_help", "consent": "parent_child_disagree"}, ("early_help_consent", "consent-conflict"), Outcome.seek_advice, "consent_conflict", "004"),
    ("early help, capacity", {"level_of_concern": "early_help", "consent": "given", "consent_by": "parent_capacity_doubt"}, ("early_help_consent", "capacity-doubt"), Outcome.seek_advice, "consent_capacity", "004"),
    ("early help, refused", {"level_of_concern": "early_help", "consent": "refused", "consent_by": "parental_responsibility"}, ("early_help_consent", "refused"), Outcome.do_not_share, "early_help_consent_refused", "002"),
    ("early help, withdrawn", {"level_of_concern": "early_help", "consent": "withdrawn", "consent_by": "young_person_16_17"}, ("early_help_consent", "refused"), Outcome.do_not_share, "early_help_consent_refused", "002"),
    ("early help, s115 to a school", {"level_of_concern": "early_help", "statutory_gateway": "crime_and_disorder_act_1998_s115", "recipient_agency": "school"}, ("early_help_consent", "ask-for-consent"), Outcome.seek_consent, "consent_needed", "004"),
    # -- other lawful reasons (004 Appendix 1 questions 3 and 5; 002 public task)
    ("public task, not confidential", {"confidential": False, "has_statutory_basis": "yes"}, ("public_interest", "public-task"), Outcome.share_without_consent, "public_task", "002"),
    ("s17, not confidential", {"confidential": False, "statutory_gateway": "children_act_1989_s17"}, ("public_interest", "public-task"), Outcome.share_without_consent, "public_task", "002"),
    ("public interest with advice", {"public_interest_outweighs": "yes", "advice_sought": True}, ("public_interest", "public-interest-with-advice"), Outcome.share_without_consent, "public_interest", "004"),
    ("public interest, no advice yet", {"public_interest_outweighs": "yes"}, ("public_interest", "public-interest-needs-advice"), Outcome.seek_advice, "public_interest_check", "003"),
    ("public interest unsure", {"public_interest_outweighs": "unsure", "advice_sought": True}, ("public_interest", "public-interest-needs-advice"), Outcome.seek_advice, "public_interest_check", "003"),
    # -- no lawful reason without consent (000 "When", question 4)
    ("not sought, no reason", {}, ("consent_fallback", "ask-for-consent"), Outcome.seek_consent, "consent_needed", "000"),
    ("refused, no reason", {"consent": "refused", "consent_by": "parental_responsibility"}, ("consent_fallback", "refused"), Outcome.do_not_share, "no_lawful_reason", "000"),
    ("withdrawn, no reason", {"consent": "withdrawn", "consent_by": "parental_responsibility"}, ("consent_fallback", "refused"), Outcome.do_not_share, "no_lawful_reason", "000"),
    ("parent consents for 17-year-old", {"consent": "given", "consent_by": "parental_responsibility", "child_age": 17}, ("consent_fallback", "ask-for-consent"), Outcome.seek_consent, "consent_needed", "000"),
    ("consent from adult without PR", {"consent": "given", "consent_by": "no_parental_responsibility", "child_age": 6}, ("consent_fallback", "ask-for-consent"), Outcome.seek_consent, "consent_needed", "000"),
    ("parent capacity doubt", {"consent": "given", "consent_by": "parent_capacity_doubt"}, ("consent_fallback", "capacity-doubt"), Outcome.seek_advice, "consent_capacity", "004"),
    ("parent and child disagree", {"consent": "parent_child_disagree"}, ("consent_fallback", "consent-conflict"), Outcome.seek_advice, "consent_conflict", "004"),
    ("no public interest", {"public_interest_outweighs": "no", "consent": "refused", "consent_by": "young_person_16_17"}, ("consent_fallback", "refused"), Outcome.do_not_share, "no_lawful_reason", "000"),
]


@pytest.mark.parametrize(("changes", "end", "outcome", "route", "document"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(guidance: Guidance, changes, end, outcome, route, document) -> None:
    advice = guidance.advise(facts(**changes))
    assert advice.outcome is outcome
    assert advice.route == route
    assert visited(advice)[-1] == end
    last = advice.trail[-1]
    assert last.citation.document == document
    assert last.citation.section
    assert advice.summary == last.explanation


def test_every_branch_of_every_step_is_exercised(guidance: Guidance) -> None:
    reached = {pair for _, changes, *_ in SCENARIOS for pair in visited(guidance.advise(facts(**changes)))}
    every = {(step.id, branch.id) for step in guidance.steps() for branch in step.branches}
    assert every - reached == set()


def test_trail_records_each_question_answer_and_citation(guidance: Guidance) -> None:
    advice = guidance.advise(facts(level_of_concern="early_help", consent="not_sought"))
    steps = {s.id: s for s in guidance.steps()}
    for entry in advice.trail:
        step = steps[entry.step]
        assert entry.question == step.text
        assert set(entry.answers) == {guidance.question(q).field for q in step.asks}
        assert entry.explanation
        assert entry.citation.document in {"000", "002", "003", "004"}
        assert entry.citation.section
        assert entry.requirements
    assert advice.trail[0].answers == {"level_of_concern": "early_help", "crime_suspected": False}


class TestNationalFlowchart:
    """The four questions of the 2018 'when and how to share' flowchart (000), in order (R1)."""

    FLOWCHART_STEPS = ["legitimate_purpose", "consent", "identifiable"]

    def test_questions_cite_the_flowchart(self, guidance: Guidance) -> None:
        steps = {s.id: s for s in guidance.steps()}
        for number, step_id in enumerate([*self.FLOWCHART_STEPS, "consent_fallback"], start=1):
            citation = steps[step_id].citation
            assert (citation.document, citation.section, citation.paragraph) == ("000", "When and how to share information", f"When, question {number}")

    def test_questions_are_asked_in_flowchart_order(self, advise) -> None:
        order = [step for step, _ in visited(advise())]
        positions = [order.index(s) for s in [*self.FLOWCHART_STEPS, "consent_fallback"]]
        assert positions == sorted(positions)

    def test_no_legitimate_purpose_means_do_not_share(self, advise) -> None:
        assert advise(clear_legitimate_purpose="no").outcome is Outcome.do_not_share

    def test_consent_means_share(self, advise) -> None:
        advice = advise(consent="given", consent_by="parental_responsibility", child_age=4)
        assert advice.outcome is Outcome.share
        assert advice.trail[-1].step == "consent"

    def test_no_consent_moves_to_identifiable(self, advise) -> None:
        assert visited(advise())[3:5] == [("consent", "consent-not-sought"), ("identifiable", "identifiable")]

    def test_not_identifiable_means_share(self, advise) -> None:
        assert advise(identifies_person=False).outcome is Outcome.share

    def test_lawful_reason_without_consent_means_share(self, advise) -> None:
        assert advise(level_of_concern="significant_harm").outcome is Outcome.share_without_consent

    def test_no_lawful_reason_means_do_not_share(self, advise) -> None:
        advice = advise(consent="refused", consent_by="parental_responsibility")
        assert advice.outcome is Outcome.do_not_share
        assert advice.trail[-1].citation.paragraph == "When, question 4"


class TestLevelsOfNeed:
    """Early help needs consent; significant harm does not; immediate risk or crime: act now (R3)."""

    def test_early_help_needs_consent(self, advise) -> None:
        advice = advise(level_of_concern="early_help")
        assert advice.outcome is Outcome.seek_consent
        assert ("level_check", "early-help") in visited(advice)
        assert advice.trail[-1].citation.paragraph == "Early Help"

    def test_early_help_with_valid_consent_shares(self, advise) -> None:
        assert advise(level_of_concern="early_help", consent="given", consent_by="parental_responsibility").outcome is Outcome.share

    def test_significant_harm_does_not_need_consent_but_family_is_told(self, advise) -> None:
        advice = advise(level_of_concern="significant_harm")
        assert advice.outcome is Outcome.share_without_consent
        assert advice.inform_family.decision == "inform_before_sharing"
        assert "discuss-with-family-first" in [a.id for a in advice.actions]

    def test_immediate_risk_skips_every_other_question(self, advise) -> None:
        advice = advise(level_of_concern="immediate_risk", clear_legitimate_purpose="unsure")
        assert advice.outcome is Outcome.act_now
        assert len(advice.trail) == 1
        assert [c.id for c in advice.contacts][:1] == ["police"]
        assert "call-police-now" in [a.id for a in advice.actions]

    def test_crime_is_reported_to_police_now(self, advise) -> None:
        advice = advise(level_of_concern="unsure", crime_suspected=True)
        assert advice.outcome is Outcome.act_now
        assert "report-crime-to-police" in [a.id for a in advice.actions]

    def test_crime_without_concern_for_the_child_goes_through_the_questions(self, advise) -> None:
        advice = advise(crime_suspected=True)
        assert advice.outcome is not Outcome.act_now
        assert len(advice.trail) > 1
