"""Helpers for the exchange tests: more people and agencies on top of the World, and complete submissions."""

from __future__ import annotations

import datetime as dt

from safeshare.domain.advice import CaseFacts, InformDecision
from safeshare.domain.agencies import AgencyDetails, AgencyKind
from safeshare.domain.consent import (
    CapacityBasis,
    ConsentInput,
    ConsentRecipient,
    Giver,
    GiverKind,
    ObtainedBy,
    WhatWasTold,
)
from safeshare.domain.decisions import (
    FOLLOWS_ADVICE,
    AdviceSought,
    Decision,
    DecisionInput,
    FamilyTold,
    Recipient,
    SharedItem,
)
from safeshare.domain.disclosures import DisclosureInput
from safeshare.domain.people import Role
from safeshare.domain.requests import RequestInput, Urgency
from safeshare.domain.subjects import RelationshipDetails, RelationshipKind
from tests.factories import World, add_person, child_details

SIGNIFICANT_HARM = dict(
    purpose="Referral to children's social care after a disclosure at school",
    purpose_category="safeguarding_referral",
    recipient_agency="school",
    information_requested=["disclosure made to class teacher"],
    level_of_concern="significant_harm",
    consent="not_sought",
    reasons_consent_not_sought=["increase_risk_to_child"],
)
EARLY_HELP = dict(
    purpose="Early help assessment with the family's agreement",
    purpose_category="early_help",
    recipient_agency="school",
    information_requested=["attendance", "family circumstances"],
    level_of_concern="early_help",
    consent="not_sought",
)
HOUSING_EARLY_HELP = dict(  # advised to seek consent first
    purpose="Early help assessment for a family struggling with housing",
    purpose_category="early_help",
    recipient_agency="local_authority_childrens_social_care",
    information_requested=["attendance record"],
    level_of_concern="early_help",
    consent="not_sought",
)
NO_CONCERN = dict(
    purpose="A charity asks for a pupil's attendance for its newsletter",
    purpose_category="other",
    recipient_agency="voluntary_community",
    information_requested=["attendance record"],
    level_of_concern="no_concern",
    clear_legitimate_purpose="no",
)

ITEM = SharedItem(description="Ada said she is scared to go home", kind="fact", dated=dt.date(2026, 11, 1))
OPINION = SharedItem(description="Teacher thinks Ada is withdrawn", kind="opinion", dated=dt.date(2026, 10, 20))
OLD = SharedItem(
    description="Ada was on a child protection plan in 2021",
    kind="fact",
    dated=dt.date(2021, 3, 1),
    historical=True,
    historical_note="Shows the concerns have come back",
)


def extend(world: World) -> World:
    """Add agency C (police), more staff, a disabled account and a family with two parents."""
    s = world.services
    agency_c = s.directory.add_agency(
        world.admin, AgencyDetails(name="Agency C Police", kind=AgencyKind.POLICE, section_11_duty=True)
    ).id
    world.agency_c = agency_c  # type: ignore[attr-defined]
    for key, agency, roles in [
        ("colleague_b", world.agency_b, (Role.PRACTITIONER,)),
        ("dsl_b", world.agency_b, (Role.DESIGNATED_SAFEGUARDING_LEAD,)),
        ("ig_lead_b", world.agency_b, (Role.INFORMATION_GOVERNANCE_LEAD,)),
        ("practitioner_c", agency_c, (Role.PRACTITIONER,)),
        ("disabled_a", world.agency_a, (Role.PRACTITIONER,)),
    ]:
        world.people[key] = add_person(s, world.admin, agency, key, *roles)
    s.directory.set_disabled(world.admin, world.people["disabled_a"].id, True)
    a = world.actor("practitioner_a")
    world.subjects["kid"] = s.subjects.add_subject(a, child_details("Kit", "Lovelace", date_of_birth=dt.date(2016, 5, 1)))
    world.subjects["teen"] = s.subjects.add_subject(a, child_details("Tess", "Lovelace", date_of_birth=dt.date(2009, 6, 1)))
    world.subjects["father"] = s.subjects.add_subject(a, child_details("Fred", "Lovelace"))
    world.subjects["aunt"] = s.subjects.add_subject(a, child_details("Agatha", "Lovelace"))
    for parent in ("parent_a", "father"):
        for child in ("kid", "teen", "child_a"):
            s.subjects.relate(
                a,
                RelationshipDetails(
                    person_id=world.subjects[parent].id,
                    child_id=world.subjects[child].id,
                    kind=RelationshipKind.PARENT,
                    parental_responsibility=True,
                ),
            )
    s.subjects.relate(
        a,
        RelationshipDetails(
            person_id=world.subjects["aunt"].id, child_id=world.subjects["kid"].id, kind=RelationshipKind.OTHER_HOUSEHOLD_MEMBER
        ),
    )
    return world


def consent_input(world: World, subject: str = "kid", giver: str = "parent_a", **overrides) -> ConsentInput:
    kind = overrides.pop("kind", GiverKind.PARENTAL_RESPONSIBILITY)
    basis = overrides.pop("capacity_basis", CapacityBasis.AGE)
    giver_id = world.subjects[giver].id if giver else None
    fields = dict(
        subject_id=world.subjects[subject].id,
        given_by=Giver(kind=kind, subject_id=giver_id, capacity_basis=basis, capacity_note=overrides.pop("capacity_note", "")),
        decision="given",
        information=("attendance", "family circumstances"),
        purposes=("early_help",),
        recipients=(ConsentRecipient(agency_id=world.agency_b),),
        told=WhatWasTold(
            information_collected="Attendance and family circumstances",
            purposes="An early help assessment",
            who_may_receive="The school",
            recipient_uses="Planning support, and preventing or detecting crime",
            told_may_be_used_to_detect_crime=True,
        ),
        freely_given=True,
        informed=True,
        explicit=True,
        obtained_at=dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC),
        obtained_by=ObtainedBy.IN_PERSON,
        review_by=dt.date(2027, 5, 1),
    )
    fields.update(overrides)
    return ConsentInput(**fields)


def decision_input(
    world: World,
    subject: str = "child_a",
    decision: Decision = Decision.SHARE,
    recipients: tuple[Recipient, ...] = (),
    items: tuple[SharedItem, ...] = (ITEM,),
    case: dict | None = None,
    actor: str = "practitioner_a",
    **overrides,
) -> DecisionInput:
    """A submission holding everything any advice could ask to be recorded."""
    facts = CaseFacts.model_validate(case or SIGNIFICANT_HARM)
    consent_id = overrides.get("consent_id")
    recipient_agency = recipients[0].agency_id if recipients and consent_id else None
    advice = world.services.decisions.advise(world.actor(actor), facts, consent_id=consent_id, recipient_agency_id=recipient_agency)
    share = decision is Decision.SHARE
    fields = dict(
        subject_ids=(world.subjects[subject].id if subject in world.subjects else subject,),
        question="Should I tell the school what Ada told me?",
        context="Ada told her teacher at break time that she is scared to go home.",
        facts=facts,
        decision=decision,
        reasons="The child may be at risk of significant harm and the school must know to keep her safe.",
        departure_reason=None if decision in FOLLOWS_ADVICE[advice.outcome] else "Discussed with the DSL, who disagreed.",
        information_shared=items if share else (),
        recipients=recipients if share else (),
        lawful_bases=tuple(b.id for b in advice.lawful_bases[:1]) if share else (),
        secure_method="SafeShare disclosure" if share else None,
        perceived_risk="Possible physical abuse at home",
        advice_sought=(
            AdviceSought(from_role="designated safeguarding lead", at=dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC), anonymous=True, summary="Share today"),
        ),
        family_told=FamilyTold(told=InformDecision.do_not_inform, reason_not_told="Telling the parents could put Ada at greater risk"),
    )
    fields.update(overrides)
    return DecisionInput(**fields)


def to_person(world: World, key: str) -> Recipient:
    person = world.people[key]
    return Recipient(agency_id=person.agency_id, person_id=person.id)


def to_role(agency_id: str, role: Role) -> Recipient:
    return Recipient(agency_id=agency_id, role=role.value)


def disclose(world: World, sender: str = "practitioner_a", recipients=None, subject: str = "child_a", **options):
    """Send a disclosure (by default from agency A to practitioner B) and return it."""
    recipients = recipients or (to_person(world, "practitioner_b"),)
    items = options.pop("items", (ITEM, OPINION, OLD))
    decision_overrides = options.pop("decision", {})
    submitted = DisclosureInput(
        decision=decision_input(world, subject, Decision.SHARE, recipients, items, actor=sender, **decision_overrides), **options
    )
    return world.services.disclosures.send(world.actor(sender), submitted)


def request_input(world: World, subject: str = "child_b", target: str | None = None, **overrides) -> RequestInput:
    fields = dict(
        subject_id=world.subjects[subject].id,
        target_agency_id=target or world.agency_a,
        purpose="Child protection enquiry after a disclosure at school",
        purpose_category="child_protection_enquiry",
        gateway="children_act_1989_s47",
        why_needed="Social care is assessing whether Bea is at risk and needs any history of concerns.",
        information_sought=("previous concerns", "family members known"),
        urgency=Urgency.URGENT,
    )
    fields.update(overrides)
    return RequestInput(**fields)
