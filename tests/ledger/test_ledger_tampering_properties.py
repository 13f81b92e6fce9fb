"""Property: whatever an attacker without the signing key does to stored entries — edit a
field, flip a hash byte, delete, insert, reorder, truncate, in any combination — is
detected, and the first bad seq reported is where the stored log first differs."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from safeshare.ledger import verify_entries
from tests.ledger.builders import (
    SIGNING_KEY,
    build_log,
    checkpoint_for,
    first_difference,
    flip_byte,
    shift_timestamp,
)

LOGS = {n: build_log(n, corrections_every=3) for n in range(1, 17)}
CHECKPOINTS = {n: checkpoint_for(log) for n, log in LOGS.items()}
PUBLIC = SIGNING_KEY.public_key()


def _edit_field(entries, data, index):
    entry = entries[index]
    field = data.draw(
        st.sampled_from(["payload", "kind", "recorded_at", "corrects", "seq", "log", "leaf_hash", "chain_hash"])
    )
    if field == "payload":
        text = entry.payload_json
        at = data.draw(st.integers(0, len(text) - 1))
        char = data.draw(st.characters(codec="utf-8").filter(lambda c: c != text[at]))
        changed = entry._replace(payload_json=text[:at] + char + text[at + 1 :])
    elif field == "kind":
        changed = entry._replace(kind=data.draw(st.sampled_from(["decision.withdrawn", "x", "Bad kind"])))
    elif field == "recorded_at":
        delta = data.draw(st.integers(-10**9, 10**9).filter(bool))
        changed = entry._replace(recorded_at=shift_timestamp(entry.recorded_at, delta))
    elif field == "corrects":
        changed = entry._replace(corrects=data.draw(st.sampled_from([None, 1, 2, entry.seq, entry.seq - 1])))
    elif field == "seq":
        changed = entry._replace(seq=data.draw(st.integers(-1, 20)))
    elif field == "log":
        changed = entry._replace(log="access")
    else:
        stored = getattr(entry, field)
        changed = entry._replace(**{field: flip_byte(stored, data.draw(st.integers(0, 31)))})
    entries[index] = changed


def _damage(entries, data):
    action = data.draw(st.sampled_from(["edit", "delete", "insert", "swap", "move", "truncate"]))
    if not entries:
        return
    index = data.draw(st.integers(0, len(entries) - 1))
    if action == "edit":
        _edit_field(entries, data, index)
    elif action == "delete":
        del entries[index]
    elif action == "insert":
        source = data.draw(st.sampled_from(entries))
        entries.insert(data.draw(st.integers(0, len(entries))), source)
    elif action == "swap":
        other = data.draw(st.integers(0, len(entries) - 1))
        entries[index], entries[other] = entries[other], entries[index]
    elif action == "move":
        entry = entries.pop(index)
        entries.insert(data.draw(st.integers(0, len(entries))), entry)
    else:
        del entries[index:]


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(1, 16), steps=st.integers(1, 3), data=st.data())
def test_any_tampering_is_detected_at_the_first_changed_seq(size, steps, data):
    original = LOGS[size]
    tampered = list(original)
    for _ in range(steps):
        _damage(tampered, data)
    expected = first_difference(original, tampered)
    assume(expected is not None)

    report = verify_entries(tampered, CHECKPOINTS[size], PUBLIC)
    assert not report.ok
    assert report.first_bad_seq == expected, report.summary()

    # Without a checkpoint only a shortened log goes unnoticed.
    unsigned = verify_entries(tampered)
    if tampered == original[: len(tampered)]:
        assert unsigned.ok
    else:
        assert unsigned.first_bad_seq == expected, unsigned.summary()
