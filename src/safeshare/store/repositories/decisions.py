from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from safeshare.domain.advice import Advice
from safeshare.domain.decisions import DecisionRecord
from safeshare.domain.paging import Page, PageRequest
from safeshare.ledger.encoding import CanonicalJson, canonical_fragment, canonical_object
from safeshare.ledger.entry import NewEntry
from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.tables import decision_subjects, decisions

DECISIONS_LOG = "decisions"

_INSERT_DECISION = insert(decisions)
_INSERT_DECISION_SUBJECT = insert(decision_subjects)


@dataclass(frozen=True, slots=True)
class PreparedDecision:
    """A record ready to append: its ledger payload is already encoded, so appending it is quick."""

    record: DecisionRecord
    kind: str
    payload: CanonicalJson


def prepare_decision(record: DecisionRecord) -> PreparedDecision:
    """Encode a record's ledger payload (CPU only, no connection): the canonical JSON of the record
    without its id, byte for byte, with the advice's part encoded once per distinct advice."""
    kind = "decision.corrected" if record.input.corrects is not None else "decision.recorded"
    if type(record.advice) is Advice:
        members = record.model_dump(mode="json", exclude={"id", "advice"})
        members["advice"] = _ADVICE_JSON.encode(record.advice)
    else:
        members = record.model_dump(mode="json", exclude={"id"})
    return PreparedDecision(record, kind, canonical_object(members, json_types_only=True))


class _AdviceEncodings:
    """Most of a record's payload is its advice, and the guidance engine builds equal advice from the
    same shared parts. The canonical JSON of an advice is kept, keyed by the identities of its parts
    (held here, so their ids cannot be reused while cached): advice made of the same objects encodes
    to the same text. Advice made of other objects is simply encoded again."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, ...], tuple[tuple, CanonicalJson]] = OrderedDict()

    def encode(self, advice: Advice) -> CanonicalJson:
        parts = (*(v for k, v in advice.__dict__.items() if k != "trail"), *advice.trail)
        key = tuple(map(id, parts))
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and all(a is b for a, b in zip(cached[0], parts, strict=True)):
            return cached[1]
        text = canonical_fragment(advice.model_dump(mode="json"))
        with self._lock:
            self._cache[key] = (parts, text)
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return text


_ADVICE_JSON = _AdviceEncodings()


class DecisionRepository:
    """Decision records live in the decisions ledger; the `decisions` table only indexes them."""

    def __init__(self, connection: Connection):
        self._db = connection
        self._ledger = LedgerRepository(connection)

    def append(self, record: DecisionRecord) -> DecisionRecord:
        return self.append_prepared([prepare_decision(record)])[0]

    def append_prepared(self, prepared: Sequence[PreparedDecision]) -> list[DecisionRecord]:
        """Seal the records as consecutive ledger entries and index them, in the caller's transaction:
        one ledger lock and one multi-row insert per table however many there are."""
        entries = self._ledger.append_many(
            DECISIONS_LOG, [NewEntry(p.kind, p.payload, p.record.input.corrects) for p in prepared]
        )
        sealed = [p.record.model_copy(update={"id": e.seq}) for p, e in zip(prepared, entries, strict=True)]
        self._db.execute(_INSERT_DECISION, [_index_row(r) for r in sealed])
        self._db.execute(
            _INSERT_DECISION_SUBJECT, [{"decision_id": r.id, "subject_id": s} for r in sealed for s in r.input.subject_ids]
        )
        return sealed

    def get(self, decision_id: int) -> DecisionRecord | None:
        entry = self._ledger.get(DECISIONS_LOG, decision_id)
        if entry is None or entry.payload_json is None:  # none, or its content erased under the retention schedule
            return None
        corrected_by = self.corrections_of([decision_id]).get(decision_id, ())
        return DecisionRecord.model_validate({**entry.payload, "id": entry.seq, "corrected_by": corrected_by})

    def corrections_of(self, decision_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        """The records correcting each of these, oldest first; records nobody corrected are left out."""
        found: dict[int, list[int]] = {}
        if decision_ids:
            rows = self._db.execute(
                select(decisions.c.corrects, decisions.c.id).where(decisions.c.corrects.in_(decision_ids)).order_by(decisions.c.id)
            )
            for corrects, number in rows:
                found.setdefault(corrects, []).append(number)
        return {k: tuple(v) for k, v in found.items()}

    def agency_of(self, decision_id: int) -> str | None:
        return self._db.execute(select(decisions.c.agency_id).where(decisions.c.id == decision_id)).scalar_one_or_none()

    def list(self, page: PageRequest, agency_id: str, subject_id: str | None = None, decided_by: str | None = None) -> Page[DecisionRecord]:
        conditions = [decisions.c.agency_id == agency_id]
        if subject_id:
            conditions.append(decisions.c.id.in_(select(decision_subjects.c.decision_id).where(decision_subjects.c.subject_id == subject_id)))
        if decided_by:
            conditions.append(decisions.c.decided_by == decided_by)
        total = self._db.execute(select(func.count()).select_from(decisions).where(*conditions)).scalar_one()
        ids = self._db.execute(
            select(decisions.c.id).where(*conditions).order_by(decisions.c.id.desc()).offset(page.offset).limit(page.limit)
        ).scalars().all()
        return Page(items=[r for r in map(self.get, ids) if r is not None], total=total, offset=page.offset, limit=page.limit)


def _index_row(record: DecisionRecord) -> dict:
    return {
        "id": record.id,
        "agency_id": record.decided_by_agency,
        "decided_by": record.decided_by,
        "decided_at": record.decided_at,
        "decision": record.input.decision.value,
        "outcome": record.advice.outcome.value,
        "follows_advice": record.follows_advice,
        "guidance_version": record.advice.guidance.version,
        "request_id": record.input.request_id,
        "corrects": record.input.corrects,
    }
