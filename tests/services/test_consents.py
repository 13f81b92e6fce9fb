"""The consent register (R5; 004 Appendix 1 q4)."""

import datetime as dt

import pytest
from fhir.resources.consent import Consent

from safeshare.domain.advice import CaseFacts, ConsentGiver, ConsentState, PurposeCategory
from safeshare.domain.agencies import AgencyKind
from safeshare.domain.consent import (
    CapacityBasis,
    ReviewInput,
    ReviewOutcome,
    ConflictKind,
    ConflictResolution,
    ConsentRecipient,
    ConsentStatus,
    GiverKind,
    ObtainedBy,
    WithdrawalInput,
)
from safeshare.domain.decisions import ConsentDetails, Decision
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.store.ledger_repository import LedgerRepository
from tests.exchange import EARLY_HELP, consent_input, decision_input, extend, to_person


@pytest.fixture
def w(world):
    return extend(world)


def fields_of(error) -> set[str]:
    return {p.field for p in error.value.problems}


def record(w, actor="practitioner_a", **kwargs):
    return w.services.consents.record(w.actor(actor), consent_input(w, **kwargs))


def standing(w, subject="kid", purpose=PurposeCategory.early_help, agency=None, actor="practitioner_a"):
    return w.services.consents.standing(w.actor(actor), w.subjects[subject].id, purpose, agency or w.agency_b)


def test_who_may_consent_for_a_ten_year_old(w):
    answer = w.services.consents.who_may_consent(w.actor("practitioner_a"), w.subjects["kid"].id)
    assert answer.age == 10
    by_kind = {(o.kind, o.subject_id): o for o in answer.options}
    assert by_kind[(GiverKind.CHILD, w.subjects["kid"].id)].may_consent
    assert "competence" in by_kind[(GiverKind.CHILD, w.subjects["kid"].id)].condition
    holders = {o.subject_id for o in answer.options if o.kind is GiverKind.PARENTAL_RESPONSIBILITY}
    assert holders == {w.subjects["parent_a"].id, w.subjects["father"].id}
    assert w.subjects["aunt"].id not in {o.subject_id for o in answer.options}
    assert not next(o for o in answer.options if o.kind is GiverKind.SOMEONE_ELSE).may_consent
    assert GiverKind.YOUNG_PERSON_16_17 not in {o.kind for o in answer.options}


def test_who_may_consent_for_a_seventeen_year_old(w):
    answer = w.services.consents.who_may_consent(w.actor("practitioner_a"), w.subjects["teen"].id)
    assert answer.age == 17
    young = next(o for o in answer.options if o.kind is GiverKind.YOUNG_PERSON_16_17)
    assert young.may_consent and young.subject_id == w.subjects["teen"].id


def test_a_parent_with_parental_responsibility_can_consent(w):
    recorded = record(w)
    assert recorded.consent.status is ConsentStatus.GIVEN
    assert recorded.consent.ledger_seq >= 1
    assert recorded.conflicts_raised == ()
    assert w.services.consents.get(w.actor("dsl_a"), recorded.consent.id) == recorded.consent


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"giver": "aunt"}, "given_by.subject_id", "no parental responsibility"),
        ({"giver": None}, "given_by.subject_id", "name the person with parental responsibility"),
        ({"giver": None, "kind": GiverKind.SOMEONE_ELSE}, "given_by.kind", "someone else cannot"),
        ({"giver": "kid", "kind": GiverKind.CHILD}, "given_by.capacity_basis", "competence"),
        ({"giver": "kid", "kind": GiverKind.CHILD, "capacity_basis": CapacityBasis.COMPETENCE_ASSESSED}, "given_by.capacity_note", "how"),
        ({"giver": "kid", "kind": GiverKind.YOUNG_PERSON_16_17}, "given_by.kind", "under 16"),
        ({"subject": "child_a", "giver": "child_a", "kind": GiverKind.YOUNG_PERSON_16_17}, "given_by.kind", "date of birth"),
        ({"subject": "teen", "giver": "teen", "kind": GiverKind.CHILD, "capacity_basis": CapacityBasis.COMPETENCE_ASSESSED, "capacity_note": "x"}, "given_by.kind", "young_person_16_17"),
        ({"capacity_basis": CapacityBasis.COMPETENCE_ASSESSED}, "given_by.capacity_basis", "presumed"),
        ({"subject": "teen"}, "given_by.kind", "decide for themselves"),
        ({"young_person_lacks_capacity": "Cannot weigh it up"}, "young_person_lacks_capacity", "16 or 17"),
        ({"freely_given": False}, "freely_given", "freely given"),
        ({"explicit": False}, "explicit", "explicit"),
        ({"review_by": None}, "review_by", "review"),
        ({"recipients": (ConsentRecipient(agency_id="no-such-agency"),)}, "recipients.0.agency_id", "no agency"),
    ],
)
def test_consent_from_someone_who_cannot_give_it_is_refused_naming_the_field(w, changes, field, words):
    with pytest.raises(InvalidInput) as refused:
        record(w, **changes)
    assert field in fields_of(refused)
    assert words in refused.value.message
    with w.services.context.uow_factory() as uow:
        assert uow.consents.all_for_subject(w.agency_a, w.subjects["kid"].id) == []


def test_a_refusal_needs_no_flags_but_a_valid_refuser(w):
    refused = record(w, decision="refused", freely_given=False, review_by=None)
    assert refused.consent.status is ConsentStatus.REFUSED
    with pytest.raises(InvalidInput, match="no parental responsibility"):
        record(w, giver="aunt", decision="refused", review_by=None)


def test_consent_obtained_in_the_future_is_refused(w, clock):
    with pytest.raises(InvalidInput, match="obtained_at"):
        record(w, obtained_at=clock.now + dt.timedelta(days=1))


def test_only_an_agency_holding_the_child_records_or_reads_its_consent(w):
    with pytest.raises(NotFound):
        record(w, actor="practitioner_b")
    recorded = record(w)
    for reader in ("practitioner_b", "practitioner_c"):
        with pytest.raises(NotFound):
            w.services.consents.get(w.actor(reader), recorded.consent.id)
    with pytest.raises(Forbidden):
        w.services.consents.get(w.actor("ig_lead_a"), recorded.consent.id)


def test_consent_covers_only_its_purposes_and_recipients(w):
    record(w, recipients=(ConsentRecipient(agency_id=w.agency_b), ConsentRecipient(agency_kind=AgencyKind.POLICE)))
    given = standing(w)
    assert given.state is ConsentState.given and given.consent_by is ConsentGiver.parental_responsibility
    assert given.details.obtained_at == dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    assert standing(w, agency=w.agency_c).state is ConsentState.given  # any police force
    assert standing(w, purpose=PurposeCategory.crime_prevention).state is ConsentState.not_sought
    assert standing(w, agency=w.agency_a).state is ConsentState.not_sought


def test_withdrawal_takes_effect_at_once(w, clock):
    recorded = record(w)
    clock.advance(hours=1)
    withdrawn = w.services.consents.withdraw(
        w.actor("practitioner_a"), recorded.consent.id, WithdrawalInput(how=ObtainedBy.PHONE, note="Mother rang to withdraw")
    )
    assert withdrawn.status is ConsentStatus.WITHDRAWN and withdrawn.withdrawal.withdrawn_at == clock.now
    now = standing(w)
    assert now.state is ConsentState.withdrawn and now.details is None
    with pytest.raises(Conflict, match="only consent that was given"):
        w.services.consents.withdraw(w.actor("practitioner_a"), recorded.consent.id, WithdrawalInput(how=ObtainedBy.PHONE, note="again"))
    assert w.services.consents.get(w.actor("practitioner_a"), recorded.consent.id).status is ConsentStatus.WITHDRAWN


def test_a_withdrawal_cannot_predate_the_consent(w):
    recorded = record(w)
    with pytest.raises(InvalidInput, match="withdrawn_at"):
        w.services.consents.withdraw(
            w.actor("practitioner_a"),
            recorded.consent.id,
            WithdrawalInput(withdrawn_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC), how=ObtainedBy.PHONE, note="x"),
        )


def test_a_competent_child_and_a_parent_who_disagree_are_flagged_to_the_dsl(w):
    child = record(w, giver="kid", kind=GiverKind.CHILD, capacity_basis=CapacityBasis.COMPETENCE_ASSESSED, capacity_note="Understood and weighed it")
    parent = record(w, decision="refused", review_by=None, obtained_at=dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC))
    assert [c.kind for c in parent.conflicts_raised] == [ConflictKind.CHILD_AND_PARENT]
    assert set(parent.conflicts_raised[0].consent_ids) == {child.consent.id, parent.consent.id}
    assert standing(w).state is ConsentState.parent_child_disagree
    listed = w.services.consents.conflicts(w.actor("dsl_a"), PageRequest())
    assert [c.id for c in listed.items] == [parent.conflicts_raised[0].id]
    with pytest.raises(Forbidden):
        w.services.consents.conflicts(w.actor("practitioner_a"), PageRequest())
    assert w.services.consents.conflicts(w.actor("dsl_b"), PageRequest()).total == 0
    with pytest.raises(NotFound):
        w.services.consents.resolve_conflict(w.actor("dsl_b"), parent.conflicts_raised[0].id, ConflictResolution(note="x"))
    resolved = w.services.consents.resolve_conflict(
        w.actor("dsl_a"),
        parent.conflicts_raised[0].id,
        ConflictResolution(note="The child is competent and her wishes stand", prevailing_consent_id=child.consent.id),
    )
    assert resolved.resolved_by == w.people["dsl_a"].id
    after = standing(w)
    assert after.state is ConsentState.given and after.consent_by is ConsentGiver.child_with_competence
    assert w.services.consents.conflicts(w.actor("dsl_a"), PageRequest()).total == 0
    with pytest.raises(Conflict):
        w.services.consents.resolve_conflict(w.actor("dsl_a"), resolved.id, ConflictResolution(note="again"))


def test_two_people_with_parental_responsibility_who_disagree_are_flagged(w):
    record(w)
    father = record(w, giver="father", decision="refused", review_by=None)
    assert [c.kind for c in father.conflicts_raised] == [ConflictKind.PARENTS]
    assert standing(w).state is ConsentState.parent_child_disagree


def test_agreeing_parents_or_a_changed_mind_raise_no_conflict(w):
    record(w)
    assert record(w, giver="father").conflicts_raised == ()
    later = record(w, decision="refused", review_by=None, obtained_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    assert later.conflicts_raised[0].kind is ConflictKind.PARENTS  # mother changed her mind; father still agrees
    assert w.services.consents.conflicts(w.actor("dsl_a"), PageRequest()).total == 1


def test_a_mental_capacity_concern_is_recorded_and_flagged(w):
    recorded = record(w, capacity_basis=CapacityBasis.MENTAL_CAPACITY_CONCERN, capacity_note="Seemed confused")
    assert [c.kind for c in recorded.conflicts_raised] == [ConflictKind.CAPACITY_DOUBT]
    assert standing(w).consent_by is ConsentGiver.parent_capacity_doubt


def test_consents_due_for_review_are_listed(w, clock):
    soon = record(w, review_by=dt.date(2026, 11, 10))
    record(w, giver="father", review_by=dt.date(2027, 1, 10))
    assert w.services.consents.due_for_review(w.actor("practitioner_a"), PageRequest()).total == 0
    clock.advance(days=8)
    due = w.services.consents.due_for_review(w.actor("practitioner_a"), PageRequest())
    assert [c.id for c in due.items] == [soon.consent.id]
    assert w.services.consents.due_for_review(w.actor("practitioner_b"), PageRequest()).total == 0
    assert w.services.consents.due_for_review(w.actor("practitioner_a"), PageRequest(), on=dt.date(2027, 2, 1)).total == 2


def test_the_decision_record_takes_consent_from_the_register(w, clock):
    consent = record(w).consent
    case = CaseFacts.model_validate(EARLY_HELP)
    actor = w.actor("practitioner_a")
    advice = w.services.decisions.advise(actor, case, consent_id=consent.id, recipient_agency_id=w.agency_b)
    assert advice.outcome.value == "share"
    submitted = decision_input(w, "kid", Decision.SHARE, (to_person(w, "practitioner_b"),), case=EARLY_HELP, consent_id=consent.id)
    sealed = w.services.decisions.record(actor, submitted)
    assert sealed.input.facts.consent is ConsentState.given
    assert sealed.input.facts.consent_by is ConsentGiver.parental_responsibility
    assert sealed.input.facts.child_age == 10
    assert sealed.input.consent.obtained_at == consent.input.obtained_at and "early_help" in sealed.input.consent.limits
    w.services.consents.withdraw(actor, consent.id, WithdrawalInput(how=ObtainedBy.IN_PERSON, note="No longer agrees"))
    after = w.services.decisions.advise(actor, case, consent_id=consent.id, recipient_agency_id=w.agency_b)
    assert after.outcome.value != "share"
    refused = w.services.decisions.record(
        actor, decision_input(w, "kid", Decision.DO_NOT_SHARE, case=EARLY_HELP, consent_id=consent.id)
    )
    assert refused.input.facts.consent is ConsentState.withdrawn


def test_consent_out_of_scope_for_a_recipient_does_not_count(w):
    consent = record(w).consent
    to_police = decision_input(w, "kid", Decision.SHARE, (to_person(w, "practitioner_c"),), case={**EARLY_HELP, "recipient_agency": "police"}, consent_id=consent.id,
                               departure_reason="The DSL advised sharing", lawful_bases=("uk_gdpr_6_1_e",))
    sealed = w.services.decisions.record(w.actor("practitioner_a"), to_police)
    assert sealed.input.facts.consent is ConsentState.not_sought and sealed.input.consent is None


def test_a_decision_cannot_use_another_agencys_or_another_subjects_consent(w):
    consent = record(w).consent
    with pytest.raises(InvalidInput, match="consent_id"):
        w.services.decisions.record(w.actor("practitioner_a"), decision_input(w, "child_a", Decision.DO_NOT_SHARE, case=EARLY_HELP, consent_id=consent.id))
    with pytest.raises(NotFound):
        w.services.decisions.advise(w.actor("practitioner_b"), CaseFacts.model_validate(EARLY_HELP), consent_id=consent.id)


def test_fhir_consent_round_trip(w):
    original = record(w, recipients=(ConsentRecipient(agency_id=w.agency_b), ConsentRecipient(agency_kind=AgencyKind.POLICE)), notes="Signed form scanned").consent
    resource = w.services.consents.export_fhir(w.actor("practitioner_a"), original.id)
    parsed = Consent.model_validate(resource)  # valid FHIR R5
    assert parsed.status == "active" and parsed.decision == "permit"
    assert parsed.subject.reference == f"Patient/{w.subjects['kid'].id}"
    assert parsed.grantor[0].reference == f"RelatedPerson/{w.subjects['parent_a'].id}"
    imported = w.services.consents.import_fhir(w.actor("practitioner_a"), resource)
    assert imported.consent.id != original.id
    assert imported.consent.input == original.input
    assert imported.consent.status is ConsentStatus.GIVEN


def test_a_withdrawn_consent_round_trips_as_inactive(w):
    original = record(w).consent
    w.services.consents.withdraw(w.actor("practitioner_a"), original.id, WithdrawalInput(how=ObtainedBy.WRITTEN, note="Letter received"))
    resource = w.services.consents.export_fhir(w.actor("practitioner_a"), original.id)
    assert resource["status"] == "inactive" and "end" in resource["period"]
    imported = w.services.consents.import_fhir(w.actor("practitioner_a"), resource)
    assert imported.consent.status is ConsentStatus.WITHDRAWN
    assert imported.consent.withdrawal.note == "Letter received"


def test_importing_fhir_runs_the_same_checks(w):
    resource = w.services.consents.export_fhir(w.actor("practitioner_a"), record(w).consent.id)
    resource["grantor"] = [{"reference": f"RelatedPerson/{w.subjects['aunt'].id}"}]
    with pytest.raises(InvalidInput, match="no parental responsibility"):
        w.services.consents.import_fhir(w.actor("practitioner_a"), resource)
    with pytest.raises(InvalidInput, match="resourceType"):
        w.services.consents.import_fhir(w.actor("practitioner_a"), {"resourceType": "Patient"})
    broken = {**resource, "status": 42}
    with pytest.raises(InvalidInput, match="status"):
        w.services.consents.import_fhir(w.actor("practitioner_a"), broken)
    missing = {**resource, "extension": []}
    with pytest.raises(InvalidInput, match="giver-kind"):
        w.services.consents.import_fhir(w.actor("practitioner_a"), missing)
    odd = {**resource, "extension": [{**e, "valueCode": "grandparent"} if e["url"].endswith("giver-kind") else e for e in resource["extension"]]}
    with pytest.raises(InvalidInput, match="cannot be read"):
        w.services.consents.import_fhir(w.actor("practitioner_a"), odd)


def test_reading_and_exporting_consent_is_logged(w):
    consent = record(w).consent
    w.services.consents.export_fhir(w.actor("practitioner_a"), consent.id)
    with w.services.context.uow_factory() as uow:
        history = uow.access_log.history(w.subjects["kid"].id, PageRequest())
    assert {"consent.export_fhir"} <= {e.action for e in history.items}
    assert all(e.grant.value == "holder" for e in history.items)


# The register is authoritative when a decision relies on consent without naming it ------------------------

TYPED_IN = ConsentDetails(given_by="parental_responsibility", giver_name="Ada's mother", capacity_basis="parent",
                          obtained_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
def ledger_size(w, log: str) -> int:
    with w.services.context.uow_factory() as uow:
        return LedgerRepository(uow.connection).count(log)


RELYING_ON_CONSENT = {**EARLY_HELP, "consent": "given", "consent_by": "parental_responsibility"}


def relying_on_consent(w, subject="kid", recipient="practitioner_b", **overrides):
    return decision_input(w, subject, Decision.SHARE, (to_person(w, recipient),), case=RELYING_ON_CONSENT, consent=TYPED_IN, **overrides)


@pytest.mark.parametrize(
    ("register", "words"),
    [
        ("withdrawn", "withdrawn on 02 November 2026"),
        ("refused", "was refused"),
        ("out_of_scope", "no consent in your agency's register covers"),
        ("nothing", "record it there first"),
        ("disputed", "disagree"),
    ],
)
def test_consent_typed_into_a_decision_cannot_override_the_register(w, clock, register, words):
    actor = w.actor("practitioner_a")
    if register == "withdrawn":
        consent = record(w).consent
        w.services.consents.withdraw(actor, consent.id, WithdrawalInput(how=ObtainedBy.PHONE, note="Mother withdrew"))
    elif register == "refused":
        record(w, decision="refused", review_by=None)
    elif register == "out_of_scope":
        record(w, purposes=("crime_prevention",))
    elif register == "disputed":
        record(w)
        record(w, giver="father", decision="refused", review_by=None)
    before = ledger_size(w, "decisions")
    with pytest.raises(InvalidInput) as refused:
        w.services.decisions.record(actor, relying_on_consent(w))
    assert fields_of(refused) == {"facts.consent"}
    assert words in refused.value.message
    with pytest.raises(InvalidInput, match="facts.consent"):
        w.services.disclosures.send(actor, DisclosureInput(decision=relying_on_consent(w)))
    assert ledger_size(w, "decisions") == before


def test_consent_relied_on_without_naming_it_is_taken_from_the_register(w, clock):
    actor = w.actor("practitioner_a")
    consent = record(w).consent
    sealed = w.services.decisions.record(actor, relying_on_consent(w))
    assert sealed.input.consent_id == consent.id
    assert sealed.input.consent.giver_name is None and "early_help" in sealed.input.consent.limits  # not the typed-in details
    sent = w.services.disclosures.send(actor, DisclosureInput(decision=relying_on_consent(w)))
    assert sent.consent_id == consent.id  # so its recipients see a withdrawal notice later
    w.services.consents.withdraw(actor, consent.id, WithdrawalInput(how=ObtainedBy.PHONE, note="Mother withdrew"))
    received = w.services.disclosures.get(w.actor("practitioner_b"), sent.id)
    assert received.consent_withdrawn is not None and received.consent_withdrawn.consent_id == consent.id


def test_consent_for_one_recipient_does_not_cover_another(w):
    record(w)  # covers agency B only
    with pytest.raises(InvalidInput, match="covers this purpose and every recipient"):
        w.services.decisions.record(w.actor("practitioner_a"), relying_on_consent(w, recipient="practitioner_c"))


def test_advice_without_naming_anyone_still_takes_consent_as_answered(w):
    record(w, decision="refused", review_by=None)  # the register is not consulted when no one is named (R8)
    advice = w.services.decisions.advise(w.actor("practitioner_a"), CaseFacts.model_validate(RELYING_ON_CONSENT))
    assert advice.outcome.value == "share"


# A young person of 16 or 17 decides for themselves (004 Appendix 1 q4) ---------------------------------------

def test_a_parent_decides_for_a_young_person_of_16_or_17_only_when_they_lack_capacity(w):
    with pytest.raises(InvalidInput) as refused:
        record(w, subject="teen")
    assert fields_of(refused) == {"given_by.kind"} and "Mental Capacity Act" in refused.value.message
    recorded = record(w, subject="teen", young_person_lacks_capacity="A learning disability: cannot weigh the information")
    assert recorded.consent.status is ConsentStatus.GIVEN
    assert [c.kind for c in recorded.conflicts_raised] == [ConflictKind.CAPACITY_DOUBT]
    teen = w.services.consents.who_may_consent(w.actor("practitioner_a"), w.subjects["teen"].id)
    parent = next(o for o in teen.options if o.kind is GiverKind.PARENTAL_RESPONSIBILITY)
    assert "lacks capacity" in parent.condition


# FHIR import ----------------------------------------------------------------------------------------------

def test_a_fhir_consent_withdrawn_in_the_future_is_refused(w, clock):
    original = record(w).consent
    w.services.consents.withdraw(w.actor("practitioner_a"), original.id, WithdrawalInput(how=ObtainedBy.WRITTEN, note="Letter"))
    resource = w.services.consents.export_fhir(w.actor("practitioner_a"), original.id)
    for extension in resource["extension"]:
        if extension["url"].endswith("withdrawal"):
            for part in extension["extension"]:
                if part["url"].endswith("withdrawn-at"):
                    part["valueDateTime"] = "2026-12-25T10:00:00Z"
    resource["identifier"] = [{"system": "urn:example", "value": "future"}]
    with pytest.raises(InvalidInput) as refused:
        w.services.consents.import_fhir(w.actor("practitioner_a"), resource)
    assert fields_of(refused) == {"extension.withdrawal.withdrawn-at"} and "future" in refused.value.message
    with w.services.context.uow_factory() as uow:
        assert len(uow.consents.all_for_subject(w.agency_a, w.subjects["kid"].id)) == 1  # nothing half-written


def test_a_fhir_consent_is_imported_once(w):
    actor = w.actor("practitioner_a")
    resource = w.services.consents.export_fhir(actor, record(w).consent.id)
    first = w.services.consents.import_fhir(actor, resource)
    assert first.consent.source_identifier == f"urn:safeshare:consent|{resource['id']}"
    with pytest.raises(Conflict) as again:
        w.services.consents.import_fhir(actor, resource)
    assert fields_of(again) == {"identifier"} and first.consent.id in again.value.message
    with w.services.context.uow_factory() as uow:
        assert len(uow.consents.all_for_subject(w.agency_a, w.subjects["kid"].id)) == 2
    other = {**resource, "identifier": [{"system": "urn:example", "value": "another-copy"}]}
    assert w.services.consents.import_fhir(actor, other).consent.id != first.consent.id



def test_a_fhir_consent_without_an_identifier_is_known_again_by_what_it_says(w):
    actor = w.actor("practitioner_a")
    resource = w.services.consents.export_fhir(actor, record(w).consent.id)
    del resource["identifier"]
    first = w.services.consents.import_fhir(actor, resource)
    assert first.consent.source_identifier.startswith("urn:safeshare:fhir-content-sha256|")
    resent = {**resource, "meta": {"lastUpdated": "2026-11-30T09:00:00Z"}, "text": {"status": "generated", "div": "<div/>"}}
    with pytest.raises(Conflict) as again:  # a new copy of the same Consent, re-stamped by the sender
        w.services.consents.import_fhir(actor, resent)
    assert fields_of(again) == {"identifier"} and first.consent.id in again.value.message
    changed = {**resource, "date": "2026-11-02"}  # says something else: another consent
    assert w.services.consents.import_fhir(actor, changed).consent.id != first.consent.id


def test_only_a_parent_the_agency_holds_can_give_consent_for_its_child(w):
    from safeshare.domain.subjects import RelationshipDetails, RelationshipKind
    from tests.factories import child_details

    kit = w.subjects["kid"].id
    w.services.subjects.link_agency(w.actor("ig_lead_a"), kit, w.agency_b)  # B knows Kit too
    b = w.actor("practitioner_b")
    w.subjects["b_parent"] = w.services.subjects.add_subject(b, child_details("Xavier", "Lovelace"))  # only B holds him
    w.services.subjects.relate(b, RelationshipDetails(
        person_id=w.subjects["b_parent"].id, child_id=kit, kind=RelationshipKind.PARENT, parental_responsibility=True,
    ))
    with pytest.raises(InvalidInput) as from_b_parent:
        w.services.consents.record(w.actor("practitioner_a"), consent_input(w, giver="b_parent"))
    with pytest.raises(InvalidInput) as from_aunt:  # A holds her, with no parental responsibility
        w.services.consents.record(w.actor("practitioner_a"), consent_input(w, giver="aunt"))
    assert from_b_parent.value.problems == from_aunt.value.problems  # nothing told about B's records
    assert fields_of(from_b_parent) == {"given_by.subject_id"}

# Reviewing consent (R5: renewal is reviewed) ---------------------------------------------------------------

def still_valid(**overrides) -> ReviewInput:
    fields = dict(outcome=ReviewOutcome.STILL_VALID, confirmed_with="Ada's mother", how=ObtainedBy.PHONE,
                  next_review_by=dt.date(2027, 11, 1), note="Still happy for the school to know")
    return ReviewInput(**{**fields, **overrides})


def test_a_review_that_finds_consent_still_valid_sets_the_next_review_date(w, clock):
    consent = record(w, review_by=dt.date(2026, 11, 10)).consent
    clock.advance(days=10)
    actor = w.actor("practitioner_a")
    assert [c.id for c in w.services.consents.due_for_review(actor, PageRequest()).items] == [consent.id]
    reviewed = w.services.consents.review(actor, consent.id, still_valid())
    assert reviewed.status is ConsentStatus.GIVEN and reviewed.review_by == dt.date(2027, 11, 1)
    assert [(r.confirmed_with, r.reviewed_by, r.reviewed_at) for r in reviewed.reviews] == [("Ada's mother", w.people["practitioner_a"].id, clock.now)]
    assert w.services.consents.get(actor, consent.id) == reviewed
    assert w.services.consents.due_for_review(actor, PageRequest()).total == 0
    assert standing(w).state is ConsentState.given
    with w.services.context.uow_factory() as uow:
        kinds = [e.kind for e in LedgerRepository(uow.connection).iter_entries("consents") if consent.id in e.payload_json]
    assert kinds == ["consent.recorded", "consent.reviewed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"next_review_by": None}, "next_review_by"),
        ({"next_review_by": dt.date(2026, 11, 2)}, "next_review_by"),  # today is not in the future
        ({"confirmed_with": " "}, "confirmed_with"),
        ({"outcome": ReviewOutcome.NO_LONGER_VALID, "note": ""}, "note"),
    ],
)
def test_a_review_is_refused_naming_the_field(w, changes, field):
    consent = record(w).consent
    with pytest.raises(InvalidInput) as refused:
        w.services.consents.review(w.actor("practitioner_a"), consent.id, still_valid(**changes))
    assert fields_of(refused) == {field}
    assert w.services.consents.get(w.actor("practitioner_a"), consent.id).reviews == ()


def test_a_review_that_finds_consent_no_longer_valid_withdraws_it(w, clock):
    consent = record(w).consent
    actor = w.actor("practitioner_a")
    reviewed = w.services.consents.review(actor, consent.id, still_valid(outcome=ReviewOutcome.NO_LONGER_VALID, note="Mother no longer agrees"))
    assert reviewed.status is ConsentStatus.WITHDRAWN and reviewed.withdrawal.note == "Mother no longer agrees"
    assert reviewed.withdrawal.withdrawn_at == clock.now and reviewed.reviews[0].outcome is ReviewOutcome.NO_LONGER_VALID
    assert w.services.consents.get(actor, consent.id) == reviewed
    assert standing(w).state is ConsentState.withdrawn
    with pytest.raises(Conflict, match="only consent that was given can be reviewed"):
        w.services.consents.review(actor, consent.id, still_valid())


def test_only_the_holder_agency_reviews_consent(w):
    consent = record(w).consent
    for other in ("practitioner_b", "practitioner_c"):
        with pytest.raises(NotFound):
            w.services.consents.review(w.actor(other), consent.id, still_valid())
    with pytest.raises(Forbidden):
        w.services.consents.review(w.actor("ig_lead_a"), consent.id, still_valid())
    refused = record(w, giver="father", decision="refused", review_by=None).consent
    with pytest.raises(Conflict):
        w.services.consents.review(w.actor("practitioner_a"), refused.id, still_valid())
