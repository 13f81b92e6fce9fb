"""Who may see which subject: decided here, for every entry point, against the use case's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from safeshare.domain.access import Grant
from safeshare.domain.disclosures import SubjectIdentity
from safeshare.domain.errors import Forbidden, NotFound, Problem
from safeshare.domain.permissions import ROLE_PERMISSIONS, Permission
from safeshare.services.clock import utc_now
from safeshare.services.context import Actor
from safeshare.store.unit_of_work import UnitOfWork
from safeshare.store.visibility import held_among, identities

# The same answer for "does not exist" and "not yours to see", so ids cannot be probed.
NOT_VISIBLE = "subject_id: no subject you may see has this id"


NOT_DISCLOSED = "disclosure_id: no disclosure sent to you or your role has this id"


@dataclass(frozen=True)
class Access:
    grant: Grant
    ref: str | None = None  # e.g. the break-glass grant, for the access log


def subject_access(uow: UnitOfWork, actor: Actor, subject_id: str, at: dt.datetime | None = None) -> Access:
    """Access to a subject's record: the actor's agency holds it, or the actor has live break-glass access
    opened at the agency they are at now (access follows the person's current agency).

    Items disclosed to the actor are seen through the disclosure instead (see `require_recipient`), never
    through the subject's record. An ended break-glass access is refused with its own message.
    """
    if uow.subjects.is_held_by(subject_id, actor.agency_id):
        return Access(Grant.HOLDER)
    emergency = uow.break_glass.latest(actor.person_id, actor.agency_id, subject_id)  # opened at their current agency
    if emergency is not None:
        if emergency.active_at(at or utc_now()):
            return Access(Grant.BREAK_GLASS, f"break-glass:{emergency.id}")
        message = (
            f"your emergency (break-glass) access to this subject ended at {emergency.expires_at:%Y-%m-%d %H:%M} UTC: "
            "open it again, with a reason, if the emergency continues"
        )
        raise Forbidden(f"subject_id: {message}", (Problem("subject_id", message),))
    raise NotFound(NOT_VISIBLE)


def subject_grant(uow: UnitOfWork, actor: Actor, subject_id: str, at: dt.datetime | None = None) -> Grant:
    """The grant under which the actor may see this subject, or NotFound (Forbidden when break-glass has ended)."""
    return subject_access(uow, actor, subject_id, at).grant


def record_access(uow: UnitOfWork, actor: Actor, subject_id: str, at: dt.datetime | None = None) -> Access:
    """Access to the actor's own agency's records about a subject: as holder, by break-glass, or, for an
    agency that only received items about the subject (and may have passed them on), by disclosure."""
    try:
        return subject_access(uow, actor, subject_id, at)
    except NotFound:
        if subject_disclosed_to(uow, actor, subject_id):
            return Access(Grant.DISCLOSURE)
        raise


def held_by_agency(uow: UnitOfWork, agency_id: str, subject_ids: list[str]) -> set[str]:
    """The subjects among these that the agency holds, in one query."""
    if not subject_ids:
        return set()
    return set(uow.connection.execute(held_among(agency_id, sorted(set(subject_ids)))).scalars())


def identities_of(uow: UnitOfWork, subject_ids: list[str]) -> dict[str, SubjectIdentity]:
    """Who these subjects are, at the least: what a recipient of items about them may see."""
    if not subject_ids:
        return {}
    rows = uow.connection.execute(identities(sorted(set(subject_ids))))
    return {r.id: SubjectIdentity(id=r.id, given_name=r.given_name, family_name=r.family_name, date_of_birth=r.date_of_birth) for r in rows}


def receiving_roles(actor: Actor) -> frozenset[str]:
    """The actor's roles that disclosures can be addressed to."""
    return frozenset(r.value for r in actor.roles if Permission.DISCLOSURES_RECEIVE in ROLE_PERMISSIONS[r])


def is_recipient(uow: UnitOfWork, actor: Actor, disclosure_id: str) -> bool:
    """The disclosure was sent to the actor's current agency: to the actor by name, or to one of their roles."""
    if not actor.may(Permission.DISCLOSURES_RECEIVE):
        return False
    return uow.disclosures.is_addressed_to(disclosure_id, actor.person_id, actor.agency_id, receiving_roles(actor))


def require_recipient(uow: UnitOfWork, actor: Actor, disclosure_id: str) -> None:
    if not is_recipient(uow, actor, disclosure_id):
        raise NotFound(NOT_DISCLOSED)


def subject_disclosed_to(uow: UnitOfWork, actor: Actor, subject_id: str) -> bool:
    """Something about this subject was disclosed to the actor or their role (grant DISCLOSURE: those items only)."""
    if not actor.may(Permission.DISCLOSURES_RECEIVE):
        return False
    return uow.disclosures.subject_disclosed_to(subject_id, actor.person_id, actor.agency_id, receiving_roles(actor))


def require_holder(uow: UnitOfWork, actor: Actor, subject_id: str) -> None:
    """Changing a subject's record is for the agencies that hold it, not those it was disclosed to."""
    if not uow.subjects.is_held_by(subject_id, actor.agency_id):
        raise NotFound(NOT_VISIBLE)


def require_holder_of_all(uow: UnitOfWork, actor: Actor, subject_ids: Iterable[str]) -> None:
    """`require_holder` for several subjects, in one query."""
    wanted = set(subject_ids)
    if not wanted <= uow.subjects.held_of(wanted, actor.agency_id):
        raise NotFound(NOT_VISIBLE)


def may_see(uow: UnitOfWork, actor: Actor, subject_id: str, at: dt.datetime | None = None) -> bool:
    try:
        subject_grant(uow, actor, subject_id, at)
    except (NotFound, Forbidden):
        return False
    return True
