"""Find installed guidance versions and load them, with overlays, once per content.

A version is a directory holding `manifest.yaml` in one of the search paths: the guidance
bundled with SafeShare, then any directories named in SAFESHARE_GUIDANCE_PATH, then any the
caller passes. Loaded guidance is cached; the cache key includes file sizes and times, so an
edited overlay is picked up on the next load.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from .catalogue import GuidanceVersion
from .compiler import compile_guidance
from .documents import MANIFEST_FILE, apply_overlay, read_manifest, read_version
from .engine import Guidance
from .errors import GuidanceError

BUNDLED_DATA = Path(__file__).resolve().parent / "data"
BUNDLED_OVERLAYS = BUNDLED_DATA / "overlays"
PATH_VARIABLE = "SAFESHARE_GUIDANCE_PATH"

_cache: dict[tuple, Guidance] = {}
_lock = threading.Lock()


def search_paths(extra: Sequence[str | Path] | None = None) -> list[Path]:
    paths = [BUNDLED_DATA]
    paths += [Path(p) for p in os.environ.get(PATH_VARIABLE, "").split(os.pathsep) if p]
    paths += [Path(p) for p in extra or ()]
    seen: list[Path] = []
    for p in paths:
        p = p.resolve()
        if p not in seen:
            seen.append(p)
    return seen


def _version_dirs(paths: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in paths:
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if (child / MANIFEST_FILE).is_file():
                if child.name in found:
                    raise GuidanceError(child / MANIFEST_FILE, None, f"guidance version '{child.name}' is installed twice (also in {found[child.name]})")
                found[child.name] = child
    return found


def installed_versions(extra_paths: Sequence[str | Path] | None = None) -> list[GuidanceVersion]:
    """Every installed guidance version, bundled ones first, each checked and hashed."""
    versions = []
    dirs = _version_dirs(search_paths(extra_paths))
    for version_id, directory in dirs.items():
        guidance = load_guidance(version_id, extra_paths=extra_paths)
        versions.append(guidance.info)
    return versions


_manifests: dict[tuple, dict] = {}


def _manifest(directory: Path) -> dict:
    """The manifest of a version directory, re-read only when the file changes."""
    key = _fingerprint([directory / MANIFEST_FILE])
    found = _manifests.get(key)
    if found is None:
        found, _ = read_manifest(directory)
        _manifests[key] = found
    return found


def default_version(extra_paths: Sequence[str | Path] | None = None) -> str:
    defaults = []
    for version_id, directory in _version_dirs(search_paths(extra_paths)).items():
        manifest = _manifest(directory)
        if manifest.get("default"):
            defaults.append(version_id)
    if len(defaults) != 1:
        raise GuidanceError(BUNDLED_DATA, None, f"exactly one installed version must be marked default, found: {', '.join(defaults) or 'none'}")
    return defaults[0]


def bundled_overlays() -> list[Path]:
    """Example overlays shipped with SafeShare."""
    return sorted(BUNDLED_OVERLAYS.glob("*.yaml")) if BUNDLED_OVERLAYS.is_dir() else []


def _fingerprint(paths: Sequence[Path]) -> tuple:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def _version_fingerprint(directory: Path, dirs: dict[str, Path], seen: frozenset[str] = frozenset()) -> tuple:
    files = sorted(directory.glob("*.yaml"))
    base = _manifest(directory).get("extends")
    # A looping chain is reported properly when the version is read; just stop here.
    follow = base in dirs and base not in seen and base != directory.name
    base_part = _version_fingerprint(dirs[base], dirs, seen | {directory.name}) if follow else ()
    return (_fingerprint(files), base_part)


def load_guidance(
    version: str | None = None,
    overlays: Sequence[str | Path] = (),
    *,
    extra_paths: Sequence[str | Path] | None = None,
) -> Guidance:
    """Load an installed guidance version (the default one if None) with local overlays applied
    in the order given. Raises GuidanceError naming the file and line of any problem."""
    paths = search_paths(extra_paths)
    dirs = _version_dirs(paths)
    version = version or default_version(extra_paths)
    if version not in dirs:
        raise GuidanceError(paths[0], None, f"no installed guidance version '{version}' (installed: {', '.join(sorted(dirs)) or 'none'})")
    overlay_paths = [Path(p).resolve() for p in overlays]
    key = (version, tuple(paths), _version_fingerprint(dirs[version], dirs), _fingerprint(overlay_paths))
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached

    def find(version_id: str) -> Path:
        return dirs[version_id]

    doc = read_version(dirs[version], find)
    for path in overlay_paths:
        apply_overlay(doc, path)
    guidance = compile_guidance(doc)
    with _lock:
        _cache[key] = guidance
    return guidance


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _manifests.clear()
