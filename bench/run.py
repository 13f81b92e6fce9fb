"""`make bench`: run every bench/bench_*.py, print each figure beside its target and baseline, update docs/BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).parent
REPORT = HERE.parent / "docs" / "BENCHMARKS.md"


def figures() -> list[dict]:
    selected = sys.argv[1:]
    rows = []
    for path in sorted(HERE.glob("bench_*.py")):
        if selected and path.stem.removeprefix("bench_") not in selected:
            continue
        print(f"running {path.stem} ...", flush=True)
        module = importlib.import_module(f"bench.{path.stem}")
        for figure in module.run():
            rows.append({"bench": path.stem.removeprefix("bench_"), **figure})
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| bench | figure | measured | target | meets | baseline (same run) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        baseline = f"{r['baseline_name']}: {r['baseline_value']:,.4g}" if r.get("baseline_name") else "-"
        lines.append(
            f"| {r['bench']} | {r['name']} | {r['value']:,.4g} {r['unit']} | {r['target']} | "
            f"{'yes' if r['meets'] else '**no**'} | {baseline} |"
        )
    return "\n".join(lines)


def main() -> None:
    rows = figures()
    body = table(rows)
    print(body)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    REPORT.write_text(
        "# Benchmarks\n\n"
        f"Latest `make bench` run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine}.\n"
        "Each figure is printed beside its target and a baseline measured in the same run, so runs on "
        "different machines can be compared by ratio. On a shared machine the absolute figures can differ by a factor "
        "of two between runs on the same day; the baselines move with them.\n\n" + body + "\n"
    )
    if not all(r["meets"] for r in rows):
        print("\nsome targets are not met: see the table above")


if __name__ == "__main__":
    main()
