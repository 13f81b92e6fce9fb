"""Who is acting, through which channel: the input to every authorisation decision."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from safeshare.domain.permissions import Permission, permissions_of
from safeshare.domain.people import Person, Role


class Channel(StrEnum):
    API = "api"
    WEB = "web"
    CLI = "cli"


@dataclass(frozen=True)
class Actor:
    person_id: str
    agency_id: str
    roles: frozenset[Role]
    channel: Channel
    session_token_hash: str | None = None
    # The network address the request came from ("local" on the command line): what the throttle counts by.
    client: str = "local"

    @classmethod
    def of(cls, person: Person, channel: Channel, session_token_hash: str | None = None, client: str = "local") -> Actor:
        return cls(person.id, person.agency_id, person.roles, channel, session_token_hash, client)

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions
