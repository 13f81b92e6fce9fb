"""Break-glass emergency access, and the access log's history of a subject."""

import dataclasses
import datetime as dt

import pytest

from safeshare.domain.access import Grant
from safeshare.domain.break_glass import BreakGlassInput, BreakGlassReviewInput, ReviewOutcome
from safeshare.domain.decisions import Decision
from safeshare.domain.errors import AuthenticationFailed, Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Channel
from safeshare.services.need_to_know import NOT_VISIBLE
from tests.exchange import decision_input, disclose, extend
from tests.factories import PASSWORD, child_details

REASON = "Police called to the home at night; need to know if Ada is known to services"


@pytest.fixture
def w(world):
    return extend(world)


def open_glass(w, key="practitioner_c", subject="child_a", password=PASSWORD, client="local"):
    actor = dataclasses.replace(w.actor(key), client=client)
    return w.services.break_glass.open(actor, BreakGlassInput(subject_id=w.subjects[subject].id, reason=REASON), password)


def test_break_glass_opens_time_limited_access_and_every_read_says_so(w, clock):
    c = w.actor("practitioner_c")
    with pytest.raises(NotFound):
        w.services.subjects.view_subject(c, w.subjects["child_a"].id)
    grant = open_glass(w)
    assert grant.expires_at - grant.opened_at == dt.timedelta(hours=w.services.context.settings.break_glass_hours)
    view = w.services.subjects.view_subject(c, w.subjects["child_a"].id)
    assert view.subject.details.nhs_number == "9434765919"
    with w.services.context.uow_factory() as uow:
        entry = uow.access_log.history(w.subjects["child_a"].id, PageRequest()).items[0]
    assert entry.grant is Grant.BREAK_GLASS and entry.grant_ref == f"break-glass:{grant.id}" and entry.person_id == c.person_id
    clock.advance(hours=w.services.context.settings.break_glass_hours, seconds=1)
    with pytest.raises(Forbidden, match="ended") as ended:
        w.services.subjects.view_subject(c, w.subjects["child_a"].id)
    assert ended.value.problems[0].field == "subject_id"
    open_glass(w)
    assert w.services.subjects.view_subject(c, w.subjects["child_a"].id).subject.id == w.subjects["child_a"].id


def test_break_glass_gives_reading_not_writing(w):
    open_glass(w)
    c = w.actor("practitioner_c")
    with pytest.raises(NotFound):
        w.services.subjects.change_subject(c, w.subjects["child_a"].id, child_details("Changed", "Name"))
    with pytest.raises(NotFound):
        w.services.decisions.record(c, decision_input(w, "child_a", Decision.DO_NOT_SHARE, actor="practitioner_c"))
    with pytest.raises(NotFound):  # nor does it open the family's other records
        w.services.subjects.view_subject(c, w.subjects["parent_a"].id)


def test_break_glass_needs_a_reason_and_a_confirmed_password(w, clock):
    with pytest.raises(AuthenticationFailed):
        open_glass(w, password="wrong password!")
    with pytest.raises(InvalidInput, match="password"):
        open_glass(w, password=None)
    with pytest.raises(ValueError):
        BreakGlassInput(subject_id=w.subjects["child_a"].id, reason="urgent")
    token, _ = w.services.accounts.sign_in("practitioner_c@agency.example", PASSWORD, SessionKind.TOKEN)
    actor = w.services.accounts.authenticate(token, SessionKind.TOKEN, Channel.API)
    request = BreakGlassInput(subject_id=w.subjects["child_a"].id, reason=REASON)
    clock.advance(minutes=w.services.context.settings.break_glass_reauth_minutes + 1)
    with pytest.raises(InvalidInput, match="confirm your password"):
        w.services.break_glass.open(actor, request)
    w.services.accounts.reauthenticate(actor, PASSWORD)
    assert w.services.break_glass.open(actor, request).person_id == actor.person_id


def credentials(w, key):
    with w.services.context.uow_factory() as uow:
        return uow.people.credentials(w.people[key].id)


def test_wrong_break_glass_passwords_count_as_failed_sign_ins_and_lock_the_account(w, clock):
    """Guesses from several addresses (one address is throttled first: test_sign_in_throttle.py)."""
    settings = w.services.context.settings
    with pytest.raises(AuthenticationFailed):
        open_glass(w, password="wrong password!", client="192.0.2.1")
    assert credentials(w, "practitioner_c").failed_sign_ins == 1  # kept although the use case failed
    with pytest.raises(AuthenticationFailed):  # and counted with the wrong passwords given to sign in
        w.services.accounts.sign_in("practitioner_c@agency.example", "wrong password!", SessionKind.TOKEN, "192.0.2.2")
    assert credentials(w, "practitioner_c").failed_sign_ins == 2
    for attempt in range(settings.max_failed_sign_ins - 2):
        with pytest.raises(AuthenticationFailed):
            open_glass(w, password="wrong password!", client=f"192.0.2.{10 + attempt}")
    assert credentials(w, "practitioner_c").locked_until == clock.now + dt.timedelta(minutes=settings.lockout_minutes)
    with pytest.raises(AuthenticationFailed):  # even the right password is refused while locked, here
        open_glass(w)
    with pytest.raises(AuthenticationFailed):  # and for signing in
        w.services.accounts.sign_in("practitioner_c@agency.example", PASSWORD, SessionKind.TOKEN)
    with w.services.context.uow_factory() as uow:
        assert uow.break_glass.of_person(w.people["practitioner_c"].id, w.agency_c, PageRequest()).total == 0
    clock.advance(minutes=settings.lockout_minutes + 1)
    assert open_glass(w).person_id == w.people["practitioner_c"].id
    assert credentials(w, "practitioner_c").failed_sign_ins == 0


def test_break_glass_is_refused_where_it_is_not_needed_or_not_allowed(w):
    with pytest.raises(Conflict, match="already holds"):
        open_glass(w, key="practitioner_a")
    with pytest.raises(NotFound) as missing:
        w.services.break_glass.open(w.actor("practitioner_c"), BreakGlassInput(subject_id="no-such-subject", reason=REASON), PASSWORD)
    with pytest.raises(NotFound) as not_visible:  # the answer for a subject the reader may not see, elsewhere
        w.services.subjects.view_subject(w.actor("practitioner_c"), w.subjects["child_a"].id)
    assert missing.value.message == not_visible.value.message == NOT_VISIBLE
    assert missing.value.problems == not_visible.value.problems
    open_glass(w)
    with pytest.raises(Conflict, match="already have"):
        open_glass(w)
    with pytest.raises(Forbidden):
        open_glass(w, key="ig_lead_b")


def test_break_glass_counts_only_at_the_agency_it_was_opened_at(w):
    grant = open_glass(w)  # practitioner C, at agency C
    child = w.subjects["child_a"].id
    assert w.services.subjects.view_subject(w.actor("practitioner_c"), child).subject.id == child
    person = w.people["practitioner_c"]
    w.people["practitioner_c"] = w.services.directory.change_person(
        w.admin, person.id, person.details.model_copy(update={"agency_id": w.agency_b})
    )
    moved = w.actor("practitioner_c")
    assert w.services.break_glass.mine(moved, PageRequest()).total == 0  # what they opened at C stays with C
    with pytest.raises(NotFound):
        w.services.subjects.view_subject(moved, child)
    with pytest.raises(NotFound):
        w.services.timeline.for_subject(moved, child, PageRequest())
    assert [g.id for g in w.services.break_glass.for_review(w.actor("ig_lead_b"), PageRequest()).items] == []
    again = open_glass(w)  # at B it is a new emergency access, with its own reason and B's review
    assert again.id != grant.id and again.agency_id == w.agency_b
    assert w.services.subjects.view_subject(moved, child).subject.id == child
    assert [g.id for g in w.services.break_glass.mine(moved, PageRequest()).items] == [again.id]
    assert [g.id for g in w.services.break_glass.for_review(w.actor("ig_lead_b"), PageRequest()).items] == [again.id]


def test_break_glass_is_reviewed_by_the_governance_lead_of_the_users_agency(w):
    grant = open_glass(w, key="practitioner_b")
    ig_b = w.actor("ig_lead_b")
    queue = w.services.break_glass.for_review(ig_b, PageRequest())
    assert [g.id for g in queue.items] == [grant.id]
    assert w.services.break_glass.for_review(w.actor("ig_lead_a"), PageRequest()).total == 0
    with pytest.raises(NotFound):
        w.services.break_glass.review(w.actor("ig_lead_a"), grant.id, BreakGlassReviewInput(outcome=ReviewOutcome.JUSTIFIED, note="ok"))
    with pytest.raises(Forbidden):
        w.services.break_glass.review(w.actor("dsl_b"), grant.id, BreakGlassReviewInput(outcome=ReviewOutcome.JUSTIFIED, note="ok"))
    reviewed = w.services.break_glass.review(ig_b, grant.id, BreakGlassReviewInput(outcome=ReviewOutcome.JUSTIFIED, note="Police call confirmed"))
    assert reviewed.review.outcome is ReviewOutcome.JUSTIFIED and reviewed.review.reviewed_by == ig_b.person_id
    assert w.services.break_glass.for_review(ig_b, PageRequest()).total == 0
    assert w.services.break_glass.for_review(ig_b, PageRequest(), include_reviewed=True).total == 1
    with pytest.raises(Conflict):
        w.services.break_glass.review(ig_b, grant.id, BreakGlassReviewInput(outcome=ReviewOutcome.NOT_JUSTIFIED, note="again"))
    assert [g.id for g in w.services.break_glass.mine(w.actor("practitioner_b"), PageRequest()).items] == [grant.id]


def test_the_governance_lead_of_a_holding_agency_reads_the_access_history(w):
    child = w.subjects["child_a"].id
    w.services.subjects.view_subject(w.actor("practitioner_a"), child)
    sent = disclose(w)
    w.services.disclosures.get(w.actor("practitioner_b"), sent.id)
    open_glass(w)
    w.services.subjects.view_subject(w.actor("practitioner_c"), child)
    ig = w.actor("ig_lead_a")
    first = w.services.access_history.history(ig, child, PageRequest(limit=200))
    seen = {(e.person_id, e.grant) for e in first.items}
    assert (w.people["practitioner_a"].id, Grant.HOLDER) in seen
    assert (w.people["practitioner_b"].id, Grant.DISCLOSURE) in seen
    assert (w.people["practitioner_c"].id, Grant.BREAK_GLASS) in seen
    assert all(e.channel == "api" and e.at for e in first.items)
    again = w.services.access_history.history(ig, child, PageRequest(limit=1))
    assert again.items[0].grant is Grant.ROLE and again.items[0].person_id == ig.person_id
    assert again.total == first.total + 1
    with pytest.raises(NotFound):
        w.services.access_history.history(w.actor("ig_lead_b"), child, PageRequest())
    with pytest.raises(Forbidden):
        w.services.access_history.history(w.actor("practitioner_a"), child, PageRequest())


def test_reading_my_emergency_accesses_and_the_review_queue_is_logged(w):
    grant = open_glass(w, key="practitioner_b")
    child = w.subjects["child_a"].id
    w.services.break_glass.mine(w.actor("practitioner_b", Channel.CLI), PageRequest())
    w.services.break_glass.for_review(w.actor("ig_lead_b", Channel.WEB), PageRequest())
    with w.services.context.uow_factory() as uow:
        entries = uow.access_log.history(child, PageRequest()).items
    queue, mine = entries[0], entries[1]
    assert (mine.action, mine.person_id, mine.channel, mine.grant) == ("break_glass.mine", w.people["practitioner_b"].id, "cli", Grant.BREAK_GLASS)
    assert mine.records == (f"break-glass:{grant.id}",) and mine.grant_ref == f"break-glass:{grant.id}"
    assert (queue.action, queue.person_id, queue.channel, queue.grant) == ("break_glass.review_queue", w.people["ig_lead_b"].id, "web", Grant.ROLE)
    assert queue.subject_ids == (child,) and queue.records == (f"break-glass:{grant.id}",)


def test_an_empty_break_glass_listing_logs_nothing(w):
    with w.services.context.uow_factory() as uow:
        before = uow.access_log.history(w.subjects["child_a"].id, PageRequest()).total
    assert w.services.break_glass.mine(w.actor("practitioner_c"), PageRequest()).total == 0
    assert w.services.break_glass.for_review(w.actor("ig_lead_b"), PageRequest()).total == 0
    with w.services.context.uow_factory() as uow:
        assert uow.access_log.history(w.subjects["child_a"].id, PageRequest()).total == before
