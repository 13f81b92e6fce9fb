"""Canonical JSON assembled from fragments encoded earlier is byte for byte the canonical JSON of the whole."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from safeshare.ledger.encoding import CanonicalJson, canonical_fragment, canonical_json, canonical_object
from safeshare.ledger.entry import NewEntry, seal_entries

# Text that looks like the markers canonical_object uses internally, to show the payload can hold it.
MARKERISH = ["\x00fragment 0\x00", "\x00fragment 1\x00", '"\\u0000fragment 0\\u0000"']


def _value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice(["a", "ü€😀", "\u2028", '"q\\', 0, -7, 1.5, -0.0, 1e300, None, True, False, *MARKERISH])
    if roll < 0.7:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["a", "B", "é", "z", *MARKERISH]): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_an_object_with_fragments_encodes_exactly_like_the_whole():
    rng = random.Random(20261102)
    for _ in range(3000):
        whole = {rng.choice(["advice", "input", "decided_at", "é", *MARKERISH]): _value(rng) for _ in range(rng.randint(0, 5))}
        parts = {
            key: canonical_fragment(value) if type(value) is dict and rng.random() < 0.7 else value
            for key, value in whole.items()
        }
        assert canonical_object(parts) == canonical_json(whole)
        assert json.loads(canonical_object(parts)) == whole


def test_fragments_pass_through_and_seal_like_the_dict_they_encode():
    payload = {"advice": {"outcome": "share", "trail": [1, 2]}, "input": {"b": 1, "a": "ü"}}
    encoded = canonical_object({"advice": canonical_fragment(payload["advice"]), "input": payload["input"]})
    assert type(encoded) is CanonicalJson
    assert canonical_json(encoded) == canonical_json(payload)
    assert type(canonical_json(encoded)) is str
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    (from_dict,) = seal_entries("decisions", [NewEntry("decision.recorded", payload)], after_seq=0, after_chain=bytes(32), recorded_at=at)
    (from_text,) = seal_entries("decisions", [NewEntry("decision.recorded", encoded)], after_seq=0, after_chain=bytes(32), recorded_at=at)
    assert from_text == from_dict


def test_fragments_cannot_hide_inside_a_plain_payload():
    with pytest.raises(TypeError):
        canonical_json({"advice": canonical_fragment({"a": 1})})


@pytest.mark.parametrize("members", [{1: "x"}, {"when": object()}, {"pair": (1, 2)}])
def test_canonical_object_refuses_what_canonical_json_refuses(members):
    with pytest.raises(TypeError):
        canonical_object(members)


def test_canonical_object_refuses_non_json_numbers_and_lone_surrogates():
    for members in ({"x": float("nan")}, {"x": "\ud800"}, {"\ud800": 1}):
        with pytest.raises(ValueError):
            canonical_object(members)
