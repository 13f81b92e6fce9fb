from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, Select, and_, bindparam, func, or_, select, update

from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.subjects import Address, Relationship, RelationshipDetails, Subject, SubjectDetails
from safeshare.store.conditional import insert_unless_taken, unless_taken
from safeshare.store.tables import relationships, subject_holders, subjects


# Built once: these run for nearly every use case.
_IS_HELD = select(subject_holders.c.subject_id).where(
    subject_holders.c.subject_id == bindparam("subject_id"), subject_holders.c.agency_id == bindparam("agency_id")
)
_HELD_OF = select(subject_holders.c.subject_id).where(
    subject_holders.c.agency_id == bindparam("agency_id"),
    subject_holders.c.subject_id.in_(bindparam("subject_ids", expanding=True)),
)


class SubjectRepository:
    def __init__(self, connection: Connection):
        self._db = connection
        # (subject, agency) pairs found held in this unit of work. Holders are only ever added, so a pair
        # once held stays held: asking again within the transaction needs no query.
        self._held: set[tuple[str, str]] = set()

    def add(self, subject: Subject, created_by: str, now: dt.datetime) -> bool:
        """Add the subject unless their NHS number or pupil number is already recorded (checked by the insert
        itself, so two records of one child made at the same moment cannot both land); say whether added."""
        values = dict(id=subject.id, created_at=now, created_by=created_by, **_columns(subject.details))
        if not insert_unless_taken(self._db, subjects, values):
            return False
        for agency_id in sorted(subject.held_by):
            self.add_holder(subject.id, agency_id, now)
        return True

    def save_details(self, subject_id: str, details: SubjectDetails) -> bool:
        """Replace the details; False (nothing written) if the NHS number or pupil number is another person's."""
        return unless_taken(self._db, update(subjects).where(subjects.c.id == subject_id).values(**_columns(details)))

    def add_holder(self, subject_id: str, agency_id: str, now: dt.datetime) -> bool:
        """Record that the agency holds the subject, unless it already does; say whether it was added."""
        return insert_unless_taken(self._db, subject_holders, dict(subject_id=subject_id, agency_id=agency_id, since=now))

    def get(self, subject_id: str) -> Subject | None:
        row = self._db.execute(select(subjects).where(subjects.c.id == subject_id)).first()
        return self._subjects([row])[0] if row else None

    def get_many(self, subject_ids: list[str]) -> list[Subject]:
        rows = self._db.execute(select(subjects).where(subjects.c.id.in_(subject_ids))).all()
        return self._subjects(rows)

    def is_held_by(self, subject_id: str, agency_id: str) -> bool:
        if (subject_id, agency_id) in self._held:
            return True
        held = self._db.execute(_IS_HELD, {"subject_id": subject_id, "agency_id": agency_id}).first() is not None
        if held:
            self._held.add((subject_id, agency_id))
        return held

    def held_of(self, subject_ids: Iterable[str], agency_id: str) -> set[str]:
        """Which of these subjects the agency holds, in one query at most."""
        ids = set(subject_ids)
        unknown = [i for i in ids if (i, agency_id) not in self._held]
        if len(unknown) == 1:  # the usual case, without an expanding IN to render
            self.is_held_by(unknown[0], agency_id)
        elif unknown:
            found = self._db.execute(_HELD_OF, {"subject_ids": unknown, "agency_id": agency_id}).scalars()
            self._held.update((i, agency_id) for i in found)
        return {i for i in ids if (i, agency_id) in self._held}

    def id_with_nhs_number(self, nhs_number: str) -> str | None:
        return self._db.execute(select(subjects.c.id).where(subjects.c.nhs_number == nhs_number)).scalar_one_or_none()

    def id_with_upn(self, upn: str) -> str | None:
        query = select(subjects.c.id).where(subjects.c.unique_pupil_number == upn)
        return self._db.execute(query).scalar_one_or_none()

    def search(
        self,
        visible_ids: Select,
        page: PageRequest,
        name: str | None = None,
        date_of_birth: dt.date | None = None,
        nhs_number: str | None = None,
    ) -> Page[Subject]:
        conditions = [subjects.c.id.in_(visible_ids)]
        if name:
            for word in name.lower().split():
                # autoescape: the word's own %, _ and escape character are literal, with an explicit ESCAPE.
                conditions.append(
                    or_(
                        func.lower(subjects.c.given_name).contains(word, autoescape=True),
                        func.lower(subjects.c.family_name).contains(word, autoescape=True),
                    )
                )
        if date_of_birth:
            conditions.append(subjects.c.date_of_birth == date_of_birth)
        if nhs_number:
            conditions.append(subjects.c.nhs_number == nhs_number)
        where = and_(*conditions)
        total = self._db.execute(select(func.count()).select_from(subjects).where(where)).scalar_one()
        rows = self._db.execute(
            select(subjects)
            .where(where)
            .order_by(subjects.c.family_name, subjects.c.given_name, subjects.c.id)
            .offset(page.offset)
            .limit(page.limit)
        ).all()
        return Page(items=self._subjects(rows), total=total, offset=page.offset, limit=page.limit)

    def _subjects(self, rows) -> list[Subject]:
        ids = [r.id for r in rows]
        held: dict[str, set[str]] = {i: set() for i in ids}
        query = select(subject_holders.c.subject_id, subject_holders.c.agency_id).where(subject_holders.c.subject_id.in_(ids))
        for subject_id, agency_id in self._db.execute(query):
            held[subject_id].add(agency_id)
        return [
            Subject(
                id=r.id,
                details=SubjectDetails(
                    given_name=r.given_name,
                    family_name=r.family_name,
                    other_names=tuple(r.other_names),
                    date_of_birth=r.date_of_birth,
                    sex=r.sex,
                    nhs_number=r.nhs_number,
                    unique_pupil_number=r.unique_pupil_number,
                    addresses=tuple(Address(**a) for a in r.addresses),
                ),
                held_by=frozenset(held[r.id]),
            )
            for r in rows
        ]

    # Relationships -------------------------------------------------------------------------------

    def add_relationship(self, relationship: Relationship, recorded_by: str, now: dt.datetime) -> bool:
        """Record the relationship unless it is already recorded; say whether it was added."""
        values = dict(id=relationship.id, recorded_by=recorded_by, recorded_at=now, **relationship.details.model_dump(mode="json"))
        return insert_unless_taken(self._db, relationships, values)

    def relationship_exists(self, details: RelationshipDetails) -> bool:
        query = select(relationships.c.id).where(
            relationships.c.person_id == details.person_id,
            relationships.c.child_id == details.child_id,
            relationships.c.kind == details.kind.value,
        )
        return self._db.execute(query).first() is not None

    def relationships_of(self, subject_id: str, others_held_by: str | None = None) -> list[Relationship]:
        """The subject's relationships; with ``others_held_by``, only those whose other person that agency
        holds (filtered in the query, so a reader never receives links to people they may not see)."""
        rel = relationships.c
        as_person, as_child = rel.person_id == subject_id, rel.child_id == subject_id
        if others_held_by is not None:
            held = select(subject_holders.c.subject_id).where(subject_holders.c.agency_id == others_held_by)
            as_person, as_child = and_(as_person, rel.child_id.in_(held)), and_(as_child, rel.person_id.in_(held))
        rows = self._db.execute(select(relationships).where(or_(as_person, as_child)).order_by(rel.recorded_at, rel.id))
        return [
            Relationship(
                id=r.id,
                details=RelationshipDetails(
                    person_id=r.person_id, child_id=r.child_id, kind=r.kind, parental_responsibility=r.parental_responsibility
                ),
            )
            for r in rows
        ]


def _columns(details: SubjectDetails) -> dict:
    data = details.model_dump(mode="json")
    data["date_of_birth"] = details.date_of_birth
    return data
