"""Asking another agency for information, answering through the decision aid, receiving and acknowledging
what was shared, and recording what the family was told: two people in two browsers."""

from __future__ import annotations

import pytest

from tests.web.test_browser_share import answer_current_question, fill_record, open_child

pytestmark = pytest.mark.browser


def test_a_request_answered_by_sharing_reaches_the_person_who_asked(new_browser_session):
    social_worker, school = new_browser_session(), new_browser_session()

    # Sam, a social worker, asks the school about Mia.
    social_worker.sign_in("sam.social")
    open_child(social_worker, "Mia Ashworth")
    social_worker.page.click("a:has-text('Ask another agency for information')")
    social_worker.check_accessible("13-request-form")
    social_worker.click_button("Send request")
    assert "Select the agency to ask" in social_worker.page.inner_text(".govuk-error-summary")
    social_worker.check_accessible()
    page = social_worker.page
    page.select_option("#target_agency_id", label="Oakbrook Primary School (demo)")
    page.fill("#purpose", "Child protection enquiry after a referral")
    page.select_option("#purpose_category", "child_protection_enquiry")
    page.select_option("#gateway", "children_act_1989_s47")
    page.fill("#why_needed", "To decide whether Mia is safe at home.")
    page.fill("#information_sought", "Attendance this term\nAny concerns raised by staff")
    page.check("#urgency-2")
    social_worker.click_button("Send request")
    assert social_worker.heading() == "Request for information about Mia Ashworth"
    assert "Waiting for an answer" in page.inner_text("main")
    social_worker.check_accessible()

    # Dan, the school's safeguarding lead, answers it through the decision aid.
    school.sign_in("dan.dsl")
    assert "Requests for information to answer" in school.page.inner_text("main")
    school.page.click("table a:has-text('Mia Ashworth')")
    assert "Fernhill Council Children's Social Care (demo)" in school.page.inner_text("main")
    school.check_accessible("14-request-to-answer")
    school.click_button("Decide whether to share")
    while "/share/questions/" in school.page.url:
        school.check_accessible()
        field = answer_current_question(school)
        assert field not in ("purpose", "information_requested"), "answers from the request are asked again"
    assert school.heading() == "Check your answers"
    school.click_button("Get advice")
    school.click_button("Record your decision")
    assert "You are answering a request" in school.page.inner_text("main")
    assert school.page.input_value("#recipients-0-agency_id") != ""
    school.check_accessible()
    fill_record(school.page)
    school.click_button("Record decision and answer")
    assert school.heading() == "Information sent", school.page.inner_text("main")[:1500]
    school.check_accessible()
    disclosure_url = school.page.url.split("?", 1)[0]

    # Sam sees it on the home page, reads it and confirms receipt.
    social_worker.goto("/")
    social_worker.page.click("main a:has-text('Mia Ashworth')")
    assert "What was shared" in social_worker.page.inner_text("main")
    social_worker.check_accessible("15-disclosure-received")
    social_worker.click_button("Confirm I have received this")
    assert "You have confirmed you received this" in social_worker.page.inner_text("main")
    social_worker.check_accessible()
    social_worker.goto("/requests")
    assert "Information shared" in social_worker.page.inner_text("main")
    social_worker.check_accessible()

    # Dan sees the receipt, and records that the family has now been told.
    school.goto(disclosure_url)
    assert "Confirmed" in school.page.inner_text("main")
    school.page.check("input[name=status][value=told]")
    school.click_button("Save")
    assert "They have been told" in school.page.inner_text("main")
    school.check_accessible()


def test_an_agency_that_holds_nothing_says_so(new_browser_session):
    social_worker, charity = new_browser_session(), new_browser_session()
    ask_the_charity_about_leo(social_worker, "Early help assessment", "To plan support for the family.", "Any support given to the family")
    request_url = social_worker.page.url

    charity.sign_in("cora.charity")
    charity.goto("/requests")
    charity.page.click("table a:has-text('Leo Ashworth')")
    assert "has no record of Leo Ashworth" in charity.page.inner_text("main")
    charity.check_accessible()
    charity.click_button("Say we hold no record")
    assert "No record held" in charity.page.inner_text("main")

    social_worker.goto(request_url.replace(social_worker.server.url, ""))
    assert "No record held" in social_worker.page.inner_text("main")
    social_worker.check_accessible()


def test_a_request_no_longer_needed_is_withdrawn_with_a_reason(new_browser_session):
    social_worker, charity = new_browser_session(), new_browser_session()
    ask_the_charity_about_leo(social_worker, "Support plan review", "To review the family's support plan.", "Sessions attended since the summer")
    page = social_worker.page
    request_path = page.url.replace(social_worker.server.url, "")

    # Withdrawing needs a reason, named in the error summary.
    social_worker.click_button("Withdraw request")
    assert "withdrawn" in page.inner_text(".govuk-error-summary")
    social_worker.check_accessible()
    page.fill("#reason", "The review meeting was cancelled by the family.")
    social_worker.click_button("Withdraw request")
    assert "Withdrawn" in page.inner_text("main")
    assert "The review meeting was cancelled by the family." in page.inner_text("main")
    assert page.locator("button:has-text('Withdraw request')").count() == 0
    social_worker.check_accessible()

    # The agency asked sees it is withdrawn and is not offered an answer.
    charity.sign_in("cora.charity")
    charity.goto(request_path)
    assert "Withdrawn" in charity.page.inner_text("main")
    assert charity.page.locator("button:has-text('Say we hold no record')").count() == 0
    charity.check_accessible()


def ask_the_charity_about_leo(social_worker, purpose: str, why_needed: str, information_sought: str) -> None:
    """Sam asks the demo charity for early-help information about Leo, and is left on the request's page."""
    social_worker.sign_in("sam.social")
    open_child(social_worker, "Leo Ashworth")
    social_worker.page.click("a:has-text('Ask another agency for information')")
    page = social_worker.page
    page.select_option("#target_agency_id", label="Harbour Family Support (demo charity)")
    page.fill("#purpose", purpose)
    page.select_option("#purpose_category", "early_help")
    page.fill("#why_needed", why_needed)
    page.fill("#information_sought", information_sought)
    page.check("#urgency-3")
    social_worker.click_button("Send request")
