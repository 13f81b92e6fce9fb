"""The "Should I share?" journey end to end in Chromium: a child's page, every question, check your
answers, the advice, recording the decision, and the sealed record. axe-core checks every page."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.browser

# A school's designated safeguarding lead worried about a child: answers by CaseFacts field.
SCENARIO = {
    "level_of_concern": "significant_harm",
    "crime_suspected": "false",
    "adult_at_risk_of_serious_harm": "false",
    "purpose": "A referral after the child said something worrying at school",
    "purpose_category": "safeguarding_referral",
    "clear_legitimate_purpose": "yes",
    "recipient_agency": "local_authority_childrens_social_care",
    "recipient_role": "Duty social worker",
    "sharer_agency": "school",
    "requested_by_recipient": "false",
    "information_requested": "What the child said\nRecent attendance",
    "has_statutory_basis": "yes",
    "statutory_gateway": "children_act_1989_s47",
    "need_to_know": "yes",
    "is_proportionate": "yes",
    "obtained_under_limiting_power": "no",
    "involves_secondary_disclosure": "no",
    "identifies_person": "true",
    "anonymised_would_suffice": "no",
    "confidential": "true",
    "special_category": "false",
    "consent": "not_sought",
    "reasons_consent_not_sought": "increase_risk_to_child",
    "child_age": "7",
    "public_interest_outweighs": "yes",
    "advice_sought": "true",
}


def answer_current_question(session) -> str:
    """Answer the question on screen from the scenario (by the field it sets), and return its field."""
    page = session.page
    question_id = page.url.split("/share/questions/", 1)[1].split("?", 1)[0]
    field = session.server.services.context.guidance().question(question_id).field
    value = SCENARIO.get(field)
    radios = page.locator("input[type=radio][name=answer]")
    boxes = page.locator("input[type=checkbox][name=answer]")
    if radios.count():
        target = page.locator(f"input[name=answer][value='{value}']")
        (target if value and target.count() else radios.first).check()
    elif boxes.count():
        target = page.locator(f"input[name=answer][value='{value}']")
        (target if value and target.count() else page.locator("input[name=answer][value='__none__']")).check()
    else:
        page.fill("#answer", value or "Not known")
    page.click("button:text-is('Continue')")
    return field


def open_child(session, name: str) -> None:
    session.goto("/subjects/find")
    session.page.fill("#name", name)
    session.click_button("Search")
    session.page.click(f"a:text-is('{name}')")


def test_should_i_share_from_a_childs_page_to_a_sealed_record(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("dan.dsl")
    open_child(session, "Mia Ashworth")
    assert session.heading() == "Mia Ashworth"
    session.click_button("Should I share information about Mia?")
    assert "This decision is about Mia Ashworth" in page.inner_text("main")
    session.check_accessible("07-share-start")
    session.click_button("Start now")

    # The first question: refusing an empty answer, then keeping answers on the way back.
    session.check_accessible("08-share-question")
    assert "Help with this question" in page.inner_text("main")
    first_url = page.url
    page.click("button:text-is('Continue')")
    assert "Select an answer" in page.inner_text(".govuk-error-summary")
    session.check_accessible()
    answer_current_question(session)
    assert page.url != first_url
    page.click("a.govuk-back-link")
    assert page.url == first_url
    assert page.locator(f"input[name=answer][value='{SCENARIO['level_of_concern']}']").is_checked()
    assert "significant_harm" not in page.url  # answers never travel in the address

    asked = 0
    while "/share/questions/" in page.url:
        session.check_accessible()
        answer_current_question(session)
        asked += 1
        assert asked < 60, "the journey did not end"
    assert session.heading() == "Check your answers"
    session.check_accessible("09-share-check-answers")

    # Change an answer from the check page and come back to it.
    page.locator("a:has-text('Change')").nth(3).click()
    assert "change=yes" in page.url
    assert page.locator("a.govuk-back-link").get_attribute("href") == "/share/check"
    session.check_accessible()
    page.click("button:text-is('Continue')")
    assert session.heading() == "Check your answers"

    session.click_button("Get advice")
    assert "Why" in page.inner_text("main")
    assert "The lawful basis you could rely on" in page.inner_text("main")
    assert "What to record" in page.inner_text("main")
    session.check_accessible("10-share-advice")

    session.click_button("Record your decision")
    assert session.heading() == "Record your decision"
    assert page.input_value("#question") == SCENARIO["purpose"]
    assert page.input_value("#information_shared-0-description") == "What the child said"
    session.check_accessible("11-record-decision")

    # Recording without reasons is refused, naming the field.
    session.click_button("Record decision")
    summary = page.inner_text(".govuk-error-summary")
    assert "Enter your reasons" in summary
    session.check_accessible()
    page.click(".govuk-error-summary a:has-text('Enter your reasons')")

    fill_record(page)
    session.click_button("Record decision")
    assert session.heading() == "Decision recorded", page.inner_text("main")[:2000]
    assert "Sealed in the decisions ledger" in page.inner_text("main")
    session.check_accessible("12-decision-sealed")
    record_url = page.url.split("?", 1)[0]

    # The record is on Mia's page and in the person's list of decisions.
    open_child(session, "Mia Ashworth")
    assert "Decisions about sharing" in page.inner_text("main")
    session.check_accessible("06-child-page")
    session.goto("/decisions")
    session.check_accessible()
    page.click("table a")
    assert page.url.split("?", 1)[0] == record_url
    session.check_accessible()


def fill_record(page) -> None:
    today = dt.date.today()
    page.check("#decision")  # the first choice: share, as advised
    page.fill("#reasons", "Mia told her teacher she is scared to go home. She may be at risk of significant harm.")
    page.fill("#context", "Disclosure in class this morning.")
    page.fill("#perceived_risk", "High: she may be harmed tonight.")
    for index in range(2):
        page.check(f"#information_shared-{index}-share")
        page.check(f"#information_shared-{index}-kind")
    page.select_option("#recipients-0-agency_id", label="Fernhill Council Children's Social Care (demo)")
    for box in page.locator("input[name=lawful_bases][id^=lawful_bases]").all():
        box.check()
    page.fill("#secure_method", "Phone call to the duty desk, confirmed by secure email")
    page.check("#onward_sharing_allowed-2")
    page.fill("#advice_sought-0-from_role", "Deputy designated safeguarding lead")
    page.fill("#advice_sought-0-at-day", str(today.day))
    page.fill("#advice_sought-0-at-month", str(today.month))
    page.fill("#advice_sought-0-at-year", str(today.year))
    page.check("#advice_sought-0-anonymous")
    page.fill("#advice_sought-0-summary", "Refer today without telling the family first.")
    page.fill("#family_told-reason_not_told", "Telling them first could put Mia at greater risk.")
