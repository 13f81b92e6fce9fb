import datetime as dt

import pytest

from safeshare.domain.advice import CaseFacts, InformDecision, Outcome
from safeshare.domain.decisions import (
    FOLLOWS_ADVICE,
    AdviceSought,
    ConsentDetails,
    Decision,
    DecisionInput,
    FamilyTold,
    Recipient,
    SharedItem,
)
from safeshare.domain.errors import Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.services.decisions import DecisionService
from tests import exchange
from tests.exchange import extend, request_input

SIGNIFICANT_HARM = {**exchange.SIGNIFICANT_HARM, "recipient_agency": "local_authority_childrens_social_care"}
NO_CONCERN = exchange.NO_CONCERN


def facts(**overrides) -> CaseFacts:
    return CaseFacts.model_validate({**SIGNIFICANT_HARM, **overrides})


def complete_input(world, case: CaseFacts, decision: Decision, **overrides) -> DecisionInput:
    """A submission holding everything any advice could ask to be recorded."""
    advice = world.services.decisions.advise(world.actor("practitioner_a"), case)
    share = decision is Decision.SHARE
    fields = dict(
        subject_ids=(world.subjects["child_a"].id,),
        question="Should I tell children's social care what Ada told me?",
        context="Ada told her teacher at break time that she is scared to go home.",
        facts=case,
        decision=decision,
        reasons="The child may be at risk of significant harm and social care must assess.",
        departure_reason=None if decision in FOLLOWS_ADVICE[advice.outcome] else "Discussed with the DSL, who disagreed.",
        information_shared=(SharedItem(description="Ada said she is scared to go home", kind="fact", dated=dt.date(2026, 11, 1)),) if share else (),
        recipients=(Recipient(agency_id=world.agency_b, role="duty social worker"),) if share else (),
        lawful_bases=tuple(b.id for b in advice.lawful_bases[:1]) if share else (),
        secure_method="secure email between agencies" if share else None,
        consent=ConsentDetails(given_by="parental_responsibility", capacity_basis="parent", obtained_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), limits="school and social care only")
        if case.consent.value == "given" else None,
        perceived_risk="Possible physical abuse at home",
        advice_sought=(AdviceSought(from_role="designated safeguarding lead", at=dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC), anonymous=True, summary="Refer today"),),
        family_told=FamilyTold(told=InformDecision.do_not_inform, reason_not_told="Telling the parents could put Ada at greater risk"),
    )
    fields.update(overrides)
    return DecisionInput(**fields)


def test_advice_explains_itself_with_a_trail_of_cited_steps(world):
    advice = world.services.decisions.advise(world.actor("practitioner_a"), facts())
    assert advice.outcome in (Outcome.share_without_consent, Outcome.share)
    assert advice.trail and all(step.citation.document for step in advice.trail)
    assert advice.guidance.version


def test_a_decision_to_share_is_sealed_and_can_be_read_back(world):
    submitted = complete_input(world, facts(), Decision.SHARE)
    record = world.services.decisions.record(world.actor("practitioner_a"), submitted)
    assert record.id >= 1
    assert record.decided_by == world.people["practitioner_a"].id
    assert record.decided_at.tzinfo is not None
    read = world.services.decisions.get(world.actor("dsl_a"), record.id)
    assert read == record
    assert read.follows_advice


def test_a_decision_not_to_share_is_recorded_too(world):
    case = CaseFacts.model_validate(NO_CONCERN)
    record = world.services.decisions.record(world.actor("practitioner_a"), complete_input(world, case, Decision.DO_NOT_SHARE))
    assert record.input.decision is Decision.DO_NOT_SHARE
    assert record.input.information_shared == ()


def test_departing_from_the_advice_needs_a_reason(world):
    submitted = complete_input(world, facts(), Decision.DO_NOT_SHARE)
    assert submitted.departure_reason
    record = world.services.decisions.record(world.actor("practitioner_a"), submitted)
    assert not record.follows_advice
    with pytest.raises(InvalidInput, match="departure_reason"):
        world.services.decisions.record(world.actor("practitioner_a"), submitted.model_copy(update={"departure_reason": None}))


def test_what_the_guidance_asks_to_be_recorded_is_required(world):
    submitted = complete_input(world, facts(), Decision.SHARE)
    advice = world.services.decisions.advise(world.actor("practitioner_a"), facts())
    assert "family_informed" in {f.value for f in advice.record_fields}
    with pytest.raises(InvalidInput) as refused:
        world.services.decisions.record(world.actor("practitioner_a"), submitted.model_copy(update={"family_told": None}))
    assert "family_told" in {p.field for p in refused.value.problems}


def test_sharing_needs_items_recipients_and_an_offered_lawful_basis(world):
    submitted = complete_input(world, facts(), Decision.SHARE)
    actor = world.actor("practitioner_a")
    with pytest.raises(InvalidInput) as no_items:
        world.services.decisions.record(actor, submitted.model_copy(update={"information_shared": ()}))
    assert "information_shared" in {p.field for p in no_items.value.problems}
    with pytest.raises(InvalidInput, match="not one of the lawful bases"):
        world.services.decisions.record(actor, submitted.model_copy(update={"lawful_bases": ("made_up_basis",)}))
    with pytest.raises(InvalidInput, match=r"recipients.0.agency_id"):
        world.services.decisions.record(actor, submitted.model_copy(update={"recipients": (Recipient(agency_id="nowhere"),)}))


def test_only_the_holding_agency_records_and_reads_decisions_about_a_subject(world):
    record = world.services.decisions.record(world.actor("practitioner_a"), complete_input(world, facts(), Decision.SHARE))
    with pytest.raises(NotFound):
        world.services.decisions.get(world.actor("practitioner_b"), record.id)
    other_subject = complete_input(world, facts(), Decision.SHARE, subject_ids=(world.subjects["child_b"].id,))
    with pytest.raises(NotFound):
        world.services.decisions.record(world.actor("practitioner_a"), other_subject)
    with pytest.raises(Forbidden):
        world.services.decisions.get(world.admin, record.id)


def test_corrections_are_new_entries_that_point_at_the_corrected_one(world):
    actor = world.actor("practitioner_a")
    first = world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE))
    with pytest.raises(InvalidInput, match="correction_reason"):
        world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE, corrects=first.id))
    second = world.services.decisions.record(
        actor, complete_input(world, facts(), Decision.SHARE, corrects=first.id, correction_reason="Wrong date of disclosure")
    )
    assert second.id > first.id and second.input.corrects == first.id
    original = world.services.decisions.get(actor, first.id)
    assert original.corrected_by == (second.id,)  # reading the original shows it was corrected
    assert original.model_copy(update={"corrected_by": ()}) == first  # and it stands unchanged
    assert world.services.decisions.get(actor, second.id).corrected_by == ()
    with pytest.raises(InvalidInput, match="corrects"):
        world.services.decisions.record(
            world.actor("practitioner_b"),
            complete_input(world, facts(), Decision.SHARE, subject_ids=(world.subjects["child_b"].id,), corrects=first.id, correction_reason="x"),
        )


def test_reading_decisions_is_logged_and_listed_per_subject(world):
    actor = world.actor("practitioner_a")
    record = world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE))
    listed = world.services.decisions.for_subject(actor, world.subjects["child_a"].id, PageRequest())
    assert [d.id for d in listed.items] == [record.id]
    with world.services.context.uow_factory() as uow:
        history = uow.access_log.history(world.subjects["child_a"].id, PageRequest())
    assert any(f"decision:{record.id}" in e.records for e in history.items)


def test_the_service_offers_no_way_to_change_or_delete_a_record():
    verbs = {name for name in dir(DecisionService) if not name.startswith("_")}
    assert not {v for v in verbs if any(word in v for word in ("update", "delete", "edit", "remove", "change"))}


def test_a_share_against_advice_to_seek_consent_needs_what_any_share_needs(world):
    case = facts(**exchange.HOUSING_EARLY_HELP, reasons_consent_not_sought=[])
    actor = world.actor("practitioner_a")
    advice = world.services.decisions.advise(actor, case)
    assert advice.outcome is Outcome.seek_consent and not advice.lawful_bases
    share = complete_input(world, case, Decision.SHARE, lawful_bases=("uk_gdpr_6_1_e",))
    assert share.departure_reason
    for missing, field in (
        ({"lawful_bases": ()}, "lawful_bases"),
        ({"secure_method": None}, "secure_method"),
        ({"family_told": None}, "family_told"),
    ):
        with pytest.raises(InvalidInput) as refused:
            world.services.decisions.record(actor, share.model_copy(update=missing))
        assert field in {p.field for p in refused.value.problems}
    # Any basis the guidance knows may be relied on when departing, but not an unknown one.
    record = world.services.decisions.record(actor, share)
    assert record.input.lawful_bases == ("uk_gdpr_6_1_e",) and not record.follows_advice
    with pytest.raises(InvalidInput, match="not a lawful basis the guidance knows"):
        world.services.decisions.record(actor, share.model_copy(update={"lawful_bases": ("made_up_basis",)}))


def test_not_sharing_as_advised_asks_for_none_of_the_sharing_fields(world):
    case = facts(**exchange.HOUSING_EARLY_HELP, reasons_consent_not_sought=[])
    submitted = complete_input(world, case, Decision.DO_NOT_SHARE, secure_method=None, family_told=None)
    record = world.services.decisions.record(world.actor("practitioner_a"), submitted)
    assert record.follows_advice


def test_a_refusal_to_a_requester_records_how_it_was_discussed(world):
    case = CaseFacts.model_validate({**NO_CONCERN, "requested_by_recipient": True})
    actor = world.actor("practitioner_a")
    assert world.services.decisions.advise(actor, case).outcome is Outcome.do_not_share
    submitted = complete_input(world, case, Decision.DO_NOT_SHARE)
    with pytest.raises(InvalidInput) as refused:
        world.services.decisions.record(actor, submitted)  # reasons alone are not a discussion
    assert "discussed_with_requester" in {p.field for p in refused.value.problems}
    record = world.services.decisions.record(
        actor, submitted.model_copy(update={"discussed_with_requester": "Phoned the charity and explained why."})
    )
    assert record.input.discussed_with_requester


def test_a_record_can_only_answer_a_request_made_to_its_agency_about_its_subject(world):
    w = extend(world)
    w.services.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)
    request = w.services.requests.send(w.actor("practitioner_b"), request_input(w))  # B asks A about Bea
    bea = (w.subjects["child_b"].id,)
    with pytest.raises(InvalidInput, match="request_id: no request to your agency"):
        w.services.decisions.record(w.actor("practitioner_a"), complete_input(w, facts(), Decision.SHARE, request_id="no-such-request"))
    with pytest.raises(InvalidInput, match="request_id: this request is about a subject"):
        w.services.decisions.record(w.actor("practitioner_a"), complete_input(w, facts(), Decision.SHARE, request_id=request.id))
    with pytest.raises(InvalidInput, match="request_id: no request to your agency"):  # the asker cannot answer it
        w.services.decisions.record(
            w.actor("practitioner_b"), complete_input(w, facts(), Decision.SHARE, subject_ids=bea, request_id=request.id)
        )
    answered = w.services.decisions.record(
        w.actor("practitioner_a"), complete_input(w, facts(), Decision.SHARE, subject_ids=bea, request_id=request.id)
    )
    assert answered.input.request_id == request.id


def test_a_correction_names_the_same_subjects_as_the_record_it_corrects(world):
    actor = world.actor("practitioner_a")
    first = world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE))
    other = (world.subjects["child_a"].id, world.subjects["parent_a"].id)
    with pytest.raises(InvalidInput) as refused:
        world.services.decisions.record(
            actor, complete_input(world, facts(), Decision.SHARE, subject_ids=other, corrects=first.id, correction_reason="Wrong child")
        )
    assert {p.field for p in refused.value.problems} == {"subject_ids"}


def logged(w, subject: str, action: str) -> list:
    """The access-log entries of `action` naming this subject, as the holding agency's governance lead sees them."""
    entries = w.services.access_history.history(w.actor("ig_lead_a"), w.subjects[subject].id, PageRequest(limit=200)).items
    return [e for e in entries if e.action == action]


def test_reading_a_childs_decisions_logs_everyone_the_records_name(world):
    child, parent = world.subjects["child_a"].id, world.subjects["parent_a"].id
    actor = world.actor("practitioner_a")
    world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE, subject_ids=(child, parent)))
    world.services.decisions.for_subject(actor, child, PageRequest())
    assert [e.grant.value for e in logged(world, "parent_a", "decision.list")] == ["holder"]  # her details were read too
    assert [e.grant.value for e in logged(world, "child_a", "decision.list")] == ["holder"]


def test_my_decisions_log_an_onward_share_under_the_disclosure_it_came_from(world):
    from safeshare.domain.disclosures import DisclosureInput, ItemRef
    from tests.exchange import decision_input, disclose, to_person

    w = extend(world)
    allowed = disclose(w, decision={"onward_sharing_allowed": True})  # A tells B about Ada, who B does not hold
    b = w.actor("practitioner_b")
    onward = decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_c"),), items=(), actor="practitioner_b")
    w.services.disclosures.send(b, DisclosureInput(decision=onward, forwarded_items=(ItemRef(disclosure_id=allowed.id, index=0),)))
    w.services.decisions.mine(b, PageRequest())
    assert [e.grant.value for e in logged(w, "child_a", "decision.list") if e.person_id == b.person_id] == ["disclosure"]
