"""Entry tags: only the holder of the signing key can make them, and each vouches for every entry before it."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.ledger.tags import entry_tag, entry_tag_key, first_bad_tag
from tests.ledger.builders import SIGNING_KEY, build_log, flip_byte

KEY = entry_tag_key(SIGNING_KEY)


def tagged(entries, key=KEY):
    return [(e.log, e.seq, e.chain_hash, entry_tag(key, e.log, e.seq, e.chain_hash)) for e in entries]


def test_tags_made_with_the_key_pass():
    assert first_bad_tag(tagged(build_log(5)), KEY, untagged_allowed=False) is None


def test_a_tag_made_without_the_key_or_for_another_place_fails_at_that_entry():
    rows = tagged(build_log(5))
    rows[2] = (*rows[2][:3], flip_byte(rows[2][3]))
    assert first_bad_tag(rows, KEY, untagged_allowed=False)[0] == 3
    other_key = tagged(build_log(5), entry_tag_key(Ed25519PrivateKey.generate()))
    assert first_bad_tag(other_key, KEY, untagged_allowed=False)[0] == 1
    moved = tagged(build_log(5))
    moved[1] = ("access", *moved[1][1:])
    assert first_bad_tag(moved, KEY, untagged_allowed=False)[0] == 2


def test_untagged_entries_are_accepted_only_before_tagging_began_and_only_when_allowed():
    rows = tagged(build_log(5))
    legacy = [(*row[:3], None) for row in rows[:2]] + rows[2:]
    assert first_bad_tag(legacy, KEY, untagged_allowed=True) is None
    assert first_bad_tag(legacy, KEY, untagged_allowed=False)[0] == 1
    appended = rows + [("decisions", 6, bytes(32), None)]
    assert first_bad_tag(appended, KEY, untagged_allowed=True)[0] == 6
