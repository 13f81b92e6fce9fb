"""The index rows over the decisions and access ledgers, streamed in ledger order so verification can
compare them with the entries they index without holding either in memory."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from sqlalchemy import Connection, select

from safeshare.store.tables import access_log_subjects, decision_subjects, decisions

_BATCH = 10_000

# The decisions columns that reads and authorisation use, in the order they are compared.
DECISION_COLUMNS = (
    "agency_id", "decided_by", "decided_at", "decision", "outcome", "follows_advice", "guidance_version", "request_id", "corrects",
)


def _in_batches(connection: Connection, query, key) -> Iterator:
    """Rows ordered by ``key``, fetched by key range so no server-side cursor is needed."""
    after = None
    while True:
        page = query if after is None else query.where(key > after)
        rows = connection.execute(page.order_by(key).limit(_BATCH)).all()
        yield from rows
        if len(rows) < _BATCH:
            return
        after = rows[-1][0]


def _grouped(rows: Iterator) -> Iterator[tuple[int, list]]:
    for seq, group in groupby(rows, key=lambda r: r[0]):
        yield seq, list(group)


class LedgerIndexRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def decisions(self) -> Iterator[tuple[int, dict | None, frozenset[str]]]:
        """(decision id, its `decisions` row or None, its subjects), by id: a subject row without a decision
        row comes out with None."""
        rows = _in_batches(self._db, select(decisions.c.id, *(decisions.c[c] for c in DECISION_COLUMNS)), decisions.c.id)
        # Ordered by (decision_id, subject_id); a batch boundary may split one decision's subjects, so group after.
        subject_rows = self._subject_rows()
        subjects = _grouped(subject_rows)
        row = next(rows, None)
        group = next(subjects, None)
        while row is not None or group is not None:
            row_id = row[0] if row is not None else None
            group_id = group[0] if group is not None else None
            current = min(i for i in (row_id, group_id) if i is not None)
            fields = dict(zip(DECISION_COLUMNS, row[1:], strict=True)) if row_id == current else None
            ids = frozenset(r[1] for r in group[1]) if group_id == current else frozenset()
            yield current, fields, ids
            if row_id == current:
                row = next(rows, None)
            if group_id == current:
                group = next(subjects, None)

    def _subject_rows(self) -> Iterator:
        s = decision_subjects.c
        after: tuple | None = None
        while True:
            query = select(s.decision_id, s.subject_id)
            if after is not None:
                query = query.where((s.decision_id > after[0]) | ((s.decision_id == after[0]) & (s.subject_id > after[1])))
            rows = self._db.execute(query.order_by(s.decision_id, s.subject_id).limit(_BATCH)).all()
            yield from rows
            if len(rows) < _BATCH:
                return
            after = (rows[-1][0], rows[-1][1])

    def access_log(self) -> Iterator[tuple[int, frozenset[tuple]]]:
        """(access log seq, its {(subject_id, person_id, at)} rows), by seq."""
        a = access_log_subjects.c
        after: tuple | None = None

        def rows() -> Iterator:
            nonlocal after
            while True:
                query = select(a.seq, a.subject_id, a.person_id, a.at)
                if after is not None:
                    query = query.where((a.seq > after[0]) | ((a.seq == after[0]) & (a.subject_id > after[1])))
                batch = self._db.execute(query.order_by(a.seq, a.subject_id).limit(_BATCH)).all()
                yield from batch
                if len(batch) < _BATCH:
                    return
                after = (batch[-1][0], batch[-1][1])

        for seq, group in _grouped(rows()):
            yield seq, frozenset((r[1], r[2], r[3]) for r in group)
