from __future__ import annotations

import datetime as dt
import os

import pytest
from fastapi.testclient import TestClient

from safeshare.app import create_app
from safeshare.services import SafeShare
from safeshare.settings import Environment, Settings
from tests import databases
from tests.factories import TEST_SECRET_KEY, World, build_world


class FrozenClock:
    """A clock tests move by hand, so time-outs and review dates are exact."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(scope="session", autouse=True)
def _no_network():
    """Tests talk only to this machine: a connection anywhere else fails the test that made it."""
    import ipaddress
    import socket

    real_connect = socket.socket.connect

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
                raise RuntimeError(f"tests may not reach the network ({host})")
        return real_connect(sock, address)

    socket.socket.connect = connect
    yield
    socket.socket.connect = real_connect


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2id():
    """Still argon2id, at the lowest cost, so the suite does not spend its time hashing."""
    from argon2 import PasswordHasher

    from safeshare.services import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def _postgres_engine(worker_id: str):
    url = databases.postgres_database_url(f"{databases.POSTGRES_DATABASE_PREFIX}_{worker_id}")
    engine = databases.new_schema_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(request, tmp_path) -> str:
    if databases.backend() == "postgresql":
        engine = request.getfixturevalue("_postgres_engine")
        databases.empty_all_tables(engine)
        return engine.url.render_as_string(hide_password=False)
    return databases.sqlite_url(tmp_path)


@pytest.fixture
def engine(request, database_url):
    if databases.backend() == "postgresql":
        yield request.getfixturevalue("_postgres_engine")
        return
    engine = databases.new_schema_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=database_url)


@pytest.fixture
def services(engine, settings, clock) -> SafeShare:
    return SafeShare.build(engine, settings, clock)


@pytest.fixture
def world(services) -> World:
    return build_world(services)


@pytest.fixture
def api(services, settings) -> TestClient:
    with TestClient(create_app(settings, services)) as client:
        yield client


@pytest.fixture(autouse=True)
def _no_ambient_token(monkeypatch):
    monkeypatch.delenv("SAFESHARE_TOKEN", raising=False)
    for name in [n for n in os.environ if n.startswith("SAFESHARE_") and not n.startswith("SAFESHARE_TEST_")]:
        monkeypatch.delenv(name)
