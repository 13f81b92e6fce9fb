"""Helpers shared by the guidance tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safeshare.domain.advice import Advice, CaseFacts
from safeshare.guidance.registry import BUNDLED_DATA

BASELINE = BUNDLED_DATA / "national-2018"

# A school proposing to tell children's social care something; nothing else known yet.
BASE_FACTS: dict[str, Any] = {
    "purpose": "Share a worry about a pupil with children's social care",
    "purpose_category": "safeguarding_referral",
    "recipient_agency": "local_authority_childrens_social_care",
    "level_of_concern": "no_concern",
    "need_to_know": "yes",
    "is_proportionate": "yes",
    "information_requested": ["attendance this term"],
}


def facts(**changes: Any) -> CaseFacts:
    return CaseFacts.model_validate({**BASE_FACTS, **changes})


def visited(advice: Advice) -> list[tuple[str, str]]:
    return [(t.step, t.branch) for t in advice.trail]


def line_of(path: Path, marker: str, occurrence: int = 1) -> int:
    """1-based number of the n-th line containing marker."""
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{marker!r} not found in {path}")


LATER_VERSION = "national-2024-draft"


def install_later_version(root: Path) -> Path:
    """Install a stand-in later national version (extending the 2018 one) under root; returns root."""
    version = root / LATER_VERSION
    version.mkdir(parents=True)
    (version / "manifest.yaml").write_text(
        "manifest:\n"
        "  format: 1\n"
        f"  id: {LATER_VERSION}\n"
        "  title: Test later national version\n"
        "  kind: national\n"
        '  published: "2024-05"\n'
        "  extends: national-2018\n"
        "  sources:\n"
        '    - {id: "N24", title: Later national advice (test stand-in)}\n'
    )
    return root
