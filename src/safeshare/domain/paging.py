"""Every listing is paged so no request can pull a whole register at once."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from safeshare.domain.model import LARGEST_SENT_NUMBER

T = TypeVar("T")

MAX_PAGE_SIZE = 200


class PageRequest(BaseModel):
    offset: int = Field(default=0, ge=0, le=LARGEST_SENT_NUMBER)
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total else None
