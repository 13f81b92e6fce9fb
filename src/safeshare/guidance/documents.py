"""Read a guidance version directory and overlay files into one merged, still-raw document.

Nothing is interpreted here beyond shape and ids: every item keeps the file and line it came
from, so the compiler can report problems found after merging against the right file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GuidanceError
from .file_schema import (
    CATCH_ALL_LISTS,
    GUIDANCE_FILE_SCHEMA,
    OVERLAY_FILE_SCHEMA,
    PATCH_FILE_SCHEMA,
    check_shape,
)
from .yaml_source import LocDict, read_yaml, where

MANIFEST_FILE = "manifest.yaml"
REQUIRED_SECTIONS = (
    "questions",
    "advice_rules",
    "inform_family_rules",
    "actions",
    "lawful_bases",
    "principles",
    "golden_rules",
    "contacts",
    "purpose_categories",
    "record_fields",
    "outcomes",
)


@dataclass(frozen=True)
class OverlayRecord:
    id: str
    title: str
    content_hash: str
    file: str


@dataclass
class GuidanceDocument:
    """Merged sections of one guidance version plus any overlays, with provenance."""

    manifest: LocDict
    path: Path
    start: str
    start_where: tuple[str, int | None]
    steps: list[LocDict]
    sections: dict[str, list[LocDict]]
    sources: list[LocDict]
    content_hash: str
    overlays: list[OverlayRecord] = field(default_factory=list)

    @property
    def version(self) -> str:
        return str(self.manifest["id"])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(directory: Path) -> tuple[LocDict, bytes]:
    path = directory / MANIFEST_FILE
    data, raw = read_yaml(path)
    check_shape(data, GUIDANCE_FILE_SCHEMA, str(path))
    if set(data) != {"manifest"}:
        extra = next(k for k in data if k != "manifest")
        raise GuidanceError(path, data.line_of(extra), f"{MANIFEST_FILE} holds only the 'manifest' section, not '{extra}'")
    manifest = data["manifest"]
    if manifest["id"] != directory.name:
        raise GuidanceError(path, manifest.line_of("id"), f"version id '{manifest['id']}' must match its directory name '{directory.name}'")
    return manifest, raw


def _data_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name != MANIFEST_FILE)


def read_version(directory: Path, find_version: Callable[[str], Path], _chain: tuple[str, ...] = ()) -> GuidanceDocument:
    """Read one installed version; `find_version` locates a base version named by `extends`."""
    manifest, manifest_raw = read_manifest(directory)
    hashes = [f"{MANIFEST_FILE}:{sha256(manifest_raw)}"]
    base_id = manifest.get("extends")
    if base_id:
        chain = (*_chain, manifest["id"])
        if base_id in chain:
            raise GuidanceError(directory / MANIFEST_FILE, manifest.line_of("extends"), f"versions extend each other in a loop: {' -> '.join((*chain, base_id))}")
        try:
            base_dir = find_version(base_id)
        except KeyError:
            raise GuidanceError(directory / MANIFEST_FILE, manifest.line_of("extends"), f"extends unknown version '{base_id}'") from None
        doc = read_version(base_dir, find_version, chain)
        hashes.insert(0, f"base:{doc.content_hash}")
        for path in _data_files(directory):
            data, raw = read_yaml(path)
            check_shape(data, PATCH_FILE_SCHEMA, str(path))
            apply_patches(doc, data["patches"], str(path))
            hashes.append(f"{path.name}:{sha256(raw)}")
        doc.manifest, doc.path = manifest, directory
        doc.sources = [*doc.sources, *manifest.get("sources", [])]
    else:
        doc = _read_full(directory, manifest, hashes)
    doc.content_hash = sha256("\n".join(hashes).encode())
    return doc


def _read_full(directory: Path, manifest: LocDict, hashes: list[str]) -> GuidanceDocument:
    sections: dict[str, list[LocDict]] = {}
    seen_in: dict[str, str] = {}
    flow: LocDict | None = None
    for path in _data_files(directory):
        data, raw = read_yaml(path)
        check_shape(data, GUIDANCE_FILE_SCHEMA, str(path))
        hashes.append(f"{path.name}:{sha256(raw)}")
        for name, value in data.items():
            if name == "manifest":
                raise GuidanceError(path, data.line_of(name), f"the manifest belongs in {MANIFEST_FILE}")
            if name in seen_in:
                raise GuidanceError(path, data.line_of(name), f"section '{name}' is already defined in {seen_in[name]}")
            seen_in[name] = path.name
            if name == "flow":
                flow = value
            else:
                sections[name] = list(value)
    manifest_file = str(directory / MANIFEST_FILE)
    if flow is None:
        raise GuidanceError(manifest_file, None, "the version has no 'flow' section in any file")
    for name in REQUIRED_SECTIONS:
        if name not in sections:
            raise GuidanceError(manifest_file, None, f"the version has no '{name}' section in any file")
    sections.setdefault("myths", [])
    sections.setdefault("local_purposes", [])
    return GuidanceDocument(
        manifest=manifest,
        path=directory,
        start=flow["start"],
        start_where=(flow.file, flow.line_of("start")),
        steps=list(flow["steps"]),
        sections=sections,
        sources=list(manifest["sources"]),
        content_hash="",
    )


def read_overlay(path: Path) -> tuple[LocDict, str]:
    data, raw = read_yaml(path)
    check_shape(data, OVERLAY_FILE_SCHEMA, str(path))
    return data, sha256(raw)


def apply_overlay(doc: GuidanceDocument, path: Path) -> None:
    data, digest = read_overlay(path)
    head = data["overlay"]
    file = str(path)
    if doc.version not in head["applies_to"]:
        raise GuidanceError(file, head.line_of("applies_to"), f"overlay '{head['id']}' does not apply to guidance version '{doc.version}' (it applies to: {', '.join(head['applies_to'])})")
    if any(o.id == head["id"] for o in doc.overlays):
        raise GuidanceError(file, head.line_of("id"), f"overlay '{head['id']}' is already applied")
    doc.sources = [*doc.sources, *head.get("sources", [])]
    apply_patches(doc, data["patches"], file)
    doc.overlays.append(OverlayRecord(id=head["id"], title=head["title"], content_hash=digest, file=file))


# ---------------------------------------------------------------- patching


def apply_patches(doc: GuidanceDocument, patches: LocDict, file: str) -> None:
    for name, patch in patches.items():
        if name == "flow":
            if "start" in patch:
                doc.start, doc.start_where = patch["start"], (file, patch.line_of("start"))
            if "steps" in patch:
                doc.steps = _patch_list(doc.steps, patch["steps"], "flow steps", file, catch_all=False)
            for branch_patch in patch.get("branches", []):
                _patch_branches(doc, branch_patch, file)
        else:
            doc.sections[name] = _patch_list(doc.sections.get(name, []), patch, name, file, catch_all=name in CATCH_ALL_LISTS)


def _patch_branches(doc: GuidanceDocument, patch: LocDict, file: str) -> None:
    step_id = patch["step"]
    for i, step in enumerate(doc.steps):
        if step["id"] == step_id:
            ops = LocDict({k: v for k, v in patch.items() if k not in ("step", "also_asks")})
            ops.file, ops.line, ops.key_lines = patch.file, patch.line, patch.key_lines
            copy = LocDict(step)
            copy.file, copy.line, copy.key_lines = step.file, step.line, step.key_lines
            if "also_asks" in patch:
                copy["asks"] = [*step["asks"], *(q for q in patch["also_asks"] if q not in step["asks"])]
            if ops:
                copy["branches"] = _patch_list(list(step["branches"]), ops, f"branches of step '{step_id}'", file, catch_all=True)
            doc.steps[i] = copy
            return
    raise GuidanceError(file, patch.line_of("step"), f"no step '{step_id}' to patch")


def _index(items: list[LocDict]) -> dict[str, int]:
    return {item["id"]: i for i, item in enumerate(items)}


def _patch_list(items: list[Any], patch: LocDict, what: str, file: str, *, catch_all: bool) -> list[Any]:
    items = list(items)
    for i, item_id in enumerate(patch.get("remove", [])):
        index = _index(items)
        if item_id not in index:
            raise GuidanceError(file, where(patch["remove"], i), f"cannot remove '{item_id}': no such entry in {what}")
        del items[index[item_id]]
    for i, item in enumerate(patch.get("replace", [])):
        index = _index(items)
        if item["id"] not in index:
            raise GuidanceError(file, where(patch["replace"], i), f"cannot replace '{item['id']}': no such entry in {what}")
        items[index[item["id"]]] = item
    for i, insert in enumerate(patch.get("insert", [])):
        index = _index(items)
        item = insert["item"]
        if item["id"] in index:
            raise GuidanceError(file, where(patch["insert"], i), f"'{item['id']}' already exists in {what}")
        anchor = insert.get("before", insert.get("after"))
        if anchor not in index:
            raise GuidanceError(file, where(patch["insert"], i), f"cannot insert next to '{anchor}': no such entry in {what}")
        items.insert(index[anchor] + (0 if "before" in insert else 1), item)
    for i, item in enumerate(patch.get("add", [])):
        if item["id"] in _index(items):
            raise GuidanceError(file, where(patch["add"], i), f"'{item['id']}' already exists in {what}; use 'replace'")
        # Keep a trailing catch-all last, so added entries are actually reachable.
        if catch_all and items:
            items.insert(len(items) - 1, item)
        else:
            items.append(item)
    return items

