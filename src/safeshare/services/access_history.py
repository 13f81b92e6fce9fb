"""A subject's access history, for the information governance lead of an agency that holds the subject."""

from __future__ import annotations

from safeshare.domain.access import AccessEntry, Grant
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission
from safeshare.services.access_log import log_read
from safeshare.services.context import Actor
from safeshare.services.need_to_know import require_holder
from safeshare.services.use_case import Service, use_case
from safeshare.store.unit_of_work import UnitOfWork


class AccessHistoryService(Service):
    @use_case(Permission.ACCESS_LOG_READ)
    def history(self, uow: UnitOfWork, actor: Actor, subject_id: str, page: PageRequest) -> Page[AccessEntry]:
        """Who read this subject's records, when, how and under which grant, newest first.

        Reading the history is itself a read of personal data, so it is logged too (grant ROLE), after the page
        is taken so the reader's own entry shows on the next look.
        """
        require_holder(uow, actor, subject_id)
        found = uow.access_log.history(subject_id, page)
        log_read(uow, actor, "access_log.history", [subject_id], self.now(), Grant.ROLE)
        # An entry may name others read at the same time (a search's other results, relatives): they are not this
        # subject's history, and the lead's agency may not hold them.
        entries = [e.model_copy(update={"subject_ids": (subject_id,)}) for e in found.items]
        return found.model_copy(update={"items": entries})
