"""A signed-in (or not) browser tab on the live server, with an accessibility check for every page."""

from __future__ import annotations

import functools
import json

from playwright.sync_api import Page

from tests.factories import code_for
from tests.web.browser import AXE, DEMO_PASSWORD, SCREENSHOTS, WCAG_22_AA, LiveServer, demo_email


@functools.cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


class BrowserSession:
    def __init__(self, page: Page, server: LiveServer, javascript: bool = True):
        self.page = page
        self.javascript = javascript
        page.set_default_timeout(15_000)
        self.server = server
        self.console_errors: list[str] = []
        self.checked: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("response", self._response)

    def _console(self, message) -> None:
        # A page answering a bad form with 400, or a missing record with 404, is logged by Chromium
        # as a failed load; failed assets are caught separately, by `_response`.
        if message.type == "error" and not message.text.startswith("Failed to load resource: the server responded with a status of 4"):
            self.console_errors.append(message.text)

    def _response(self, response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.console_errors.append(f"{response.status} for {response.url}")

    # -- moving about

    def goto(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None

    def sign_in(self, local: str) -> None:
        self.goto("/sign-in")
        self.page.fill("#email", demo_email(local))
        self.page.fill("#password", DEMO_PASSWORD)
        self.page.click("button:text-is('Sign in')")
        code = code_for(self.server.services, demo_email(local))
        if code is not None:  # two-step sign-in: the code an authenticator app would show
            self.page.wait_for_url("**/sign-in/code")
            self.page.fill("#code", code)
            self.page.click("button:text-is('Continue')")
        self.page.wait_for_url("**/")

    def heading(self) -> str:
        return self.page.locator("h1").first.inner_text().strip()

    def click_button(self, text: str) -> None:
        self.page.locator(f"button:text-is('{text}'), a.govuk-button:text-is('{text}')").first.click()

    # -- checks

    def check_accessible(self, screenshot: str | None = None) -> None:
        """axe-core over the whole page at WCAG 2.2 AA: no violations allowed.

        axe is run through Playwright's evaluate, which the page's CSP (script-src 'self') does not govern,
        so the page under test keeps its real policy.
        """
        assert self.javascript, "axe-core runs in the page, so it needs JavaScript enabled"
        page = self.page
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(axe_source())
        result = page.evaluate(
            "async (tags) => await window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_22_AA,
        )
        violations = [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]
        assert not violations, f"accessibility violations on {page.url}:\n{json.dumps(violations, indent=2)}"
        self.checked.append(page.url)
        if screenshot:
            self.screenshot(screenshot)

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False, animations="disabled", caret="hide")

    def assert_no_console_errors(self) -> None:
        assert not self.console_errors, f"the browser reported errors: {self.console_errors}"

    def assert_enhanced(self) -> None:
        """GOV.UK Frontend's JavaScript loaded from our own files under the CSP and initialised."""
        assert self.page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")
