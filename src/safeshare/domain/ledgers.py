"""The ledger logs: each kind of record is sealed in a log of its own."""

from __future__ import annotations

from enum import StrEnum


class Log(StrEnum):
    DECISIONS = "decisions"
    ACCESS = "access"
    CONSENTS = "consents"
    REQUESTS = "requests"
    DISCLOSURES = "disclosures"
    BREAK_GLASS = "break-glass"
