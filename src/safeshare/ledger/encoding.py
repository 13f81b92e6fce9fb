"""Byte-exact encodings that the ledger hashes: canonical JSON, timestamps and entry bytes.

Canonical JSON (payloads and entries)
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`` encoded as UTF-8. Keys are sorted by Unicode code point, there is no
    whitespace, non-ASCII text is written as UTF-8 (not ``\\u`` escapes), NaN and infinities
    are refused. Only ``dict`` (string keys), ``list``, ``str``, ``int``, ``float``, ``bool``
    and ``None`` are accepted, so ``json.loads`` gives back exactly what was recorded.
    Floats use Python's shortest round-trip repr; prefer strings or integers for values
    another tool must reproduce byte for byte.

    Because keys are sorted and there is no whitespace, the text of an object is its members'
    texts joined in key order. ``canonical_object`` uses that to splice in ``CanonicalJson``
    fragments encoded earlier (e.g. the same advice in many decision records) instead of
    encoding them again; the result is byte for byte what ``canonical_json`` gives for the
    decoded payload.

Timestamps
    UTC, ISO 8601, always microseconds and a ``Z``: ``2025-01-02T03:04:05.000006Z``
    (27 characters, so text order is time order).

Entry bytes (the RFC 9162 leaf input)
    The canonical JSON of ``{"content", "corrects", "kind", "log", "recorded_at", "seq"}``::

        {"content":"<64 hex>","corrects":null,"kind":"decision.recorded","log":"decisions",
         "recorded_at":"2025-01-02T03:04:05.000006Z","seq":1}

    (on one line), where ``content`` is the SHA-256 of the payload's canonical JSON (UTF-8).
    The leaf binds the hash of the content, not the content: the payload is kept beside the
    entry and checked against the hash, so it can be erased (under a retention schedule)
    while the entry's place, kind, time and hashes, and every checkpoint over it, still
    verify. ``corrects`` is ``null`` or the seq of an earlier entry in the same log.
    Log names and kinds are restricted to ``[a-z0-9._-]`` so they never need escaping,
    which lets the bytes be assembled with one template instead of a JSON encoder.

    Entries recorded before content hashing (``content_hash`` absent) bind the payload
    itself, as ``{"corrects", "kind", "log", "payload", "recorded_at", "seq"}``
    (``LEGACY_ENTRY_TEMPLATE``); their content cannot be erased.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

LOG_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,63}")
KIND_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{0,99}")
TIMESTAMP_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")

#: Entry bytes before UTF-8 encoding: content hash (hex), corrects ("null" or digits), kind, log,
#: recorded_at, seq. Keys are already in sorted order.
ENTRY_TEMPLATE = '{"content":"%s","corrects":%s,"kind":"%s","log":"%s","recorded_at":"%s","seq":%d}'
#: Entries recorded before content hashing: corrects, kind, log, payload JSON, recorded_at, seq.
LEGACY_ENTRY_TEMPLATE = '{"corrects":%s,"kind":"%s","log":"%s","payload":%s,"recorded_at":"%s","seq":%d}'

_JSON_SCALARS = (str, int, float, bool, type(None))
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class CanonicalJson(str):
    """Text already in canonical form, as made by ``canonical_fragment`` or ``canonical_object``.

    ``canonical_json`` passes it through and ``canonical_object`` splices it in without
    decoding it. Nothing checks the text again, so make it only with those two functions.
    """

    __slots__ = ()


def canonical_json(payload: dict | CanonicalJson) -> str:
    """The canonical JSON text of a payload dict (see module docstring)."""
    if type(payload) is CanonicalJson:
        return str(payload)
    if type(payload) is not dict:
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    return _encode(payload, "payload")


def canonical_fragment(payload: dict) -> CanonicalJson:
    """``canonical_json(payload)``, marked so that ``canonical_object`` can reuse it."""
    return CanonicalJson(canonical_json(payload))


def canonical_object(members: dict, *, json_types_only: bool = False) -> CanonicalJson:
    """The canonical JSON of a dict whose values may be ``CanonicalJson`` fragments, which are
    used as they are; equal to ``canonical_json`` of the same dict with the fragments decoded.

    ``json_types_only=True`` skips the walk that refuses values which would not read back the
    same (tuples, non-string keys, other types): only for members that can hold nothing else,
    such as pydantic's ``model_dump(mode="json")``. NaN, infinities and lone surrogates are
    still refused.
    """
    if type(members) is not dict:
        raise TypeError(f"payload must be a dict, not {type(members).__name__}")
    fragments = [(key, value) for key, value in members.items() if type(value) is CanonicalJson]
    # Encode the rest in one go, with a marker string where each fragment goes, then swap them.
    markers = {key: f"\x00fragment {index}\x00" for index, (key, _) in enumerate(fragments)}
    text = _encode({**members, **markers}, "payload", checked=not json_types_only)
    spots = []
    for key, fragment in fragments:
        marker = json.dumps(markers[key], ensure_ascii=False)
        at = text.find(marker)
        if at < 0 or text.find(marker, at + 1) >= 0:  # the payload holds the same text: go member by member
            return _object_by_member(members)
        spots.append((at, at + len(marker), fragment))
    parts, done = [], 0
    for start, end, fragment in sorted(spots):
        parts += (text[done:start], fragment)
        done = end
    parts.append(text[done:])
    return CanonicalJson("".join(parts))


def _object_by_member(members: dict) -> CanonicalJson:
    for key in members:
        if type(key) is not str:
            raise TypeError(f"payload has a non-string key {key!r}")
    parts = []
    for key in sorted(members):
        value = members[key]
        text = value if type(value) is CanonicalJson else _encode(value, f"payload.{key}")
        parts.append(_encode(key, "payload") + ":" + text)
    return CanonicalJson("{" + ",".join(parts) + "}")


def _encode(value: object, where: str, checked: bool = True) -> str:
    if checked:
        _check_json_value(value, where)
    try:
        text = _ENCODER.encode(value)
    except ValueError as exc:
        raise ValueError(f"{where} is not representable as JSON: {exc}") from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{where} contains text that is not valid Unicode (lone surrogate)") from None
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


def content_hash(payload_json: str) -> bytes:
    """SHA-256 of the payload's canonical JSON: what an entry's leaf binds."""
    return hashlib.sha256(payload_json.encode()).digest()


def entry_bytes(
    log: str, seq: int, kind: str, recorded_at: str, content: bytes, corrects: int | None
) -> bytes:
    """The exact bytes an entry contributes to its leaf hash (``content`` is its content hash)."""
    corrects_text = "null" if corrects is None else "%d" % corrects
    return (ENTRY_TEMPLATE % (content.hex(), corrects_text, kind, log, recorded_at, seq)).encode()


def legacy_entry_bytes(
    log: str, seq: int, kind: str, recorded_at: str, payload_json: str, corrects: int | None
) -> bytes:
    """The leaf input of an entry recorded before content hashing, which binds the payload itself."""
    corrects_text = "null" if corrects is None else "%d" % corrects
    return (LEGACY_ENTRY_TEMPLATE % (corrects_text, kind, log, payload_json, recorded_at, seq)).encode()
