"""Writing the access log in the same transaction as the read it describes."""

from __future__ import annotations

from collections.abc import Iterable

from safeshare.domain.access import AccessEntry, Grant
from safeshare.services.context import Actor
from safeshare.services.need_to_know import held_by_agency
from safeshare.store.unit_of_work import UnitOfWork


def log_read(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    subject_ids: Iterable[str],
    at,
    grant: Grant,
    records: Iterable[str] = (),
    grant_ref: str | None = None,
) -> None:
    subject_ids = tuple(dict.fromkeys(subject_ids))
    if not subject_ids:
        return
    uow.access_log.append(
        AccessEntry(
            person_id=actor.person_id,
            agency_id=actor.agency_id,
            channel=actor.channel.value,
            action=action,
            subject_ids=subject_ids,
            records=tuple(records),
            grant=grant,
            grant_ref=grant_ref,
            at=at,
        )
    )


def log_records_read(uow: UnitOfWork, actor: Actor, action: str, subject_ids: Iterable[str], at, records: Iterable[str]) -> None:
    """Log a read of the reader's agency's own records, under the grant each subject's data was seen with:
    `holder` for the subjects the agency holds, `disclosure` for those only disclosed to it (an onward share)."""
    subject_ids, records = list(dict.fromkeys(subject_ids)), list(records)
    holding = held_by_agency(uow, actor.agency_id, subject_ids)
    log_read(uow, actor, action, [s for s in subject_ids if s in holding], at, Grant.HOLDER, records)
    log_read(uow, actor, action, [s for s in subject_ids if s not in holding], at, Grant.DISCLOSURE, records)
