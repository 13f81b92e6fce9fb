"""Append-only, tamper-evident ledger: hash-chained entries in an RFC 9162 Merkle log with
Ed25519-signed checkpoints. Pure Python; storage lives in ``safeshare.store``.

One mechanism serves several logs (e.g. ``"decisions"`` and ``"access"``); seq numbers,
hashes and checkpoints are per log. Corrections are new entries whose ``corrects`` names
the seq they correct; nothing is ever updated or deleted.
"""

from safeshare.ledger.checkpoint import (
    Checkpoint,
    CheckpointFormatError,
    SignatureCheck,
    check_signature,
    parse_checkpoint,
    read_checkpoint,
    sign_checkpoint,
    write_checkpoint,
)
from safeshare.ledger.encoding import (
    canonical_json,
    entry_bytes,
    format_timestamp,
    parse_timestamp,
)
from safeshare.ledger.entry import GENESIS_CHAIN, LedgerEntry, NewEntry, chain_hash, seal_entries
from safeshare.ledger.export import (
    ExportFormatError,
    LedgerIntegrityError,
    export_bytes,
    export_log,
    export_with_checkpoint,
    read_export,
    verify_export,
)
from safeshare.ledger.keys import (
    generate_private_key_seed,
    load_private_key,
    load_public_key,
    public_key_base64,
    public_key_bytes,
    verifier_key,
)
from safeshare.ledger.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from safeshare.ledger.verify import VerificationReport, verify_entries

__all__ = [
    "EMPTY_ROOT",
    "GENESIS_CHAIN",
    "Checkpoint",
    "CheckpointFormatError",
    "ExportFormatError",
    "LedgerEntry",
    "LedgerIntegrityError",
    "MerkleTree",
    "NewEntry",
    "SignatureCheck",
    "VerificationReport",
    "canonical_json",
    "chain_hash",
    "check_signature",
    "consistency_proof",
    "entry_bytes",
    "export_bytes",
    "export_log",
    "export_with_checkpoint",
    "format_timestamp",
    "generate_private_key_seed",
    "inclusion_proof",
    "leaf_hash",
    "load_private_key",
    "load_public_key",
    "node_hash",
    "parse_checkpoint",
    "parse_timestamp",
    "public_key_base64",
    "public_key_bytes",
    "read_checkpoint",
    "read_export",
    "seal_entries",
    "sign_checkpoint",
    "tree_root",
    "verifier_key",
    "verify_consistency",
    "verify_entries",
    "verify_export",
    "verify_inclusion",
    "write_checkpoint",
]
