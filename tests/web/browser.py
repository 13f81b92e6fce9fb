"""The browser suite's machinery: a live SafeShare over SQLite, Debian's Chromium driven by Playwright, and axe-core.

Chromium is never downloaded: the suite uses /usr/bin/chromium (`make chromium` installs it with apt-get).
When it is missing the browser tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from safeshare.app import create_app
from safeshare.demo import ADMIN_EMAIL, DEMO_PASSWORD, DOMAIN, PEOPLE, load_demo
from safeshare.domain.people import needs_two_step
from safeshare.services import SafeShare
from safeshare.settings import Environment, Settings
from safeshare.web import govuk_assets_installed
from tests import databases
from tests.factories import TEST_SECRET_KEY, set_up_two_step

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def require_browser_tools() -> None:
    if not CHROMIUM.exists() or not os.access(CHROMIUM, os.X_OK):
        databases.skip_or_fail(f"Chromium is not installed at {CHROMIUM}: run `make chromium`")
    if not AXE.is_file():
        databases.skip_or_fail(f"axe-core is not installed at {AXE}: run `make assets`")
    if not govuk_assets_installed():
        databases.skip_or_fail("GOV.UK Frontend assets are not installed: run `make assets`")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    services: SafeShare
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_live_server(directory: Path) -> LiveServer:
    """SafeShare with the fictional demo partnership, served from a thread on a free loopback port."""
    # Every browser test signs in from this machine's one address: its per-address limit is set high.
    settings = Settings(
        environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=databases.sqlite_url(directory),
        sign_in_limit_per_address="1000 per minute",
    )
    engine = databases.new_schema_engine(settings.database_url)
    services = SafeShare.build(engine, settings)
    load_demo(services)
    # The demo's administrator and governance roles set up two-step sign-in, as on their first sign-in.
    for email in [ADMIN_EMAIL] + [demo_email(local) for _agency, local, _name, _title, roles in PEOPLE if needs_two_step(roles)]:
        set_up_two_step(services, email, DEMO_PASSWORD)
    port = free_port()
    config = uvicorn.Config(create_app(settings, services), host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="safeshare-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live SafeShare server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", services, server, thread)


def demo_email(local: str) -> str:
    return f"{local}@{DOMAIN}"


__all__ = ["DEMO_PASSWORD", "LiveServer", "demo_email", "require_browser_tools", "start_live_server"]
