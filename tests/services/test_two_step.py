"""Two-step sign-in: RFC 6238 codes and recovery codes, required for the roles that need it, optional for
everyone else, never accepted twice, and kept encrypted or hashed."""

from __future__ import annotations

import itertools

import pyotp
import pytest
from sqlalchemy import select

from safeshare.domain.errors import AuthenticationFailed, Forbidden, InvalidInput
from safeshare.domain.people import TWO_STEP_ROLES, Role
from safeshare.services.accounts import CODE_NEEDED, CODE_REFUSED, SecondStepRequired, SessionKind, Stage
from safeshare.services.context import Channel
from safeshare.store.tables import recovery_codes, sessions, two_step_secrets
from tests.factories import PASSWORD, TWO_STEP, add_person, code_for, set_up_two_step


def email(key):
    return f"{key}@agency.example"


def code_at(secret, clock, steps_ahead=0):
    return pyotp.TOTP(secret).at(clock.now.timestamp() + 30 * steps_ahead)


def partial_sign_in(services, key, password=PASSWORD, client="local"):
    with pytest.raises(SecondStepRequired) as partial:
        services.accounts.sign_in(email(key), password, SessionKind.WEB, client)
    return partial.value


@pytest.mark.parametrize("role", sorted(TWO_STEP_ROLES))
def test_roles_that_need_two_step_sign_in_can_do_nothing_until_it_is_set_up(world, role):
    services = world.services
    key = f"new_{role.value}"
    add_person_without_two_step(world, key, role)
    with pytest.raises(Forbidden, match="needs two-step sign-in"):
        services.accounts.sign_in(email(key), PASSWORD, SessionKind.TOKEN)
    partial = partial_sign_in(services, key)
    assert partial.stage is Stage.ENROL
    with pytest.raises(AuthenticationFailed):  # the partial session reaches no use case
        services.accounts.authenticate(partial.token, SessionKind.WEB, Channel.WEB)


def add_person_without_two_step(world, key, *roles):
    from safeshare.domain.people import PersonDetails

    details = PersonDetails(agency_id=world.agency_a, name=key.replace("_", " ").title(), email=email(key), roles=frozenset(roles))
    return world.services.directory.add_person(world.admin, details, PASSWORD)


def test_setting_it_up_takes_a_first_code_and_gives_recovery_codes_once(world, clock):
    services = world.services
    add_person_without_two_step(world, "siro_a", Role.SIRO)
    partial = partial_sign_in(services, "siro_a")
    set_up = services.accounts.start_two_step(partial.token)
    assert services.accounts.start_two_step(partial.token).secret == set_up.secret  # the same until confirmed
    assert set_up.uri.startswith("otpauth://totp/SafeShare:siro_a%40agency.example?secret=")
    with pytest.raises(InvalidInput, match="code"):
        services.accounts.confirm_two_step(partial.token, "000000" if code_at(set_up.secret, clock) != "000000" else "111111", "local")
    new_token, codes = services.accounts.confirm_two_step(partial.token, code_at(set_up.secret, clock), "local")
    assert len(codes) == len(set(codes)) == 10
    assert services.accounts.authenticate(new_token, SessionKind.WEB, Channel.WEB).person_id
    with pytest.raises(AuthenticationFailed):  # the partial session was replaced, not promoted
        services.accounts.authenticate(partial.token, SessionKind.WEB, Channel.WEB)
    # From now on the password alone is not enough.
    with pytest.raises(AuthenticationFailed, match=CODE_NEEDED):
        services.accounts.sign_in(email("siro_a"), PASSWORD, SessionKind.TOKEN)
    token, _ = services.accounts.sign_in(email("siro_a"), PASSWORD, SessionKind.TOKEN, code=code_at(set_up.secret, clock, 1))
    assert token


def test_the_secret_is_encrypted_and_recovery_codes_are_only_hashed(world, engine):
    keys = TWO_STEP[email("ig_lead_a")]
    with engine.connect() as connection:
        stored = connection.execute(select(two_step_secrets.c.secret)).scalars().all()
        hashes = connection.execute(select(recovery_codes.c.code_hash)).scalars().all()
    assert stored and all(keys.secret not in s and len(s) > 100 for s in stored)
    normalised = {c.replace("-", "") for c in keys.recovery_codes}
    assert hashes and not normalised & set(hashes)
    assert all(len(h) == 64 for h in hashes)


def test_a_code_is_never_accepted_twice(world, clock):
    services = world.services
    keys = TWO_STEP[email("ig_lead_a")]
    clients = (f"192.0.2.{n}" for n in itertools.count(1))  # each from elsewhere, so that the throttle is not what refuses

    def sign_in(code):
        return services.accounts.sign_in(email("ig_lead_a"), PASSWORD, SessionKind.TOKEN, next(clients), code=code)

    code = code_at(keys.secret, clock, 1)
    assert sign_in(code)[0]
    with pytest.raises(AuthenticationFailed, match=CODE_REFUSED):  # the same code, in the same window
        sign_in(code)
    with pytest.raises(AuthenticationFailed, match=CODE_REFUSED):  # nor an older one still in the window
        sign_in(code_at(keys.secret, clock))
    clock.advance(seconds=30)
    with pytest.raises(AuthenticationFailed, match=CODE_REFUSED):  # 30 seconds on, still within the drift allowance
        sign_in(code)
    assert sign_in(code_at(keys.secret, clock, 1))[0]


def test_a_recovery_code_works_once(world):
    services = world.services
    recovery = TWO_STEP[email("auditor")].recovery_codes[0]
    assert services.accounts.sign_in(email("auditor"), PASSWORD, SessionKind.TOKEN, code=recovery.upper())[0]
    with pytest.raises(AuthenticationFailed, match=CODE_REFUSED):
        services.accounts.sign_in(email("auditor"), PASSWORD, SessionKind.TOKEN, code=recovery)


def test_wrong_codes_count_towards_the_lock_out(world):
    services = world.services
    limit = services.context.settings.max_failed_sign_ins
    clients = (f"192.0.2.{n}" for n in itertools.count(1))
    for _ in range(limit):
        with pytest.raises(AuthenticationFailed):
            services.accounts.sign_in(email("admin"), PASSWORD, SessionKind.TOKEN, next(clients), code="123456")
    with pytest.raises(AuthenticationFailed, match="email address or password"):  # locked, whatever the code
        services.accounts.sign_in(email("admin"), PASSWORD, SessionKind.TOKEN, next(clients), code=code_for(services, email("admin")))


def test_code_guesses_are_throttled_like_passwords(world):
    services = world.services
    from safeshare.domain.errors import TooManyAttempts

    outcomes = []
    for _ in range(3):
        try:
            services.accounts.sign_in(email("admin"), PASSWORD, SessionKind.TOKEN, "203.0.113.9", code="123456")
        except (AuthenticationFailed, TooManyAttempts) as error:
            outcomes.append(type(error))
    assert outcomes[-1] is TooManyAttempts


def test_anyone_may_choose_two_step_sign_in(world, clock):
    services = world.services
    token, _ = services.accounts.sign_in(email("practitioner_a"), PASSWORD, SessionKind.WEB)  # optional: not asked
    set_up = services.accounts.start_two_step(token)
    new_token, codes = services.accounts.confirm_two_step(token, code_at(set_up.secret, clock), "local")
    assert new_token is None and len(codes) == 10  # the session was already complete, and stays
    assert services.accounts.authenticate(token, SessionKind.WEB, Channel.WEB)
    assert partial_sign_in(services, "practitioner_a").stage is Stage.SECOND_STEP
    with pytest.raises(AuthenticationFailed, match=CODE_NEEDED):
        services.accounts.sign_in(email("practitioner_a"), PASSWORD, SessionKind.TOKEN)


def test_the_web_second_step_replaces_the_partial_session(world, clock, engine):
    services = world.services
    partial = partial_sign_in(services, "ig_lead_a")
    assert partial.stage is Stage.SECOND_STEP
    with pytest.raises(AuthenticationFailed, match=CODE_REFUSED):
        services.accounts.complete_second_step(partial.token, "000000", "local")
    token = services.accounts.complete_second_step(partial.token, code_for(services, email("ig_lead_a")), "local")
    assert services.accounts.authenticate(token, SessionKind.WEB, Channel.WEB).person_id == world.people["ig_lead_a"].id
    with pytest.raises(AuthenticationFailed):
        services.accounts.partial_session(partial.token, Stage.SECOND_STEP)
    with engine.connect() as connection:
        stages = connection.execute(select(sessions.c.stage).where(sessions.c.person_id == world.people["ig_lead_a"].id)).scalars().all()
    assert Stage.SECOND_STEP.value not in stages and stages.count("complete") == 2  # set-up's session, and this one


def test_a_partial_session_ends_with_the_idle_time(world, clock):
    services = world.services
    partial = partial_sign_in(services, "ig_lead_a")
    clock.advance(minutes=services.context.settings.session_idle_minutes + 1)
    with pytest.raises(AuthenticationFailed, match="timed out"):
        services.accounts.complete_second_step(partial.token, code_for(services, email("ig_lead_a")), "local")


def test_the_same_code_sent_twice_at_once_signs_in_once(world, clock):
    from tests.threads import run_threads

    keys = TWO_STEP[email("ig_lead_a")]
    code = code_at(keys.secret, clock, 1)
    outcomes = run_threads(
        4, lambda i: world.services.accounts.sign_in(email("ig_lead_a"), PASSWORD, SessionKind.TOKEN, f"192.0.2.{i}", code=code)
    )
    assert sum(isinstance(o, tuple) for o in outcomes) == 1
    assert all(isinstance(o, (tuple, AuthenticationFailed)) for o in outcomes), outcomes


def test_the_suite_helper_sets_up_people_it_adds_with_such_roles(world):
    person = add_person(world.services, world.admin, world.agency_a, "caldicott_a", Role.CALDICOTT_GUARDIAN)
    assert email("caldicott_a") in TWO_STEP and person.roles == {Role.CALDICOTT_GUARDIAN}
    set_up_again = pytest.raises(Exception)
    with set_up_again:
        set_up_two_step(world.services, email("caldicott_a"))  # already set up: the person is asked for a code instead
