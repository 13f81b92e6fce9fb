from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, and_, case, delete, func, insert, or_, select, update

from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.people import Person, PersonDetails, Role
from safeshare.store.conditional import insert_unless_taken, unless_taken
from safeshare.store.tables import people, person_roles


@dataclass(frozen=True)
class Credentials:
    person_id: str
    password_hash: str | None
    failed_sign_ins: int
    locked_until: dt.datetime | None
    disabled: bool


class PersonRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def add(self, person: Person, password_hash: str | None, now: dt.datetime) -> bool:
        """Add the person unless their email address is taken (checked by the insert itself); say whether added."""
        d = person.details
        added = insert_unless_taken(
            self._db,
            people,
            dict(
                id=person.id,
                agency_id=d.agency_id,
                name=d.name,
                email=d.email,
                job_title=d.job_title,
                password_hash=password_hash,
                failed_sign_ins=0,
                disabled=person.disabled,
                created_at=now,
            ),
        )
        if added:
            self._set_roles(person.id, person.roles)
        return added

    def save_details(self, person_id: str, d: PersonDetails) -> bool:
        """Replace the person's details and roles, and nothing else (not whether the account is disabled, which
        another administrator may be changing at the same moment); False (nothing written) if the email address
        is another person's. The UPDATE locks the person's row before the roles are replaced, so two of these replace
        them in turn rather than leave a mixture."""
        statement = update(people).where(people.c.id == person_id).values(
            agency_id=d.agency_id, name=d.name, email=d.email, job_title=d.job_title
        )
        if not unless_taken(self._db, statement):
            return False
        self._db.execute(delete(person_roles).where(person_roles.c.person_id == person_id))
        self._set_roles(person_id, d.roles)
        return True

    def set_disabled(self, person_id: str, disabled: bool) -> None:
        self._db.execute(update(people).where(people.c.id == person_id).values(disabled=disabled))

    def _set_roles(self, person_id: str, roles: frozenset[Role]) -> None:
        self._db.execute(insert(person_roles), [{"person_id": person_id, "role": r.value} for r in sorted(roles)])

    def get(self, person_id: str) -> Person | None:
        row = self._db.execute(select(people).where(people.c.id == person_id)).first()
        return self._people([row])[0] if row else None

    def lock(self, person_id: str) -> None:
        """Hold the person's row until the transaction ends (SELECT ... FOR UPDATE; SQLite's write lock already
        serialises every transaction), for a check-then-insert that no conditional UPDATE can guard."""
        self._db.execute(select(people.c.id).where(people.c.id == person_id).with_for_update())

    def id_for_email(self, email: str) -> str | None:
        return self._db.execute(select(people.c.id).where(people.c.email == email.lower())).scalar_one_or_none()

    def list(self, page: PageRequest, agency_id: str | None = None, active_only: bool = False) -> Page[Person]:
        query = select(people)
        count = select(func.count()).select_from(people)
        if agency_id:
            query = query.where(people.c.agency_id == agency_id)
            count = count.where(people.c.agency_id == agency_id)
        if active_only:
            query = query.where(people.c.disabled.is_(False))
            count = count.where(people.c.disabled.is_(False))
        rows = self._db.execute(query.order_by(people.c.name, people.c.id).offset(page.offset).limit(page.limit)).all()
        total = self._db.execute(count).scalar_one()
        return Page(items=self._people(rows), total=total, offset=page.offset, limit=page.limit)

    def with_role_at(self, agency_id: str, role: Role) -> list[Person]:
        rows = self._db.execute(
            select(people)
            .join(person_roles, person_roles.c.person_id == people.c.id)
            .where(people.c.agency_id == agency_id, person_roles.c.role == role.value, people.c.disabled.is_(False))
            .order_by(people.c.name)
        ).all()
        return self._people(rows)

    def _people(self, rows) -> list[Person]:
        ids = [r.id for r in rows]
        roles: dict[str, set[Role]] = {i: set() for i in ids}
        for pid, role in self._db.execute(select(person_roles).where(person_roles.c.person_id.in_(ids))):
            roles[pid].add(Role(role))
        return [
            Person(
                id=r.id,
                details=PersonDetails(
                    agency_id=r.agency_id, name=r.name, email=r.email, job_title=r.job_title, roles=frozenset(roles[r.id])
                ),
                disabled=r.disabled,
            )
            for r in rows
        ]

    def credentials(self, person_id: str) -> Credentials:
        row = self._db.execute(
            select(people.c.id, people.c.password_hash, people.c.failed_sign_ins, people.c.locked_until, people.c.disabled)
            .where(people.c.id == person_id)
        ).one()
        return Credentials(*row)

    def set_password_hash(self, person_id: str, password_hash: str) -> None:
        self._db.execute(update(people).where(people.c.id == person_id).values(password_hash=password_hash))

    def count_failed_sign_in(self, person_id: str, threshold: int, now: dt.datetime, window_start: dt.datetime, locked_until: dt.datetime) -> None:
        """One more failure, counted in the database so that concurrent guesses are each counted. Failures count
        together only within the window from the first of them; the one that reaches the threshold locks the
        account and starts the count again."""
        fresh = or_(people.c.first_failed_sign_in_at.is_(None), people.c.first_failed_sign_in_at <= window_start)
        failures = self._db.execute(
            update(people)
            .where(people.c.id == person_id)
            .values(
                failed_sign_ins=case((fresh, 1), else_=people.c.failed_sign_ins + 1),
                first_failed_sign_in_at=case((fresh, now), else_=people.c.first_failed_sign_in_at),
            )
            .returning(people.c.failed_sign_ins)
        ).scalar_one()
        if failures >= threshold:
            self._db.execute(
                update(people).where(people.c.id == person_id, people.c.failed_sign_ins >= threshold)
                .values(failed_sign_ins=0, first_failed_sign_in_at=None, locked_until=locked_until)
            )

    def clear_failed_sign_ins(self, person_id: str) -> None:
        self._db.execute(
            update(people).where(people.c.id == person_id).values(failed_sign_ins=0, first_failed_sign_in_at=None, locked_until=None)
        )

    def still_may_sign_in(self, person_id: str, now: dt.datetime, password_hash: str | None) -> bool:
        """After a right password: whether the account is, as the UPDATE finds it (holding the row until the
        transaction ends), neither locked (say, by wrong guesses made at the same moment) nor disabled, and still
        has the password that was checked."""
        can_sign_in = and_(
            people.c.disabled.is_(False),
            or_(people.c.locked_until.is_(None), people.c.locked_until <= now),
            people.c.password_hash == password_hash,
        )
        # A write that changes nothing, so that the check and the row lock are one statement.
        unchanged = update(people).where(people.c.id == person_id, can_sign_in).values(failed_sign_ins=people.c.failed_sign_ins)
        return bool(self._db.execute(unchanged).rowcount)
