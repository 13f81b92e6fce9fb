"""Driving the web pages from tests as a browser would: forms, CSRF tokens and cookies."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, code_for

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return unescape(found.group(1))


def sign_in(client: TestClient, key: str, password: str = PASSWORD) -> str:
    """Sign in through the sign-in form; return the CSRF token the signed-in pages carry."""
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(page.text), "email": f"{key}@agency.example", "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    if response.headers["location"] == "/sign-in/code":
        code = code_for(client.app.state.services, f"{key}@agency.example")
        page = client.get("/sign-in/code")
        response = client.post("/sign-in/code", data={"csrf_token": csrf_token(page.text), "code": code})
        assert response.status_code == 303, response.text
    home = client.get("/")
    assert home.status_code == 200
    return csrf_token(home.text)


def error_summary(html: str) -> list[tuple[str, str]]:
    """(link target, message) for each entry of the GOV.UK error summary on the page."""
    summary = html.split('class="govuk-error-summary', 1)
    if len(summary) < 2:
        return []
    body = summary[1].split("</ul>", 1)[0]
    return [(href, unescape(text.strip())) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', body, re.S)]


def page_title(html: str) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip())
