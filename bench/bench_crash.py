"""The long crash campaign: the server killed with SIGKILL while clients record, started again, 50 times per
database; then every acknowledged record must be present exactly as acknowledged, with no gap or repeat."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.scratch import fresh_postgres
from safeshare.services import SafeShare
from safeshare.settings import Environment, Settings
from tests import databases
from tests.factories import TEST_SECRET_KEY, build_world
from tests.recording import Campaign, crash_campaign

CYCLES = int(os.environ.get("SAFESHARE_BENCH_CRASH_CYCLES", "50"))


def _campaign(url: str, workdir: Path) -> Campaign:
    engine = databases.new_schema_engine(url)
    try:
        world = build_world(SafeShare.build(engine, Settings(environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=url)))
        return crash_campaign(world, url, workdir, CYCLES, progress=_progress)
    finally:
        engine.dispose()


def _progress(cycle: int, acknowledged: int) -> None:
    if cycle % 10 == 0:
        print(f"  {cycle} of {CYCLES} cycles, {acknowledged} records acknowledged", flush=True)


def _figures(label: str, campaign: Campaign) -> list[dict]:
    result = campaign.audit
    print(
        f"  {label}: cycles {campaign.cycles}, acknowledged {result.acknowledged}, present {result.present}, "
        f"missing {len(result.missing)}, duplicates {len(result.duplicates)}, gaps {len(result.gaps)}, "
        f"entries {result.entries}, requests cut off or refused {campaign.unanswered}, ledgers verify: {not result.verification}",
        flush=True,
    )
    for failure in result.verification:
        print(f"  {failure}")
    counts = [
        ("SIGKILL cycles", campaign.cycles, f">= {CYCLES}", campaign.cycles >= CYCLES),
        ("records acknowledged", result.acknowledged, "informative", True),
        ("acknowledged records present exactly as acknowledged", result.present, "= acknowledged",
         result.present == result.acknowledged),
        ("acknowledged records missing or changed", len(result.missing), "0", not result.missing),
        ("numbers handed out or stored twice", len(result.duplicates), "0", not result.duplicates),
        ("gaps in the decisions ledger", len(result.gaps), "0", not result.gaps),
        ("ledgers that do not verify", len(result.verification), "0", not result.verification),
    ]
    return [
        {"name": f"crash campaign, {label}: {name}", "value": float(value), "unit": "cycles" if "cycles" in name else "",
         "target": target,
         "meets": meets, "baseline_name": "", "baseline_value": 0.0}
        for name, value, target, meets in counts
    ]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as scratch:
        figures = _figures("SQLite", _campaign(databases.sqlite_url(Path(scratch)), Path(scratch)))
        url = fresh_postgres("crash")
        if url is not None:
            figures += _figures("PostgreSQL", _campaign(url, Path(scratch)))
    return figures
