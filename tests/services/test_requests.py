"""Requests for information (R11)."""

import datetime as dt

import pytest

from safeshare.domain.access import Grant
from safeshare.domain.decisions import Decision
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.requests import NotHeld, RequestAnswer, RequestStatus, Urgency
from tests.exchange import NO_CONCERN, decision_input, extend, request_input, to_person


@pytest.fixture
def w(world):
    w = extend(world)
    # Agency A also knows Bea, so it can answer B's requests about her.
    w.services.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)
    return w


def ask(w, asker="practitioner_b", **overrides):
    return w.services.requests.send(w.actor(asker), request_input(w, **overrides))


def share_answer(w, request, **overrides):
    decision = decision_input(w, "child_b", Decision.SHARE, (to_person(w, "practitioner_b"),), **overrides)
    return RequestAnswer(decision=decision, limits_on_use="For the s47 enquiry only")


def test_a_request_gets_the_partnership_default_respond_by_for_its_urgency(w, clock):
    settings = w.services.context.settings
    urgent = ask(w)
    assert urgent.status is RequestStatus.OPEN
    assert urgent.respond_by == clock.now + dt.timedelta(hours=settings.respond_within_hours_urgent)
    routine = ask(w, urgency=Urgency.ROUTINE)
    assert routine.respond_by == clock.now + dt.timedelta(hours=settings.respond_within_hours_routine)
    chosen = ask(w, respond_by=clock.now + dt.timedelta(hours=3))
    assert chosen.respond_by == clock.now + dt.timedelta(hours=3)
    with pytest.raises(InvalidInput, match="respond_by"):
        ask(w, respond_by=clock.now - dt.timedelta(hours=1))


def test_the_requester_must_hold_the_subject_and_name_a_real_agency(w):
    with pytest.raises(NotFound):
        ask(w, subject="kid")  # Kit is held by A only
    with pytest.raises(InvalidInput, match="target_agency_id"):
        ask(w, target="no-such-agency")
    with pytest.raises(InvalidInput, match="target_agency_id"):
        ask(w, target=w.agency_b)
    with pytest.raises(InvalidInput, match="target_person_id"):
        ask(w, target_person_id=w.people["practitioner_c"].id)
    with pytest.raises(InvalidInput, match="target_person_id"):
        ask(w, target_person_id=w.people["ig_lead_a"].id)


def test_the_requester_cannot_tell_whether_the_agency_asked_holds_the_subject(w):
    held = ask(w)  # A holds Bea
    not_held = ask(w, target=w.agency_c)  # C does not
    for request in (held, not_held):
        assert request.status is RequestStatus.OPEN and request.target_holds_subject is None
    view_held = w.services.requests.get(w.actor("practitioner_b"), held.id)
    view_not = w.services.requests.get(w.actor("practitioner_b"), not_held.id)
    assert view_held.model_dump(exclude={"id", "target_agency_id"}) == view_not.model_dump(exclude={"id", "target_agency_id"})
    assert w.services.requests.get(w.actor("practitioner_a"), held.id).target_holds_subject is True
    assert w.services.requests.get(w.actor("practitioner_c"), not_held.id).target_holds_subject is False


def test_requests_to_answer_and_who_sees_them(w):
    to_agency = ask(w)
    to_dsl = ask(w, target_person_id=w.people["dsl_a"].id)
    assert [r.id for r in w.services.requests.to_answer(w.actor("practitioner_a"), PageRequest()).items] == [to_agency.id]
    assert {r.id for r in w.services.requests.to_answer(w.actor("dsl_a"), PageRequest()).items} == {to_agency.id, to_dsl.id}
    assert w.services.requests.to_answer(w.actor("practitioner_c"), PageRequest()).total == 0
    with pytest.raises(NotFound):
        w.services.requests.get(w.actor("practitioner_a"), to_dsl.id)
    with pytest.raises(NotFound):
        w.services.requests.get(w.actor("practitioner_c"), to_agency.id)
    with pytest.raises(Forbidden):
        w.services.requests.to_answer(w.actor("ig_lead_a"), PageRequest())


def test_overdue_requests_are_listed_for_the_holder_and_their_dsl(w, clock):
    late = ask(w, urgency=Urgency.IMMEDIATE)
    ask(w, urgency=Urgency.ROUTINE)
    assert w.services.requests.overdue(w.actor("dsl_a"), PageRequest()).total == 0
    clock.advance(hours=w.services.context.settings.respond_within_hours_immediate + 1)
    for reader in ("practitioner_a", "dsl_a"):
        overdue = w.services.requests.overdue(w.actor(reader), PageRequest())
        assert [r.id for r in overdue.items] == [late.id] and overdue.items[0].overdue
    assert w.services.requests.get(w.actor("practitioner_b"), late.id).overdue


def test_sharing_in_answer_creates_a_decision_and_a_disclosure_to_the_requester(w):
    request = ask(w)
    answered = w.services.requests.answer(w.actor("practitioner_a"), request.id, share_answer(w, request))
    assert answered.status is RequestStatus.SHARED and answered.decision_id and answered.disclosure_id
    record = w.services.decisions.get(w.actor("practitioner_a"), answered.decision_id)
    assert record.input.request_id == request.id
    seen = w.services.requests.get(w.actor("practitioner_b"), request.id)
    assert seen.status is RequestStatus.SHARED and seen.target_holds_subject is None
    received = w.services.disclosures.get(w.actor("practitioner_b"), seen.disclosure_id)
    assert received.request_id == request.id and received.urgent and received.limits_on_use == "For the s47 enquiry only"
    with pytest.raises(Conflict):
        w.services.requests.answer(w.actor("practitioner_a"), request.id, share_answer(w, request))


def test_refusing_sends_the_reasons_back_to_the_requester(w):
    request = ask(w)
    refusal = RequestAnswer(
        decision=decision_input(w, "child_b", Decision.DO_NOT_SHARE, case=NO_CONCERN, reasons="The request does not show a need to know; call me to discuss.")
    )
    answered = w.services.requests.answer(w.actor("practitioner_a"), request.id, refusal)
    assert answered.status is RequestStatus.REFUSED and answered.disclosure_id is None
    seen = w.services.requests.get(w.actor("practitioner_b"), request.id)
    assert seen.answer_reasons == "The request does not show a need to know; call me to discuss."
    record = w.services.decisions.get(w.actor("practitioner_a"), answered.decision_id)
    assert record.input.decision is Decision.DO_NOT_SHARE and record.input.request_id == request.id


def test_an_answer_must_be_about_the_request_and_reach_the_requester(w):
    request = ask(w)
    a = w.actor("practitioner_a")
    with pytest.raises(InvalidInput, match="subject_ids"):
        w.services.requests.answer(a, request.id, RequestAnswer(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),))))
    with pytest.raises(InvalidInput, match="recipients"):
        w.services.requests.answer(a, request.id, RequestAnswer(decision=decision_input(w, "child_b", Decision.SHARE, (to_person(w, "practitioner_c"),))))
    with w.services.context.uow_factory() as uow:
        assert uow.decisions.list(PageRequest(), w.agency_a).total == 0
    assert w.services.requests.get(a, request.id).status is RequestStatus.OPEN


def test_an_agency_that_does_not_hold_the_subject_says_so(w):
    request = ask(w, target=w.agency_c)
    c = w.actor("practitioner_c")
    with pytest.raises(InvalidInput, match="not-held"):
        w.services.requests.answer(c, request.id, share_answer(w, request))
    answered = w.services.requests.answer_not_held(c, request.id, NotHeld())
    assert answered.status is RequestStatus.NOT_HELD
    assert w.services.requests.get(w.actor("practitioner_b"), request.id).status is RequestStatus.NOT_HELD
    held = ask(w)
    with pytest.raises(InvalidInput, match="decision aid"):
        w.services.requests.answer_not_held(w.actor("practitioner_a"), held.id, NotHeld())


def test_reading_a_request_at_the_agency_asked_is_logged(w):
    request = ask(w, target=w.agency_c)
    w.services.requests.to_answer(w.actor("practitioner_c"), PageRequest())
    with w.services.context.uow_factory() as uow:
        entry = uow.access_log.history(w.subjects["child_b"].id, PageRequest()).items[0]
    assert entry.grant is Grant.DISCLOSURE and entry.grant_ref == f"request:{request.id}" and entry.action == "request.inbox"


def test_the_requester_can_cancel_and_lists_what_they_sent(w):
    request = ask(w)
    ask(w, asker="colleague_b")
    mine = w.services.requests.sent(w.actor("practitioner_b"), PageRequest())
    assert [r.id for r in mine.items] == [request.id]
    assert w.services.requests.sent(w.actor("practitioner_b"), PageRequest(), whole_agency=True).total == 2
    with pytest.raises(NotFound):
        w.services.requests.cancel(w.actor("practitioner_a"), request.id, "not mine")
    cancelled = w.services.requests.cancel(w.actor("practitioner_b"), request.id, "Found what we needed")
    assert cancelled.status is RequestStatus.CANCELLED
    with pytest.raises(Conflict):
        w.services.requests.answer(w.actor("practitioner_a"), request.id, share_answer(w, request))
    assert w.services.requests.to_answer(w.actor("practitioner_a"), PageRequest()).total == 1


def test_sent_requests_about_subjects_no_longer_held_are_left_out_of_the_page_and_its_total(w, clock, engine):
    from sqlalchemy import delete

    from safeshare.store.tables import subject_holders
    from tests.factories import child_details

    b = w.actor("practitioner_b")
    kept = ask(w)
    other = w.services.subjects.add_subject(b, child_details("Cara", "Brown"))
    clock.advance(minutes=1)
    w.subjects["cara"] = other
    gone = ask(w, subject="cara")  # newer, so first on the page
    with engine.begin() as connection:  # agency B's link to Cara is removed (e.g. records matched in error)
        connection.execute(delete(subject_holders).where(subject_holders.c.subject_id == other.id, subject_holders.c.agency_id == w.agency_b))
    first = w.services.requests.sent(b, PageRequest(limit=1))
    assert [r.id for r in first.items] == [kept.id] and first.total == 1
    everything = w.services.requests.sent(b, PageRequest(), whole_agency=True)
    assert everything.total == len(everything.items) == 1 and gone.id not in {r.id for r in everything.items}
