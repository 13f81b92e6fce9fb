"""A person's own password and sessions, and an administrator signing someone out everywhere."""

from __future__ import annotations

import dataclasses

import pytest

from safeshare.domain.errors import AuthenticationFailed, Forbidden, InvalidInput, NotFound
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Channel
from safeshare.services.passwords import check_password_strength
from tests.factories import PASSWORD
from tests.threads import run_threads

NEW_PASSWORD = "quiet otter under a blue bridge"


def sign_in(world, key="practitioner_a", password=PASSWORD, kind=SessionKind.WEB):
    return world.services.accounts.sign_in(f"{key}@agency.example", password, kind)


def alive(world, token, kind=SessionKind.WEB) -> bool:
    try:
        world.services.accounts.authenticate(token, kind, Channel.WEB if kind is SessionKind.WEB else Channel.API)
    except AuthenticationFailed:
        return False
    return True


def problem(error: pytest.ExceptionInfo) -> tuple[str, str]:
    return error.value.problems[0].field, error.value.problems[0].message


# ---------------------------------------------------------------- changing one's own password

def test_changing_the_password_ends_the_other_sessions_and_replaces_the_current_one(world):
    token, actor = sign_in(world)
    other_web, _ = sign_in(world)
    api_token, _ = sign_in(world, kind=SessionKind.TOKEN)
    changed = world.services.account_settings.change_password(actor, PASSWORD, NEW_PASSWORD)
    assert changed.sessions_ended == 2
    assert changed.new_session_token and changed.new_session_token != token
    assert not alive(world, token), "the old token of the current session must stop working (ASVS 7.2.4)"
    assert alive(world, changed.new_session_token)
    assert not alive(world, other_web) and not alive(world, api_token, SessionKind.TOKEN)
    with pytest.raises(AuthenticationFailed):
        sign_in(world)
    assert sign_in(world, password=NEW_PASSWORD)[0]


def test_the_other_sessions_can_be_kept(world):
    _token, actor = sign_in(world)
    other, _ = sign_in(world)
    changed = world.services.account_settings.change_password(actor, PASSWORD, NEW_PASSWORD, end_other_sessions=False)
    assert changed.sessions_ended == 0
    assert alive(world, other)


def test_an_api_token_changing_the_password_keeps_working(world):
    token, actor = sign_in(world, kind=SessionKind.TOKEN)
    changed = world.services.account_settings.change_password(actor, PASSWORD, NEW_PASSWORD)
    assert changed.new_session_token is None
    assert alive(world, token, SessionKind.TOKEN)


def test_a_wrong_current_password_changes_nothing_and_counts_towards_lock_out(world):
    _token, actor = sign_in(world)
    limit = world.services.context.settings.max_failed_sign_ins
    for attempt in range(limit):
        # From as many addresses as guesses: from one, the throttle stops them before the lock-out would.
        guesser = dataclasses.replace(actor, client=f"192.0.2.{attempt + 1}")
        with pytest.raises(InvalidInput) as error:
            world.services.account_settings.change_password(guesser, "not my password at all", NEW_PASSWORD)
        assert problem(error)[0] == "current_password"
    with pytest.raises(AuthenticationFailed):
        sign_in(world)  # locked out, although the password is right
    with pytest.raises(AuthenticationFailed):
        sign_in(world, password=NEW_PASSWORD)


@pytest.mark.parametrize(
    ("new_password", "says"),
    [
        ("short one", "at least 12 characters"),
        ("x" * 129, "at most 128 characters"),
        ("password1234", "too easy to guess"),
        ("qwertyuiopasdf", "too easy to guess"),
        ("Practitioner A 2026!", "name, email address, agency"),  # the person's own name
        ("agency b school rules", "name, email address, agency"),  # another agency of the partnership
        ("safeshare safeguarding", "name, email address, agency"),  # the service's own words
        (PASSWORD, "different from your current password"),
    ],
)
def test_weak_common_or_context_passwords_are_refused_naming_the_field(world, new_password, says):
    _token, actor = sign_in(world)
    with pytest.raises(InvalidInput) as error:
        world.services.account_settings.change_password(actor, PASSWORD, new_password)
    field, message = problem(error)
    assert field == "password" and says in message
    assert sign_in(world)[0], "the password is unchanged"


def test_long_passwords_of_any_characters_are_allowed(world):
    _token, actor = sign_in(world)
    long_one = "Ünïcödé 🦦 pässwörds, spaces & symbols: " + "sphinx of black quartz judge my vow " * 2
    assert 64 < len(long_one) <= 128
    world.services.account_settings.change_password(actor, PASSWORD, long_one)
    assert sign_in(world, password=long_one)[0]


def test_the_feedback_is_zxcvbns_advice():
    with pytest.raises(InvalidInput) as error:
        check_password_strength("Password1234!")
    assert "commonly used password" in error.value.message


def test_an_administrator_cannot_set_or_give_a_weak_password(world):
    person_id = world.people["practitioner_a"].id
    with pytest.raises(InvalidInput) as error:
        world.services.directory.set_password(world.admin, person_id, "practitioner_a@agency.example")
    assert problem(error)[0] == "password"
    details = world.people["practitioner_a"].details.model_copy(update={"email": "new@agency.example", "name": "Newcomer Person"})
    with pytest.raises(InvalidInput) as error:
        world.services.directory.add_person(world.admin, details, "Newcomer Person 1")
    assert problem(error)[0] == "password"


def test_concurrent_changes_are_made_in_turn(world):
    """Two changes at once with the same current password: the first wins, the second finds it wrong."""
    _token, actor = sign_in(world, kind=SessionKind.TOKEN)
    candidates = ["first new passphrase of mine", "second new passphrase of mine"]
    outcomes = run_threads(2, lambda i: world.services.account_settings.change_password(actor, PASSWORD, candidates[i]))
    assert sum(isinstance(o, InvalidInput) for o in outcomes) == 1, outcomes
    winner = next(c for c, o in zip(candidates, outcomes, strict=True) if not isinstance(o, Exception))
    assert sign_in(world, password=winner)[0]


# ---------------------------------------------------------------- one's own sessions

def test_my_sessions_lists_only_my_live_sessions_with_the_current_one_marked(world, clock):
    token, actor = sign_in(world)
    sign_in(world, kind=SessionKind.TOKEN)
    sign_in(world, "practitioner_b")
    clock.advance(minutes=1)
    sessions = world.services.account_settings.my_sessions(actor)
    assert sorted(s.kind for s in sessions) == ["token", "web"]
    assert [s.current for s in sessions].count(True) == 1
    assert next(s for s in sessions if s.current).kind == "web"
    shown = repr([s.model_dump() for s in sessions])
    from safeshare.services.accounts import token_hash

    assert token not in shown and token_hash(token) not in shown
    clock.advance(minutes=world.services.context.settings.session_idle_minutes + 1)
    assert [s.kind for s in world.services.account_settings.my_sessions(actor)] == ["token"], "an idle web session is over"


def test_ending_one_of_my_sessions(world):
    _token, actor = sign_in(world)
    other, _ = sign_in(world, kind=SessionKind.TOKEN)
    target = next(s for s in world.services.account_settings.my_sessions(actor) if not s.current)
    world.services.account_settings.end_my_session(actor, target.id)
    assert not alive(world, other, SessionKind.TOKEN)
    with pytest.raises(NotFound):
        world.services.account_settings.end_my_session(actor, target.id)


def test_no_one_ends_someone_elses_session(world):
    _token, actor = sign_in(world)
    theirs, their_actor = sign_in(world, "practitioner_b")
    their_id = world.services.account_settings.my_sessions(their_actor)[0].id
    with pytest.raises(NotFound):
        world.services.account_settings.end_my_session(actor, their_id)
    assert alive(world, theirs)


def test_ending_all_my_other_sessions_keeps_the_current_one(world):
    token, actor = sign_in(world)
    others = [sign_in(world)[0], sign_in(world, kind=SessionKind.TOKEN)[0]]
    theirs, _ = sign_in(world, "practitioner_b")
    assert world.services.account_settings.end_my_other_sessions(actor) == 2
    assert alive(world, token) and alive(world, theirs)
    assert not alive(world, others[0]) and not alive(world, others[1], SessionKind.TOKEN)


def test_ending_sessions_needs_the_password_confirmed_recently(world, clock):
    _token, actor = sign_in(world)
    other, _ = sign_in(world)
    clock.advance(minutes=world.services.context.settings.account_reauth_minutes + 1)
    world.services.accounts.authenticate(_token, SessionKind.WEB, Channel.WEB)  # still in use, so not idle
    with pytest.raises(InvalidInput) as error:
        world.services.account_settings.end_my_other_sessions(actor)
    assert problem(error)[0] == "password"
    with pytest.raises(InvalidInput) as error:
        world.services.account_settings.end_my_other_sessions(actor, password="not my password at all")
    assert problem(error) == ("password", "that password is not right")
    assert alive(world, other)
    assert world.services.account_settings.end_my_other_sessions(actor, password=PASSWORD) == 1
    assert world.services.account_settings.end_my_other_sessions(actor) == 0, "confirmed just now: no need to ask again"


# ---------------------------------------------------------------- an administrator ends someone's sessions

def test_an_administrator_ends_a_persons_sessions_without_disabling_them(world):
    tokens = [sign_in(world)[0], sign_in(world, kind=SessionKind.TOKEN)[0]]
    theirs, _ = sign_in(world, "practitioner_b")
    person_id = world.people["practitioner_a"].id
    assert world.services.account_settings.end_sessions_of(world.admin, person_id) == 2
    assert not alive(world, tokens[0]) and not alive(world, tokens[1], SessionKind.TOKEN)
    assert alive(world, theirs)
    assert not world.services.directory.get_person(world.admin, person_id).disabled
    assert sign_in(world)[0], "they can sign in again"
    with pytest.raises(NotFound):
        world.services.account_settings.end_sessions_of(world.admin, "no-such-person")


def test_only_an_administrator_ends_someone_elses_sessions(world):
    theirs, _ = sign_in(world, "practitioner_b")
    for key in ("practitioner_a", "dsl_a", "ig_lead_a", "auditor"):
        with pytest.raises(Forbidden):
            world.services.account_settings.end_sessions_of(world.actor(key), world.people["practitioner_b"].id)
    assert alive(world, theirs)


def test_signing_in_past_the_limit_ends_the_oldest_session(world, clock):
    limit = world.services.context.settings.max_sessions_per_person
    tokens = []
    for _ in range(limit + 2):
        tokens.append(sign_in(world, kind=SessionKind.TOKEN)[0])
        clock.advance(seconds=1)
    assert [alive(world, t, SessionKind.TOKEN) for t in tokens] == [False, False] + [True] * limit
    theirs, _ = sign_in(world, "practitioner_b")
    assert alive(world, theirs), "one person's sign-ins end none of anyone else's"
