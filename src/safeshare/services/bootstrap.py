"""Creating the first administrator of an empty installation: the one use case with no actor."""

from __future__ import annotations

from safeshare.domain.agencies import Agency, AgencyDetails
from safeshare.domain.errors import Conflict
from safeshare.domain.people import Person, PersonDetails, Role
from safeshare.services.passwords import check_password_strength, hash_password, password_context
from safeshare.services.use_case import Service, new_id


class BootstrapService(Service):
    def is_empty(self) -> bool:
        with self.context.uow_factory() as uow:
            return uow.agencies.list_first() is None

    def has_account(self, email: str) -> bool:
        with self.context.uow_factory() as uow:
            return uow.people.id_for_email(email.lower()) is not None

    def first_administrator(self, agency: AgencyDetails, name: str, email: str, password: str) -> Person:
        """Only ever allowed while no agency exists, so it cannot be used to take over a running partnership."""
        with self.context.uow_factory() as uow:
            if uow.agencies.list_first() is not None:
                raise Conflict.of("agency", "this installation already has agencies: ask an administrator for an account")
            check_password_strength(password, password_context(uow, name, email, new_agency=agency.name))
            created = Agency(id=new_id(), details=agency)
            uow.agencies.add(created, self.now())
            details = PersonDetails(
                agency_id=created.id, name=name, email=email, roles=frozenset({Role.SYSTEM_ADMINISTRATOR})
            )
            person = Person(id=new_id(), details=details)
            uow.people.add(person, hash_password(password), self.now())
            uow.commit()
        return person
