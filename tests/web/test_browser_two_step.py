"""Two-step sign-in in Chromium with axe-core: setting up an authenticator app on first sign-in, the recovery
codes, and the code page of every later sign-in."""

from __future__ import annotations

import time

import pyotp
import pytest

from safeshare.demo import ADMIN_EMAIL, DEMO_PASSWORD
from safeshare.domain.people import PersonDetails, Role
from safeshare.services.context import Actor, Channel

pytestmark = pytest.mark.browser

EMAIL = "nina.newsiro@fernhill.example"


def test_a_new_siro_sets_up_two_step_sign_in_then_signs_in_with_a_code(new_browser_session, live_server):
    services = live_server.services
    with services.context.uow_factory() as uow:
        admin = uow.people.get(uow.people.id_for_email(ADMIN_EMAIL))
    actor = Actor.of(admin, Channel.WEB)
    services.directory.add_person(
        actor, PersonDetails(agency_id=admin.agency_id, name="Nina Newsiro", email=EMAIL, roles=frozenset({Role.SIRO})), DEMO_PASSWORD
    )
    session = new_browser_session()
    page = session.page
    session.goto("/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button:text-is('Sign in')")
    page.wait_for_url("**/two-step/set-up")
    assert session.heading() == "Set up two-step sign-in"
    session.check_accessible("23-two-step-set-up")
    secret = page.inner_text("#two-step-secret").replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.fill("#code", totp.now())
    page.click("button:text-is('Confirm')")
    assert page.locator("#recovery-codes li").count() == 10
    session.check_accessible("24-two-step-recovery-codes")
    page.click("a:text-is('Continue to SafeShare')")
    assert session.heading() == "Hello, Nina Newsiro"

    again = new_browser_session()
    again.goto("/sign-in")
    again.page.fill("#email", EMAIL)
    again.page.fill("#password", DEMO_PASSWORD)
    again.page.click("button:text-is('Sign in')")
    again.page.wait_for_url("**/sign-in/code")
    again.check_accessible("25-two-step-code")
    step = int(time.time()) // 30
    again.page.fill("#code", totp.at((step + 1) * 30))  # the code just used would be refused
    again.page.click("button:text-is('Continue')")
    again.page.wait_for_url("**/")
    assert again.heading() == "Hello, Nina Newsiro"
