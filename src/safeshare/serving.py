"""How `safeshare serve` runs the application: uvicorn, with every connection bounded in size and time.

The application bounds request bodies (request_limits.py). The server bounds the rest: the request line and
headers (`max_request_head_bytes`, h11's own limit), how long they may take to arrive (`request_head_seconds`,
which uvicorn does not have, so a client that opens connections and trickles headers cannot hold them), how
long an idle kept-alive connection stays open, and how many connections are served at once (beyond that, 503).
"""

from __future__ import annotations

import asyncio
import copy

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from safeshare.settings import Settings, load_settings

_HEAD_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


def head_timed_h11(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request line and headers take longer than `seconds`
    (counted from the connection opening, or from the first byte of a later request on it)."""

    class HeadTimedH11(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_timer = self.loop.call_later(seconds, self._head_timed_out)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the head has arrived
                self._stop_head_timer()
            elif self._head_timer is None and self.conn.trailing_data[0]:  # a later request has begun
                self._head_timer = self.loop.call_later(seconds, self._head_timed_out)

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self.transport.write(_HEAD_TIMED_OUT)
                self.transport.close()

    return HeadTimedH11


def logging_config() -> dict:
    """uvicorn's own logging, and SafeShare's: its security events (services/security_events.py) as bare JSON
    lines on standard error, for a log service to collect; its other messages as uvicorn prints its own."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["json_lines"] = {"format": "%(message)s"}
    config["handlers"]["security"] = {"class": "logging.StreamHandler", "formatter": "json_lines", "stream": "ext://sys.stderr"}
    config["loggers"]["safeshare"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"]["safeshare.security"] = {"handlers": ["security"], "level": "INFO", "propagate": False}
    return config


def serve(application, settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve `application` here, or with `workers` > 1 in that many processes sharing the port, each building its
    own app (and engine) from the same settings: use PostgreSQL for more than one."""
    several = workers > 1
    uvicorn.run(
        "safeshare.app:create_app" if several else application,
        factory=several,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        log_config=logging_config(),
        access_log=False,
        # A worker process is started afresh and imports its protocol by name (see __getattr__ below).
        http=f"{__name__}:HeadTimedH11FromSettings" if several else head_timed_h11(settings.request_head_seconds),
        h11_max_incomplete_event_size=settings.max_request_head_bytes,
        timeout_keep_alive=settings.keep_alive_seconds,
        limit_concurrency=settings.max_connections,
        timeout_worker_healthcheck=60,  # a worker loads the guidance before it answers; on a busy machine that is slow
    )


def __getattr__(name: str):
    # The protocol a worker process imports by name, timed by the settings that process reads, as its app does.
    if name == "HeadTimedH11FromSettings":
        return head_timed_h11(load_settings().request_head_seconds)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
