"""Signing in through the partnership's identity provider (OpenID Connect), against a real provider the test
starts on this machine (oidc-provider-mock), the browser's part played by hand."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from safeshare.app import create_app
from safeshare.domain.people import Role
from safeshare.settings import Settings
from tests.factories import TEST_SECRET_KEY

PROVIDER_PORT = 8121
ISSUER = f"http://127.0.0.1:{PROVIDER_PORT}"


PROVIDER = """
import json, sys
import oidc_provider_mock, werkzeug.serving
users = [oidc_provider_mock.User(sub=u["sub"], claims=u["claims"]) for u in json.loads(sys.argv[1])]
werkzeug.serving.run_simple("127.0.0.1", int(sys.argv[2]), oidc_provider_mock.app(require_nonce=True, user_claims=users), threaded=True)
"""
USERS = [
    {"sub": "idp-practitioner", "claims": {"email": "practitioner_a@agency.example", "email_verified": True, "roles": ["system_administrator"]}},
    {"sub": "idp-stranger", "claims": {"email": "stranger@agency.example", "email_verified": True}},
    {"sub": "idp-unverified", "claims": {"email": "dsl_a@agency.example", "email_verified": False}},
    {"sub": "idp-governance", "claims": {"email": "ig_lead_a@agency.example", "email_verified": True}},
]


@pytest.fixture(scope="module")
def provider():
    """A real OpenID Connect provider in a process of its own, as the partnership's would be."""
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", PROVIDER, json.dumps(USERS), str(PROVIDER_PORT)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{ISSUER}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the OpenID Connect provider did not start"
            time.sleep(0.1)
        yield ISSUER
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def federated(provider, services, settings):
    configured = Settings(
        environment=settings.environment, database_url=settings.database_url, secret_key=TEST_SECRET_KEY,
        oidc_issuer=provider, oidc_client_id="safeshare-test", oidc_client_secret="client-secret-for-the-suite",
    )
    services.context.settings = configured
    with TestClient(create_app(configured, services), follow_redirects=False) as client:
        yield client


def leave_for_the_provider(web) -> str:
    departure = web.get("/sign-in/partnership")
    assert departure.status_code == 303
    authorize = departure.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{ISSUER}/oauth2/authorize?")
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]
    return authorize


def sign_in_at_the_provider(authorize: str, sub: str) -> str:
    """The provider's own sign-in form, as its user would fill it in; returns where it sends the browser back."""
    answer = httpx.post(authorize, data={"sub": sub}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith("http://testserver/sign-in/partnership/return?")
    return back.removeprefix("http://testserver")


def test_a_person_known_to_safeshare_signs_in_with_the_roles_safeshare_holds(federated, world):
    back = sign_in_at_the_provider(leave_for_the_provider(federated), "idp-practitioner")
    arrived = federated.get(back)
    assert arrived.status_code == 303 and arrived.headers["location"] == "/"
    home = federated.get("/")
    assert home.status_code == 200 and "Practitioner A" in home.text
    # The provider's claim of an administrator role counts for nothing.
    assert "/admin/people" not in home.text
    assert world.people["practitioner_a"].roles == {Role.PRACTITIONER}


def test_an_identity_with_no_account_is_refused(federated, world):
    back = sign_in_at_the_provider(leave_for_the_provider(federated), "idp-stranger")
    refused = federated.get(back)
    assert refused.status_code == 400 and "there is no SafeShare account for you" in refused.text
    assert federated.get("/").status_code == 303


def test_an_email_the_provider_has_not_verified_is_refused(federated, world):
    back = sign_in_at_the_provider(leave_for_the_provider(federated), "idp-unverified")
    refused = federated.get(back)
    assert refused.status_code == 400 and "did not vouch for an email address" in refused.text


def test_a_return_that_did_not_start_here_is_refused(federated, world):
    authorize = leave_for_the_provider(federated)
    back = sign_in_at_the_provider(authorize, "idp-practitioner")
    federated.cookies.clear()  # another browser: no record of the flow
    assert federated.get(back).status_code == 400
    # Nor one whose state does not match this browser's flow.
    fresh = leave_for_the_provider(federated)
    stale = back.replace(parse_qs(urlsplit(back).query)["state"][0], "forged-state")
    assert "did not start here" in federated.get(stale).text
    assert fresh


def test_an_id_token_for_another_sign_in_fails_its_nonce(federated, world, settings):
    back = sign_in_at_the_provider(leave_for_the_provider(federated), "idp-practitioner")
    serializer = URLSafeTimedSerializer(TEST_SECRET_KEY, salt="safeshare.oidc-flow")
    flow = serializer.loads(federated.cookies.get("safeshare_oidc"))
    federated.cookies.clear()
    federated.cookies.set("safeshare_oidc", serializer.dumps({**flow, "nonce": "another sign-in's nonce"}))
    refused = federated.get(back)
    assert refused.status_code == 400 and "could not be checked" in refused.text


def test_two_step_sign_in_still_follows_for_roles_that_need_it(federated, world):
    back = sign_in_at_the_provider(leave_for_the_provider(federated), "idp-governance")
    arrived = federated.get(back)
    assert arrived.status_code == 303 and arrived.headers["location"] == "/sign-in/code"
