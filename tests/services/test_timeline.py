"""A child's timeline: everything the reader may see about one subject, newest first, and nothing else."""

import pytest

from safeshare.domain.access import Grant
from safeshare.domain.advice import Outcome
from safeshare.domain.decisions import Decision, ItemKind
from safeshare.domain.errors import Forbidden, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.requests import RequestStatus
from safeshare.services.subjects import SubjectSearch
from safeshare.services.timeline import TimelineKind
from tests.exchange import SIGNIFICANT_HARM, consent_input, decision_input, disclose, extend, request_input

K = TimelineKind
SEEK_ADVICE = {**SIGNIFICANT_HARM, "level_of_concern": "no_concern"}


@pytest.fixture
def w(world, clock):
    """Ada's story across three agencies, one hour apart: consent, a decision not to share, a disclosure to
    practitioner B, a request from A to C, and a request from C to A."""
    w = extend(world)
    s, a = w.services, w.actor("practitioner_a")
    ada = w.subjects["child_a"].id
    w.consent = s.consents.record(a, consent_input(w, subject="child_a")).consent
    clock.advance(hours=1)
    w.decision = s.decisions.record(a, decision_input(w, "child_a", Decision.DO_NOT_SHARE, case=SEEK_ADVICE))
    clock.advance(hours=1)
    w.disclosure = disclose(w)
    clock.advance(hours=1)
    s.subjects.link_agency(w.actor("ig_lead_a"), ada, w.agency_c)
    w.asked_c = s.requests.send(a, request_input(w, subject="child_a", target=w.agency_c))
    clock.advance(hours=1)
    w.asked_a = s.requests.send(w.actor("practitioner_c"), request_input(w, subject="child_a", target=w.agency_a))
    clock.advance(minutes=5)
    return w


def timeline(w, who, page=PageRequest()):
    return w.services.timeline.for_subject(w.actor(who), w.subjects["child_a"].id, page)


def kinds(found):
    return [(e.kind, e.record_id) for e in found.entries.items]


def reads(w, action="subject.timeline"):
    with w.services.context.uow_factory() as uow:
        entries = uow.access_log.history(w.subjects["child_a"].id, PageRequest(limit=200)).items
    return [e for e in entries if e.action == action]


def test_the_holder_sees_every_kind_of_record_newest_first(w):
    found = timeline(w, "practitioner_a")
    assert found.grant is Grant.HOLDER and found.subject.given_name == "Ada"
    assert kinds(found) == [
        (K.REQUEST_RECEIVED, w.asked_a.id),
        (K.REQUEST_SENT, w.asked_c.id),
        (K.DECISION, str(w.disclosure.decision_id)),  # the decision to share, sealed with the disclosure
        (K.DISCLOSURE_SENT, w.disclosure.id),
        (K.DECISION, str(w.decision.id)),
        (K.CONSENT, w.consent.id),
    ]
    dates = [e.at for e in found.entries.items]
    assert dates == sorted(dates, reverse=True)
    entry = {e.record_id: e for e in found.entries.items}
    assert entry[str(w.decision.id)].decision is Decision.DO_NOT_SHARE
    assert entry[str(w.decision.id)].summary == w.decision.input.question
    assert entry[w.asked_c.id].agency_name == "Agency C Police" and entry[w.asked_c.id].request_status is RequestStatus.OPEN
    assert entry[w.asked_a.id].agency_name == "Agency C Police"
    assert entry[w.disclosure.id].agency_name == "Agency B School"
    assert entry[w.consent.id].summary == "attendance, family circumstances"


def test_the_timeline_is_paged_in_the_database(w):
    first = timeline(w, "practitioner_a", PageRequest(offset=0, limit=2))
    last = timeline(w, "practitioner_a", PageRequest(offset=4, limit=2))
    assert first.entries.total == last.entries.total == 6
    assert [k for k, _ in kinds(first)] == [K.REQUEST_RECEIVED, K.REQUEST_SENT]
    assert [k for k, _ in kinds(last)] == [K.DECISION, K.CONSENT]
    assert first.entries.next_offset == 2 and last.entries.next_offset is None


def test_a_recipient_sees_only_the_items_disclosed_to_them(w):
    found = timeline(w, "practitioner_b")
    assert found.grant is Grant.DISCLOSURE
    assert kinds(found) == [(K.DISCLOSURE_RECEIVED, w.disclosure.id)]
    received = found.entries.items[0]
    assert received.agency_name == "Agency A Children's Services"
    assert [(i.kind, i.historical) for i in received.items] == [(ItemKind.FACT, False), (ItemKind.OPINION, False), (ItemKind.FACT, True)]


def test_another_agency_sees_only_its_own_records(w):
    found = timeline(w, "practitioner_c")
    assert found.grant is Grant.HOLDER
    assert kinds(found) == [(K.REQUEST_SENT, w.asked_a.id), (K.REQUEST_RECEIVED, w.asked_c.id)]
    assert all(not e.items for e in found.entries.items)


@pytest.mark.parametrize(("who", "error"), [("colleague_b", NotFound), ("dsl_b", NotFound), ("ig_lead_a", Forbidden), ("admin", Forbidden)])
def test_nobody_else_sees_the_timeline_and_a_refusal_logs_nothing(w, who, error):
    before = len(reads(w))
    with pytest.raises(error) as refused:
        timeline(w, who)
    assert "Ada" not in str(refused.value)
    assert len(reads(w)) == before
    with pytest.raises(NotFound):
        w.services.timeline.for_subject(w.actor("practitioner_a"), "00000000-0000-0000-0000-000000000000", PageRequest())


def test_the_read_is_logged_with_what_was_shown(w):
    shown = timeline(w, "practitioner_a", PageRequest(offset=0, limit=3))
    received = timeline(w, "practitioner_b")
    holder_read, recipient_read = reads(w)[::-1][:2]  # the history is newest first; these are the first two reads
    a, b = w.people["practitioner_a"].id, w.people["practitioner_b"].id
    assert (holder_read.person_id, holder_read.grant) == (a, Grant.HOLDER)
    assert holder_read.records == tuple(e.reference for e in shown.entries.items)
    assert holder_read.records[0] == f"request:{w.asked_a.id}"
    assert (recipient_read.person_id, recipient_read.grant) == (b, Grant.DISCLOSURE)
    assert recipient_read.records == (f"disclosure:{w.disclosure.id}",)
    assert received.entries.items[0].reference == f"disclosure:{w.disclosure.id}"


def test_the_safeguarding_lead_sees_decisions_where_the_advice_was_to_seek_advice(w):
    assert w.decision.advice.outcome is Outcome.seek_advice
    found = w.services.timeline.advice_requests(w.actor("dsl_a"), PageRequest())
    assert [r.id for r in found.items] == [w.decision.id]
    assert w.services.timeline.advice_requests(w.actor("dsl_b"), PageRequest()).total == 0
    with pytest.raises(Forbidden):
        w.services.timeline.advice_requests(w.actor("practitioner_a"), PageRequest())
    assert [e.records for e in reads(w, "decision.advice_requests")] == [(f"decision:{w.decision.id}",)]


def test_the_governance_lead_finds_only_children_their_agency_holds(w):
    lead = w.actor("ig_lead_a")
    found = w.services.timeline.find_for_access_history(lead, SubjectSearch(name="Lovelace"), PageRequest())
    assert "Ada" in [s.given_name for s in found.items]
    assert w.services.timeline.find_for_access_history(lead, SubjectSearch(name="Brown"), PageRequest()).total == 0
    assert "nhs_number" not in found.items[0].model_dump()
    with pytest.raises(Forbidden):
        w.services.timeline.find_for_access_history(w.actor("practitioner_a"), SubjectSearch(name="Ada"), PageRequest())
    assert [e.grant for e in reads(w, "access_log.find_subject")] == [Grant.ROLE]
