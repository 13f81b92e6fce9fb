from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from safeshare.app import create_app


@pytest.fixture
def web(services, settings):
    """A browser-like client of the web pages: it keeps cookies and does not follow redirects by itself."""
    with TestClient(create_app(settings, services), follow_redirects=False) as client:
        yield client


# ------------------------------------------------------------------ the browser suite


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from tests.web.browser import require_browser_tools, start_live_server

    require_browser_tools()
    server = start_live_server(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium(live_server):
    """One Chromium for the whole session; each test gets a fresh context (cookies, storage)."""
    from playwright.sync_api import sync_playwright

    from tests.web.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        # launch() gives every run a fresh, temporary user-data-dir.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_browser_session(chromium, live_server):
    """Open browser sessions (each with its own cookies), as many people as a test needs."""
    from tests.web.pages import BrowserSession

    opened = []

    def open_session(javascript: bool = True) -> BrowserSession:
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1000, "height": 800}, java_script_enabled=javascript)
        session = BrowserSession(context.new_page(), live_server, javascript)
        opened.append((context, session))
        return session

    yield open_session
    for context, _session in opened:
        context.close()
    for _context, session in opened:
        session.assert_no_console_errors()


@pytest.fixture
def browser_page(new_browser_session):
    return new_browser_session()
