"""What a newcomer to a demo installation does with nothing but the pages in front of them: read a demo
account off the sign-in page, decide with "Should I share?" whether to share about a demo child, send it
through SafeShare to a named social worker at another agency, then sign in as that social worker to find,
open and acknowledge it, and see the sender's copy marked as received. axe-core checks every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.web.test_browser_share import answer_current_question

pytestmark = pytest.mark.browser


def sign_in_from_the_page(session, account_description: str) -> None:
    """Sign in with an account and password read off the sign-in page, as a newcomer would."""
    page = session.page
    session.goto("/sign-in")
    assert "This is a demonstration installation" in page.inner_text("main")
    session.check_accessible()
    email = page.locator(f"#demo-accounts li:has-text('{account_description}') code").first.inner_text().strip()
    password = page.inner_text("#demo-password").strip()
    assert re.fullmatch(r"[a-z.\-]+@fernhill\.example", email), email
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:text-is('Sign in')")
    page.wait_for_url("**/")
    session.check_accessible()


def test_a_newcomer_decides_shares_and_the_recipient_acknowledges(new_browser_session):
    teacher, social_worker = new_browser_session(), new_browser_session()
    page = teacher.page

    # A class teacher (a plain practitioner) signs in and finds a child from the home page.
    sign_in_from_the_page(teacher, "Class teacher, Oakbrook Primary School (demo)")
    assert teacher.heading() == "Hello, Tara Bell"
    page.click("main a:text-is('Find a child or family member')")
    teacher.check_accessible()
    page.fill("#name", "Mia")
    teacher.click_button("Search")
    teacher.check_accessible()
    page.click("a:text-is('Mia Ashworth')")
    assert teacher.heading() == "Mia Ashworth"
    teacher.check_accessible()

    # "Should I share?" about Mia, every question answered, then the advice.
    teacher.click_button("Should I share information about Mia?")
    assert "This decision is about Mia Ashworth" in page.inner_text("main")
    teacher.check_accessible()
    teacher.click_button("Start now")
    asked = 0
    while "/share/questions/" in page.url:
        teacher.check_accessible()
        answer_current_question(teacher)
        asked += 1
        assert asked < 60, "the journey did not end"
    assert teacher.heading() == "Check your answers"
    assert "Mia Ashworth" in page.inner_text("main")
    teacher.check_accessible()
    teacher.click_button("Get advice")
    assert "The lawful basis you could rely on" in page.inner_text("main")
    teacher.check_accessible()

    # Record the decision and send it through SafeShare to a named social worker at the council.
    teacher.click_button("Record your decision")
    assert teacher.heading() == "Record your decision"
    teacher.check_accessible()
    page.check("#decision")
    page.fill("#reasons", "Mia told me she is frightened to go home. She may be at risk of significant harm.")
    page.fill("#context", "Mia spoke to me at the end of the school day.")
    page.fill("#perceived_risk", "High: she may be harmed tonight.")
    for index in range(2):
        page.check(f"#information_shared-{index}-share")
        page.check(f"#information_shared-{index}-kind")
    page.select_option("#recipients-0-agency_id", label="Fernhill Council Children's Social Care (demo)")
    sam = page.locator("#recipients-0-person_id option:has-text('Sam Okafor')")
    page.select_option("#recipients-0-person_id", value=sam.get_attribute("value"))
    for box in page.locator("input[name=lawful_bases][id^=lawful_bases]").all():
        box.check()
    page.fill("#secure_method", "Through SafeShare, then a phone call to the duty desk")
    page.check("#send")  # the first choice: send it through SafeShare now
    # The teacher said they asked for advice: the guidance asks for that to be recorded.
    today = dt.date.today()
    page.fill("#advice_sought-0-from_role", "Designated safeguarding lead")
    page.fill("#advice_sought-0-at-day", str(today.day))
    page.fill("#advice_sought-0-at-month", str(today.month))
    page.fill("#advice_sought-0-at-year", str(today.year))
    page.check("#advice_sought-0-anonymous")
    page.fill("#advice_sought-0-summary", "Refer today, and do not tell the family first.")
    page.fill("#family_told-reason_not_told", "Telling the family first could put Mia at greater risk.")
    teacher.click_button("Record decision")
    assert teacher.heading() == "Information sent", page.inner_text("main")[:2000]
    main = page.inner_text("main")
    assert "Sealed in the decisions ledger" in main or "sealed in the decisions ledger" in main
    assert "Sam Okafor" in main
    assert "Not confirmed yet" in main
    teacher.check_accessible()
    sent_url = page.url.split("?", 1)[0].removeprefix(teacher.server.url)

    # The social worker signs in and finds it on their home page, then in what was shared with them. Other
    # journeys on this server may have shared with them too, so this share is told apart by its address.
    sign_in_from_the_page(social_worker, "Sam Okafor, Social worker")  # the name chosen on the record page
    worker_page = social_worker.page
    home = worker_page.inner_text("main")
    assert "Information shared with you" in home
    assert re.search(r"\d+ items? (has|have) not been confirmed as received", home), home[:2000]
    assert worker_page.locator(f"main a[href='{sent_url}']").count() == 1
    worker_page.click("main a:text-is('See all information shared with you')")
    assert social_worker.heading() == "Information shared with you"
    row = worker_page.locator(f"table tbody tr:has(a[href='{sent_url}'])")
    assert row.count() == 1
    assert "Oakbrook Primary School (demo)" in row.inner_text()
    assert "Not acknowledged" in row.inner_text()
    social_worker.check_accessible("26-incoming-disclosures")

    # They open it: what was shared, from whom and why; then they confirm receipt.
    row.locator("a").click()
    assert social_worker.heading() == "Information shared about Mia Ashworth"
    shown = worker_page.inner_text("main")
    assert "What was shared" in shown and "Tara Bell" in shown
    assert "A referral after the child said something worrying at school" in shown
    social_worker.check_accessible()
    social_worker.click_button("Confirm I have received this")
    assert "You have confirmed you received this" in worker_page.inner_text("main")
    social_worker.check_accessible("27-disclosure-acknowledged")
    social_worker.goto("/disclosures")
    assert "Not acknowledged" not in worker_page.locator(f"table tbody tr:has(a[href='{sent_url}'])").inner_text()

    # The teacher sees it was received, by whom.
    teacher.goto(sent_url)
    received = page.inner_text("main")
    assert "Not confirmed yet" not in received
    assert re.search(r"Confirmed .+ by Sam Okafor", received), received[:2000]
    teacher.check_accessible()


def test_a_question_links_to_the_guidance_that_helps_answer_it(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("tara.teacher")
    session.goto("/share")
    session.click_button("Start now")
    while current_field(session) != "consent":
        with page.expect_navigation():
            answer_current_question(session)
        assert "/share/questions/" in page.url, "the consent question was never asked"
    question_url = page.url
    expected = session.server.services.context.guidance().question("consent").see_also
    page.click("summary:has-text('Help with this question')")
    links = page.locator("#see-also a")
    assert [a.inner_text().strip() for a in links.all()] == [link.title for link in expected]
    session.check_accessible()

    links.first.click()
    assert page.url.endswith("/guidance/golden-rules#gr4-consent-where-possible")
    target = page.locator("#gr4-consent-where-possible")
    assert target.inner_text().startswith("4. ")
    assert target.is_visible()
    session.check_accessible()
    page.go_back()
    assert page.url == question_url

    page.click("summary:has-text('Help with this question')")
    page.locator("#see-also a").nth(1).click()
    assert page.url.endswith("/guidance/myths#consent-always-needed")
    assert page.locator("#consent-always-needed").inner_text().startswith("Myth: ")


def current_field(session) -> str:
    question_id = session.page.url.split("/share/questions/", 1)[1].split("?", 1)[0]
    return session.server.services.context.guidance().question(question_id).field
