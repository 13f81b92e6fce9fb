"""What goes wrong, in the browser: an impossible answer in "Should I share?", a journey that ends in not
sharing, searches that must not reach a child held only by another agency, and the blank and refused forms.
axe-core checks every page, error pages included."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.test_browser_share import SCENARIO, answer_current_question

pytestmark = pytest.mark.browser

MIA_NHS = "999 526 0182"
TYLER_NHS = "9991860916"  # held by the GP, the academy and the charity: never by Oakbrook


def answer(session) -> None:
    """Answer the question on screen from the scenario, and wait for the next page to load."""
    with session.page.expect_navigation():
        answer_current_question(session)


def current_field(session) -> str:
    question_id = session.page.url.split("/share/questions/", 1)[1].split("?", 1)[0]
    return session.server.services.context.guidance().question(question_id).field


def start_journey_about(session, name: str) -> None:
    page = session.page
    session.goto("/subjects/find")
    page.fill("#name", name)
    session.click_button("Search")
    page.click(f"a:text-is('{name}')")
    session.click_button(f"Should I share information about {name.split()[0]}?")
    session.click_button("Start now")


def assert_error_summary_names(session, field_id: str, message: str, field: bool = True) -> None:
    """The GOV.UK pattern: a summary at the top linking to the field, and the same message by the field."""
    page = session.page
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1
    link = summary.locator(f"a[href='#{field_id}']")
    assert link.count() == 1, summary.inner_html()
    assert message in link.inner_text()
    assert message in page.inner_text(".govuk-error-message")
    assert page.title().startswith("Error: ")
    session.check_accessible()
    link.click()
    if field:  # the summary's script moves focus to a form field it links to
        assert page.evaluate("() => document.activeElement && document.activeElement.id") == field_id
    else:
        assert page.locator(f"#{field_id}").is_visible()


def fill_advice_taken(page, summary: str) -> None:
    """The scenario says advice was sought, and the guidance asks for the advice taken to be recorded."""
    today = dt.date.today()
    page.fill("#advice_sought-0-from_role", "Designated safeguarding lead")
    page.fill("#advice_sought-0-at-day", str(today.day))
    page.fill("#advice_sought-0-at-month", str(today.month))
    page.fill("#advice_sought-0-at-year", str(today.year))
    page.check("#advice_sought-0-anonymous")
    page.fill("#advice_sought-0-summary", summary)


def test_an_impossible_child_age_is_refused_naming_the_field(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("tara.teacher")
    start_journey_about(session, "Mia Ashworth")
    asked = 0
    while current_field(session) != "child_age":
        answer(session)
        asked += 1
        assert asked < 60 and "/share/questions/" in page.url, "the age question was never asked"
    age_url = page.url

    page.fill("#answer", "seven")
    page.click("button:text-is('Continue')")
    assert page.url == age_url
    assert_error_summary_names(session, "answer", "Enter a whole number, like 7")
    assert page.input_value("#answer") == "seven"  # what was typed is kept to correct

    page.fill("#answer", "250")
    page.click("button:text-is('Continue')")
    assert page.url == age_url
    assert_error_summary_names(session, "answer", "17")

    page.fill("#answer", "7")
    page.click("button:text-is('Continue')")
    assert page.url != age_url
    assert page.locator(".govuk-error-summary").count() == 0


def test_no_need_to_know_ends_in_a_recorded_decision_not_to_share(browser_page, monkeypatch):
    session, page = browser_page, browser_page.page
    monkeypatch.setitem(SCENARIO, "need_to_know", "no")
    session.sign_in("tara.teacher")
    start_journey_about(session, "Mia Ashworth")
    asked = 0
    while "/share/questions/" in page.url:
        answer(session)
        asked += 1
        assert asked < 60, "the journey did not end"
    assert session.heading() == "Check your answers"
    session.click_button("Get advice")
    assert "Do not share" in page.inner_text("main")
    session.check_accessible()

    session.click_button("Record your decision")
    assert page.locator("input[name=decision][value=do_not_share]").is_checked()  # pre-filled from the advice
    session.check_accessible()
    session.click_button("Record decision")
    assert_error_summary_names(session, "reasons", "Enter your reasons")

    page.fill("#reasons", "The council has not shown it needs this to help Mia; I will talk to our safeguarding lead.")
    page.fill("#perceived_risk", "Low: Mia is safe at school and at home as far as we know.")
    fill_advice_taken(page, "Do not share unless the need is shown.")
    session.click_button("Record decision")
    assert session.heading() == "Decision recorded", page.inner_text("main")[:2000]
    main = page.inner_text("main")
    assert "Sealed in the decisions ledger" in main
    assert "Do not share" in main
    session.check_accessible()
    # It is in the teacher's decisions, as a decision not to share.
    session.goto("/decisions")
    assert "Not shared" in page.inner_text("main table")
    session.check_accessible()


def search(session, name: str = "", born: tuple[int, int, int] | None = None, nhs_number: str = "") -> None:
    page = session.page
    session.goto("/subjects/find")
    page.fill("#name", name)
    if born:
        for part, value in zip(("day", "month", "year"), born):
            page.fill(f"#date_of_birth-{part}", str(value))
    page.fill("#nhs_number", nhs_number)
    with page.expect_request(lambda r: r.url.endswith("/subjects/find") and r.method == "POST"):
        session.click_button("Search")
    # Searches are POSTs: nothing typed reaches the address bar.
    assert page.url.endswith("/subjects/find")


def result_names(session) -> list[str]:
    return [a.inner_text().strip() for a in session.page.locator("main table a").all()]


def test_find_a_child_by_name_date_of_birth_and_nhs_number_only_within_the_agency(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("tara.teacher")
    session.goto("/subjects/find")
    session.check_accessible()

    search(session, name="Mia")
    assert result_names(session) == ["Mia Ashworth"]
    assert page.inner_text("#results") == "1 person found"
    session.check_accessible()

    mia_born = (dt.date.today().year - 7, 3, 14)
    search(session, born=(mia_born[2], mia_born[1], mia_born[0]))
    assert result_names(session) == ["Mia Ashworth"]
    assert str(mia_born[0]) in page.inner_text("main table")
    session.check_accessible()

    search(session, nhs_number=MIA_NHS)
    assert result_names(session) == ["Mia Ashworth"]
    session.check_accessible()

    # Tyler is known to the GP, the academy and a charity, not to Oakbrook: no search finds him.
    tyler_born = (30, 11, dt.date.today().year - 15)
    for criteria in ({"name": "Tyler"}, {"name": "Brennan"}, {"nhs_number": TYLER_NHS}, {"born": tyler_born}):
        search(session, **criteria)
        assert page.inner_text("#results") == "No one found", criteria
        assert "Tyler" not in page.inner_text("main")
        session.check_accessible()

    # A malformed NHS number is refused, naming the field.
    search(session, nhs_number="12345")
    summary = page.inner_text(".govuk-error-summary")
    assert page.locator(".govuk-error-summary a[href='#nhs_number']").count() == 1, summary
    session.check_accessible()


def test_blank_forms_and_a_wrong_password_are_accessible(new_browser_session):
    stranger = new_browser_session()
    page = stranger.page
    stranger.goto("/sign-in")
    page.fill("#email", "tara.teacher@fernhill.example")
    page.fill("#password", "not-the-password")
    page.click("button:text-is('Sign in')")
    assert page.url.endswith("/sign-in")
    assert page.locator(".govuk-error-summary a[href='#email']").count() == 1
    assert page.title().startswith("Error: ")
    stranger.check_accessible()

    teacher = new_browser_session()
    teacher.sign_in("tara.teacher")
    teacher.goto("/subjects/new")
    assert teacher.page.locator("form input").count() > 1
    teacher.check_accessible()

    admin = new_browser_session()
    admin.sign_in("admin")
    admin.goto("/admin/agencies/new")
    assert admin.page.locator("form input, form select").count() > 1
    admin.check_accessible()


def answer_every_question(session) -> None:
    asked = 0
    while "/share/questions/" in session.page.url:
        answer(session)
        asked += 1
        assert asked < 60, "the journey did not end"


def test_answers_that_contradict_each_other_are_shown_on_the_check_page(browser_page, monkeypatch):
    session, page = browser_page, browser_page.page
    # Each answer is possible alone; together they are not: a 16-17-year-old's consent for a child of 7.
    monkeypatch.setitem(SCENARIO, "consent", "given")
    monkeypatch.setitem(SCENARIO, "consent_by", "young_person_16_17")
    session.sign_in("tara.teacher")
    start_journey_about(session, "Mia Ashworth")
    answer_every_question(session)
    assert session.heading() == "Check your answers"
    session.click_button("Get advice")
    assert session.heading() == "Check your answers"
    summary = page.locator(".govuk-error-summary")
    link = summary.locator("a[href='#answer-child_age']")
    assert link.count() == 1, summary.inner_html()
    assert "How old is the child?" in link.inner_text() and "16 or 17" in link.inner_text()
    assert "16 or 17" in page.inner_text("#answer-child_age")
    session.check_accessible()
    link.click()
    page.locator("#answer-child_age").scroll_into_view_if_needed()
    assert page.url.endswith("#answer-child_age")


def test_a_decision_about_no_one_yet_asks_who_it_is_about(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("tara.teacher")
    session.goto("/share")
    session.click_button("Start now")
    answer_every_question(session)
    session.click_button("Get advice")
    session.click_button("Record your decision")
    assert "You have not said who this decision is about yet" in page.inner_text("main")
    page.fill("#reasons", "Mia may be at risk.")
    session.click_button("Record decision")
    assert_error_summary_names(session, "subject_ids", "Choose the child or family member this decision is about", field=False)

    page.click("a:text-is('Choose the child or family member')")
    assert session.heading() == "Who is this decision about?"
    session.check_accessible()
    page.fill("#name", "Mia")
    session.click_button("Search")
    assert "People who match" in page.inner_text("main")
    session.check_accessible()
    page.locator("button:has-text('Choose Mia Ashworth')").click()
    assert session.heading() == "Record your decision"
    assert "Person 1\tMia Ashworth" in page.inner_text("main")

    # Changing who it is about: Mia is listed as chosen and can be removed.
    page.click("a:text-is('Change who this is about')")
    assert "Chosen" in page.inner_text("main")
    session.check_accessible()
    page.locator("button:has-text('Remove Mia Ashworth')").click()
    assert session.heading() == "Who is this decision about?"
    assert "Chosen" not in page.inner_text("main")
    page.fill("#name", "Mia")
    session.click_button("Search")
    page.locator("button:has-text('Choose Mia Ashworth')").click()
    assert session.heading() == "Record your decision"
    assert "Mia Ashworth" in page.inner_text("main")
    session.check_accessible()
