"""The pages the journeys reach less often: changing an agency, a person's password or a child's details,
what the user has sent, and the pages that refuse (a role without the permission, a form sent with a bad
token, a session that ended). axe-core checks every one."""

from __future__ import annotations

import pytest

from tests.web.test_browser_share import open_child

pytestmark = pytest.mark.browser


def test_administrator_changes_an_agency_and_a_password(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("admin")
    session.goto("/admin/agencies")
    page.locator("main a[href$='/edit']").first.click()
    assert session.heading().startswith("Change")
    session.check_accessible()

    session.goto("/admin/people")
    page.locator("main a[href$='/edit']").first.click()
    session.check_accessible()
    session.goto(page.url.removesuffix("/edit") + "/password")
    session.check_accessible()
    page.fill("#password", "a new password for the demo")
    page.fill("#password_again", "a different password")
    session.click_button("Set password")
    assert "The two passwords are not the same" in page.inner_text(".govuk-error-summary")
    session.check_accessible()


def test_a_practitioner_changes_a_childs_details_and_sees_what_they_sent(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("tara.teacher")
    session.goto("/disclosures/sent")
    assert session.heading() == "Information your agency shared"
    session.check_accessible()

    open_child(session, "Mia Ashworth")
    page.locator("main a[href$='/edit']").first.click()
    session.check_accessible()
    page.fill("#given_name", "")
    session.click_button("Save changes")
    assert "Enter their first name" in page.inner_text(".govuk-error-summary")
    session.check_accessible()


def test_refusals_are_pages_in_their_own_right(browser_page):
    session, page = browser_page, browser_page.page
    session.sign_in("tara.teacher")
    session.goto("/emergency-access/review")  # the information governance lead's queue
    assert session.heading() == "You cannot do this with your role"
    session.check_accessible()

    open_child(session, "Mia Ashworth")
    page.locator("main a[href$='/edit']").first.click()
    page.evaluate("() => { document.querySelectorAll('main input[name=csrf_token]').forEach(i => { i.value = 'forged'; }); }")
    session.click_button("Save changes")
    assert session.heading() == "This form could not be sent"
    session.check_accessible()

    cookie = next(c for c in page.context.cookies() if c["name"].endswith("safeshare_session"))
    page.context.add_cookies([{**cookie, "value": "no-longer-a-session"}])
    session.goto("/")
    assert "/sign-in" in page.url
    assert "Your session has ended" in page.inner_text("main")
    session.check_accessible()
