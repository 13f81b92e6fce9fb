from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, func, select, update

from safeshare.domain.agencies import Agency, AgencyDetails, GovernanceRoles
from safeshare.domain.paging import Page, PageRequest
from safeshare.store.conditional import insert_unless_taken, unless_taken
from safeshare.store.tables import agencies


def _agency(row) -> Agency:
    return Agency(
        id=row.id,
        details=AgencyDetails(
            name=row.name, kind=row.kind, section_11_duty=row.section_11_duty, ico_registration=row.ico_registration
        ),
        governance=GovernanceRoles(
            lead_information_officer_id=row.lead_information_officer_id,
            caldicott_guardian_id=row.caldicott_guardian_id,
            siro_id=row.siro_id,
        ),
    )


_EXISTING = select(agencies.c.id).where(agencies.c.id.in_(bindparam("ids", expanding=True)))
_ONE = select(agencies.c.id).where(agencies.c.id == bindparam("id"))


class AgencyRepository:
    def __init__(self, connection: Connection):
        self._db = connection
        self._known: set[str] = set()  # found in this unit of work; agencies are never deleted

    def add(self, agency: Agency, now: dt.datetime) -> bool:
        """Add the agency unless its name is taken (checked by the insert itself); say whether it was added."""
        return insert_unless_taken(self._db, agencies, dict(id=agency.id, created_at=now, **_columns(agency)))

    def save_details(self, agency_id: str, details: AgencyDetails) -> bool:
        """Replace the agency's details, not its governance roles (which may be named at the same moment); False
        (nothing written) if the name is another agency's."""
        statement = update(agencies).where(agencies.c.id == agency_id).values(**details.model_dump(mode="json"))
        return unless_taken(self._db, statement)

    def save_governance(self, agency_id: str, roles: GovernanceRoles) -> None:
        """Name the governance roles, and nothing else (the details may be changing at the same moment)."""
        self._db.execute(update(agencies).where(agencies.c.id == agency_id).values(**roles.model_dump()))

    def get(self, agency_id: str) -> Agency | None:
        row = self._db.execute(select(agencies).where(agencies.c.id == agency_id)).first()
        return _agency(row) if row else None

    def existing(self, agency_ids: Iterable[str]) -> set[str]:
        """Which of these ids are agencies, in one query at most."""
        ids = set(agency_ids)
        unknown = [i for i in ids if i not in self._known]
        if len(unknown) == 1:  # the usual case, without an expanding IN to render
            self._known.update(self._db.execute(_ONE, {"id": unknown[0]}).scalars())
        elif unknown:
            self._known.update(self._db.execute(_EXISTING, {"ids": unknown}).scalars())
        return ids & self._known

    def list_first(self) -> Agency | None:
        row = self._db.execute(select(agencies).order_by(agencies.c.created_at).limit(1)).first()
        return _agency(row) if row else None

    def id_named(self, name: str) -> str | None:
        return self._db.execute(select(agencies.c.id).where(agencies.c.name == name)).scalar_one_or_none()

    def names(self) -> list[str]:
        return list(self._db.execute(select(agencies.c.name).order_by(agencies.c.name)).scalars())

    def name_taken(self, name: str, except_id: str | None = None) -> bool:
        query = select(agencies.c.id).where(func.lower(agencies.c.name) == name.lower())
        if except_id:
            query = query.where(agencies.c.id != except_id)
        return self._db.execute(query).first() is not None

    def list(self, page: PageRequest) -> Page[Agency]:
        total = self._db.execute(select(func.count()).select_from(agencies)).scalar_one()
        rows = self._db.execute(
            select(agencies).order_by(agencies.c.name, agencies.c.id).offset(page.offset).limit(page.limit)
        )
        return Page(items=[_agency(r) for r in rows], total=total, offset=page.offset, limit=page.limit)


def _columns(agency: Agency) -> dict:
    return {
        **agency.details.model_dump(mode="json"),
        **agency.governance.model_dump(),
    }
