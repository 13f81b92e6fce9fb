"""Anonymised information needs no lawful basis, even when a statutory gateway is named (000, "When", question 3)."""

import pytest

from safeshare.domain.advice import CaseFacts, RecordField
from safeshare.guidance import load_guidance


@pytest.mark.parametrize("gateway", ["children_act_1989_s17", "children_act_2004_s11", "education_act_2002_s175"])
def test_a_gateway_adds_no_lawful_basis_to_an_anonymised_share(gateway):
    facts = CaseFacts(
        purpose="Partnership statistics", purpose_category="safeguarding_referral",
        recipient_agency="local_authority_childrens_social_care", level_of_concern="no_concern",
        identifies_person=False, statutory_gateway=gateway,
    )
    advice = load_guidance().advise(facts)
    assert advice.route == "anonymised"
    assert advice.lawful_bases == ()
    assert RecordField.legal_basis not in advice.record_fields
