"""What a person is shown of their own sessions: never the token or its hash."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel


class SessionKind(StrEnum):
    WEB = "web"
    TOKEN = "token"


class SessionSummary(BaseModel):
    id: str  # a reference made from the token's hash with the secret key: it cannot be turned back into either
    kind: SessionKind
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    current: bool  # the session or token this request came with
