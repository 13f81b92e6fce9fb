"""Signing in and out, each role's home page, and the guidance pages, in Chromium with axe-core."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_sign_in_shows_errors_then_lands_on_the_practitioners_home(browser_page):
    session = browser_page
    session.goto("/")
    assert session.heading() == "Sign in to SafeShare"
    session.check_accessible("01-sign-in")
    session.assert_enhanced()

    session.page.click("button:text-is('Sign in')")
    assert "There is a problem" in session.page.inner_text(".govuk-error-summary")
    assert session.page.title().startswith("Error: ")
    session.check_accessible()

    session.page.fill("#email", "sam.social@fernhill.example")
    session.page.fill("#password", "not the password")
    session.page.click("button:text-is('Sign in')")
    assert "not right" in session.page.inner_text(".govuk-error-summary")
    assert session.page.input_value("#email") == "sam.social@fernhill.example"

    session.sign_in("sam.social")
    assert session.heading() == "Hello, Sam Okafor"
    session.check_accessible("02-home-practitioner")

    session.page.click("button:has-text('Sign out')")
    assert session.heading() == "You have signed out"
    session.check_accessible()
    session.goto("/")
    assert session.heading() == "Sign in to SafeShare"


@pytest.mark.parametrize(
    ("local", "expect", "screenshot"),
    [
        ("dan.dsl", "Your recent decisions", None),
        ("ivy.ig", "Information governance at", "03-home-information-governance-lead"),
        ("admin", "Running the partnership", "04-home-administrator"),
        ("pat.auditor", "The guidance", None),
    ],
)
def test_every_role_has_a_home_page(browser_page, local, expect, screenshot):
    browser_page.sign_in(local)
    assert expect in browser_page.page.inner_text("main")
    browser_page.check_accessible(screenshot)


def test_the_guidance_pages_come_from_the_guidance_data(browser_page):
    guidance = browser_page.server.services.context.guidance()
    browser_page.goto("/guidance")
    browser_page.check_accessible()
    browser_page.goto("/guidance/golden-rules")
    text = browser_page.page.inner_text("main")
    for rule in guidance.golden_rules():
        assert rule.title in text
    browser_page.check_accessible("05-guidance-golden-rules")
    browser_page.goto("/guidance/principles")
    assert guidance.principles()[0].name in browser_page.page.inner_text("main")
    browser_page.check_accessible()
    browser_page.goto("/guidance/myths")
    assert guidance.myths()[0].myth in browser_page.page.inner_text("main")
    browser_page.check_accessible()


def test_a_missing_page_is_a_page(browser_page):
    browser_page.sign_in("sam.social")
    browser_page.goto("/subjects/00000000-0000-0000-0000-000000000000")
    assert browser_page.heading() == "Page not found"
    browser_page.check_accessible()
