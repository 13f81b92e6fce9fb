"""Who may consent for a child, and what a review of consent must say (R5; 004 Appendix 1 q4), without I/O."""

import datetime as dt

import pytest

from safeshare.domain.consent import (
    CapacityBasis,
    ConsentInput,
    ConsentRecipient,
    Giver,
    GiverKind,
    ObtainedBy,
    ReviewInput,
    ReviewOutcome,
    WhatWasTold,
    giver_problems,
    review_problems,
)

PARENT = "parent-1"


def consent(kind=GiverKind.PARENTAL_RESPONSIBILITY, giver=PARENT, lacks_capacity="") -> ConsentInput:
    return ConsentInput(
        subject_id="child-1",
        given_by=Giver(kind=kind, subject_id=giver, capacity_basis=CapacityBasis.AGE),
        decision="given",
        information=("attendance",),
        purposes=("early_help",),
        recipients=(ConsentRecipient(agency_id="agency-b"),),
        told=WhatWasTold(information_collected="a", purposes="b", who_may_receive="c", recipient_uses="d", told_may_be_used_to_detect_crime=True),
        freely_given=True,
        informed=True,
        explicit=True,
        obtained_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        obtained_by=ObtainedBy.IN_PERSON,
        review_by=dt.date(2027, 5, 1),
        young_person_lacks_capacity=lacks_capacity,
    )


def fields(problems) -> set[str]:
    return {p.field for p in problems}


@pytest.mark.parametrize("age", [16, 17])
def test_a_parent_cannot_decide_for_a_young_person_of_16_or_17_who_can_decide(age):
    problems = giver_problems(consent(), age, frozenset({PARENT}))
    assert fields(problems) == {"given_by.kind"}
    assert "decide for themselves" in problems[0].message and "Mental Capacity Act" in problems[0].message


def test_a_parent_may_decide_for_a_young_person_who_lacks_capacity():
    assert giver_problems(consent(lacks_capacity="Cannot understand or weigh the information"), 17, frozenset({PARENT})) == []
    assert fields(giver_problems(consent(lacks_capacity="   "), 17, frozenset({PARENT}))) == {"given_by.kind"}


def test_a_parent_still_decides_for_a_child_under_16():
    assert giver_problems(consent(), 15, frozenset({PARENT})) == []


def test_a_lack_of_capacity_is_recorded_only_for_a_parent_deciding_for_a_16_or_17_year_old():
    assert fields(giver_problems(consent(lacks_capacity="x"), 12, frozenset({PARENT}))) == {"young_person_lacks_capacity"}
    young = consent(kind=GiverKind.YOUNG_PERSON_16_17, giver=None, lacks_capacity="x")
    assert fields(giver_problems(young, 17, frozenset({PARENT}))) == {"young_person_lacks_capacity"}


TODAY = dt.date(2026, 11, 2)


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        (ReviewInput(outcome=ReviewOutcome.STILL_VALID, confirmed_with="Mother", how="phone", next_review_by=dt.date(2027, 1, 1)), set()),
        (ReviewInput(outcome=ReviewOutcome.STILL_VALID, confirmed_with="Mother", how="phone"), {"next_review_by"}),
        (ReviewInput(outcome=ReviewOutcome.STILL_VALID, confirmed_with="Mother", how="phone", next_review_by=TODAY), {"next_review_by"}),
        (ReviewInput(outcome=ReviewOutcome.STILL_VALID, how="phone", next_review_by=dt.date(2027, 1, 1)), {"confirmed_with"}),
        (ReviewInput(outcome=ReviewOutcome.NO_LONGER_VALID, how="phone", note="She no longer agrees"), set()),
        (ReviewInput(outcome=ReviewOutcome.NO_LONGER_VALID, how="phone"), {"note"}),
    ],
)
def test_what_a_review_must_say(review, expected):
    assert fields(review_problems(review, TODAY)) == expected
