"""Real `safeshare serve` processes, for the tests and benches that need them: each binds 127.0.0.1 on a port
of this checkout's range (SAFESHARE_TEST_PORTS, split between pytest-xdist workers so two never pick the same),
is waited for until `/healthz` answers, and is stopped, or killed with SIGKILL as a crash would."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.factories import TEST_SECRET_KEY

PORTS = os.environ.get("SAFESHARE_TEST_PORTS", "8170-8199")
START_TIMEOUT = 60.0


def _ports_of_this_worker() -> list[int]:
    low, high = (int(end) for end in PORTS.split("-"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return [port for port in range(low, high + 1) if (port - low) % workers == worker]


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    found = [port for port in _ports_of_this_worker() if _free(port)][:count]
    if len(found) < count:
        raise RuntimeError(f"fewer than {count} free ports in {PORTS} for this worker")
    return found


def _server_environment(database_url: str, settings: dict[str, str]) -> dict[str, str]:
    # Only what the test chooses: nothing of the caller's own SafeShare configuration leaks in.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("SAFESHARE_")}
    environment.update(SAFESHARE_DATABASE_URL=database_url, SAFESHARE_ENVIRONMENT="test", SAFESHARE_SECRET_KEY=TEST_SECRET_KEY)
    environment.update(settings)
    return environment


class Server:
    """One `safeshare serve` process on a database; `start` again after `kill` for the same port and database.
    `settings` are further SAFESHARE_* variables for the process (its limits, say)."""

    def __init__(self, database_url: str, port: int, log_path: Path, workers: int = 1,
                 settings: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.port = port
        self.log_path = log_path
        self.workers = workers
        self.settings = settings or {}
        self._process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def start(self) -> Server:
        return self.launch().wait_until_healthy()

    def launch(self) -> Server:
        """Start the process without waiting for it (to start several at once)."""
        if not _free(self.port):  # else another process's /healthz could pass for this one's
            raise RuntimeError(f"port {self.port} is in use by another process")
        command = [str(Path(sys.executable).with_name("safeshare")), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, env=_server_environment(self.database_url, self.settings), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,  # its own process group: workers die with it
            )
        return self

    def wait_until_healthy(self) -> Server:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server on port {self.port} exited at start-up:\n{self.log_tail()}")
            try:
                status, _ = request(self.port, "GET", "/healthz", timeout=2)
            except OSError:
                status = None
            if status == 200:
                return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the server on port {self.port} did not become healthy in {START_TIMEOUT}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no finished requests, as when the machine or the process dies."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        """SIGTERM: uvicorn finishes the requests under way, then exits."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        if self._process is not None:
            self._process.wait(timeout=20)
            self._process = None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info) -> None:
        self.kill()


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None,
            timeout: float = 30.0, connection: http.client.HTTPConnection | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict | None]:
    """One request to a server on 127.0.0.1; (status, JSON body). Connection failures raise OSError."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise OSError(f"{method} {path} on port {port}: {error!r}") from error
    finally:
        if own:
            connection.close()
    return response.status, json.loads(raw) if raw else None


def sign_in(port: int, email: str, password: str) -> str:
    status, body = request(port, "POST", "/api/v1/auth/token", {"email": email, "password": password})
    if status != 200:
        raise RuntimeError(f"signing in {email} failed: {status} {body}")
    return body["access_token"]
