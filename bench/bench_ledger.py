"""Ledger verification speed on 1,000,000 entries, against hashlib alone on the same bytes.

``run()`` returns figures as dicts (name, value, unit, target, meets, baseline_name,
baseline_value). Run directly to print them. Takes well under a minute and about 2 GB of
memory.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from safeshare.ledger import (
    LedgerEntry,
    NewEntry,
    export_log,
    seal_entries,
    sign_checkpoint,
    verify_entries,
    verify_export,
    write_checkpoint,
)
from safeshare.ledger.entry import GENESIS_CHAIN
from safeshare.ledger.keys import load_private_key
from safeshare.ledger.merkle import reduce_level
from safeshare.ledger.scan import fork_is_safe
from safeshare.store.engine import make_engine
from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.ledger_tables import ledger_checkpoints, ledger_entries
from safeshare.store.metadata import metadata

ENTRIES = 1_000_000
EXPORT_ENTRIES = 200_000
REPEATS = 3
TARGET_SECONDS = 2.0
LOG = "decisions"
RECORDED_AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
KEY = load_private_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
_sha = hashlib.sha256


def _payload(n: int) -> dict:
    return {"case": f"C-{n:07d}", "decision": "share", "reason": "risk of significant harm", "subjects": [n, n + 1]}


def build_entries(count: int) -> list[LedgerEntry]:
    """The same entries ``seal_entries`` makes, built without per-entry validation so the
    benchmark starts quickly (checked against ``seal_entries`` below)."""
    stamp = "2025-06-01T09:00:00.000000Z"
    entries = []
    chain = GENESIS_CHAIN
    for seq in range(1, count + 1):
        n = seq - 1
        payload = (
            f'{{"case":"C-{n:07d}","decision":"share","reason":"risk of significant harm",'
            f'"subjects":[{n},{n + 1}]}}'
        )
        content = _sha(payload.encode()).digest()
        data = (
            f'\x00{{"content":"{content.hex()}","corrects":null,"kind":"decision.recorded","log":"{LOG}",'
            f'"recorded_at":"{stamp}","seq":{seq}}}'
        ).encode()
        leaf = _sha(data).digest()
        chain = _sha(b"\x02" + chain + leaf).digest()
        entries.append(LedgerEntry(LOG, seq, "decision.recorded", stamp, payload, None, leaf, chain, content))
    sealed = seal_entries(
        LOG, [NewEntry("decision.recorded", _payload(n)) for n in range(1000)],
        after_seq=0, after_chain=GENESIS_CHAIN, recorded_at=RECORDED_AT,
    )
    if sealed != entries[:1000]:
        raise AssertionError("benchmark entries differ from what the ledger seals")
    return entries


def _hash_inputs(entries: list[LedgerEntry]) -> list[bytes]:
    """Every byte string a verification hashes: contents, leaves, chain links and tree nodes."""
    leaf_inputs = [e.payload_json.encode() for e in entries] + [b"\x00" + e.entry_bytes() for e in entries]
    chain_inputs, previous = [], GENESIS_CHAIN
    for e in entries:
        chain_inputs.append(b"\x02" + previous + e.leaf_hash)
        previous = e.chain_hash
    node_inputs, level = [], [e.leaf_hash for e in entries]
    while len(level) > 1:
        pairs = iter(level)
        node_inputs += [b"\x01" + left + right for left, right in zip(pairs, pairs)]
        level = reduce_level(level)
    return leaf_inputs + chain_inputs + node_inputs


def _timed(function, repeats: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _figure(name, value, unit, target, meets, baseline_name=None, baseline_value=None) -> dict:
    return {
        "name": name, "value": round(value, 4), "unit": unit, "target": target, "meets": meets,
        "baseline_name": baseline_name, "baseline_value": None if baseline_value is None else round(baseline_value, 4),
    }


def _write_sqlite(path: Path, entries: list[LedgerEntry]) -> None:
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine, tables=[ledger_entries, ledger_checkpoints])
    engine.dispose()
    db = sqlite3.connect(path)  # bulk load; the repository is what reads it back
    with db:
        db.executemany(
            "INSERT INTO ledger_entries (log, seq, kind, recorded_at, payload, corrects, leaf_hash, chain_hash, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entries,
        )
    db.close()


def _read_and_verify(path: Path, checkpoint):
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            entries = list(LedgerRepository(connection).iter_entries(LOG, batch_size=50_000))
        return verify_entries(entries, checkpoint, KEY.public_key())
    finally:
        engine.dispose()


def run() -> list[dict]:
    figures = []
    entries = build_entries(ENTRIES)
    gc.collect()

    inputs = _hash_inputs(entries)
    baseline, _ = _timed(lambda: [_sha(data).digest() for data in inputs])
    baseline_name = f"hashlib.sha256 alone over the same {len(inputs):,} inputs, 1 process"
    del inputs

    parallel, report = _timed(lambda: verify_entries(entries), REPEATS)
    if not report.ok:
        raise AssertionError(report.summary())
    checkpoint = sign_checkpoint(LOG, report.tree_size, report.root_hash, KEY)
    processes = 2 if fork_is_safe() and (os.cpu_count() or 1) >= 2 else 1
    figures.append(_figure(
        f"verify {ENTRIES:,} in-memory entries (median of {REPEATS}, {processes} process(es))",
        parallel, "s", f"<= {TARGET_SECONDS} s", parallel <= TARGET_SECONDS, baseline_name, baseline,
    ))
    figures.append(_figure("verify time / hashlib-alone time", parallel / baseline, "ratio", "informative", True))
    with_checkpoint, report = _timed(lambda: verify_entries(entries, checkpoint, KEY.public_key()), REPEATS)
    figures.append(_figure(
        f"verify {ENTRIES:,} in-memory entries against a signed checkpoint (median of {REPEATS})", with_checkpoint, "s",
        f"<= {TARGET_SECONDS} s", report.ok and with_checkpoint <= TARGET_SECONDS, baseline_name, baseline,
    ))
    single, _ = _timed(lambda: verify_entries(entries, workers=1))
    figures.append(_figure(
        f"verify {ENTRIES:,} in-memory entries, forced single process", single, "s",
        f"<= {TARGET_SECONDS} s", single <= TARGET_SECONDS, baseline_name, baseline,
    ))

    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "ledger.db"
        _write_sqlite(database, entries)
        del entries
        gc.collect()
        from_sqlite, report = _timed(lambda: _read_and_verify(database, checkpoint))
        if not report.ok:
            raise AssertionError(report.summary())
        figures.append(_figure(
            f"read {ENTRIES:,} entries from SQLite via LedgerRepository.iter_entries, then verify",
            from_sqlite, "s", "informative", True, baseline_name, baseline,
        ))

        export_path, checkpoint_path = Path(scratch) / "export.jsonl", Path(scratch) / "export.checkpoint"
        subset = build_entries(EXPORT_ENTRIES)
        export_log(subset, export_path)
        subset_report = verify_entries(subset)
        write_checkpoint(sign_checkpoint(LOG, subset_report.tree_size, subset_report.root_hash, KEY), checkpoint_path)
        del subset
        offline, report = _timed(lambda: verify_export(export_path, checkpoint_path, KEY.public_key()))
        if not report.ok:
            raise AssertionError(report.summary())
        figures.append(_figure(
            f"verify_export of {EXPORT_ENTRIES:,} entries (parse JSON Lines + verify, 1 process)",
            offline, "s", "informative", True,
        ))
        figures.append(_figure(
            "verify_export throughput", EXPORT_ENTRIES / offline, "entries/s", "informative", True
        ))
    return figures


if __name__ == "__main__":
    for figure in run():
        json.dump(figure, sys.stdout, ensure_ascii=False)
        print()
