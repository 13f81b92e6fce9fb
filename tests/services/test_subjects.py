import pytest
from sqlalchemy import func, select

from safeshare.domain.access import Grant
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.subjects import RelationshipDetails
from safeshare.services.subjects import SubjectSearch
from safeshare.store.tables import subjects as subjects_table
from tests.factories import child_details

PAGE = PageRequest()


def test_a_practitioner_sees_subjects_their_agency_holds(world):
    view = world.services.subjects.view_subject(world.actor("practitioner_a"), world.subjects["child_a"].id)
    assert view.subject.details.given_name == "Ada"


def test_a_practitioner_cannot_see_a_subject_held_only_by_another_agency(world):
    with pytest.raises(NotFound, match="no subject you may see"):
        world.services.subjects.view_subject(world.actor("practitioner_a"), world.subjects["child_b"].id)


def test_unknown_and_invisible_subjects_get_the_same_answer(world):
    with pytest.raises(NotFound) as unknown:
        world.services.subjects.view_subject(world.actor("practitioner_a"), "no-such-id")
    with pytest.raises(NotFound) as invisible:
        world.services.subjects.view_subject(world.actor("practitioner_a"), world.subjects["child_b"].id)
    assert unknown.value.message == invisible.value.message


def test_administrators_do_not_see_subjects_by_being_administrators(world):
    with pytest.raises(Forbidden):
        world.services.subjects.view_subject(world.admin, world.subjects["child_a"].id)
    with pytest.raises(Forbidden):
        world.services.subjects.search(world.admin, SubjectSearch(name="Ada"), PAGE)


def test_search_finds_only_visible_subjects(world):
    a = world.actor("practitioner_a")
    assert [s.id for s in world.services.subjects.search(a, SubjectSearch(name="ada love"), PAGE).items] == [
        world.subjects["child_a"].id
    ]
    assert world.services.subjects.search(a, SubjectSearch(name="Bea"), PAGE).total == 0
    by_nhs = world.services.subjects.search(a, SubjectSearch(nhs_number="943 476 5919"), PAGE)
    assert by_nhs.total == 1


def test_wildcards_in_a_search_match_only_themselves(world):
    """`%` and `_` are LIKE's wildcards and `\\` PostgreSQL's default escape: typed into a search, each is a
    character of a name, so `%` does not list every child the agency holds."""
    a = world.actor("practitioner_a")
    named = {
        "%": world.services.subjects.add_subject(a, child_details("Per%cy", "Example")).id,
        "_": world.services.subjects.add_subject(a, child_details("Jo", "O_Neill")).id,
        "\\": world.services.subjects.add_subject(a, child_details("Back\\slash", "Example")).id,
    }
    for term, subject_id in named.items():
        found = world.services.subjects.search(a, SubjectSearch(name=term), PAGE)
        assert [s.id for s in found.items] == [subject_id], term
    assert world.services.subjects.search(a, SubjectSearch(name="a%e"), PAGE).total == 0  # not Ada Lovelace
    assert world.services.subjects.search(a, SubjectSearch(name="l_velace"), PAGE).total == 0


def test_every_read_of_a_subject_is_in_the_access_log(world):
    subject_id = world.subjects["child_a"].id
    world.services.subjects.view_subject(world.actor("practitioner_a"), subject_id)
    with world.services.context.uow_factory() as uow:
        history = uow.access_log.history(subject_id, PAGE)
    assert history.total == 1
    entry = history.items[0]
    assert entry.person_id == world.people["practitioner_a"].id
    assert entry.action == "subject.view" and entry.grant is Grant.HOLDER and entry.channel == "api"


def test_duplicate_nhs_number_conflicts(world):
    with pytest.raises(Conflict, match="nhs_number"):
        world.services.subjects.add_subject(world.actor("practitioner_b"), child_details("Other", "Child", nhs_number="9434765919"))


def test_relationships_need_both_people_held_by_the_actors_agency(world):
    a = world.actor("practitioner_a")
    parent, child = world.subjects["parent_a"].id, world.subjects["child_a"].id
    relationship = world.services.subjects.relate(
        a, RelationshipDetails(person_id=parent, child_id=child, kind="parent", parental_responsibility=True)
    )
    view = world.services.subjects.view_subject(a, child)
    assert [r.id for r in view.relationships] == [relationship.id]
    assert [s.id for s in view.related] == [parent]
    with pytest.raises(Conflict):
        world.services.subjects.relate(a, RelationshipDetails(person_id=parent, child_id=child, kind="parent"))
    with pytest.raises(InvalidInput, match="child_id"):
        world.services.subjects.relate(
            a, RelationshipDetails(person_id=parent, child_id=world.subjects["child_b"].id, kind="parent")
        )


def test_information_governance_lead_links_another_agency_as_holder(world):
    child = world.subjects["child_a"].id
    with pytest.raises(Forbidden):
        world.services.subjects.link_agency(world.actor("practitioner_a"), child, world.agency_b)
    linked = world.services.subjects.link_agency(world.actor("ig_lead_a"), child, world.agency_b)
    assert linked.model_dump() == {"id": child, "held_by": frozenset({world.agency_a, world.agency_b})}  # no details: the lead's role does not read them
    assert world.services.subjects.view_subject(world.actor("practitioner_b"), child).subject.id == child


def test_a_failure_part_way_through_writes_nothing(world, engine, monkeypatch):
    from safeshare.store.repositories.subjects import SubjectRepository

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SubjectRepository, "add_holder", broken)
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(subjects_table)).scalar_one()
    with pytest.raises(RuntimeError):
        world.services.subjects.add_subject(world.actor("practitioner_a"), child_details("Half", "Written"))
    with engine.connect() as connection:
        after = connection.execute(select(func.count()).select_from(subjects_table)).scalar_one()
    assert after == before


def test_a_holder_sees_only_relationships_to_people_their_agency_holds(world):
    a, b = world.actor("practitioner_a"), world.actor("practitioner_b")
    child, parent, bea = world.subjects["child_a"].id, world.subjects["parent_a"].id, world.subjects["child_b"].id
    to_parent = world.services.subjects.relate(a, RelationshipDetails(person_id=parent, child_id=child, kind="parent", parental_responsibility=True))
    world.services.subjects.link_agency(world.actor("ig_lead_a"), child, world.agency_b)  # B now holds Ada, not her mother
    to_bea = world.services.subjects.relate(b, RelationshipDetails(person_id=bea, child_id=child, kind="sibling"))

    seen_by_b = world.services.subjects.view_subject(b, child)
    assert [r.id for r in seen_by_b.relationships] == [to_bea.id]
    assert [s.id for s in seen_by_b.related] == [bea]
    seen_by_a = world.services.subjects.view_subject(a, child)
    assert [r.id for r in seen_by_a.relationships] == [to_parent.id]
    assert [s.id for s in seen_by_a.related] == [parent]
    with world.services.context.uow_factory() as uow:
        logged = uow.access_log.history(child, PAGE).items[1]  # B's view; A's is newest
    assert logged.person_id == b.person_id and set(logged.subject_ids) == {child, bea}


def test_break_glass_opens_the_subjects_own_record_without_their_relationships(world):
    from safeshare.domain.break_glass import BreakGlassInput
    from tests.factories import PASSWORD

    a = world.actor("practitioner_a")
    child, parent = world.subjects["child_a"].id, world.subjects["parent_a"].id
    world.services.subjects.relate(a, RelationshipDetails(person_id=parent, child_id=child, kind="parent", parental_responsibility=True))
    b = world.actor("practitioner_b")
    world.services.break_glass.open(b, BreakGlassInput(subject_id=child, reason="Police called to the home at night"), PASSWORD)
    view = world.services.subjects.view_subject(b, child)
    assert view.subject.id == child
    assert view.relationships == () and view.related == ()
    with world.services.context.uow_factory() as uow:
        entry = uow.access_log.history(child, PAGE).items[0]
    assert entry.grant is Grant.BREAK_GLASS and entry.subject_ids == (child,)
    with world.services.context.uow_factory() as uow:
        assert uow.access_log.history(parent, PAGE).total == 0


def test_the_record_behind_a_form_that_changes_it_is_for_a_holder_only(world):
    """Emergency access reads the record; it never opens the forms that change it or add to it."""
    from safeshare.domain.break_glass import BreakGlassInput
    from tests.factories import PASSWORD

    child = world.subjects["child_a"].id
    b = world.actor("practitioner_b")
    world.services.break_glass.open(b, BreakGlassInput(subject_id=child, reason="Police called to the home at night"), PASSWORD)
    assert world.services.subjects.view_subject(b, child).subject.id == child
    with world.services.context.uow_factory() as uow:
        before = uow.access_log.history(child, PAGE).total
    with pytest.raises(NotFound, match="no subject you may see"):
        world.services.subjects.view_as_holder(b, child)
    with world.services.context.uow_factory() as uow:
        assert uow.access_log.history(child, PAGE).total == before  # a refusal reads nothing, so logs nothing
    with pytest.raises(Forbidden, match="subjects:read"):
        world.services.subjects.view_as_holder(world.actor("ig_lead_a"), child)
    a = world.actor("practitioner_a")
    assert world.services.subjects.view_as_holder(a, child).subject.id == child
    with world.services.context.uow_factory() as uow:
        entry = uow.access_log.history(child, PAGE).items[0]
    assert entry.person_id == a.person_id and entry.grant is Grant.HOLDER and entry.action == "subject.view"
