"""The bytes that get hashed: canonical JSON, timestamps and entry bytes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from safeshare.ledger.encoding import (
    ENTRY_TEMPLATE,
    canonical_json,
    check_kind,
    check_log_name,
    content_hash,
    entry_bytes,
    format_timestamp,
    is_canonical_timestamp,
    legacy_entry_bytes,
    parse_timestamp,
)


def test_canonical_json_sorts_keys_has_no_whitespace_and_keeps_unicode():
    text = canonical_json({"b": [1, {"z": None, "a": True}], "a": "ü€😀", "c": 1.5})
    assert text == '{"a":"ü€😀","b":[1,{"a":true,"z":null}],"c":1.5}'
    assert text.encode("utf-8") == b'{"a":"\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80","b":[1,{"a":true,"z":null}],"c":1.5}'


def test_canonical_json_round_trips_exactly():
    payload = {"nested": {"list": [1, "two", None, False, -3.25]}, "empty": {}, "n": 10**30}
    assert json.loads(canonical_json(payload)) == payload


@pytest.mark.parametrize(
    "payload",
    [
        {"when": datetime(2025, 1, 1, tzinfo=UTC)},
        {"pair": (1, 2)},
        {1: "integer key"},
        {"set": {1}},
        {"bytes": b"x"},
    ],
)
def test_canonical_json_refuses_values_that_would_not_round_trip(payload):
    with pytest.raises(TypeError):
        canonical_json(payload)


@pytest.mark.parametrize("payload", [{"x": float("nan")}, {"x": float("inf")}, {"x": "\ud800"}])
def test_canonical_json_refuses_non_json_numbers_and_lone_surrogates(payload):
    with pytest.raises(ValueError):
        canonical_json(payload)


def test_canonical_json_needs_a_dict_at_the_top():
    with pytest.raises(TypeError, match="must be a dict"):
        canonical_json([1, 2])


def test_timestamps_are_utc_with_microseconds_and_fixed_width():
    moment = datetime(2025, 3, 4, 5, 6, 7, 8, tzinfo=timezone(timedelta(hours=2)))
    text = format_timestamp(moment)
    assert text == "2025-03-04T03:06:07.000008Z"
    assert len(format_timestamp(datetime(1, 1, 1, tzinfo=UTC))) == len(text) == 27
    assert parse_timestamp(text) == moment


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    "text",
    ["2025-03-04T03:06:07Z", "2025-03-04T03:06:07.000008+00:00", "2025-13-04T03:06:07.000008Z", "", None],
)
def test_non_canonical_timestamps_are_recognised(text):
    assert not is_canonical_timestamp(text)
    with pytest.raises(ValueError):
        parse_timestamp(text)


@pytest.mark.parametrize("name", ["Decisions", "1log", "with space", "a/b", "", "x" * 65, 'quote"'])
def test_log_names_are_restricted(name):
    with pytest.raises(ValueError):
        check_log_name(name)


@pytest.mark.parametrize("kind", ["Decision", "decision recorded", 'x"', "", "k" * 101])
def test_kinds_are_restricted(kind):
    with pytest.raises(ValueError):
        check_kind(kind)


def test_entry_bytes_are_the_canonical_json_of_the_entry_with_the_hash_of_its_content():
    payload = canonical_json({"case": "C-1", "ü": [1, None]})
    content = content_hash(payload)
    assert content == hashlib.sha256(payload.encode("utf-8")).digest()
    data = entry_bytes("decisions", 7, "decision.corrected", "2025-01-02T03:04:05.000006Z", content, 3)
    expected = {
        "content": content.hex(),
        "corrects": 3,
        "kind": "decision.corrected",
        "log": "decisions",
        "recorded_at": "2025-01-02T03:04:05.000006Z",
        "seq": 7,
    }
    assert data == canonical_json(expected).encode("utf-8")
    assert json.loads(data) == expected


def test_entry_bytes_write_null_when_nothing_is_corrected():
    data = entry_bytes("access", 1, "subject.view", "2025-01-02T03:04:05.000006Z", bytes(32), None)
    assert data == (
        b'{"content":"' + b"0" * 64 + b'","corrects":null,"kind":"subject.view","log":"access",'
        b'"recorded_at":"2025-01-02T03:04:05.000006Z","seq":1}'
    )
    assert ENTRY_TEMPLATE.count("%") == 6


def test_entries_recorded_before_content_hashing_bind_the_payload_itself():
    data = legacy_entry_bytes("access", 1, "subject.view", "2025-01-02T03:04:05.000006Z", "{}", None)
    assert data == b'{"corrects":null,"kind":"subject.view","log":"access","payload":{},"recorded_at":"2025-01-02T03:04:05.000006Z","seq":1}'
