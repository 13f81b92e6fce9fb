"""Fixtures for the guidance tests: the baseline guidance and throwaway guidance versions."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from safeshare.domain.advice import Advice
from safeshare.guidance import Guidance, clear_cache, load_guidance

from .helpers import BASELINE, facts


@pytest.fixture(scope="session")
def guidance() -> Guidance:
    return load_guidance("national-2018")


@pytest.fixture
def advise(guidance: Guidance) -> Callable[..., Advice]:
    """advise(**changes) -> Advice for the baseline facts with those changes."""

    def run(**changes: Any) -> Advice:
        return guidance.advise(facts(**changes))

    return run


@pytest.fixture
def make_version(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Copy the baseline to tmp_path/versions/<name>, applying text edits to its files.

    `edits` maps a file name to a function from old text to new text (missing files start
    empty). Returns the new version's directory; load it with extra_paths=[dir.parent]."""

    def build(name: str = "test-version", edits: dict[str, Callable[[str], str]] | None = None) -> Path:
        target = tmp_path / "versions" / name
        shutil.copytree(BASELINE, target)
        manifest = target / "manifest.yaml"
        manifest.write_text(
            manifest.read_text().replace("id: national-2018", f"id: {name}").replace("default: true", "default: false")
        )
        for file_name, edit in (edits or {}).items():
            path = target / file_name
            path.write_text(edit(path.read_text() if path.exists() else ""))
        return target

    yield build
    clear_cache()
