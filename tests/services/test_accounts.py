import dataclasses
import itertools

import pytest

from safeshare.domain.errors import AuthenticationFailed
from safeshare.services.accounts import SIGN_IN_FAILED, SessionKind
from safeshare.services.context import Channel
from tests.factories import PASSWORD


def sign_in(world, key="practitioner_a", password=PASSWORD, kind=SessionKind.TOKEN, client="local"):
    return world.services.accounts.sign_in(f"{key}@agency.example", password, kind, client)


def addresses():
    """A different address for each guess: the lock-out is what stops guessing spread over many places."""
    return (f"192.0.2.{n}" for n in itertools.count(1))


def test_sign_in_issues_a_token_that_authenticates(world):
    token, actor = sign_in(world)
    again = world.services.accounts.authenticate(token, SessionKind.TOKEN, Channel.CLI)
    assert again.person_id == actor.person_id == world.people["practitioner_a"].id
    assert again.channel is Channel.CLI


def test_wrong_password_and_unknown_email_get_the_same_answer(world):
    with pytest.raises(AuthenticationFailed) as wrong:
        sign_in(world, password="not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        world.services.accounts.sign_in("nobody@agency.example", PASSWORD, SessionKind.TOKEN)
    assert wrong.value.message == unknown.value.message == SIGN_IN_FAILED


def test_repeated_failures_lock_the_account_until_the_lockout_ends(world, clock):
    for _, client in zip(range(world.services.context.settings.max_failed_sign_ins), addresses()):
        with pytest.raises(AuthenticationFailed):
            sign_in(world, password="guessing", client=client)
    with pytest.raises(AuthenticationFailed):
        sign_in(world)  # even the right password is refused while locked
    clock.advance(minutes=world.services.context.settings.lockout_minutes + 1)
    token, _ = sign_in(world)
    assert token


def test_wrong_passwords_when_confirming_again_count_towards_the_lockout(world):
    _, actor = sign_in(world)
    for _, client in zip(range(world.services.context.settings.max_failed_sign_ins), addresses()):
        with pytest.raises(AuthenticationFailed):
            world.services.accounts.reauthenticate(dataclasses.replace(actor, client=client), "guessing")
    with pytest.raises(AuthenticationFailed):
        world.services.accounts.reauthenticate(actor, PASSWORD)  # locked: not even the right one
    with pytest.raises(AuthenticationFailed):
        sign_in(world)


def test_a_success_resets_the_failure_count(world):
    limit = world.services.context.settings.max_failed_sign_ins
    clients = addresses()
    for _ in range(limit - 1):
        with pytest.raises(AuthenticationFailed):
            sign_in(world, password="guessing", client=next(clients))
    sign_in(world)
    for _ in range(limit - 1):
        with pytest.raises(AuthenticationFailed):
            sign_in(world, password="guessing", client=next(clients))
    assert sign_in(world)[0]


def test_disabling_an_account_ends_every_session_at_once(world):
    web_token, _ = sign_in(world, kind=SessionKind.WEB)
    api_token, _ = sign_in(world)
    world.services.directory.set_disabled(world.admin, world.people["practitioner_a"].id, True)
    for token, kind in ((web_token, SessionKind.WEB), (api_token, SessionKind.TOKEN)):
        with pytest.raises(AuthenticationFailed):
            world.services.accounts.authenticate(token, kind, Channel.API)
    with pytest.raises(AuthenticationFailed):
        sign_in(world)
    # The sessions were ended, not just refused while disabled: enabling the account again does not revive them.
    world.services.directory.set_disabled(world.admin, world.people["practitioner_a"].id, False)
    for token, kind in ((web_token, SessionKind.WEB), (api_token, SessionKind.TOKEN)):
        with pytest.raises(AuthenticationFailed):
            world.services.accounts.authenticate(token, kind, Channel.API)
    fresh, _ = sign_in(world)
    assert world.services.accounts.authenticate(fresh, SessionKind.TOKEN, Channel.API).person_id == world.people["practitioner_a"].id


def test_web_sessions_end_after_idle_time_and_absolute_time(world, clock):
    settings = world.services.context.settings
    token, _ = sign_in(world, kind=SessionKind.WEB)
    clock.advance(minutes=settings.session_idle_minutes + 1)
    with pytest.raises(AuthenticationFailed, match="timed out"):
        world.services.accounts.authenticate(token, SessionKind.WEB, Channel.WEB)
    token, _ = sign_in(world, kind=SessionKind.WEB)
    for _ in range(settings.session_absolute_hours * 60 // (settings.session_idle_minutes - 1) + 2):
        clock.advance(minutes=settings.session_idle_minutes - 1)
        try:
            world.services.accounts.authenticate(token, SessionKind.WEB, Channel.WEB)
        except AuthenticationFailed:
            break
    else:
        pytest.fail("an active web session outlived its absolute limit")


def test_a_web_session_token_is_not_an_api_token(world):
    token, _ = sign_in(world, kind=SessionKind.WEB)
    with pytest.raises(AuthenticationFailed):
        world.services.accounts.authenticate(token, SessionKind.TOKEN, Channel.API)


def test_sign_out_ends_the_session(world):
    token, _ = sign_in(world)
    world.services.accounts.sign_out(token)
    with pytest.raises(AuthenticationFailed):
        world.services.accounts.authenticate(token, SessionKind.TOKEN, Channel.API)


def test_passwords_are_stored_as_argon2id(world, engine):
    from sqlalchemy import select

    from safeshare.store.tables import people

    with engine.connect() as connection:
        stored = connection.execute(select(people.c.password_hash).where(people.c.email == "practitioner_a@agency.example")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


class CountingHasher:
    """argon2id as the suite configures it, counting every verification."""

    def __init__(self, hasher):
        self._hasher = hasher
        self.verifications = 0

    def verify(self, password_hash, password):
        self.verifications += 1
        return self._hasher.verify(password_hash, password)

    def __getattr__(self, name):
        return getattr(self._hasher, name)


@pytest.fixture
def argon2_calls(monkeypatch):
    from safeshare.services import passwords

    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def _lock(world, key):
    for _, client in zip(range(world.services.context.settings.max_failed_sign_ins), addresses()):
        with pytest.raises(AuthenticationFailed):
            sign_in(world, key, password="guessing", client=client)


@pytest.mark.parametrize(
    ("path", "email_key", "password"),
    [
        ("unknown email", None, PASSWORD),
        ("wrong password", "practitioner_a", "not the password"),
        ("disabled, right password", "dsl_a", PASSWORD),
        ("disabled, wrong password", "dsl_a", "not the password"),
        ("locked, right password", "practitioner_b", PASSWORD),
        ("locked, wrong password", "practitioner_b", "not the password"),
    ],
)
def test_every_failed_sign_in_does_the_same_work_as_a_wrong_password(world, argon2_calls, path, email_key, password):
    """Timing would tell which emails exist if some failures skipped the argon2 verification."""
    world.services.directory.set_disabled(world.admin, world.people["dsl_a"].id, True)
    _lock(world, "practitioner_b")
    argon2_calls.verifications = 0
    email = f"{email_key}@agency.example" if email_key else "nobody@agency.example"
    with pytest.raises(AuthenticationFailed) as refused:
        world.services.accounts.sign_in(email, password, SessionKind.TOKEN)
    assert refused.value.message == SIGN_IN_FAILED
    assert argon2_calls.verifications == 1, path


def test_confirming_again_on_a_locked_account_does_the_same_work(world, argon2_calls):
    _, actor = sign_in(world)
    for _, client in zip(range(world.services.context.settings.max_failed_sign_ins), addresses()):
        with pytest.raises(AuthenticationFailed):
            world.services.accounts.reauthenticate(dataclasses.replace(actor, client=client), "guessing")
    argon2_calls.verifications = 0
    with pytest.raises(AuthenticationFailed):
        world.services.accounts.reauthenticate(actor, PASSWORD)
    assert argon2_calls.verifications == 1


def test_guesses_while_locked_neither_count_nor_extend_the_lock(world, clock):
    _lock(world, "practitioner_a")
    clock.advance(minutes=world.services.context.settings.lockout_minutes - 1)
    with pytest.raises(AuthenticationFailed):
        sign_in(world, password="guessing", client="198.51.100.1")
    clock.advance(minutes=2)
    assert sign_in(world)[0]


def test_concurrent_wrong_passwords_are_each_counted(world):
    """The count is an increment in the database, so guesses made at once cannot overwrite one another."""
    from tests.threads import run_threads

    limit = world.services.context.settings.max_failed_sign_ins
    outcomes = run_threads(limit, lambda i: sign_in(world, password="guessing", client=f"192.0.2.{i}"))
    assert all(isinstance(o, AuthenticationFailed) for o in outcomes), outcomes
    with pytest.raises(AuthenticationFailed):
        sign_in(world)  # locked by exactly `limit` failures, however they interleaved
