"""Request bodies are bounded per route: too large is a 413 before the route reads anything, too slow a 408,
both in the channel's own error shape and ending the connection. Driven through ASGI, so each part of a body
arrives (or does not) exactly when the test says."""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest
from sqlalchemy import func, select

from safeshare.app import create_app
from safeshare.request_limits import FORM_BODY, IMPORT_BODY, JSON_BODY, LARGER_BODIES, RECORD_BODY, body_limit
from safeshare.settings import Settings
from safeshare.store.tables import subjects
from tests.api.helpers import bearer

STALL = object()  # a part of the body that never arrives


async def _call(app, method: str, path: str, headers, parts: list, pause: float = 0.0) -> dict:
    """One request, its body in `parts` (bytes, each a message from the server, or STALL), each part `pause`
    seconds after the last; the answer, and how many parts the application read."""
    pending = list(parts)
    answer: dict = {"status": None, "headers": {}, "body": b"", "reads": 0}

    async def receive():
        await asyncio.sleep(pause)
        if not pending:
            await asyncio.Event().wait()  # the client sends nothing more
        part = pending.pop(0)
        if part is STALL:
            await asyncio.Event().wait()
        answer["reads"] += 1
        return {"type": "http.request", "body": part, "more_body": bool(pending)}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    pairs = headers.items() if isinstance(headers, dict) else headers
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in pairs],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8140),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return answer


def call(app, method, path, headers, parts, pause: float = 0.0) -> dict:
    return asyncio.run(_call(app, method, path, headers, parts, pause))


@pytest.fixture
def quick_settings(settings) -> Settings:
    return settings.model_copy(update={"body_idle_seconds": 0.3, "body_total_seconds": 1.0})


@pytest.fixture
def app(services, quick_settings):
    return create_app(quick_settings, services)


def subject_count(services) -> int:
    with services.context.uow_factory() as uow:
        return uow.connection.execute(select(func.count()).select_from(subjects)).scalar_one()


def padded_subject(size: int) -> bytes:
    """A valid subject whose JSON is `size` bytes, made up with whitespace."""
    body = json.dumps({"given_name": "Cara", "family_name": "Example"}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


def problems(answer: dict) -> dict:
    return json.loads(answer["body"])


def test_an_api_body_over_its_declared_limit_is_refused_before_any_of_it_is_read(app, api, world, caplog):
    headers = {**bearer(api, "practitioner_a"), "content-type": "application/json"}
    before = subject_count(world.services)
    too_large = padded_subject(JSON_BODY + 1)
    with caplog.at_level(logging.WARNING, logger="safeshare.request_limits"):
        answer = call(app, "POST", "/api/v1/subjects", {**headers, "content-length": str(len(too_large))}, [too_large])
    assert answer["status"] == 413 and answer["reads"] == 0
    assert [r.getMessage() for r in caplog.records] == [
        f"request refused (413, the request body must be at most {JSON_BODY} bytes): POST /api/v1/subjects"
    ]  # the attempt is logged, with nothing of what was sent
    assert answer["headers"]["connection"] == "close"
    assert answer["headers"]["content-type"] == "application/json"
    assert problems(answer) == {
        "detail": f"the request body must be at most {JSON_BODY} bytes",
        "errors": [{"field": "body", "problem": f"the request body must be at most {JSON_BODY} bytes"}],
    }
    assert answer["headers"]["x-content-type-options"] == "nosniff"  # the refusal carries the security headers
    assert subject_count(world.services) == before
    at_the_limit = padded_subject(JSON_BODY)
    answer = call(app, "POST", "/api/v1/subjects", {**headers, "content-length": str(len(at_the_limit))}, [at_the_limit])
    assert answer["status"] == 201, answer["body"]
    assert subject_count(world.services) == before + 1


def test_a_chunked_body_is_counted_as_it_arrives_and_refused_at_the_limit(app, api, world):
    headers = {**bearer(api, "practitioner_a"), "content-type": "application/json", "transfer-encoding": "chunked"}
    before = subject_count(world.services)
    chunk = b" " * (16 * 1024)
    body = [b'{"given_name": "Cara", "family_name": "Example"'] + [chunk] * 1000 + [b"}"]  # 16 MB, if it were all read
    answer = call(app, "POST", "/api/v1/subjects", headers, body)
    assert answer["status"] == 413 and answer["headers"]["connection"] == "close"
    assert answer["reads"] == JSON_BODY // len(chunk) + 1  # stopped at the chunk that passed the limit
    assert problems(answer)["errors"] == [{"field": "body", "problem": f"the request body must be at most {JSON_BODY} bytes"}]
    assert subject_count(world.services) == before
    small = [b'{"given_name": "Cara", ', b'"family_name": "Example"}']
    assert call(app, "POST", "/api/v1/subjects", headers, small)["status"] == 201


def test_the_fhir_import_takes_a_larger_body_and_no_more(app, api, world):
    headers = {**bearer(api, "practitioner_a"), "content-type": "application/fhir+json"}
    resource = json.dumps({"resourceType": "Consent", "status": "active"}).encode()
    larger = resource[:-1] + b" " * (4 * JSON_BODY) + b"}"
    answer = call(app, "POST", "/api/v1/consents/fhir", {**headers, "content-length": str(len(larger))}, [larger])
    assert answer["status"] == 422, answer["body"]  # read and judged on what it says, not on its size
    too_large = str(IMPORT_BODY + 1)
    answer = call(app, "POST", "/api/v1/consents/fhir", {**headers, "content-length": too_large}, [b"{"])
    assert answer["status"] == 413 and answer["reads"] == 0
    assert problems(answer)["detail"] == f"the request body must be at most {IMPORT_BODY} bytes"


def test_a_web_form_over_its_limit_gets_a_govuk_page(app):
    answer = call(app, "POST", "/sign-in", {"content-type": "application/x-www-form-urlencoded", "content-length": str(FORM_BODY + 1)}, [b"email="])
    assert answer["status"] == 413 and answer["reads"] == 0 and answer["headers"]["connection"] == "close"
    assert answer["headers"]["content-type"].startswith("text/html")
    page = answer["body"].decode()
    assert "govuk-heading-l" in page and "There is a problem" in page
    assert f"this page takes at most {FORM_BODY // 1024} KB" in page and "Nothing was saved" in page
    assert "content-security-policy" in answer["headers"]


def test_a_body_that_stalls_is_answered_408_and_the_connection_closed(app, api, world):
    headers = {**bearer(api, "practitioner_a"), "content-type": "application/json", "content-length": "1000"}
    answer = call(app, "POST", "/api/v1/subjects", headers, [b'{"given_name": "Ca', STALL])
    assert answer["status"] == 408 and answer["headers"]["connection"] == "close"
    assert problems(answer)["errors"] == [{"field": "body", "problem": "the request body did not arrive in time"}]
    web = call(app, "POST", "/sign-in", {"content-type": "application/x-www-form-urlencoded", "content-length": "100"}, [b"ema", STALL])
    assert web["status"] == 408 and "did not arrive in time" in web["body"].decode()


def test_a_body_trickled_in_within_each_pause_still_has_a_deadline(services, quick_settings, api, world):
    app = create_app(quick_settings.model_copy(update={"body_idle_seconds": 0.2, "body_total_seconds": 0.5}), services)
    headers = {**bearer(api, "practitioner_a"), "content-type": "application/json", "transfer-encoding": "chunked"}
    answer = call(app, "POST", "/api/v1/subjects", headers, [b" "] * 100, pause=0.1)  # each part in time, never done
    assert answer["status"] == 408
    assert answer["reads"] < 10  # stopped at the deadline, not after the hundredth part


def test_a_content_length_that_is_not_one_whole_number_is_refused_unread(app):
    for lengths in (["12a"], ["2", "3"]):
        headers = [("content-type", "application/json")] + [("content-length", length) for length in lengths]
        answer = call(app, "POST", "/api/v1/subjects/search", headers, [b"{}"])
        assert answer["status"] == 400 and answer["reads"] == 0, lengths
        assert problems(answer)["detail"] == "the Content-Length header is not a single whole number"


def test_an_address_or_headers_past_the_limit_are_refused(app, quick_settings):
    limit = quick_settings.max_request_head_bytes
    long_address = "/subjects/" + "a" * limit
    answer = call(app, "GET", long_address, {}, [b""])
    assert answer["status"] == 414 and answer["reads"] == 0 and "address of that page is too long" in answer["body"].decode()
    api = call(app, "GET", "/api/v1/agencies", {"x-padding": "a" * limit}, [b""])
    assert api["status"] == 431 and api["reads"] == 0
    assert problems(api)["errors"] == [{"field": "headers", "problem": f"the request line and headers must be at most {limit} bytes"}]
    assert call(app, "GET", "/sign-in", {"x-padding": "a" * (limit // 2)}, [b""])["status"] == 200


def test_every_route_given_a_larger_limit_exists(api):
    """A renamed route would silently fall back to the small default: this names it instead."""
    for method, path in LARGER_BODIES:
        answer = api.request(method, re.sub(r"\{[a-z_]+\}", "6d2f0c4e", path), follow_redirects=False)
        assert answer.status_code not in (404, 405), (method, path)
    assert body_limit("POST", "/api/v1/requests/6d2f0c4e/answer") == RECORD_BODY
    assert body_limit("POST", "/api/v1/requests/6d2f0c4e/cancel") == JSON_BODY
    assert body_limit("POST", "/subjects/new") == FORM_BODY
