"""Idempotency keys: a retry of a request that seals or sends returns the first result and seals nothing more."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from safeshare.domain.consent import ObtainedBy, ReviewInput, ReviewOutcome, WithdrawalInput
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.errors import Conflict, InvalidInput
from safeshare.domain.paging import PageRequest
from safeshare.domain.requests import NotHeld, RequestAnswer
from safeshare.services.fhir_consent import to_fhir
from safeshare.store.ledger_tables import ledger_entries
from safeshare.store.tables import idempotency_keys
from tests.exchange import consent_input, decision_input, extend, request_input, to_person
from tests.threads import run_threads


@pytest.fixture
def w(world):
    w = extend(world)
    w.services.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)
    return w


def new_key() -> str:
    return str(uuid.uuid4())


def entries(engine, log: str) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(ledger_entries).where(ledger_entries.c.log == log)).scalar_one()


def keys(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(idempotency_keys)).scalar_one()


def _page() -> PageRequest:
    return PageRequest(offset=0, limit=200)


def test_a_decision_sent_twice_with_one_key_is_sealed_once_and_the_first_record_returned(w, engine):
    actor, key = w.actor("practitioner_a"), new_key()
    submitted = decision_input(w, "child_a", Decision.DO_NOT_SHARE)
    first = w.services.decisions.record(actor, submitted, idempotency_key=key)
    again = w.services.decisions.record(actor, submitted, idempotency_key=key)
    assert again == first
    assert entries(engine, "decisions") == 1
    history = w.services.access_history.history(w.actor("ig_lead_a"), w.subjects["child_a"].id, _page()).items
    assert [(e.person_id, e.records) for e in history if e.action == "decision.replay"] == [(actor.person_id, (f"decision:{first.id}",))]
    other = w.services.decisions.record(actor, submitted, idempotency_key=new_key())
    assert other.id != first.id
    assert entries(engine, "decisions") == 2


def test_the_same_key_for_a_different_decision_is_refused_naming_the_header(w, engine):
    actor, key = w.actor("practitioner_a"), new_key()
    w.services.decisions.record(actor, decision_input(w, "child_a", Decision.DO_NOT_SHARE), idempotency_key=key)
    changed = decision_input(w, "child_a", Decision.DO_NOT_SHARE, reasons="Different reasons, so a different request.")
    with pytest.raises(InvalidInput) as refused:
        w.services.decisions.record(actor, changed, idempotency_key=key)
    assert refused.value.problems[0].field == "Idempotency-Key"
    assert entries(engine, "decisions") == 1


@pytest.mark.parametrize("bad", ["", "short", "x" * 129, "has spaces in it ok", "ünïcödé-key-1234567", "key;DROP TABLE x--"])
def test_a_malformed_key_is_refused_naming_the_header_and_nothing_is_written(w, engine, bad):
    with pytest.raises(InvalidInput) as refused:
        w.services.requests.send(w.actor("practitioner_b"), request_input(w), idempotency_key=bad)
    assert refused.value.problems[0].field == "Idempotency-Key"
    with pytest.raises(InvalidInput):
        w.services.decisions.record(w.actor("practitioner_a"), decision_input(w, "child_a", Decision.DO_NOT_SHARE), idempotency_key=bad)
    assert entries(engine, "requests") == 0 and entries(engine, "decisions") == 0 and keys(engine) == 0


def test_keys_belong_to_one_person_so_a_colleague_with_the_same_key_sends_their_own(w, engine):
    key = new_key()
    mine = w.services.requests.send(w.actor("practitioner_b"), request_input(w), idempotency_key=key)
    theirs = w.services.requests.send(w.actor("colleague_b"), request_input(w), idempotency_key=key)
    assert mine.id != theirs.id
    assert entries(engine, "requests") == 2


def test_a_request_sent_twice_is_sent_once_and_the_replay_is_logged_as_a_read(w, engine):
    actor, key = w.actor("practitioner_b"), new_key()
    first = w.services.requests.send(actor, request_input(w), idempotency_key=key)
    again = w.services.requests.send(actor, request_input(w), idempotency_key=key)
    assert again == first
    assert entries(engine, "requests") == 1
    history = w.services.access_history.history(w.actor("ig_lead_b"), w.subjects["child_b"].id, _page()).items
    replay = [e for e in history if e.action == "request.replay"]
    assert len(replay) == 1 and replay[0].person_id == actor.person_id and replay[0].records == (f"request:{first.id}",)


def test_a_disclosure_sent_twice_is_sent_once(w, engine):
    actor, key = w.actor("practitioner_a"), new_key()
    submitted = DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    first = w.services.disclosures.send(actor, submitted, idempotency_key=key)
    again = w.services.disclosures.send(actor, submitted, idempotency_key=key)
    assert again == first
    assert entries(engine, "disclosures") == 1 and entries(engine, "decisions") == 1
    assert w.services.disclosures.incoming(w.actor("practitioner_b"), _page()).total == 1


def test_answers_sent_twice_answer_once(w, engine):
    b, a = w.actor("practitioner_b"), w.actor("practitioner_a")
    asked = w.services.requests.send(b, request_input(w))
    answer = RequestAnswer(decision=decision_input(w, "child_b", Decision.SHARE, (to_person(w, "practitioner_b"),)))
    key = new_key()
    first = w.services.requests.answer(a, asked.id, answer, idempotency_key=key)
    again = w.services.requests.answer(a, asked.id, answer, idempotency_key=key)
    assert again == first and first.disclosure_id
    assert entries(engine, "decisions") == 1 and entries(engine, "disclosures") == 1
    with pytest.raises(Conflict):  # without the key, a second answer is still refused
        w.services.requests.answer(a, asked.id, answer)

    to_c = w.services.requests.send(b, request_input(w, target=w.agency_c))
    c, key = w.actor("practitioner_c"), new_key()
    first = w.services.requests.answer_not_held(c, to_c.id, NotHeld(), idempotency_key=key)
    assert w.services.requests.answer_not_held(c, to_c.id, NotHeld(), idempotency_key=key) == first


def test_consent_recorded_withdrawn_and_reviewed_twice_changes_the_register_once(w, engine):
    actor = w.actor("practitioner_a")
    key = new_key()
    first = w.services.consents.record(actor, consent_input(w), idempotency_key=key)
    assert w.services.consents.record(actor, consent_input(w), idempotency_key=key) == first
    assert w.services.consents.for_subject(actor, w.subjects["kid"].id, _page()).total == 1

    review = ReviewInput(outcome=ReviewOutcome.STILL_VALID, how=ObtainedBy.PHONE, confirmed_with="Mother", next_review_by=dt.date(2027, 6, 1))
    key = new_key()
    reviewed = w.services.consents.review(actor, first.consent.id, review, idempotency_key=key)
    assert w.services.consents.review(actor, first.consent.id, review, idempotency_key=key) == reviewed
    assert len(w.services.consents.get(actor, first.consent.id).reviews) == 1

    key = new_key()
    withdrawal = WithdrawalInput(how=ObtainedBy.PHONE, note="Mother rang to withdraw")
    withdrawn = w.services.consents.withdraw(actor, first.consent.id, withdrawal, idempotency_key=key)
    assert w.services.consents.withdraw(actor, first.consent.id, withdrawal, idempotency_key=key) == withdrawn

    resource = to_fhir(w.services.consents.get(actor, first.consent.id))
    resource.pop("identifier")  # so that it is a consent the register has not seen
    key = new_key()
    imported = w.services.consents.import_fhir(actor, resource, idempotency_key=key)
    consents_log = entries(engine, "consents")
    assert w.services.consents.import_fhir(actor, resource, idempotency_key=key) == imported
    assert entries(engine, "consents") == consents_log


def test_a_key_is_honoured_for_the_configured_hours_then_counts_as_unused(w, engine, clock):
    actor, key = w.actor("practitioner_b"), new_key()
    first = w.services.requests.send(actor, request_input(w), idempotency_key=key)
    clock.advance(hours=w.services.context.settings.idempotency_key_hours - 1)
    assert w.services.requests.send(actor, request_input(w), idempotency_key=key).id == first.id
    clock.advance(hours=1)
    later = w.services.requests.send(actor, request_input(w), idempotency_key=key)
    assert later.id != first.id
    assert keys(engine) == 1  # the expired key gave way to the new one
    clock.advance(hours=w.services.context.settings.idempotency_key_hours)
    assert w.services.housekeeping.forget_expired_idempotency_keys() == 1
    assert keys(engine) == 0


def test_concurrent_decisions_with_one_key_seal_one_record(w, engine):
    actor, key = w.actor("practitioner_a"), new_key()
    submitted = decision_input(w, "child_a", Decision.DO_NOT_SHARE)
    outcomes = run_threads(8, lambda _: w.services.decisions.record(actor, submitted, idempotency_key=key))
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1
    assert entries(engine, "decisions") == 1 and keys(engine) == 1


def test_concurrent_requests_with_one_key_send_one(w, engine):
    actor, key = w.actor("practitioner_b"), new_key()
    outcomes = run_threads(8, lambda _: w.services.requests.send(actor, request_input(w), idempotency_key=key))
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1
    assert entries(engine, "requests") == 1 and keys(engine) == 1
