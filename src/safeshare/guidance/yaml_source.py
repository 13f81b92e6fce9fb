"""Read YAML while remembering the file and line every mapping key and list item came from.

Guidance is written by people, so errors must point at a line. PyYAML's composed nodes carry
marks; we keep them on light dict/list subclasses. Booleans follow YAML 1.2 (only true/false),
so answers such as `no` or `yes` stay strings, and dates stay strings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import GuidanceError

_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


# libyaml is much faster and keeps the same marks; fall back to pure Python without it.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class LocDict(dict):
    """A mapping that knows where it, and each of its keys, were written."""

    file: str = "<unknown>"
    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LocList(list):
    file: str = "<unknown>"
    line: int | None = None
    item_lines: list[int]

    def line_of(self, index: int) -> int | None:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def where(obj: Any, key: str | int | None = None) -> int | None:
    """Best line for obj (or for one of its keys/items)."""
    if isinstance(obj, LocDict):
        return obj.line_of(key) if isinstance(key, str) else obj.line
    if isinstance(obj, LocList):
        return obj.line_of(key) if isinstance(key, int) else obj.line
    return None


def _convert(node: yaml.Node, loader: _Loader, file: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LocDict()
        out.file, out.line, out.key_lines = file, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise GuidanceError(file, key_node.start_mark.line + 1, "merge keys ('<<') are not supported")
            key = _convert(key_node, loader, file)
            if not isinstance(key, str):
                raise GuidanceError(file, key_node.start_mark.line + 1, f"mapping keys must be text, not {key!r}")
            if key in out:
                raise GuidanceError(file, key_node.start_mark.line + 1, f"duplicate key '{key}'")
            out[key] = _convert(value_node, loader, file)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LocList(_convert(item, loader, file) for item in node.value)
        items.file, items.line = file, node.start_mark.line + 1
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into LocDict/LocList/scalars."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise GuidanceError(file, 1, "the file is empty")
        return _convert(node, loader, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise GuidanceError(file, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise GuidanceError(file, None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def read_yaml(path: Path) -> tuple[Any, bytes]:
    """Parse a YAML file; also return its bytes so callers can hash exactly what was read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GuidanceError(path, None, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GuidanceError(path, line, "file is not UTF-8 text") from None
    return parse_yaml(text, str(path)), raw
