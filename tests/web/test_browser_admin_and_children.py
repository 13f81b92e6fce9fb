"""Administration, adding a child and a family member, and the service without JavaScript, in Chromium."""

from __future__ import annotations

import pytest

from safeshare.demo import DEMO_PASSWORD
from tests.web.test_browser_share import open_child

pytestmark = pytest.mark.browser


def test_administrator_manages_agencies_and_people(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("admin")
    page.click("header a:text-is('Agencies')")
    session.check_accessible("18-admin-agencies")
    session.click_button("Add an agency")
    session.click_button("Add agency")
    assert "Enter the name of the agency" in page.inner_text(".govuk-error-summary")
    session.check_accessible()
    page.fill("#name", "Fernhill Youth Club (demo)")
    page.select_option("#kind", "voluntary_community")
    page.check("#section_11_duty-2")
    session.click_button("Add agency")
    assert "Fernhill Youth Club (demo)" in page.inner_text("main")

    page.click("a:has-text('Governance roles')")
    session.check_accessible()
    page.click("a.govuk-back-link")

    page.click("header a:text-is('People')")
    session.check_accessible()
    session.click_button("Add a person")
    page.select_option("#agency_id", label="Fernhill Youth Club (demo)")
    page.fill("#name", "Kai Youth")
    page.fill("#email", "kai.youth@fernhill.example")
    page.check("input[name=roles][value=practitioner]")
    session.check_accessible("19-admin-person-form")
    session.click_button("Add person")
    assert "kai.youth@fernhill.example" in page.inner_text("main")
    page.click("a:has-text('Change'):has-text('Kai Youth')")
    session.check_accessible()
    page.fill("#job_title", "Youth worker")
    session.click_button("Save changes")
    assert "Kai Youth" in page.inner_text("main")


def test_adding_a_child_and_their_carer(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("hana.hv")
    page.click("main a:has-text('Add a child or family member')")
    page.fill("#given_name", "Rosa")
    page.fill("#nhs_number", "123")
    session.click_button("Add this person")
    summary = page.inner_text(".govuk-error-summary")
    assert "Enter their last name" in summary
    session.check_accessible("20-add-child-errors")
    page.fill("#family_name", "Quinn")
    page.fill("#nhs_number", "")
    page.fill("#date_of_birth-day", "2")
    page.fill("#date_of_birth-month", "5")
    page.fill("#date_of_birth-year", "2024")
    session.click_button("Add this person")
    assert session.heading() == "Rosa Quinn"
    session.check_accessible()

    page.click("a:has-text('Add a family member or carer for Rosa')")
    session.check_accessible()
    page.click("a:has-text('add them as someone new')")
    page.fill("#given_name", "Nell")
    page.fill("#family_name", "Quinn")
    session.click_button("Add this person")
    assert "Add a family member or carer" in session.heading()
    page.check("input[name=kind][value=parent]")
    page.check("#parental_responsibility")
    session.check_accessible()
    session.click_button("Save relationship")
    assert session.heading() == "Rosa Quinn"
    holders = page.inner_text("main").split("Who holds parental responsibility", 1)[1]
    assert "Nell Quinn" in holders.split("Add a family member", 1)[0]


def test_everything_works_without_javascript(new_browser_session):
    session = new_browser_session(javascript=False)
    session.sign_in("sam.social")
    open_child(session, "Mia Ashworth")
    assert session.heading() == "Mia Ashworth"
    session.click_button("Should I share information about Mia?")
    session.click_button("Start now")
    session.page.click("button:text-is('Continue')")
    assert "Select an answer" in session.page.inner_text(".govuk-error-summary")
    assert not session.page.locator("body.govuk-frontend-supported").count()  # no script ran
    session.page.click("button:has-text('Sign out')")
    assert session.heading() == "You have signed out"


def test_emergency_access_and_its_review(new_browser_session):
    """Children's social care does not hold Tyler; in an emergency a social worker opens his record, and the
    agency's information governance lead reviews it afterwards."""
    academy, social_worker, reviewer = new_browser_session(), new_browser_session(), new_browser_session()
    academy.sign_in("ruth.dsl")
    open_child(academy, "Tyler Brennan")
    tyler_path = academy.page.url.replace(academy.server.url, "")

    social_worker.sign_in("sam.social")
    social_worker.goto(tyler_path)
    assert social_worker.heading() == "Page not found"
    social_worker.check_accessible()
    social_worker.page.click("a:has-text('ask for emergency access')")
    social_worker.check_accessible("21-emergency-access")
    page = social_worker.page
    page.fill("#reason", "Tyler has arrived at the council offices injured and says he cannot go home.")
    page.fill("#password", "not my password")
    social_worker.click_button("Open emergency access")
    assert "That password is not right" in page.inner_text(".govuk-error-summary")
    social_worker.check_accessible()
    page.fill("#password", DEMO_PASSWORD)
    social_worker.click_button("Open emergency access")
    assert social_worker.heading() == "Tyler Brennan"
    assert "through emergency access" in page.inner_text("main")
    social_worker.check_accessible()

    reviewer.sign_in("ivy.ig")
    reviewer.page.click("a:has-text('Emergency access to review')")
    assert "says he cannot go home" in reviewer.page.inner_text("main")
    reviewer.check_accessible("22-emergency-access-review")
    reviewer.page.locator("input[name=outcome][value=justified]").first.check()
    reviewer.page.locator("textarea[name=note]").first.fill("Confirmed with the duty manager: a genuine emergency.")
    reviewer.page.locator("button:text-is('Record review')").first.click()
    assert reviewer.heading() == "Emergency access to review"
    reviewer.check_accessible()
