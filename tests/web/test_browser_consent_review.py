"""Reviewing consent in Chromium (R5: renewal is reviewed): the list of consent due for review, the
safeguarding lead's conflicts page, and recording a review, with the error for a missing date."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.test_browser_consent import fill_consent_given
from tests.web.test_browser_share import open_child

pytestmark = pytest.mark.browser


def record_consent_due_today(session) -> str:
    page = session.page
    open_child(session, "Mia Ashworth")
    page.click("a:has-text('Consent for Mia')")
    session.click_button("Record consent given or refused")
    fill_consent_given(page, "School attendance", "Attendance at school", review_by=dt.date.today())  # due at once
    session.click_button("Record consent")
    assert session.heading() == "Consent given", page.inner_text("main")[:1500]
    return page.url.split("/consents/")[1].split("?")[0]


def test_recording_a_review_of_consent(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("morgan.manager")  # a designated safeguarding lead, who also sees the conflicts
    consent_id = record_consent_due_today(session)
    assert page.locator("a.govuk-button:text-is('Record a review')").count() == 1
    session.check_accessible("28-consent-review-consent")

    session.goto("/consents/review")
    assert session.heading() == "Consent to review"
    review_link = page.locator(f"a.govuk-button[href='/consents/{consent_id}/review']")
    assert review_link.count() == 1 and "Record a review" in review_link.inner_text()
    session.check_accessible("28-consent-review-list")

    session.goto("/consents/conflicts")
    assert page.locator("h1").count() == 1
    session.check_accessible("28-consent-review-conflicts")

    session.goto("/consents/review")
    review_link.click()
    assert session.heading() == "Record a review of consent"
    session.check_accessible("28-consent-review")
    page.check("input[name=outcome][value=still_valid]")
    page.check("input[name=how][value=phone]")
    page.fill("#confirmed_with", "Sarah Ashworth")
    session.click_button("Record the review")
    summary = page.inner_text(".govuk-error-summary")
    assert "Enter the date to review it again" in summary
    assert page.locator(".govuk-error-summary a[href='#next_review_by-day']").count() == 1
    assert page.locator("#next_review_by-day").get_attribute("class").count("govuk-input--error") == 1
    assert page.input_value("#confirmed_with") == "Sarah Ashworth"  # what was typed is kept
    session.check_accessible("28-consent-review-error")

    next_year = dt.date.today().year + 1
    page.fill("#next_review_by-day", "1")
    page.fill("#next_review_by-month", "6")
    page.fill("#next_review_by-year", str(next_year))
    session.click_button("Record the review")
    assert session.heading() == "Consent given"
    main = page.inner_text("main")
    assert "Review recorded in your agency's register" in main
    assert "confirmed with Sarah Ashworth" in main and f"1 June {next_year}" in main
    session.check_accessible("28-consent-review-recorded")

    session.goto("/consents/review")
    assert page.locator(f"a[href='/consents/{consent_id}/review']").count() == 0
    session.assert_no_console_errors()
