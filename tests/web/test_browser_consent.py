"""The consent register in Chromium: who may consent, recording consent, and withdrawing it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.test_browser_share import open_child

pytestmark = pytest.mark.browser


def fill_consent_given(page, information: str, collected: str, review_by: dt.date) -> None:
    """Mia's mother consents, in person today, to early help sharing with Oakbrook Primary School."""
    today = dt.date.today()
    page.check("input[name=giver][value^='parental_responsibility:']")
    page.check("input[name=capacity_basis][value=age]")
    page.check("input[name=decision][value=given]")
    page.fill("#information", information)
    page.check("input[name=purposes][value=early_help]")
    page.check("label:has-text('Oakbrook Primary School (demo)')")
    page.fill("#told-information_collected", collected)
    page.fill("#told-purposes", "To plan early help for the family")
    page.fill("#told-who_may_receive", "Oakbrook Primary School")
    page.fill("#told-recipient_uses", "Only to support Mia and the family")
    page.check("input[name='told.told_may_be_used_to_detect_crime'][value=yes]")
    for value in ("freely_given", "informed", "explicit"):
        page.check(f"input[name=confirm][value={value}]")
    for name, day in (("obtained_at", today), ("review_by", review_by)):
        page.fill(f"#{name}-day", str(day.day))
        page.fill(f"#{name}-month", str(day.month))
        page.fill(f"#{name}-year", str(day.year))
    page.check("input[name=obtained_by][value=in_person]")


def test_recording_and_withdrawing_consent(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("sam.social")
    open_child(session, "Mia Ashworth")
    page.click("a:has-text('Consent for Mia')")
    assert "Who can give consent for Mia" in page.inner_text("main")
    assert "Sarah Ashworth" in page.inner_text("main")
    session.check_accessible()
    session.click_button("Record consent given or refused")
    session.check_accessible("16-consent-form")
    session.click_button("Record consent")
    assert "Select who gave or refused consent" in page.inner_text(".govuk-error-summary")
    session.check_accessible()

    today = dt.date.today()
    fill_consent_given(page, "School attendance\nWhat Mia tells staff about home", "Attendance and what Mia says at school",
                       review_by=dt.date(today.year + 1, 1, 1))
    session.click_button("Record consent")
    assert session.heading() == "Consent given", page.inner_text("main")[:1500]
    assert "Consent recorded in your agency's register" in page.inner_text("main")
    session.check_accessible("17-consent-recorded")

    session.click_button("Withdraw consent")
    assert "Select how they withdrew consent" in page.inner_text(".govuk-error-summary")
    session.check_accessible()
    page.check("input[name=how][value=phone]")
    page.fill("#note", "Sarah rang to say she no longer agrees.")
    session.click_button("Withdraw consent")
    assert session.heading() == "Consent withdrawn"
    session.check_accessible()
