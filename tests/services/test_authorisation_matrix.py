"""Every use case, tried by every role in every relationship to the data: no read or write leaks.

See tests/authorisation.py for the scene and who stands where. A refused attempt must change nothing in the
database (not even the access log) and must not name the child.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from safeshare.domain.errors import AuthenticationFailed, Conflict, Forbidden, InvalidInput, NotFound
from safeshare.services.accounts import SessionKind
from safeshare.services.access_history import AccessHistoryService
from safeshare.services.break_glass import BreakGlassService
from safeshare.services.consents import ConsentService
from safeshare.services.context import Channel
from safeshare.services.disclosures import DisclosureService
from safeshare.services.requests import RequestService
from safeshare.store.ledger_tables import ledger_entries
from safeshare.store.metadata import metadata
from tests.authorisation import ACTORS, CASE_NAMES, build_scene, expected, names, use_cases
from tests.factories import PASSWORD

OUTCOMES = {Forbidden: "forbidden", NotFound: "notfound", Conflict: "conflict", InvalidInput: "invalid"}


def snapshot(services) -> dict:
    """Row counts of every table and the head of every ledger log."""
    with services.context.uow_factory() as uow:
        counts = {t.name: uow.connection.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}
        heads = dict(uow.connection.execute(select(ledger_entries.c.log, func.max(ledger_entries.c.seq)).group_by(ledger_entries.c.log)).all())
    return {"rows": counts, "ledgers": heads}


def attempt(case, scene, key):
    try:
        return "ok", case.call(scene, scene.actor(key))
    except (Forbidden, NotFound, Conflict, InvalidInput) as error:
        return next(v for k, v in OUTCOMES.items() if isinstance(error, k)), error


@pytest.mark.parametrize("case_name", CASE_NAMES)
def test_no_use_case_leaks_to_anyone_without_the_right(world, clock, case_name):
    scene = build_scene(world, clock)
    case = next(c for c in use_cases(scene) if c.name == case_name)
    services = scene.world.services
    # Refusals first, so each is tried against the untouched scene; then the people who may.
    order = sorted(ACTORS, key=lambda k: expected(case, scene, k) in ("ok",) or isinstance(expected(case, scene, k), set))
    failures = []
    succeeded = False
    for key in order:
        want = expected(case, scene, key)
        allowed = want == "ok" or isinstance(want, set)
        if case.write and allowed and succeeded and not case.repeatable:
            continue
        before = None if allowed else snapshot(services)
        got, value = attempt(case, scene, key)
        if isinstance(want, set):
            if got != "ok":
                failures.append(f"{key}: expected the listing {sorted(want)}, got {got}: {value}")
            elif names(scene, value) != want:
                failures.append(f"{key}: listing returned {sorted(names(scene, value))}, expected {sorted(want)}")
            continue
        if got != want:
            failures.append(f"{key}: expected {want}, got {got}" + (f": {value}" if got != "ok" else ""))
            continue
        if got == "ok":
            succeeded = True
            continue
        if any(word in value.message for word in ("Ada", "Lovelace", "Kit")):
            failures.append(f"{key}: the refusal names the child: {value.message}")
        if snapshot(services) != before:
            failures.append(f"{key}: a refused attempt changed the database")
    assert not failures, f"{case_name}:\n" + "\n".join(failures)
    if case.write:
        assert succeeded, f"{case_name}: nobody could do it"


def test_the_matrix_covers_every_exchange_use_case(world, clock):
    scene = build_scene(world, clock)
    cases = use_cases(scene)
    assert [c.name for c in cases] == CASE_NAMES
    covered = {(type(c.method.__self__).__name__, c.method.__name__) for c in cases}
    for service in (ConsentService, RequestService, DisclosureService, BreakGlassService, AccessHistoryService):
        for name in dir(service):
            if hasattr(getattr(service, name), "required_permission"):
                assert (service.__name__, name) in covered, f"{service.__name__}.{name} is not in the authorisation matrix"


def test_a_disabled_account_can_do_nothing(world, clock):
    scene = build_scene(world, clock)
    accounts = scene.world.services.accounts
    # The account was disabled in the scene; no session survives and none can be made.
    with pytest.raises(AuthenticationFailed):
        accounts.sign_in("disabled_a@agency.example", PASSWORD, SessionKind.TOKEN)
    token, _ = accounts.sign_in("practitioner_b@agency.example", PASSWORD, SessionKind.TOKEN)
    scene.world.services.directory.set_disabled(scene.world.admin, scene.world.people["practitioner_b"].id, True)
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(token, SessionKind.TOKEN, Channel.API)
