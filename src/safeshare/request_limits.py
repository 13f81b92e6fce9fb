"""Bounded requests: a size limit on the request line and headers, and per route on the body, and a time limit
on a body that arrives slowly or stalls.

Every route reads its whole body before it does anything (JSON or a form), so the body is read here first, up
to the route's limit and within the time limits, and handed on whole. A body that declares a larger
Content-Length is refused before any of it is read; one sent in chunks is counted as it arrives and refused
at the part that passes the limit. A refusal ends the connection, so the rest of the body is never read.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

KiB = 1024

JSON_BODY = 64 * KiB  # any API call not listed below
FORM_BODY = 128 * KiB  # any web form not listed below
RECORD_BODY = 512 * KiB  # a decision record: its items of information, reasons, and the advice taken
IMPORT_BODY = 1024 * KiB  # an imported document: a FHIR Consent resource with its narrative

# A web form's fields are bounded too, while it is parsed (web/context.py `read_form`): no form takes a file, the
# longest (recording a decision) has under two hundred fields, and its longest field is 8,000 characters.
FORM_FILES = 0
FORM_FIELDS = 500
FORM_FIELD_BYTES = 96 * KiB

# The one place a route is allowed a larger body than its channel's default.
LARGER_BODIES: dict[tuple[str, str], int] = {
    ("POST", "/api/v1/decisions"): RECORD_BODY,
    ("POST", "/api/v1/requests/{request_id}/answer"): RECORD_BODY,
    ("POST", "/api/v1/disclosures"): RECORD_BODY,
    ("POST", "/api/v1/consents/fhir"): IMPORT_BODY,
    ("POST", "/share/record"): RECORD_BODY,
}


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path)) + "$")


_LARGER = [(method, _template(path), limit) for (method, path), limit in LARGER_BODIES.items()]


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def body_limit(method: str, path: str) -> int:
    """The most bytes of body this route accepts."""
    for larger_method, pattern, limit in _LARGER:
        if method == larger_method and pattern.match(path):
            return limit
    return JSON_BODY if is_api_path(path) else FORM_BODY


@dataclass(frozen=True)
class RequestRefused:
    """Why a request was not accepted: ``status`` 413 (body too large), 408 (body too slow), 400 (body framing),
    414 (address too long) or 431 (headers too large)."""

    status: int
    problem: str
    limit: int


Refuse = Callable[[Scope, RequestRefused], Response]


class BoundedRequests:
    """Pure ASGI, so nothing reads the body before the limits are applied.

    ``head_bytes`` bounds the request line and headers (the server bounds them only while they arrive in
    pieces); ``idle_seconds`` is the longest wait for the next part of a body; ``total_seconds`` the longest a
    whole body may take, so a client trickling a byte at a time cannot hold a connection either. ``refuse``
    turns a refusal into the channel's own error response (JSON for the API, a page for the web).
    """

    def __init__(self, app: ASGIApp, refuse: Refuse, head_bytes: int, idle_seconds: float, total_seconds: float):
        self.app = app
        self.refuse = refuse
        self.head_bytes = head_bytes
        self.idle_seconds = idle_seconds
        self.total_seconds = total_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        try:
            _check_head(scope, self.head_bytes)
            _check_declared_length(scope, limit)
            body = await self._read(receive, limit)
        except _ClientLeft:
            return  # there is no one to answer
        except _Refused as refusal:
            # Only the route and the reason: never the body, which may hold personal data.
            refused = refusal.refused
            log.warning("request refused (%d, %s): %s %s", refused.status, refused.problem, scope["method"], scope["path"][:200])
            response = self.refuse(scope, refused)
            response.headers["connection"] = "close"  # the unread rest of the body is never read
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive, limit: int) -> bytes:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_seconds
        parts: list[bytes] = []
        received = 0
        while True:
            try:
                async with asyncio.timeout_at(min(loop.time() + self.idle_seconds, deadline)):
                    message = await receive()
            except TimeoutError:
                raise _Refused(408, "the request body did not arrive in time", limit) from None
            if message["type"] != "http.request":
                raise _ClientLeft()
            part = message.get("body", b"")
            received += len(part)
            if received > limit:
                raise _too_large(limit)
            parts.append(part)
            if not message.get("more_body", False):
                return b"".join(parts)


class _ClientLeft(Exception):
    pass


class _Refused(Exception):
    def __init__(self, status: int, problem: str, limit: int):
        super().__init__(problem)
        self.refused = RequestRefused(status, problem, limit)


def _too_large(limit: int) -> _Refused:
    return _Refused(413, f"the request body must be at most {limit} bytes", limit)


def _check_head(scope: Scope, limit: int) -> None:
    target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
    if target > limit:
        raise _Refused(414, f"the address must be at most {limit} bytes", limit)
    if target + sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > limit:
        raise _Refused(431, f"the request line and headers must be at most {limit} bytes", limit)


def _check_declared_length(scope: Scope, limit: int) -> None:
    declared = [value for name, value in scope["headers"] if name.lower() == b"content-length"]
    if not declared:
        return
    if len(set(declared)) > 1 or not declared[0].isdigit():
        raise _Refused(400, "the Content-Length header is not a single whole number", limit)
    if int(declared[0]) > limit:
        raise _too_large(limit)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The whole body once, then whatever the server says next (a disconnect, in time)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
