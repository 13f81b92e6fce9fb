"""`safeshare serve` under abuse, from raw sockets: oversized bodies (declared and chunked) and stalled ones at
once leave the server's memory where it was, each answered 413 or 408; a stalled request head, too long a head
and too many connections are refused by the server itself."""

from __future__ import annotations

import select
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import databases
from tests.servers import Server, free_ports

SECONDS = 2  # the server's body, head and keep-alive time limits in this test
MAX_CONNECTIONS = 24
MAX_HEAD = 8 * 1024
OVERSIZED = 16 * 1024 * 1024  # what each oversized client would send if the server let it
MEMORY_BOUND = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serve")
    url = databases.sqlite_url(directory)
    databases.new_schema_engine(url).dispose()
    limits = {
        "SAFESHARE_BODY_IDLE_SECONDS": str(SECONDS), "SAFESHARE_REQUEST_HEAD_SECONDS": str(SECONDS),
        "SAFESHARE_KEEP_ALIVE_SECONDS": str(SECONDS), "SAFESHARE_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "SAFESHARE_MAX_REQUEST_HEAD_BYTES": str(MAX_HEAD),
    }
    (port,) = free_ports(1)
    with Server(url, port, directory / "serve.log", settings=limits).start() as running:
        yield running.pid, port
        running.stop()


def memory(pid: int, field: str) -> int:
    """`VmRSS` (now) or `VmHWM` (the peak so far) of the process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


def answer(connection: socket.socket) -> tuple[int | None, dict[str, str], bytes]:
    """Status, headers and body of the response, read until the server closes the connection."""
    received = b""
    connection.settimeout(15)
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    connection.close()
    if not received:
        return None, {}, b""
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def request_head(path: str, framing: str, extra: str = "") -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{framing}\r\n{extra}\r\n".encode()


def oversized(port: int, path: str, chunked: bool):
    """Send a body far past the limit, declared or in chunks, until the server answers or closes."""
    connection = socket.create_connection(("127.0.0.1", port))
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {OVERSIZED}"
    connection.sendall(request_head(path, framing))
    block = b" " * 65536
    frame = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
    sent = 0
    try:
        while sent < OVERSIZED and not select.select([connection], [], [], 0)[0]:
            connection.sendall(frame)
            sent += len(block)
        if chunked and sent >= OVERSIZED:
            connection.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    return answer(connection)


def stalled(port: int, path: str):
    """Declare a body, send part of it, and send nothing more."""
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(request_head(path, "Content-Length: 1000") + b'{"name": "Ad')
    return answer(connection)


def test_oversized_and_stalled_bodies_leave_memory_bounded(server):
    pid, port = server
    oversized(port, "/api/v1/subjects/search", chunked=False)  # warm up: the code that answers is loaded
    oversized(port, "/sign-in", chunked=True)
    peak_before = memory(pid, "VmHWM")
    attacks = [
        *[(oversized, "/api/v1/subjects/search", False)] * 3,
        *[(oversized, "/api/v1/consents/fhir", False)] * 2,
        *[(oversized, "/sign-in", False)] * 2,
        *[(oversized, "/api/v1/subjects/search", True)] * 3,
        *[(oversized, "/share/record", True)] * 2,
        *[(stalled, "/api/v1/subjects/search", None)] * 3,
        *[(stalled, "/sign-in", None)] * 3,
    ]
    started = time.monotonic()
    with ThreadPoolExecutor(len(attacks)) as pool:
        futures = [pool.submit(attack, port, path) if chunked is None else pool.submit(attack, port, path, chunked) for attack, path, chunked in attacks]
        answers = [future.result() for future in futures]
    took = time.monotonic() - started
    grown = memory(pid, "VmHWM") - peak_before
    assert grown < MEMORY_BOUND, f"the server's peak memory grew by {grown // 2**20} MB"
    statuses = [status for status, _, _ in answers]
    assert statuses == [413] * 12 + [408] * 6, statuses
    for (status, headers, body), (_, path, _) in zip(answers, attacks):
        assert headers["connection"] == "close"
        if path.startswith("/api/"):
            assert headers["content-type"] == "application/json" and b'"field":"body"' in body
        else:
            assert headers["content-type"].startswith("text/html") and b"There is a problem" in body
    assert took < SECONDS + 8, took  # refused at once; the stalled ones as soon as they stalled for SECONDS


def test_a_stalled_request_head_is_cut_off(server):
    _, port = server
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    started = time.monotonic()
    status, _, _ = answer(connection)
    assert status == 408 and time.monotonic() - started < SECONDS + 5
    silent = socket.create_connection(("127.0.0.1", port))  # connects and never says anything
    started = time.monotonic()
    assert answer(silent)[0] == 408 and time.monotonic() - started < SECONDS + 5


def test_a_request_head_past_the_limit_is_refused(server):
    _, port = server
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * (MAX_HEAD + 1024))
    assert answer(connection)[0] == 400  # refused while it arrives, without waiting for its end
    whole = socket.create_connection(("127.0.0.1", port))
    whole.sendall(b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * (MAX_HEAD + 1024) + b"\r\n\r\n")
    assert answer(whole)[0] in (400, 431)  # by the server if it arrived in pieces, by the application if at once
    fits = socket.create_connection(("127.0.0.1", port))
    fits.sendall(b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: " + b"a" * (MAX_HEAD // 2) + b"\r\n\r\n")
    assert answer(fits)[0] == 200


def test_connections_past_the_limit_are_answered_503(server):
    _, port = server
    held = []
    for _ in range(MAX_CONNECTIONS):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # a head begun, not finished
        held.append(connection)
    try:
        time.sleep(0.2)  # let the server accept them all
        one_more = socket.create_connection(("127.0.0.1", port))
        one_more.sendall(b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert answer(one_more)[0] == 503
    finally:
        for connection in held:
            connection.close()
    deadline = time.monotonic() + 5
    while True:  # the held connections released, the server serves again
        connection = socket.create_connection(("127.0.0.1", port))
        connection.sendall(b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status = answer(connection)[0]
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status == 200
