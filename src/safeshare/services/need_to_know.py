"""Who may see which subject: decided here, for every entry point, against the use case's transaction."""

from __future__ import annotations

from safeshare.domain.access import Grant
from safeshare.domain.errors import NotFound
from safeshare.services.context import Actor
from safeshare.store.unit_of_work import UnitOfWork

# The same answer for "does not exist" and "not yours to see", so ids cannot be probed.
NOT_VISIBLE = "subject_id: no subject you may see has this id"


def subject_grant(uow: UnitOfWork, actor: Actor, subject_id: str) -> Grant:
    """The grant under which the actor may see this subject, or NotFound."""
    if uow.subjects.is_held_by(subject_id, actor.agency_id):
        return Grant.HOLDER
    raise NotFound(NOT_VISIBLE)


def require_holder(uow: UnitOfWork, actor: Actor, subject_id: str) -> None:
    """Changing a subject's record is for the agencies that hold it, not those it was disclosed to."""
    if not uow.subjects.is_held_by(subject_id, actor.agency_id):
        raise NotFound(NOT_VISIBLE)


def may_see(uow: UnitOfWork, actor: Actor, subject_id: str) -> bool:
    try:
        subject_grant(uow, actor, subject_id)
    except NotFound:
        return False
    return True
