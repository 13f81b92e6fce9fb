"""Disclosures: the exchange itself (R9, R10, R12, R22) and what recipients may see."""

import pytest

from safeshare.domain.access import Grant
from safeshare.domain.advice import InformDecision
from safeshare.domain.consent import ObtainedBy, WithdrawalInput
from safeshare.domain.decisions import Decision, FamilyTold, ItemKind, Recipient
from safeshare.domain.disclosures import DisclosureInput, FamilyStatus, FamilyUpdate, ItemRef
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.people import Role
from tests.exchange import EARLY_HELP, ITEM, OLD, OPINION, consent_input, decision_input, disclose, extend, to_person, to_role


@pytest.fixture
def w(world):
    return extend(world)


def move(w, key, agency_id):
    """The administrator moves a person to another agency (DirectoryService.change_person)."""
    person = w.people[key]
    w.people[key] = w.services.directory.change_person(w.admin, person.id, person.details.model_copy(update={"agency_id": agency_id}))


def history(w, subject="child_a"):
    with w.services.context.uow_factory() as uow:
        return uow.access_log.history(w.subjects[subject].id, PageRequest(limit=200)).items


def test_a_disclosure_is_linked_to_its_sealed_decision(w):
    sent = disclose(w)
    assert sent.decision_id >= 1 and sent.ledger_seq >= 1
    record = w.services.decisions.get(w.actor("practitioner_a"), sent.decision_id)
    assert record.input.information_shared == (ITEM, OPINION, OLD)
    assert sent.lawful_bases == record.input.lawful_bases and sent.lawful_bases
    assert not sent.onward_sharing_allowed
    assert sent.family.status is FamilyStatus.NOT_TOLD and sent.family.reason_not_told


def test_facts_and_opinions_are_marked_and_history_is_explained(w):
    received = w.services.disclosures.get(w.actor("practitioner_b"), disclose(w).id)
    kinds = [(i.kind, i.historical) for i in received.items]
    assert kinds == [(ItemKind.FACT, False), (ItemKind.OPINION, False), (ItemKind.FACT, True)]
    assert received.items[2].historical_note
    assert all(i.dated for i in received.items)


def test_recipients_see_only_the_chosen_items_and_minimal_identity(w):
    sent = disclose(w)
    b = w.actor("practitioner_b")
    received = w.services.disclosures.get(b, sent.id)
    assert received.subject.given_name == "Ada" and received.subject.id == w.subjects["child_a"].id
    assert "nhs_number" not in received.subject.model_dump()
    with pytest.raises(NotFound):  # the sender's record of the subject stays closed
        w.services.subjects.view_subject(b, w.subjects["child_a"].id)
    with pytest.raises(NotFound):  # and so does the sender's decision record
        w.services.decisions.get(b, sent.decision_id)
    assert w.services.decisions.for_subject(b, w.subjects["child_a"].id, PageRequest()).total == 0
    entry = next(e for e in history(w) if e.action == "disclosure.view")
    assert entry.grant is Grant.DISCLOSURE and entry.person_id == b.person_id and entry.records == (f"disclosure:{sent.id}",)


@pytest.mark.parametrize("outsider", ["colleague_b", "practitioner_c", "ig_lead_b", "ig_lead_a", "admin"])
def test_nobody_else_sees_a_disclosure(w, outsider):
    sent = disclose(w)
    with pytest.raises((NotFound, Forbidden)):
        w.services.disclosures.get(w.actor(outsider), sent.id)
    try:
        incoming = w.services.disclosures.incoming(w.actor(outsider), PageRequest())
    except Forbidden:
        return
    assert incoming.total == 0


def test_a_disclosure_to_a_role_reaches_whoever_holds_it_there(w):
    sent = disclose(w, recipients=(to_role(w.agency_b, Role.DESIGNATED_SAFEGUARDING_LEAD),))
    assert [d.id for d in w.services.disclosures.incoming(w.actor("dsl_b"), PageRequest()).items] == [sent.id]
    assert w.services.disclosures.incoming(w.actor("practitioner_b"), PageRequest()).total == 0
    assert w.services.disclosures.incoming(w.actor("dsl_a"), PageRequest()).total == 0  # same role, other agency


def test_recipients_must_exist_and_be_able_to_receive(w):
    with pytest.raises(InvalidInput, match=r"recipients.0.agency_id"):
        disclose(w, recipients=(Recipient(agency_id="nowhere", role="practitioner"),))
    with pytest.raises(InvalidInput, match=r"recipients.0.person_id"):
        disclose(w, recipients=(Recipient(agency_id=w.agency_b, person_id=w.people["practitioner_c"].id),))
    with pytest.raises(InvalidInput, match=r"recipients.0.role"):
        disclose(w, recipients=(Recipient(agency_id=w.agency_b, role="duty social worker"),))
    with pytest.raises(InvalidInput, match="do not receive"):
        disclose(w, recipients=(to_person(w, "ig_lead_b"),))
    with pytest.raises(InvalidInput, match="person_id"):
        disclose(w, recipients=(to_person(w, "disabled_a"),))
    with w.services.context.uow_factory() as uow:  # nothing half-written
        assert uow.disclosures.sent(w.agency_a, PageRequest()).total == 0
        assert uow.decisions.list(PageRequest(), w.agency_a).total == 0


def test_a_disclosure_is_about_one_subject_the_sender_holds(w):
    with pytest.raises(NotFound):
        disclose(w, subject="child_b")
    with pytest.raises(InvalidInput, match="subject_ids"):
        disclose(w, decision={"subject_ids": (w.subjects["child_a"].id, w.subjects["kid"].id)})


def test_recipients_acknowledge_only_their_own(w, clock):
    sent = disclose(w, recipients=(to_person(w, "practitioner_b"), to_role(w.agency_c, Role.PRACTITIONER)))
    with pytest.raises(NotFound):
        w.services.disclosures.acknowledge(w.actor("colleague_b"), sent.id)
    clock.advance(minutes=5)
    acked = w.services.disclosures.acknowledge(w.actor("practitioner_b"), sent.id)
    statuses = {r.recipient.person_id or r.recipient.role: r.acknowledged_at for r in acked.recipients}
    assert statuses[w.people["practitioner_b"].id] == clock.now
    assert statuses["practitioner"] is None
    with pytest.raises(Conflict):
        w.services.disclosures.acknowledge(w.actor("practitioner_b"), sent.id)
    w.services.disclosures.acknowledge(w.actor("practitioner_c"), sent.id)


def test_unacknowledged_urgent_disclosures_are_listed(w):
    urgent = disclose(w, urgent=True)
    disclose(w)  # not urgent
    sender_view = w.services.disclosures.sent(w.actor("dsl_a"), PageRequest(), urgent_unacknowledged=True)
    assert [d.id for d in sender_view.items] == [urgent.id]
    mine = w.services.disclosures.incoming(w.actor("practitioner_b"), PageRequest(), unacknowledged_only=True, urgent_only=True)
    assert [d.id for d in mine.items] == [urgent.id]
    w.services.disclosures.acknowledge(w.actor("practitioner_b"), urgent.id)
    assert w.services.disclosures.sent(w.actor("dsl_a"), PageRequest(), urgent_unacknowledged=True).total == 0
    assert w.services.disclosures.incoming(w.actor("practitioner_b"), PageRequest(), unacknowledged_only=True).total == 1


def test_onward_sharing_needs_the_senders_permission(w):
    forbidden = disclose(w)
    allowed = disclose(w, decision={"onward_sharing_allowed": True})
    b = w.actor("practitioner_b")
    onward = DisclosureInput(
        decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_c"),), items=(), actor="practitioner_b"),
        forwarded_items=(ItemRef(disclosure_id=forbidden.id, index=0),),
    )
    with pytest.raises(Forbidden, match="did not allow"):
        w.services.disclosures.send(b, onward)
    passed_on = w.services.disclosures.send(b, onward.model_copy(update={"forwarded_items": (ItemRef(disclosure_id=allowed.id, index=1),)}))
    assert passed_on.items == (OPINION,) and passed_on.forwarded_from == (allowed.id,)
    assert passed_on.sender_agency_id == w.agency_b and passed_on.decision_id != allowed.decision_id
    own_record = w.services.decisions.get(b, passed_on.decision_id)  # the onward share is B's own decision
    assert own_record.input.information_shared == (OPINION,)
    received = w.services.disclosures.get(w.actor("practitioner_c"), passed_on.id)
    assert received.items == (OPINION,)


def test_onward_sharing_checks_each_item(w):
    allowed = disclose(w, decision={"onward_sharing_allowed": True})
    b = w.actor("practitioner_b")

    def onward(*refs, items=()):
        return DisclosureInput(
            decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_c"),), items=items, actor="practitioner_b"),
            forwarded_items=refs,
        )

    with pytest.raises(InvalidInput, match=r"forwarded_items.0.index"):
        w.services.disclosures.send(b, onward(ItemRef(disclosure_id=allowed.id, index=9)))
    with pytest.raises(NotFound, match=r"forwarded_items.0.disclosure_id"):
        w.services.disclosures.send(w.actor("colleague_b"), onward(ItemRef(disclosure_id=allowed.id, index=0)))
    with pytest.raises(InvalidInput, match="information_shared"):
        w.services.disclosures.send(b, onward(ItemRef(disclosure_id=allowed.id, index=0), items=(ITEM.model_copy(update={"description": "new"}),)))
    other = disclose(w, subject="kid", decision={"onward_sharing_allowed": True})
    with pytest.raises(InvalidInput, match="different subject"):
        w.services.disclosures.send(b, onward(ItemRef(disclosure_id=other.id, index=0)))
    with pytest.raises(NotFound):  # without forwarded items B has nothing to share about a subject it does not hold
        w.services.disclosures.send(b, onward())


def test_a_holder_cannot_pass_on_received_items_as_its_own(w):
    disclose(w, sender="practitioner_b", subject="child_b", recipients=(to_person(w, "practitioner_a"),))
    w.services.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)  # A now holds Bea too
    with pytest.raises(Forbidden, match="did not allow onward sharing"):
        disclose(w, sender="practitioner_a", subject="child_b", recipients=(to_person(w, "practitioner_c"),), items=(OPINION, ITEM))
    fresh = ITEM.model_copy(update={"description": "Bea missed school on Monday"})
    assert disclose(w, sender="practitioner_a", subject="child_b", recipients=(to_person(w, "practitioner_c"),), items=(fresh,)).items == (fresh,)


def test_withdrawn_consent_is_shown_to_everyone_who_received_under_it(w):
    consent = w.services.consents.record(w.actor("practitioner_a"), consent_input(w)).consent
    submitted = DisclosureInput(
        decision=decision_input(w, "kid", Decision.SHARE, (to_person(w, "practitioner_b"),), case=EARLY_HELP, consent_id=consent.id,
                                onward_sharing_allowed=True)
    )
    sent = w.services.disclosures.send(w.actor("practitioner_a"), submitted)
    assert sent.consent_id == consent.id and sent.consent_withdrawn is None
    w.services.consents.withdraw(w.actor("practitioner_a"), consent.id, WithdrawalInput(how=ObtainedBy.PHONE, note="Changed her mind"))
    received = w.services.disclosures.get(w.actor("practitioner_b"), sent.id)
    assert received.consent_withdrawn is not None and received.items == sent.items  # what was shared stays recorded
    listed = w.services.disclosures.incoming(w.actor("practitioner_b"), PageRequest()).items[0]
    assert listed.consent_withdrawn.consent_id == consent.id
    onward = DisclosureInput(
        decision=decision_input(w, "kid", Decision.SHARE, (to_person(w, "practitioner_c"),), items=(), actor="practitioner_b"),
        forwarded_items=(ItemRef(disclosure_id=sent.id, index=0),),
    )
    with pytest.raises(Forbidden, match="withdrawn"):
        w.services.disclosures.send(w.actor("practitioner_b"), onward)


def test_a_later_share_under_withdrawn_consent_does_not_rely_on_it(w):
    consent = w.services.consents.record(w.actor("practitioner_a"), consent_input(w)).consent
    w.services.consents.withdraw(w.actor("practitioner_a"), consent.id, WithdrawalInput(how=ObtainedBy.PHONE, note="No"))
    submitted = DisclosureInput(
        decision=decision_input(w, "kid", Decision.SHARE, (to_person(w, "practitioner_b"),), case=EARLY_HELP, consent_id=consent.id,
                                departure_reason="Shared after discussion with the DSL", lawful_bases=("uk_gdpr_6_1_e",))
    )
    sent = w.services.disclosures.send(w.actor("practitioner_a"), submitted)
    assert sent.consent_id is None
    record = w.services.decisions.get(w.actor("practitioner_a"), sent.decision_id)
    assert record.input.facts.consent.value == "withdrawn" and not record.follows_advice


def test_whether_the_family_was_told_can_be_updated_later(w, clock):
    sent = disclose(w, decision={"family_told": FamilyTold(told=InformDecision.inform_after_sharing)})
    assert sent.family.status is FamilyStatus.WILL_TELL
    with pytest.raises(InvalidInput, match="reason_not_told"):
        w.services.disclosures.update_family(w.actor("practitioner_a"), sent.id, FamilyUpdate(status=FamilyStatus.NOT_TOLD))
    with pytest.raises(NotFound):
        w.services.disclosures.update_family(w.actor("practitioner_b"), sent.id, FamilyUpdate(status=FamilyStatus.TOLD))
    clock.advance(days=1)
    updated = w.services.disclosures.update_family(w.actor("dsl_a"), sent.id, FamilyUpdate(status=FamilyStatus.TOLD, note="Told mother by phone"))
    assert updated.family.status is FamilyStatus.TOLD and updated.family.told_at == clock.now
    assert updated.family.updated_by == w.people["dsl_a"].id
    assert w.services.disclosures.get(w.actor("practitioner_b"), sent.id).family.status is FamilyStatus.TOLD


def test_every_listing_of_disclosures_is_logged_and_paged(w):
    for _ in range(3):
        disclose(w)
    page = w.services.disclosures.incoming(w.actor("practitioner_b"), PageRequest(limit=2))
    assert page.total == 3 and len(page.items) == 2 and page.next_offset == 2
    entry = history(w)[0]
    assert entry.action == "disclosure.incoming" and set(entry.records) == {f"disclosure:{d.id}" for d in page.items}
    sent = w.services.disclosures.sent(w.actor("practitioner_a"), PageRequest(limit=1), subject_id=w.subjects["child_a"].id)
    assert sent.total == 3 and len(sent.items) == 1


def test_a_disclosure_to_a_person_stays_with_the_agency_it_was_sent_to(w):
    sent = disclose(w)  # from A to practitioner B, about Ada
    before = w.services.disclosures.get(w.actor("practitioner_b"), sent.id)
    assert before.id == sent.id
    move(w, "practitioner_b", w.agency_c)
    moved = w.actor("practitioner_b")
    with pytest.raises(NotFound):
        w.services.disclosures.get(moved, sent.id)
    assert w.services.disclosures.incoming(moved, PageRequest()).total == 0
    with pytest.raises(NotFound):
        w.services.disclosures.acknowledge(moved, sent.id)
    with pytest.raises(NotFound):  # nor does it open the child's timeline under grant disclosure
        w.services.timeline.for_subject(moved, w.subjects["child_a"].id, PageRequest())
    onward = DisclosureInput(
        decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_a"),), items=(), actor="practitioner_b"),
        forwarded_items=(ItemRef(disclosure_id=sent.id, index=0),),
    )
    with pytest.raises(NotFound, match=r"forwarded_items.0.disclosure_id"):
        w.services.disclosures.send(moved, onward)
    at_c = disclose(w)  # sent to the person where they are now, it reaches them
    assert [d.id for d in w.services.disclosures.incoming(moved, PageRequest()).items] == [at_c.id]
    assert w.services.disclosures.get(moved, at_c.id).id == at_c.id
    move(w, "practitioner_b", w.agency_b)  # back at B, B's disclosure is theirs again, C's is not
    assert [d.id for d in w.services.disclosures.incoming(w.actor("practitioner_b"), PageRequest()).items] == [sent.id]
