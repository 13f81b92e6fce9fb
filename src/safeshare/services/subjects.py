"""Use cases for the children and adults information is about."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from safeshare.domain.access import Grant
from safeshare.domain.errors import Conflict, InvalidInput
from safeshare.domain.identifiers import NHS_NUMBER_SCHEMA, normalise_nhs_number
from safeshare.domain.model import DomainModel
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.permissions import Permission
from safeshare.domain.subjects import Relationship, RelationshipDetails, Subject, SubjectDetails, SubjectHolders
from safeshare.services.access_log import log_read
from safeshare.services.context import Actor
from safeshare.services.need_to_know import Access, require_holder, subject_access
from safeshare.services.use_case import Service, new_id, use_case
from safeshare.store.unit_of_work import UnitOfWork
from safeshare.store.visibility import visible_subject_ids


class SubjectSearch(DomainModel):
    """Search terms travel in a request body, never in a URL, because they are personal data."""

    name: str | None = Field(default=None, max_length=200)
    date_of_birth: dt.date | None = None
    nhs_number: str | None = Field(default=None, json_schema_extra=NHS_NUMBER_SCHEMA)

    @field_validator("nhs_number")
    @classmethod
    def _nhs_number(cls, value: str | None) -> str | None:
        return normalise_nhs_number(value) if value else None


class SubjectView(DomainModel):
    subject: Subject
    relationships: tuple[Relationship, ...]
    related: tuple[Subject, ...] = Field(description="The other people in those relationships (all held by the reader's agency).")


class SubjectService(Service):
    @use_case(Permission.SUBJECTS_WRITE)
    def add_subject(self, uow: UnitOfWork, actor: Actor, details: SubjectDetails) -> Subject:
        """Record a child or adult as held by the actor's agency."""
        _refuse_numbers_taken(uow, details)
        subject = Subject(id=new_id(), details=details, held_by=frozenset({actor.agency_id}))
        if not uow.subjects.add(subject, actor.person_id, self.now()):
            _refuse_numbers_taken(uow, details)  # recorded by someone else at the same moment
            raise Conflict("this person was recorded by someone else at the same moment")
        return subject

    @use_case(Permission.SUBJECTS_WRITE)
    def change_subject(self, uow: UnitOfWork, actor: Actor, subject_id: str, details: SubjectDetails) -> Subject:
        require_holder(uow, actor, subject_id)
        _refuse_numbers_taken(uow, details, subject_id)
        if not uow.subjects.save_details(subject_id, details):
            _refuse_numbers_taken(uow, details, subject_id)  # given to someone else at the same moment
            raise Conflict("this number was given to someone else at the same moment")
        return uow.subjects.get(subject_id)

    @use_case(Permission.SUBJECTS_LINK)
    def link_agency(self, uow: UnitOfWork, actor: Actor, subject_id: str, agency_id: str) -> SubjectHolders:
        """Record that another agency also knows this subject (e.g. after matching records), making it a holder.

        Only an information governance lead of an agency that already holds the subject may do this. It answers
        with the holders only: the lead's role does not read the subject's details.
        """
        require_holder(uow, actor, subject_id)
        if uow.agencies.get(agency_id) is None:
            raise InvalidInput.of("agency_id", "no agency has this id")
        if uow.subjects.is_held_by(subject_id, agency_id) or not uow.subjects.add_holder(subject_id, agency_id, self.now()):
            raise Conflict.of("agency_id", "this agency already holds the subject")
        return SubjectHolders(id=subject_id, held_by=uow.subjects.get(subject_id).held_by)

    @use_case(Permission.SUBJECTS_READ)
    def view_subject(self, uow: UnitOfWork, actor: Actor, subject_id: str) -> SubjectView:
        now = self.now()
        return _view(uow, actor, subject_id, subject_access(uow, actor, subject_id, now), now)

    @use_case(Permission.SUBJECTS_READ)
    def view_as_holder(self, uow: UnitOfWork, actor: Actor, subject_id: str) -> SubjectView:
        """The subject's record for a form that changes it or adds to it, which only an agency holding them may send:
        anyone else, emergency access included (it only reads), is told it does not exist, as the form's sender would be."""
        require_holder(uow, actor, subject_id)
        return _view(uow, actor, subject_id, Access(Grant.HOLDER), self.now())

    @use_case(Permission.SUBJECTS_READ)
    def search(self, uow: UnitOfWork, actor: Actor, terms: SubjectSearch, page: PageRequest) -> Page[Subject]:
        found = uow.subjects.search(
            visible_subject_ids(actor.agency_id),
            page,
            name=terms.name,
            date_of_birth=terms.date_of_birth,
            nhs_number=terms.nhs_number,
        )
        log_read(uow, actor, "subject.search", [s.id for s in found.items], self.now(), Grant.HOLDER)
        return found

    @use_case(Permission.SUBJECTS_WRITE)
    def relate(self, uow: UnitOfWork, actor: Actor, details: RelationshipDetails) -> Relationship:
        """Record that one person is the parent, carer, sibling... of a child both known to the actor's agency."""
        for field in ("person_id", "child_id"):
            if not uow.subjects.is_held_by(getattr(details, field), actor.agency_id):
                raise InvalidInput.of(field, "no subject your agency holds has this id")
        relationship = Relationship(id=new_id(), details=details)
        if uow.subjects.relationship_exists(details) or not uow.subjects.add_relationship(relationship, actor.person_id, self.now()):
            raise Conflict.of("kind", "this relationship is already recorded")
        return relationship



def _refuse_numbers_taken(uow: UnitOfWork, details: SubjectDetails, subject_id: str | None = None) -> None:
    """Refuse an NHS number or unique pupil number already recorded for someone else."""
    new = subject_id is None
    for field, owner in (
        ("nhs_number", details.nhs_number and uow.subjects.id_with_nhs_number(details.nhs_number)),
        ("unique_pupil_number", details.unique_pupil_number and uow.subjects.id_with_upn(details.unique_pupil_number)),
    ):
        if owner and owner != subject_id:
            raise Conflict.of(field, _TAKEN_NEW[field] if new else "another person is already recorded with this number")


_TAKEN_NEW = {
    "nhs_number": "a person with this NHS number is already recorded: ask your information governance lead to link your agency to them",
    "unique_pupil_number": "a pupil with this number is already recorded: ask your information governance lead to link your agency to them",
}


def _view(uow: UnitOfWork, actor: Actor, subject_id: str, access: Access, now: dt.datetime) -> SubjectView:
    subject = uow.subjects.get(subject_id)
    relationships, related = [], []
    # A holder sees relationships to the other people their agency holds; break-glass opens the subject's
    # own record only, never related people's.
    if access.grant is Grant.HOLDER:
        relationships = uow.subjects.relationships_of(subject_id, others_held_by=actor.agency_id)
        other_ids = {r.details.person_id for r in relationships} | {r.details.child_id for r in relationships}
        other_ids.discard(subject_id)
        related = uow.subjects.get_many(sorted(other_ids)) if other_ids else []
    log_read(uow, actor, "subject.view", [subject_id, *(s.id for s in related)], now, access.grant, grant_ref=access.ref)
    return SubjectView(subject=subject, relationships=tuple(relationships), related=tuple(related))
