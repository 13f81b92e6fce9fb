"""The agencies and people a form offers to choose from: all of them, read page by page.

A select that silently stops at one page would hide whoever comes after it, so these read every page. Each
reads through the use case the API offers the same reader, so a form never lists more than the API would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from safeshare.domain.agencies import Agency
from safeshare.domain.paging import MAX_PAGE_SIZE, Page, PageRequest
from safeshare.domain.people import Contact, Person
from safeshare.web.context import Page as WebPage

T = TypeVar("T")


def every(fetch: Callable[[PageRequest], Page[T]]) -> list[T]:
    items: list[T] = []
    while True:
        found = fetch(PageRequest(offset=len(items), limit=MAX_PAGE_SIZE))
        items += found.items
        if not found.items or len(items) >= found.total:
            return items


def all_agencies(page: WebPage) -> list[Agency]:
    """Every agency of the partnership, by name."""
    found = every(lambda request: page.services.directory.list_agencies(page.actor, request))
    return sorted(found, key=lambda a: a.name.lower())


def all_people(page: WebPage, agency_id: str | None = None) -> list[Person]:
    """Every person of the partnership, or of one agency, with their roles: for those who manage the directory."""
    return every(lambda request: page.services.directory.list_people(page.actor, request, agency_id))


def all_contacts(page: WebPage, agency_id: str | None = None) -> list[Contact]:
    """Everyone who can sign in, across the partnership or at one agency, as a colleague sees them."""
    return every(lambda request: page.services.directory.list_contacts(page.actor, request, agency_id))
