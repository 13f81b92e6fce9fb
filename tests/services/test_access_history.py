"""A subject's access history shows who read that subject, and nobody else the same read touched."""

from __future__ import annotations

from safeshare.domain.access import AccessEntry, Grant
from safeshare.domain.paging import PageRequest


def test_an_entry_naming_others_too_shows_only_the_subject_asked_about(world, clock):
    ada, bea = world.subjects["child_a"].id, world.subjects["child_b"].id  # agency A holds Ada; only B holds Bea
    b = world.actor("practitioner_b")
    with world.services.context.uow_factory() as uow:  # a read by B that touched both, e.g. a search
        uow.access_log.append(AccessEntry(
            person_id=b.person_id, agency_id=b.agency_id, channel="web", action="subject.search",
            subject_ids=(ada, bea), records=(), grant=Grant.HOLDER, at=clock(),
        ))
        uow.commit()
    history = world.services.access_history.history(world.actor("ig_lead_a"), ada, PageRequest(limit=200)).items
    searches = [e for e in history if e.action == "subject.search"]
    assert len(searches) == 1 and searches[0].subject_ids == (ada,)
    assert all(bea not in e.subject_ids for e in history)
