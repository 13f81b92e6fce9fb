"""What an agency's witness checks before it cosigns a checkpoint (pure; the CLI keeps the state file).

The witness remembers the last checkpoint it cosigned for the log (``WitnessState``). A new one is
cosigned only if it is validly signed by the partnership's key (pinned the first time), is for the
same log, and is proved consistent with the remembered one by an RFC 9162 consistency proof: the log
only grew, nothing witnessed was changed. A smaller tree, the same size with another root, or a
proof that does not verify is a fork or a rollback, and the witness refuses.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass

from safeshare.ledger.checkpoint import Checkpoint, CheckpointFormatError, check_signature
from safeshare.ledger.cosignature import parse_add_checkpoint_request
from safeshare.ledger.keys import load_public_key, public_key_base64
from safeshare.ledger.merkle import EMPTY_ROOT, verify_consistency


class WitnessRefusal(Exception):
    """The checkpoint offered must not be cosigned; the message says why."""


@dataclass(frozen=True)
class WitnessState:
    log: str
    log_public_key: str  # the partnership's checkpoint key, base64, pinned at first use
    tree_size: int
    root_hash: str  # base64
    checkpoint: str  # the last checkpoint cosigned, as SafeShare signed it

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> WitnessState:
        try:
            fields = json.loads(text)
            state = cls(**{name: fields[name] for name in cls.__dataclass_fields__})
        except (ValueError, KeyError, TypeError) as error:
            raise WitnessRefusal(f"the witness state file is not one this tool wrote: {error}") from None
        if type(state.tree_size) is not int or state.tree_size < 0:
            raise WitnessRefusal("the witness state file holds no valid tree size")
        return state


def check_offered(request: str, log: str, state: WitnessState | None, log_public_key: str | None) -> Checkpoint:
    """The checkpoint in a tlog-witness add-checkpoint ``request``, if it may be cosigned."""
    try:
        old_size, proof, checkpoint = parse_add_checkpoint_request(request)
    except CheckpointFormatError as error:
        raise WitnessRefusal(f"not an add-checkpoint request: {error}") from None
    pinned = state.log_public_key if state is not None else log_public_key
    if pinned is None:
        raise WitnessRefusal("give the partnership's public key the first time (it is then kept in the state file)")
    if log_public_key is not None and state is not None and public_key_base64(load_public_key(log_public_key)) != pinned:
        raise WitnessRefusal("the public key given is not the one this witness pinned for the log")
    if not check_signature(checkpoint, pinned).valid:
        raise WitnessRefusal("the checkpoint is not signed by the partnership's key")
    if checkpoint.log != log:
        raise WitnessRefusal(f"the checkpoint is for the log {checkpoint.log!r}, not {log!r}")
    seen_size = state.tree_size if state is not None else 0
    seen_root = base64.b64decode(state.root_hash) if state is not None else EMPTY_ROOT
    if old_size != seen_size:
        raise WitnessRefusal(f"the proof starts from size {old_size}, but this witness last saw size {seen_size}")
    if checkpoint.tree_size < seen_size:
        raise WitnessRefusal(
            f"ROLLBACK: the log now claims {checkpoint.tree_size} entries, but this witness saw {seen_size}"
        )
    if not verify_consistency(seen_size, seen_root, checkpoint.tree_size, checkpoint.root_hash, proof):
        raise WitnessRefusal(
            f"FORK: the checkpoint at size {checkpoint.tree_size} is not consistent with the one this witness saw at"
            f" size {seen_size}: the log's history was changed"
        )
    return checkpoint


def next_state(log: str, checkpoint: Checkpoint, state: WitnessState | None, log_public_key: str | None) -> WitnessState:
    pinned = state.log_public_key if state is not None else public_key_base64(load_public_key(log_public_key))
    return WitnessState(
        log=log, log_public_key=pinned, tree_size=checkpoint.tree_size,
        root_hash=base64.b64encode(checkpoint.root_hash).decode("ascii"), checkpoint=checkpoint.text,
    )
