"""Every use case that changes state, run twice at the same moment: no lost update, nothing applied twice.

On PostgreSQL two transactions can both read before either writes; SQLite hides that, because every transaction
there takes the write lock as it begins. So on PostgreSQL each pair of callers is held just before the first write
of its transaction (the first INSERT, UPDATE or DELETE, row lock or ledger lock) until both have read, as the
group commit tests hold their batches; then both go on. Either exactly one succeeds and the other is refused with
`Conflict`, or both apply in full; and the ledger and the tables agree on what happened. On SQLite the same pairs
run at once, in the order the write lock gives them.

Every use case of every service is classified here as changing state (and tried) or not (with the reason), so a
new use case fails this test until someone decides which it is.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, func, select

from safeshare.domain.agencies import AgencyDetails, AgencyKind, GovernanceRoles
from safeshare.domain.break_glass import BreakGlassInput, BreakGlassReviewInput, ReviewOutcome
from safeshare.domain.consent import ConflictResolution, ObtainedBy, ReviewInput, WithdrawalInput
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput, FamilyStatus, FamilyUpdate
from safeshare.domain.errors import Conflict, InvalidInput, NotFound
from safeshare.domain.people import PersonDetails, Role
from safeshare.domain.requests import NotHeld, RequestAnswer
from safeshare.domain.subjects import RelationshipDetails, RelationshipKind
from safeshare.services.accounts import SessionKind
from safeshare.services.ledger import Log
from safeshare.services.passwords import verify_password
from safeshare.store.exchange_tables import (
    break_glass_grants,
    consent_conflicts,
    consent_reviews,
    consents,
    disclosure_recipients,
    disclosures,
    information_requests,
)
from safeshare.store.ledger_tables import ledger_checkpoints, ledger_cosignatures, ledger_entries, ledger_witnesses
from safeshare.store.tables import agencies, decisions, people, person_roles, relationships, sessions, subject_holders, subjects
from tests import databases
from tests.authorisation import REASON, Scene, build_scene
from tests.exchange import consent_input, decision_input, request_input, to_person
from tests.factories import PASSWORD, child_details
from tests.services.test_every_read_is_logged import assert_classified
from tests.threads import run_threads

NEW_NHS_NUMBER = "9434765803"
ONE, BOTH = "exactly one succeeds", "both apply in full"


# ---------------------------------------------------------------- holding both callers at the same point


def _writes(statement: str) -> bool:
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in {"INSERT", "UPDATE", "DELETE"} or "FOR UPDATE" in statement or "pg_advisory_xact_lock" in statement


class HeldBeforeFirstWrite:
    """Holds each caller's first write statement until every caller has reached its own first write or finished.

    Reads take no locks on PostgreSQL, so every caller gets there: at that moment all of them have read what they
    check, and none has written. A caller that never arrives fails the pair after `timeout` seconds.
    """

    def __init__(self, engine, callers: int, timeout: float = 30.0, in_order: bool = False) -> None:
        self.engine, self.callers, self.timeout = engine, callers, timeout
        self.in_order = in_order  # then each caller writes only once those before it have finished
        self.settled: set[int] = set()  # callers that arrived or finished
        self.finished: set[int] = set()
        self.held: set[int] = set()
        self.changed = threading.Condition()
        self.mine = threading.local()

    def __enter__(self) -> HeldBeforeFirstWrite:
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)

    def _before(self, _connection, _cursor, statement, _parameters, _context, _many) -> None:
        index = getattr(self.mine, "index", None)
        if index is None or index in self.held or not _writes(statement):
            return
        self.held.add(index)
        self._settle(index)
        earlier = set(range(index)) if self.in_order else set()
        with self.changed:
            released = self.changed.wait_for(lambda: len(self.settled) == self.callers and earlier <= self.finished, self.timeout)
            assert released, "a caller never reached its first write"

    def _settle(self, index: int, finished: bool = False) -> None:
        with self.changed:
            self.settled.add(index)
            if finished:
                self.finished.add(index)
            self.changed.notify_all()

    def run(self, call: Callable[[int], Any]) -> list:
        def caller(index: int):
            self.mine.index = index
            try:
                return call(index)
            finally:
                self.mine.index = None
                self._settle(index, finished=True)

        return run_threads(self.callers, caller)


def at_the_same_moment(engine, call: Callable[[int], Any], hold: bool = True) -> list:
    if hold and databases.backend() == "postgresql":
        with HeldBeforeFirstWrite(engine, 2) as held:
            return held.run(call)
    return run_threads(2, call)  # SQLite: the write lock taken at BEGIN puts one caller after the other


# ---------------------------------------------------------------- what the database says


def count(engine, table, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def ledger_payloads(engine, log: str, kind: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(ledger_entries.c.payload).where(ledger_entries.c.log == log, ledger_entries.c.kind == kind).order_by(ledger_entries.c.seq)
        )
        return [json.loads(payload) for payload in rows.scalars()]


def one_row(engine, table, *where):
    with engine.connect() as connection:
        return connection.execute(select(table).where(*where)).one()


# ---------------------------------------------------------------- one's own account


def _change_own_password(sc: Scene, i: int):
    return _s(sc).account_settings.change_password(sc.ids["sessions"][i], PASSWORD, NEW_PASSWORDS[i])


def _own_password_changed_once(sc, engine, outcomes):
    stored = one_row(engine, people, people.c.id == sc.world.people["practitioner_c"].id)
    assert [verify_password(stored.password_hash, p) for p in NEW_PASSWORDS].count(True) == 1


def _end_others(sc: Scene, i: int):
    return _s(sc).account_settings.end_my_other_sessions(sc.ids["sessions"][0])  # twice from one session


def _only_that_session_left(sc, engine, outcomes):
    assert count(engine, sessions, sessions.c.person_id == sc.world.people["practitioner_c"].id) == 1


def _a_third_session(sc: Scene) -> None:
    _two_sessions(sc)
    _s(sc).accounts.sign_in("practitioner_c@agency.example", PASSWORD, SessionKind.TOKEN)
    callers = {next(m.id for m in _s(sc).account_settings.my_sessions(actor) if m.current) for actor in sc.ids["sessions"]}
    sc.ids["third"] = next(m.id for m in _s(sc).account_settings.my_sessions(sc.ids["sessions"][0]) if m.id not in callers)


def _end_the_third(sc: Scene, i: int):
    return _s(sc).account_settings.end_my_session(sc.ids["sessions"][i], sc.ids["third"])


def _third_ended(sc, engine, outcomes):
    assert count(engine, sessions, sessions.c.person_id == sc.world.people["practitioner_c"].id) == 2


def _end_sessions_of(sc: Scene, i: int):
    return _s(sc).account_settings.end_sessions_of(sc.world.admin, sc.world.people["practitioner_c"].id)


def _signed_out_everywhere(sc, engine, outcomes):
    assert count(engine, sessions, sessions.c.person_id == sc.world.people["practitioner_c"].id) == 0


# ---------------------------------------------------------------- agencies as witnesses


@pytest.fixture
def settings(settings, tmp_path):
    """A witness store outside the database, as in production, so witnesses can register and cosign."""
    return settings.model_copy(update={"witness_dir": tmp_path / "witness"})


def _lead(sc: Scene):
    from tests.services.test_ledger_witnesses import Lead

    if "lead" not in sc.ids:
        sc.ids["lead"] = Lead(sc.world, "ig_lead_a", "agency-a.example/witness")
    return sc.ids["lead"]


def _register_witness(sc: Scene, i: int):
    return _lead(sc).register()


def _witness_registered_once(sc, engine, outcomes):
    assert count(engine, ledger_witnesses) == 1


def _checkpoint_to_cosign(sc: Scene) -> None:
    from safeshare.ledger.cosignature import cosign, with_cosignatures
    from safeshare.ledger.witness import check_offered
    from tests.services.test_ledger_witnesses import now
    from tests.witnessing import record_some

    lead = _lead(sc)
    lead.register()
    record_some(sc.world, 2)
    _s(sc).ledger.checkpointer.run_once()
    checkpoint = check_offered(_s(sc).witnesses.offer(lead.actor, Log.DECISIONS, 0), Log.DECISIONS.value, None, lead.log_key)
    line = cosign(checkpoint, lead.name, lead.private_key, now(sc.world)).line
    sc.ids["cosigned"] = with_cosignatures(checkpoint, [line]).text


def _cosign(sc: Scene, i: int):
    return _s(sc).witnesses.cosign(_lead(sc).actor, Log.DECISIONS, sc.ids["cosigned"])


def _cosigned_once(sc, engine, outcomes):
    assert count(engine, ledger_cosignatures) == 1


# ---------------------------------------------------------------- the pairs


@dataclass
class Pair:
    """Two calls of a use case at the same moment; `call(scene, index)` is caller 0's or caller 1's."""

    call: Callable[[Scene, int], Any]
    expect: str  # ONE, BOTH, or (for a crossed pair) what `agree` checks of who won
    agree: Callable[[Scene, Any, list], None]  # (scene, engine, outcomes): the ledger and the tables agree
    setup: Callable[[Scene], None] = lambda scene: None
    hold: bool = True
    why_no_hold: str = ""
    refusal: type[Exception] = Conflict  # how the one that loses is told (a 409 unless the pair says why not)


def _s(sc: Scene):
    return sc.world.services


def _a(sc: Scene, key: str):
    return sc.world.actor(key)


def _ok(outcomes: list) -> list:
    return [o for o in outcomes if not isinstance(o, Exception)]


# -- break-glass

def _two_sessions(sc: Scene) -> None:
    """Emergency access with the password confirmed at sign-in, in two sessions of one person."""
    sc.ids["sessions"] = [
        _s(sc).accounts.sign_in("practitioner_c@agency.example", PASSWORD, SessionKind.TOKEN)[1] for _ in range(2)
    ]


def _open_glass(sc: Scene, i: int):
    return _s(sc).break_glass.open(sc.ids["sessions"][i], BreakGlassInput(subject_id=sc.world.subjects["child_a"].id, reason=REASON))


def _opened_once(sc, engine, outcomes):
    person = sc.world.people["practitioner_c"].id
    assert count(engine, break_glass_grants, break_glass_grants.c.person_id == person) == 1
    assert [p["id"] for p in ledger_payloads(engine, "break-glass", "break_glass.opened") if p["person_id"] == person] == [_ok(outcomes)[0].id]


def _review_glass(sc: Scene, i: int):
    outcome = (ReviewOutcome.JUSTIFIED, ReviewOutcome.NOT_JUSTIFIED)[i]
    return _s(sc).break_glass.review(_a(sc, "ig_lead_c"), sc.ids["G"], BreakGlassReviewInput(outcome=outcome, note=f"Reviewer {i}"))


def _reviewed_once(sc, engine, outcomes):
    row = one_row(engine, break_glass_grants, break_glass_grants.c.id == sc.ids["G"])
    [entry] = ledger_payloads(engine, "break-glass", "break_glass.reviewed")
    assert (row.review_outcome, row.review_note) == (entry["outcome"], entry["note"]) == (_ok(outcomes)[0].review.outcome, _ok(outcomes)[0].review.note)


# -- consent

def _new_family(sc: Scene) -> None:
    """A child whose two parents (both with parental responsibility) are asked at the same moment."""
    w = sc.world
    a = _a(sc, "practitioner_a")
    w.subjects["kid2"] = _s(sc).subjects.add_subject(a, child_details("Kai", "Lovelace", date_of_birth=dt.date(2017, 3, 1)))
    for parent in ("parent_a", "father"):
        _s(sc).subjects.relate(a, RelationshipDetails(
            person_id=w.subjects[parent].id, child_id=w.subjects["kid2"].id, kind=RelationshipKind.PARENT, parental_responsibility=True,
        ))


def _record_consent(sc: Scene, i: int):
    giver, decision = (("parent_a", "given"), ("father", "refused"))[i]
    submitted = consent_input(sc.world, subject="kid2", giver=giver, decision=decision, review_by=None if decision == "refused" else dt.date(2027, 5, 1))
    return _s(sc).consents.record(_a(sc, ("practitioner_a", "dsl_a")[i]), submitted)


def _disagreement_raised_once(sc, engine, outcomes):
    kid2 = sc.world.subjects["kid2"].id
    assert count(engine, consents, consents.c.subject_id == kid2) == 2
    assert len([p for p in ledger_payloads(engine, "consents", "consent.recorded") if p["subject_ids"] == [kid2]]) == 2
    # Each saw the other (the second waited for the consents ledger's lock): the disagreement is raised, once.
    assert count(engine, consent_conflicts, consent_conflicts.c.subject_id == kid2) == 1
    assert len([p for p in ledger_payloads(engine, "consents", "consent.conflict_raised") if p["subject_ids"] == [kid2]]) == 1
    assert sum(len(o.conflicts_raised) for o in outcomes) == 1


def _import(sc: Scene, i: int):
    return _s(sc).consents.import_fhir(_a(sc, ("practitioner_a", "dsl_a")[i]), sc.ids["fhir"])


def _export_k(sc: Scene) -> None:
    sc.ids["fhir"] = _s(sc).consents.export_fhir(_a(sc, "practitioner_a"), sc.ids["K"])


def _imported_once(sc, engine, outcomes):
    [imported] = _ok(outcomes)
    assert count(engine, consents, consents.c.source_identifier == imported.consent.source_identifier) == 1
    assert [p["id"] for p in ledger_payloads(engine, "consents", "consent.recorded") if p["source_identifier"]] == [imported.consent.id]


def _resolve(sc: Scene, i: int):
    return _s(sc).consents.resolve_conflict(_a(sc, "dsl_a"), sc.ids["conflict"], ConflictResolution(note=f"Met both parents ({i})"))


def _resolved_once(sc, engine, outcomes):
    row = one_row(engine, consent_conflicts, consent_conflicts.c.id == sc.ids["conflict"])
    [entry] = ledger_payloads(engine, "consents", "consent.conflict_resolved")
    assert row.resolution == entry["note"] == _ok(outcomes)[0].resolution


def _review(sc: Scene, i: int):
    submitted = ReviewInput(
        outcome="still_valid", confirmed_with=("Mother", "Father")[i], how=ObtainedBy.PHONE, next_review_by=dt.date(2027, 12, 1 + i)
    )
    return _s(sc).consents.review(_a(sc, ("practitioner_a", "dsl_a")[i]), sc.ids["K"], submitted)


def _both_reviews_kept(sc, engine, outcomes):
    k = sc.ids["K"]
    entries = [p for p in ledger_payloads(engine, "consents", "consent.reviewed") if p["consent_id"] == k]
    with engine.connect() as connection:
        rows = connection.execute(select(consent_reviews).where(consent_reviews.c.consent_id == k).order_by(consent_reviews.c.ledger_seq)).all()
    assert [r.confirmed_with for r in rows] == [e["confirmed_with"] for e in entries] and sorted(r.confirmed_with for r in rows) == ["Father", "Mother"]
    # The next review date is the one the later review (in the ledger's order) set.
    assert one_row(engine, consents, consents.c.id == k).review_by.isoformat() == entries[-1]["next_review_by"]
    assert [r.confirmed_with for r in _s(sc).consents.get(_a(sc, "practitioner_a"), k).reviews] == [e["confirmed_with"] for e in entries]


def _withdraw(sc: Scene, i: int):
    return _s(sc).consents.withdraw(_a(sc, ("practitioner_a", "dsl_a")[i]), sc.ids["K"], WithdrawalInput(how=ObtainedBy.PHONE, note=f"Rang ({i})"))


def _withdrawn_once(sc, engine, outcomes):
    row = one_row(engine, consents, consents.c.id == sc.ids["K"])
    [entry] = [p for p in ledger_payloads(engine, "consents", "consent.withdrawn") if p["consent_id"] == sc.ids["K"]]
    assert row.status == "withdrawn" and row.withdrawal["note"] == entry["note"] == _ok(outcomes)[0].withdrawal.note


# -- decisions and disclosures

def _record_decision(sc: Scene, i: int):
    return _s(sc).decisions.record(_a(sc, ("practitioner_a", "dsl_a")[i]), decision_input(sc.world, "child_a", Decision.DO_NOT_SHARE))


def _both_decisions(sc, engine, outcomes):
    ids = {o.id for o in outcomes}
    assert len(ids) == 2 and count(engine, decisions, decisions.c.id.in_(ids)) == 2
    assert count(engine, ledger_entries, ledger_entries.c.log == "decisions", ledger_entries.c.seq.in_(ids)) == 2


def _send(sc: Scene, i: int):
    submitted = DisclosureInput(decision=decision_input(sc.world, "child_a", Decision.SHARE, (to_person(sc.world, "practitioner_b"),)))
    return _s(sc).disclosures.send(_a(sc, ("practitioner_a", "dsl_a")[i]), submitted)


def _both_sent(sc, engine, outcomes):
    ids = {o.id for o in outcomes}
    assert len(ids) == 2 and count(engine, disclosures, disclosures.c.id.in_(ids)) == 2
    assert {p["id"] for p in ledger_payloads(engine, "disclosures", "disclosure.sent")} >= ids
    assert count(engine, decisions, decisions.c.id.in_({o.decision_id for o in outcomes})) == 2


def _acknowledge(sc: Scene, _i: int):
    return _s(sc).disclosures.acknowledge(_a(sc, "practitioner_b"), sc.ids["D"])


def _acknowledged_once(sc, engine, outcomes):
    rc = disclosure_recipients.c
    assert count(engine, disclosure_recipients, rc.disclosure_id == sc.ids["D"], rc.acknowledged_at.is_not(None)) == 1
    assert len(ledger_payloads(engine, "disclosures", "disclosure.acknowledged")) == 1


def _family(sc: Scene, i: int):
    update = (FamilyUpdate(status=FamilyStatus.TOLD, note="Told mother"), FamilyUpdate(status=FamilyStatus.NOT_TOLD, reason_not_told="Risk to Ada"))[i]
    return _s(sc).disclosures.update_family(_a(sc, ("practitioner_a", "dsl_a")[i]), sc.ids["D"], update)


def _family_is_the_last_entry(sc, engine, outcomes):
    entries = [p for p in ledger_payloads(engine, "disclosures", "disclosure.family_informed") if p["disclosure_id"] == sc.ids["D"]]
    assert sorted(e["status"] for e in entries) == ["not_told", "told"]
    stored = one_row(engine, disclosures, disclosures.c.id == sc.ids["D"]).family
    assert stored["status"] == entries[-1]["status"] and stored["updated_by"] == entries[-1]["updated_by"]


# -- requests

def _answer(sc: Scene, i: int):
    decision = decision_input(sc.world, "child_b", Decision.SHARE, (to_person(sc.world, "practitioner_b"),))
    return _s(sc).requests.answer(_a(sc, ("practitioner_a", "dsl_a")[i]), sc.ids["R"], RequestAnswer(decision=decision))


def _answered_once(sc, engine, outcomes):
    [answered] = _ok(outcomes)
    row = one_row(engine, information_requests, information_requests.c.id == sc.ids["R"])
    [entry] = [p for p in ledger_payloads(engine, "requests", "request.shared") if p["request_id"] == sc.ids["R"]]
    assert (row.status, row.decision_id, row.disclosure_id) == ("shared", entry["decision_id"], entry["disclosure_id"]) == ("shared", answered.decision_id, answered.disclosure_id)
    # The refused answer's decision and disclosure were rolled back with it.
    assert count(engine, disclosures, disclosures.c.request_id == sc.ids["R"]) == 1
    assert count(engine, decisions, decisions.c.request_id == sc.ids["R"]) == 1
    assert len([p for p in ledger_payloads(engine, "disclosures", "disclosure.sent") if p["request_id"] == sc.ids["R"]]) == 1


def _not_held(sc: Scene, i: int):
    return _s(sc).requests.answer_not_held(_a(sc, ("practitioner_c", "glass_c")[i]), sc.ids["R2"], NotHeld(note=f"Not known ({i})"))


def _cancel(sc: Scene, i: int):
    return _s(sc).requests.cancel(_a(sc, ("practitioner_b", "colleague_b")[i]), sc.ids["R"], f"No longer needed ({i})")


def _closed_once(key: str, status: str):
    def agree(sc, engine, outcomes):
        row = one_row(engine, information_requests, information_requests.c.id == sc.ids[key])
        [entry] = [p for p in ledger_payloads(engine, "requests", f"request.{status}") if p["request_id"] == sc.ids[key]]
        assert row.status == status and row.answer_reasons == entry["reasons"] and row.answered_by == entry["by"] == _ok(outcomes)[0].answered_by

    return agree


def _send_request(sc: Scene, i: int):
    return _s(sc).requests.send(_a(sc, ("practitioner_a", "dsl_a")[i]), request_input(sc.world, subject="child_a", target=sc.world.agency_b))


def _both_requests(sc, engine, outcomes):
    ids = {o.id for o in outcomes}
    assert len(ids) == 2 and count(engine, information_requests, information_requests.c.id.in_(ids)) == 2
    assert {p["id"] for p in ledger_payloads(engine, "requests", "request.sent")} >= ids


# -- subjects

def _add_subject(sc: Scene, i: int):
    details = child_details(("Zoe", "Zara")[i], "Quinn", nhs_number=NEW_NHS_NUMBER)
    return _s(sc).subjects.add_subject(_a(sc, ("practitioner_a", "dsl_a")[i]), details)


def _added_once(sc, engine, outcomes):
    [added] = _ok(outcomes)
    row = one_row(engine, subjects, subjects.c.nhs_number == NEW_NHS_NUMBER)
    assert (row.id, row.given_name) == (added.id, added.details.given_name)
    assert count(engine, subject_holders, subject_holders.c.subject_id == added.id) == 1


def _change_subject(sc: Scene, i: int):
    key = ("parent_a", "aunt")[i]
    details = child_details(sc.world.subjects[key].details.given_name, "Lovelace", nhs_number=NEW_NHS_NUMBER)
    return _s(sc).subjects.change_subject(_a(sc, ("practitioner_a", "dsl_a")[i]), sc.world.subjects[key].id, details)


def _number_given_once(sc, engine, outcomes):
    [changed] = _ok(outcomes)
    assert one_row(engine, subjects, subjects.c.nhs_number == NEW_NHS_NUMBER).id == changed.id


def _link(sc: Scene, _i: int):
    return _s(sc).subjects.link_agency(_a(sc, "ig_lead_a"), sc.world.subjects["kid"].id, sc.world.agency_c)


def _linked_once(sc, engine, outcomes):
    h = subject_holders.c
    assert count(engine, subject_holders, h.subject_id == sc.world.subjects["kid"].id, h.agency_id == sc.world.agency_c) == 1


def _relate(sc: Scene, i: int):
    w = sc.world
    details = RelationshipDetails(person_id=w.subjects["aunt"].id, child_id=w.subjects["teen"].id, kind=RelationshipKind.OTHER_HOUSEHOLD_MEMBER)
    return _s(sc).subjects.relate(_a(sc, ("practitioner_a", "dsl_a")[i]), details)


def _related_once(sc, engine, outcomes):
    r = relationships.c
    assert count(engine, relationships, r.person_id == sc.world.subjects["aunt"].id, r.child_id == sc.world.subjects["teen"].id) == 1


# -- directory

def _add_agency(sc: Scene, i: int):
    kind = (AgencyKind.SCHOOL, AgencyKind.POLICE)[i]
    return _s(sc).directory.add_agency(sc.world.admin, AgencyDetails(name="Agency D", kind=kind, section_11_duty=True))


def _agency_added_once(sc, engine, outcomes):
    [added] = _ok(outcomes)
    assert one_row(engine, agencies, agencies.c.name == "Agency D").kind == added.kind.value


def _rename_agency(sc: Scene, i: int):
    agency = (sc.world.agency_b, sc.world.agency_c)[i]
    kind = (AgencyKind.SCHOOL, AgencyKind.POLICE)[i]
    return _s(sc).directory.change_agency(sc.world.admin, agency, AgencyDetails(name="Agency D", kind=kind, section_11_duty=True))


def _renamed_once(sc, engine, outcomes):
    assert one_row(engine, agencies, agencies.c.name == "Agency D").id == _ok(outcomes)[0].id


def _name_governance(sc: Scene, i: int):
    lead = sc.world.people["ig_lead_a"].id
    roles = (GovernanceRoles(lead_information_officer_id=lead), GovernanceRoles(siro_id=None, lead_information_officer_id=None))[i]
    return _s(sc).directory.name_governance_roles(sc.world.admin, sc.world.agency_a, roles)


def _governance_is_one_of_them(sc, engine, outcomes):
    row = one_row(engine, agencies, agencies.c.id == sc.world.agency_a)
    assert row.lead_information_officer_id in {o.governance.lead_information_officer_id for o in outcomes}


def _add_person(sc: Scene, i: int):
    details = PersonDetails(agency_id=sc.world.agency_a, name=("Pat", "Sam")[i], email="new@agency.example", roles=frozenset({Role.PRACTITIONER}))
    return _s(sc).directory.add_person(sc.world.admin, details, PASSWORD)


def _person_added_once(sc, engine, outcomes):
    [added] = _ok(outcomes)
    row = one_row(engine, people, people.c.email == "new@agency.example")
    assert (row.id, row.name) == (added.id, added.details.name)
    assert count(engine, person_roles, person_roles.c.person_id == added.id) == 1


def _change_person(sc: Scene, i: int):
    person = sc.world.people["practitioner_b"]
    roles = ({Role.PRACTITIONER, Role.MANAGER}, {Role.DESIGNATED_SAFEGUARDING_LEAD})[i]
    details = person.details.model_copy(update={"name": ("Bea Moved", "Bea Promoted")[i], "roles": frozenset(roles)})
    return _s(sc).directory.change_person(sc.world.admin, person.id, details)


def _roles_are_one_whole_change(sc, engine, outcomes):
    person_id = sc.world.people["practitioner_b"].id
    stored = _s(sc).directory.get_person(sc.world.admin, person_id)
    # Each replaced the roles whole, in turn: the result is one of the two, never a mixture of both.
    assert (stored.details.name, stored.roles) in {(o.details.name, o.roles) for o in outcomes}


def _disable(sc: Scene, _i: int):
    return _s(sc).directory.set_disabled(sc.world.admin, sc.world.people["practitioner_b"].id, True)


def _disabled(sc, engine, outcomes):
    person_id = sc.world.people["practitioner_b"].id
    assert one_row(engine, people, people.c.id == person_id).disabled is True
    assert count(engine, sessions, sessions.c.person_id == person_id) == 0


NEW_PASSWORDS = ("quartz gannet umbrella 1874", "velvet osprey lantern 2291")


def _set_password(sc: Scene, i: int):
    return _s(sc).directory.set_password(sc.world.admin, sc.world.people["practitioner_b"].id, NEW_PASSWORDS[i])


def _password_is_one_of_them(sc, engine, outcomes):
    stored = one_row(engine, people, people.c.id == sc.world.people["practitioner_b"].id)
    assert [verify_password(stored.password_hash, p) for p in NEW_PASSWORDS].count(True) == 1
    assert stored.failed_sign_ins == 0


def _checkpoint(sc: Scene, _i: int):
    return _s(sc).ledger.checkpoint(_a(sc, "ig_lead_a"), Log.DECISIONS)


def _one_checkpoint(sc, engine, outcomes):
    # The same tree head signed at the same instant is the same checkpoint (Ed25519 signatures are deterministic).
    assert outcomes[0] == outcomes[1]
    assert count(engine, ledger_checkpoints, ledger_checkpoints.c.log == "decisions") == 1


GROUP_COMMIT = "records arriving together are sealed in one transaction by one of their callers, so there is no point to hold the other at"

PAIRS: dict[str, Pair] = {
    "AccountSettingsService.change_password": Pair(
        _change_own_password, ONE, _own_password_changed_once, setup=_two_sessions, refusal=InvalidInput,
    ),  # the second, made in turn, finds the current password it gives no longer right
    "AccountSettingsService.end_my_other_sessions": Pair(_end_others, BOTH, _only_that_session_left, setup=_two_sessions),
    # Ending a session that has ended is harmless: the second caller either finds it gone (404) or ends it too.
    "AccountSettingsService.end_my_session": Pair(_end_the_third, "ended, once or twice", _third_ended, setup=_a_third_session, refusal=NotFound),
    "AccountSettingsService.end_sessions_of": Pair(_end_sessions_of, BOTH, _signed_out_everywhere, setup=_two_sessions),
    "BreakGlassService.open": Pair(_open_glass, ONE, _opened_once, setup=_two_sessions),
    "BreakGlassService.review": Pair(_review_glass, ONE, _reviewed_once),
    "ConsentService.import_fhir": Pair(_import, ONE, _imported_once, setup=_export_k),
    "ConsentService.record": Pair(_record_consent, BOTH, _disagreement_raised_once, setup=_new_family),
    "ConsentService.resolve_conflict": Pair(_resolve, ONE, _resolved_once),
    "ConsentService.review": Pair(_review, BOTH, _both_reviews_kept),
    "ConsentService.withdraw": Pair(_withdraw, ONE, _withdrawn_once),
    "DecisionService.record": Pair(_record_decision, BOTH, _both_decisions, hold=False, why_no_hold=GROUP_COMMIT),
    "DirectoryService.add_agency": Pair(_add_agency, ONE, _agency_added_once),
    "DirectoryService.add_person": Pair(_add_person, ONE, _person_added_once),
    "DirectoryService.change_agency": Pair(_rename_agency, ONE, _renamed_once),
    "DirectoryService.change_person": Pair(_change_person, BOTH, _roles_are_one_whole_change),
    "DirectoryService.name_governance_roles": Pair(_name_governance, BOTH, _governance_is_one_of_them),
    "DirectoryService.set_disabled": Pair(_disable, BOTH, _disabled),
    "DirectoryService.set_password": Pair(_set_password, BOTH, _password_is_one_of_them),
    "DisclosureService.acknowledge": Pair(_acknowledge, ONE, _acknowledged_once),
    "WitnessService.cosign": Pair(_cosign, ONE, _cosigned_once, setup=_checkpoint_to_cosign),
    "WitnessService.register": Pair(_register_witness, ONE, _witness_registered_once),
    "DisclosureService.send": Pair(_send, BOTH, _both_sent),
    "DisclosureService.update_family": Pair(_family, BOTH, _family_is_the_last_entry),
    "LedgerService.checkpoint": Pair(
        _checkpoint, BOTH, _one_checkpoint, hold=False,
        why_no_hold="with a witness store, checkpoints of one log are taken in turn under the store's lock file, before any write",
    ),
    "RequestService.answer": Pair(_answer, ONE, _answered_once),
    "RequestService.answer_not_held": Pair(_not_held, ONE, _closed_once("R2", "not_held")),
    "RequestService.cancel": Pair(_cancel, ONE, _closed_once("R", "cancelled")),
    "RequestService.send": Pair(_send_request, BOTH, _both_requests),
    "SubjectService.add_subject": Pair(_add_subject, ONE, _added_once),
    "SubjectService.change_subject": Pair(_change_subject, ONE, _number_given_once),
    "SubjectService.link_agency": Pair(_link, ONE, _linked_once),
    "SubjectService.relate": Pair(_relate, ONE, _related_once),
}

READ = "a read: its only write is its access-log entry, appended to the access ledger under that log's lock"
NO_STATE_CHANGE: dict[str, str] = {
    **{name: READ for name in (
        "AccessHistoryService.history", "BreakGlassService.for_review", "BreakGlassService.mine", "ConsentService.conflicts",
        "ConsentService.due_for_review", "ConsentService.export_fhir", "ConsentService.for_subject", "ConsentService.get",
        "ConsentService.standing", "ConsentService.who_may_consent", "DecisionService.advise", "DecisionService.for_subject",
        "DecisionService.get", "DecisionService.mine", "DisclosureService.get", "DisclosureService.incoming", "DisclosureService.sent",
        "RequestService.get", "RequestService.overdue", "RequestService.sent", "RequestService.to_answer", "SubjectService.search",
        "SubjectService.view_subject", "SubjectService.view_as_holder", "TimelineService.advice_requests", "TimelineService.find_for_access_history",
        "TimelineService.for_subject",
    )},
    "LedgerService.export": READ + "; the files it writes are the caller's, named by the caller",
    "LedgerService.verify": "reads the ledger and its index tables, writes nothing",
    "AccountSettingsService.my_sessions": "reads the person's own sessions, writes nothing",
    "LedgerService.witness_store_archive": "reads the witness store (hashes and signatures), writes nothing",
    "WitnessService.offer": "reads the witness store's latest checkpoint and a consistency proof, writes nothing",
    **{f"DirectoryService.{name}": "reads the directory, writes nothing" for name in ("get_agency", "get_person", "list_agencies", "list_people", "get_contact", "list_contacts")},
}


def test_every_use_case_is_classified_as_changing_state_or_not():
    assert_classified(set(PAIRS), set(NO_STATE_CHANGE), "change state (PAIRS, tried twice at once) or not (NO_STATE_CHANGE)")
    assert all(pair.hold or pair.why_no_hold for pair in PAIRS.values())


def _run_pair(world, clock, engine, pair: Pair) -> tuple[Scene, list]:
    scene = build_scene(world, clock)
    pair.setup(scene)
    outcomes = at_the_same_moment(engine, lambda index: pair.call(scene, index), pair.hold)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(o, pair.refusal) and o.message for o in refused), outcomes  # a refusal that says why
    if pair.expect is ONE:
        assert len(refused) == 1, outcomes
    elif pair.expect is BOTH:
        assert not refused, outcomes
    return scene, outcomes


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_a_use_case_run_twice_at_the_same_moment_changes_state_once_or_twice_in_full(world, clock, engine, name):
    pair = PAIRS[name]
    scene, outcomes = _run_pair(world, clock, engine, pair)
    pair.agree(scene, engine, outcomes)
    for log in Log:
        assert scene.world.services.ledger.verify(scene.actor("ig_lead_a"), log).ok, log


# ---------------------------------------------------------------- two different changes to one thing at once


def _disable_or_change_roles(sc: Scene, i: int):
    return _disable(sc, i) if i == 0 else _change_person(sc, 0)


def _still_disabled_with_the_new_roles(sc, engine, outcomes):
    person_id = sc.world.people["practitioner_b"].id
    stored = _s(sc).directory.get_person(sc.world.admin, person_id)
    assert stored.disabled, "changing a person's details re-enabled the account being disabled at the same moment"
    assert (stored.details.name, stored.roles) == ("Bea Moved", frozenset({Role.PRACTITIONER, Role.MANAGER}))


def _enable_or_demote(sc: Scene, i: int):
    person = sc.world.people["dsl_b"]
    if i == 0:
        return _s(sc).directory.set_disabled(sc.world.admin, person.id, False)
    return _s(sc).directory.change_person(sc.world.admin, person.id, person.details.model_copy(update={"roles": frozenset({Role.PRACTITIONER})}))


def _demoted(sc, engine, outcomes):
    stored = _s(sc).directory.get_person(sc.world.admin, sc.world.people["dsl_b"].id)
    assert stored.roles == frozenset({Role.PRACTITIONER}), "re-enabling the account restored the role removed at the same moment"


def _rename_or_name_governance(sc: Scene, i: int):
    if i == 0:
        details = AgencyDetails(name="Agency A Children's Services (North)", kind=AgencyKind.LOCAL_AUTHORITY_CHILDRENS_SOCIAL_CARE, section_11_duty=True)
        return _s(sc).directory.change_agency(sc.world.admin, sc.world.agency_a, details)
    return _name_governance(sc, 0)


def _renamed_and_named(sc, engine, outcomes):
    row = one_row(engine, agencies, agencies.c.id == sc.world.agency_a)
    assert (row.name, row.lead_information_officer_id) == ("Agency A Children's Services (North)", sc.world.people["ig_lead_a"].id)


def _review_or_withdraw(sc: Scene, i: int):
    return _review(sc, 0) if i == 0 else _withdraw(sc, 1)


def _withdrawn_and_reviewed_only_before(sc, engine, outcomes):
    review, withdrawal = outcomes
    assert not isinstance(withdrawal, Exception), withdrawal
    k = sc.ids["K"]
    reviews = [p for p in ledger_payloads(engine, "consents", "consent.reviewed") if p["consent_id"] == k]
    assert count(engine, consent_reviews, consent_reviews.c.consent_id == k) == len(reviews) == (0 if isinstance(review, Conflict) else 1)
    assert one_row(engine, consents, consents.c.id == k).status == "withdrawn"


def _answer_or_cancel(sc: Scene, i: int):
    return _answer(sc, 0) if i == 0 else _cancel(sc, 0)


def _answered_or_cancelled(sc, engine, outcomes):
    row = one_row(engine, information_requests, information_requests.c.id == sc.ids["R"])
    closing = [p for kind in ("shared", "cancelled") for p in ledger_payloads(engine, "requests", f"request.{kind}") if p["request_id"] == sc.ids["R"]]
    assert [row.status] == [c["status"] for c in closing] and row.status == ("shared" if _ok(outcomes)[0] is outcomes[0] else "cancelled")
    assert count(engine, disclosures, disclosures.c.request_id == sc.ids["R"]) == (1 if row.status == "shared" else 0)


CROSSED: dict[str, Pair] = {
    "disabling a person while their roles change": Pair(_disable_or_change_roles, BOTH, _still_disabled_with_the_new_roles),
    "re-enabling a person while a role is taken away": Pair(_enable_or_demote, BOTH, _demoted, setup=lambda sc: _s(sc).directory.set_disabled(sc.world.admin, sc.world.people["dsl_b"].id, True)),
    "renaming an agency while its governance roles are named": Pair(_rename_or_name_governance, BOTH, _renamed_and_named),
    "reviewing consent while it is withdrawn": Pair(_review_or_withdraw, "the withdrawal succeeds; the review only if it came first", _withdrawn_and_reviewed_only_before),
    "answering a request while it is withdrawn": Pair(_answer_or_cancel, ONE, _answered_or_cancelled),
}


@pytest.mark.parametrize("name", sorted(CROSSED))
def test_two_different_changes_to_one_thing_at_the_same_moment_both_hold_or_one_is_refused(world, clock, engine, name):
    pair = CROSSED[name]
    scene, outcomes = _run_pair(world, clock, engine, pair)
    pair.agree(scene, engine, outcomes)


# ---------------------------------------------------------------- signing in (not a use case: there is no actor yet)


def test_wrong_passwords_tried_at_the_same_moment_are_each_counted_and_lock_the_account(world, engine, settings):
    from safeshare.domain.errors import AuthenticationFailed

    email, guesses = "practitioner_a@agency.example", settings.max_failed_sign_ins

    def guess(index: int):
        # From as many addresses as guesses: the throttle stops one address long before the lock-out would.
        return world.services.accounts.sign_in(email, f"wrong password {index}", SessionKind.TOKEN, client=f"192.0.2.{index + 1}")

    if databases.backend() == "postgresql":
        with HeldBeforeFirstWrite(engine, guesses) as held:
            outcomes = held.run(guess)
    else:
        outcomes = run_threads(guesses, guess)
    assert all(isinstance(o, AuthenticationFailed) for o in outcomes), outcomes
    stored = one_row(engine, people, people.c.id == world.people["practitioner_a"].id)
    assert stored.locked_until is not None, f"{guesses} wrong passwords at once left {stored.failed_sign_ins} counted and the account open"
    with pytest.raises(AuthenticationFailed):
        world.services.accounts.sign_in(email, PASSWORD, SessionKind.TOKEN)


def test_a_password_set_while_someone_signs_in_with_the_old_one_leaves_them_signed_out(world, engine):
    """The administrator's new password ends every session; a sign-in checked against the old password at the
    same moment must not make one that outlives it."""
    from safeshare.domain.errors import AuthenticationFailed

    person_id = world.people["practitioner_a"].id

    def call(index: int):
        if index == 0:
            return world.services.directory.set_password(world.admin, person_id, "a new password for Anna")
        return world.services.accounts.sign_in("practitioner_a@agency.example", PASSWORD, SessionKind.TOKEN)

    if databases.backend() == "postgresql":
        with HeldBeforeFirstWrite(engine, 2, in_order=True) as held:  # both have read; the new password lands first
            outcomes = held.run(call)
        assert isinstance(outcomes[1], AuthenticationFailed), outcomes
    else:
        outcomes = run_threads(2, call)
    assert outcomes[0] is None and count(engine, sessions, sessions.c.person_id == person_id) == 0
