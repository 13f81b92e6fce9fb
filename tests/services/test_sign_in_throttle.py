"""The sign-in throttle: per address, and per address and account, below the lock-out, shared between
processes through Redis."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from safeshare.domain.errors import AuthenticationFailed, ServiceUnavailable, TooManyAttempts
from safeshare.services import SafeShare
from safeshare.services.accounts import SIGN_IN_FAILED, SessionKind
from tests import databases
from tests.factories import PASSWORD

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def sign_in(services, key="practitioner_a", password=PASSWORD, client=OWNER):
    return services.accounts.sign_in(f"{key}@agency.example", password, SessionKind.TOKEN, client)


def credentials(world, key="practitioner_a"):
    with world.services.context.uow_factory() as uow:
        return uow.people.credentials(world.people[key].id)


def test_one_address_hammering_an_account_is_throttled_before_the_owner_is_locked_out(world):
    settings = world.services.context.settings
    refusals = []
    for _ in range(settings.max_failed_sign_ins * 4):
        try:
            sign_in(world.services, password="guessing", client=ATTACKER)
        except (AuthenticationFailed, TooManyAttempts) as error:
            refusals.append(type(error))
    allowed = 3  # sign_in_limit_per_address_and_account, below max_failed_sign_ins
    assert refusals == [AuthenticationFailed] * allowed + [TooManyAttempts] * (len(refusals) - allowed)
    assert credentials(world).locked_until is None
    assert credentials(world).failed_sign_ins == allowed
    # The owner, elsewhere, may even mistype once and still sign in; the attacker is still held up, even
    # with the right password.
    with pytest.raises(AuthenticationFailed):
        sign_in(world.services, password="typo", client=OWNER)
    assert sign_in(world.services, client=OWNER)[0]
    with pytest.raises(TooManyAttempts):
        sign_in(world.services, client=ATTACKER)


def test_the_throttled_answer_does_not_tell_whether_the_account_exists(world):
    answers = {}
    for email in ("practitioner_a@agency.example", "nobody@agency.example"):
        for _ in range(3):
            with pytest.raises(AuthenticationFailed, match=SIGN_IN_FAILED):
                world.services.accounts.sign_in(email, "guessing", SessionKind.TOKEN, ATTACKER)
        with pytest.raises(TooManyAttempts) as throttled:
            world.services.accounts.sign_in(email, "guessing", SessionKind.TOKEN, ATTACKER)
        answers[email] = throttled.value.message
    assert len(set(answers.values())) == 1
    assert "wait 15 minutes" in answers["nobody@agency.example"]


def test_one_address_trying_many_accounts_is_throttled(engine, settings, clock):
    tight = settings.model_copy(update={"sign_in_limit_per_address": "5 per minute"})
    services = SafeShare.build(engine, tight, clock)
    for n in range(5):
        with pytest.raises(AuthenticationFailed):
            services.accounts.sign_in(f"person{n}@agency.example", "guessing", SessionKind.TOKEN, ATTACKER)
    with pytest.raises(TooManyAttempts) as throttled:
        services.accounts.sign_in("person6@agency.example", "guessing", SessionKind.TOKEN, ATTACKER)
    assert 0 < throttled.value.retry_after_seconds <= 60
    # Another address is not held up by it.
    with pytest.raises(AuthenticationFailed):
        services.accounts.sign_in("person6@agency.example", "guessing", SessionKind.TOKEN, OWNER)


def test_signing_in_clears_the_count_for_that_address_and_account(world):
    for _ in range(2):
        for _ in range(2):
            with pytest.raises(AuthenticationFailed):
                sign_in(world.services, password="typo", client=OWNER)
        assert sign_in(world.services, client=OWNER)[0]
    assert sign_in(world.services, client=OWNER)[0]


def test_failures_outside_the_window_do_not_add_up_to_a_lock_out(world, clock):
    """Spread thinly enough, even guesses from many addresses never lock the owner out."""
    settings = world.services.context.settings
    for n in range(settings.max_failed_sign_ins - 1):
        with pytest.raises(AuthenticationFailed):
            sign_in(world.services, password="guessing", client=f"192.0.2.{n}")
    clock.advance(minutes=settings.failed_sign_in_window_minutes)
    with pytest.raises(AuthenticationFailed):
        sign_in(world.services, password="guessing", client="192.0.2.99")
    assert credentials(world).locked_until is None
    assert credentials(world).failed_sign_ins == 1


def test_confirming_a_password_again_is_throttled_with_signing_in(world):
    """A stolen session cannot guess the password for break-glass faster than a sign-in could."""
    _, actor = sign_in(world.services, client=ATTACKER)
    with pytest.raises(AuthenticationFailed):
        sign_in(world.services, password="guessing", client=ATTACKER)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            world.services.accounts.reauthenticate(actor, "guessing")
    with pytest.raises(TooManyAttempts):
        world.services.accounts.reauthenticate(actor, PASSWORD)
    assert credentials(world).locked_until is None
    with pytest.raises(TooManyAttempts):
        world.services.accounts.reauthenticate(dataclasses.replace(actor, client=ATTACKER), PASSWORD)
    world.services.accounts.reauthenticate(dataclasses.replace(actor, client=OWNER), PASSWORD)


# ------------------------------------------------------------------ shared between processes


@pytest.fixture
def redis_settings(settings):
    """Settings whose throttle counts in the suite's Redis, under a prefix no other test uses."""
    import redis

    url = databases.redis_url()
    prefix = f"safeshare-test-{uuid.uuid4().hex}"
    yield settings.model_copy(update={"rate_limit_storage": url, "rate_limit_key_prefix": prefix})
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_two_server_processes_share_one_count_through_redis(engine, redis_settings, clock, world):
    """Two instances of the service, as two server processes would have, each with its own throttle."""
    first = SafeShare.build(engine, redis_settings, clock)
    second = SafeShare.build(engine, redis_settings, clock)
    assert first.context.throttle is not second.context.throttle
    for services in (first, second, first):
        with pytest.raises(AuthenticationFailed):
            sign_in(services, password="guessing", client=ATTACKER)
    with pytest.raises(TooManyAttempts):
        sign_in(second, password="guessing", client=ATTACKER)
    # Each in memory alone would have let it through.
    alone = SafeShare.build(engine, redis_settings.model_copy(update={"rate_limit_storage": "memory://"}), clock)
    with pytest.raises(AuthenticationFailed):
        sign_in(alone, password="guessing", client=ATTACKER)


def test_redis_out_of_reach_refuses_sign_in_rather_than_going_on_unthrottled(engine, settings, clock, world):
    unreachable = settings.model_copy(update={"rate_limit_storage": "redis://127.0.0.1:8129/3"})
    services = SafeShare.build(engine, unreachable, clock)
    with pytest.raises(ServiceUnavailable):
        sign_in(services)
