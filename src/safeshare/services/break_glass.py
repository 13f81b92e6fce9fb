"""Break-glass: emergency access to a subject the reader's agency does not hold.

It needs a reason and a recently confirmed password, lasts a few hours (settings), shows as grant
BREAK_GLASS on every read it allows, and is queued for the information governance lead of the
reader's agency to review.
"""

from __future__ import annotations

import datetime as dt

from safeshare.domain.access import Grant
from safeshare.domain.break_glass import BreakGlassGrant, BreakGlassInput, BreakGlassReviewInput
from safeshare.domain.errors import Conflict, InvalidInput, NotFound
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission
from safeshare.services.access_log import log_read
from safeshare.services.context import Actor
from safeshare.services.need_to_know import NOT_VISIBLE
from safeshare.services.reauthentication import confirm_password
from safeshare.services.use_case import Service, new_id, use_case
from safeshare.store.unit_of_work import UnitOfWork

NO_GRANT = "grant_id: no break-glass access of your agency has this id"
ALREADY_REVIEWED = "this emergency access has already been reviewed"


class BreakGlassService(Service):
    @use_case(Permission.BREAK_GLASS_USE)
    def open(self, uow: UnitOfWork, actor: Actor, request: BreakGlassInput, password: str | None = None) -> BreakGlassGrant:
        """Open time-limited emergency access. Needs the password now, or confirmed in the last few minutes."""
        now = self.now()
        confirm_password(uow, self.context, actor, password, now, self.context.settings.break_glass_reauth_minutes, "emergency access")
        if uow.subjects.get(request.subject_id) is None:
            raise NotFound(NOT_VISIBLE)  # the answer used everywhere, so break-glass cannot probe which ids exist
        if uow.subjects.is_held_by(request.subject_id, actor.agency_id):
            raise Conflict.of("subject_id", "your agency already holds this subject: no emergency access is needed")
        # One person's openings are taken in turn (a row lock on PostgreSQL), so two at the same moment cannot
        # both find no live grant and open two.
        uow.people.lock(actor.person_id)
        current = uow.break_glass.latest(actor.person_id, actor.agency_id, request.subject_id)
        if current is not None and current.active_at(now):
            raise Conflict.of("subject_id", f"you already have emergency access to this subject until {current.expires_at:%H:%M} UTC")
        grant = BreakGlassGrant(
            id=new_id(),
            person_id=actor.person_id,
            agency_id=actor.agency_id,
            subject_id=request.subject_id,
            reason=request.reason,
            opened_at=now,
            expires_at=now + dt.timedelta(hours=self.context.settings.break_glass_hours),
        )
        uow.break_glass.add(grant)
        return grant

    @use_case(Permission.BREAK_GLASS_USE)
    def mine(self, uow: UnitOfWork, actor: Actor, page: PageRequest) -> Page[BreakGlassGrant]:
        """My emergency accesses, newest first. They name the subjects and the emergencies, so reading them is
        logged, under the grants themselves (break-glass)."""
        found = uow.break_glass.of_person(actor.person_id, actor.agency_id, page)
        refs = [f"break-glass:{g.id}" for g in found.items]
        log_read(uow, actor, "break_glass.mine", [g.subject_id for g in found.items], self.now(), Grant.BREAK_GLASS, refs,
                 refs[0] if len(refs) == 1 else None)
        return found

    @use_case(Permission.BREAK_GLASS_REVIEW)
    def for_review(self, uow: UnitOfWork, actor: Actor, page: PageRequest, include_reviewed: bool = False) -> Page[BreakGlassGrant]:
        """Emergency accesses by people of my agency, waiting for review (the governance lead's queue). Logged
        under grant ROLE: the reviewer sees who was looked at, and why, by virtue of the governance role."""
        found = uow.break_glass.for_review(actor.agency_id, page, include_reviewed)
        log_read(uow, actor, "break_glass.review_queue", [g.subject_id for g in found.items], self.now(), Grant.ROLE,
                 [f"break-glass:{g.id}" for g in found.items])
        return found

    @use_case(Permission.BREAK_GLASS_REVIEW)
    def review(self, uow: UnitOfWork, actor: Actor, grant_id: str, review: BreakGlassReviewInput) -> BreakGlassGrant:
        grant = uow.break_glass.get(grant_id)
        if grant is None or grant.agency_id != actor.agency_id:
            raise NotFound(NO_GRANT)
        if grant.person_id == actor.person_id:
            raise InvalidInput.of("grant_id", "someone else must review your own emergency access")
        if grant.review is not None:
            raise Conflict.of("grant_id", ALREADY_REVIEWED)
        now = self.now()
        if not uow.break_glass.review(grant, review, actor.person_id, now):
            raise Conflict.of("grant_id", ALREADY_REVIEWED)
        return uow.break_glass.get(grant_id)
