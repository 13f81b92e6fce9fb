"""Byte-exact encodings that the ledger hashes: canonical JSON, timestamps and entry bytes.

Canonical JSON (payloads and entries)
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`` encoded as UTF-8. Keys are sorted by Unicode code point, there is no
    whitespace, non-ASCII text is written as UTF-8 (not ``\\u`` escapes), NaN and infinities
    are refused. Only ``dict`` (string keys), ``list``, ``str``, ``int``, ``float``, ``bool``
    and ``None`` are accepted, so ``json.loads`` gives back exactly what was recorded.
    Floats use Python's shortest round-trip repr; prefer strings or integers for values
    another tool must reproduce byte for byte.

Timestamps
    UTC, ISO 8601, always microseconds and a ``Z``: ``2025-01-02T03:04:05.000006Z``
    (27 characters, so text order is time order).

Entry bytes (the RFC 9162 leaf input)
    The canonical JSON of ``{"corrects", "kind", "log", "payload", "recorded_at", "seq"}``::

        {"corrects":null,"kind":"decision.recorded","log":"decisions","payload":{...},
         "recorded_at":"2025-01-02T03:04:05.000006Z","seq":1}

    (on one line). ``corrects`` is ``null`` or the seq of an earlier entry in the same log.
    Log names and kinds are restricted to ``[a-z0-9._-]`` so they never need escaping,
    which lets the bytes be assembled with one template instead of a JSON encoder.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

LOG_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,63}")
KIND_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{0,99}")
TIMESTAMP_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")

#: Entry bytes before UTF-8 encoding: corrects ("null" or digits), kind, log, payload JSON,
#: recorded_at, seq. Keys are already in sorted order.
ENTRY_TEMPLATE = '{"corrects":%s,"kind":"%s","log":"%s","payload":%s,"recorded_at":"%s","seq":%d}'

_JSON_SCALARS = (str, int, float, bool, type(None))


def canonical_json(payload: dict) -> str:
    """The canonical JSON text of a payload dict (see module docstring)."""
    if type(payload) is not dict:
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    _check_json_value(payload, "payload")
    try:
        text = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except ValueError as exc:
        raise ValueError(f"payload is not representable as JSON: {exc}") from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("payload contains text that is not valid Unicode (lone surrogate)") from None
    return text


def _check_json_value(value: object, where: str) -> None:
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"{where} has a non-string key {key!r}")
            _check_json_value(item, f"{where}.{key}")
    elif kind is list:
        for index, item in enumerate(value):
            _check_json_value(item, f"{where}[{index}]")
    elif kind not in _JSON_SCALARS:
        raise TypeError(
            f"{where} is a {kind.__name__}; only dict, list, str, int, float, bool and None"
            " can be recorded (convert it first)"
        )


def format_timestamp(moment: datetime) -> str:
    """``moment`` (timezone-aware) as the canonical UTC text."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("recorded_at must be timezone-aware")
    u = moment.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}"
        f".{u.microsecond:06d}Z"
    )


def parse_timestamp(text: str) -> datetime:
    """The aware UTC datetime for canonical timestamp text; anything else is refused."""
    if not is_canonical_timestamp(text):
        raise ValueError(f"not a canonical UTC timestamp: {text!r}")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def is_canonical_timestamp(text: object) -> bool:
    if type(text) is not str or TIMESTAMP_PATTERN.fullmatch(text) is None:
        return False
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return False
    return True


def check_log_name(log: object) -> str:
    if type(log) is not str or LOG_NAME_PATTERN.fullmatch(log) is None:
        raise ValueError(f"log name must match {LOG_NAME_PATTERN.pattern}: {log!r}")
    return log


def check_kind(kind: object) -> str:
    if type(kind) is not str or KIND_PATTERN.fullmatch(kind) is None:
        raise ValueError(f"kind must match {KIND_PATTERN.pattern}: {kind!r}")
    return kind


def entry_bytes(
    log: str, seq: int, kind: str, recorded_at: str, payload_json: str, corrects: int | None
) -> bytes:
    """The exact bytes an entry contributes to its leaf hash."""
    corrects_text = "null" if corrects is None else "%d" % corrects
    return (ENTRY_TEMPLATE % (corrects_text, kind, log, payload_json, recorded_at, seq)).encode()
