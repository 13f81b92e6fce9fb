"""`/healthz` tells a load balancer or supervisor whether this process can serve, without a sign-in."""

from fastapi.testclient import TestClient

from safeshare.app import create_app
from safeshare.services import SafeShare
from safeshare.settings import Environment, Settings
from safeshare.store.engine import make_engine
from tests.factories import TEST_SECRET_KEY


def test_healthz_answers_without_a_sign_in_when_the_database_answers(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer():
    unreachable = "postgresql://postgres@127.0.0.1:1/nowhere"
    settings = Settings(environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=unreachable)
    engine = make_engine(unreachable)
    try:
        with TestClient(create_app(settings, SafeShare.build(engine, settings))) as client:
            response = client.get("/healthz")
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}
