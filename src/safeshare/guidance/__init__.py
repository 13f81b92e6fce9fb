"""SafeShare guidance: versioned guidance data and the engine that turns case facts into advice.

    from safeshare.guidance import load_guidance
    guidance = load_guidance()                      # default installed version
    advice = guidance.advise(facts)                 # CaseFacts or a mapping
    guidance.questions(); guidance.golden_rules()   # data for journeys and pages

Guidance lives in YAML under `data/<version>/`; partnerships add overlay files to change it
without code. See docs/GUIDANCE_MAP.md for where each requirement is implemented.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from safeshare.domain.advice import Advice, CaseFacts

from .catalogue import (
    BranchInfo,
    GoldenRule,
    GuidanceVersion,
    InformRuleInfo,
    Myth,
    OutcomeInfo,
    PurposeInfo,
    Question,
    QuestionOption,
    RecordFieldInfo,
    Source,
    StepInfo,
)
from .engine import Guidance
from .errors import GuidanceError
from .file_schema import GUIDANCE_FILE_SCHEMA, OVERLAY_FILE_SCHEMA
from .registry import (
    bundled_overlays,
    clear_cache,
    default_version,
    installed_versions,
    load_guidance,
    search_paths,
)


def advise(
    facts: CaseFacts | Mapping[str, Any],
    version: str | None = None,
    overlays: Sequence[str | Path] = (),
) -> Advice:
    """Advice for one set of facts from the given (or default) guidance version."""
    return load_guidance(version, overlays).advise(facts)


__all__ = [
    "GUIDANCE_FILE_SCHEMA",
    "OVERLAY_FILE_SCHEMA",
    "BranchInfo",
    "GoldenRule",
    "Guidance",
    "GuidanceError",
    "GuidanceVersion",
    "InformRuleInfo",
    "Myth",
    "OutcomeInfo",
    "PurposeInfo",
    "Question",
    "QuestionOption",
    "RecordFieldInfo",
    "Source",
    "StepInfo",
    "advise",
    "bundled_overlays",
    "clear_cache",
    "default_version",
    "installed_versions",
    "load_guidance",
    "search_paths",
]
