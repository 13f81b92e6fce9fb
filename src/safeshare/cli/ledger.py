"""safeshare ledger …: verify, sign checkpoints, export for an auditor, verify an export offline."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.cli.directory import Token
from safeshare.cli.runtime import actor_for, console, errors, reports_errors, services
from safeshare.domain.errors import InvalidInput
from safeshare.domain.witnesses import WitnessRegistration
from safeshare.ledger import generate_private_key_seed, load_private_key, public_key_base64, verify_export
from safeshare.ledger.cosignature import cosign, cosigner_vkey, with_cosignatures
from safeshare.ledger.keys import check_key_name
from safeshare.ledger.verify import VerificationReport
from safeshare.ledger.witness import WitnessRefusal, WitnessState, check_offered, next_state
from safeshare.services.ledger import Log

ledger = typer.Typer(help="The tamper-evident decision and access ledgers.", no_args_is_help=True)
witness = typer.Typer(
    help="Witness the ledger for your agency: keep a key and a state file of your own, check and cosign checkpoints.",
    no_args_is_help=True,
)
ledger.add_typer(witness, name="witness")

LogOption = Annotated[Log, typer.Option("--log", help="Which ledger.")]


def _report(report: VerificationReport) -> None:
    console.print(report.summary(), highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@ledger.command("verify")
@reports_errors
def verify(
    log: LogOption = Log.DECISIONS,
    export: Annotated[Path | None, typer.Option(help="Verify this export file offline instead of the database.")] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="The signed checkpoint that came with the export.")] = None,
    public_key: Annotated[str | None, typer.Option(help="The partnership's public key (base64) to check the signature against.")] = None,
    trust_unverified_signer: Annotated[
        bool,
        typer.Option(
            "--trust-unverified-signer",
            help="Check an export without --public-key: proves it matches its checkpoint, not who signed the checkpoint.",
        ),
    ] = False,
    token: Token = None,
) -> None:
    """Check every entry; on any change, deletion, insertion or reordering name the first bad entry."""
    if export is not None:
        if checkpoint is None:
            raise InvalidInput.of("checkpoint", "an export is verified against its signed checkpoint: give --checkpoint")
        # Whoever rewrote an export can sign a fresh checkpoint for it; only the partnership's key tells them apart.
        if public_key is None and not trust_unverified_signer:
            raise InvalidInput.of(
                "public_key",
                "give the partnership's public key to prove who signed the checkpoint "
                "(or --trust-unverified-signer to check only that the export matches it)",
            )
        _report(verify_export(export, checkpoint, public_key))
        return
    _report(services().ledger.verify(actor_for(token), log))


@ledger.command("checkpoint")
@reports_errors
def checkpoint(log: LogOption = Log.DECISIONS, out: Annotated[Path | None, typer.Option()] = None, token: Token = None) -> None:
    """Sign the ledger's current tree head, keep it, and print or save it."""
    signed = services().ledger.checkpoint(actor_for(token), log)
    if out:
        out.write_text(signed.text)
        console.print(f"checkpoint for {signed.tree_size} entries written to {out}", highlight=False)
    else:
        typer.echo(signed.text, nl=False)


@ledger.command("export")
@reports_errors
def export(
    out: Annotated[Path, typer.Option(help="Where to write the entries (JSON Lines).")],
    checkpoint: Annotated[Path, typer.Option(help="Where to write the signed checkpoint.")],
    log: LogOption = Log.DECISIONS,
    token: Token = None,
) -> None:
    """Export a ledger and a checkpoint an auditor can verify offline. The export holds personal data."""
    report = services().ledger.export(actor_for(token), log, out, checkpoint)
    console.print(f"exported {report.tree_size} entries to {out}; checkpoint in {checkpoint}", highlight=False)


@ledger.command("keygen")
def keygen() -> None:
    """Make a new checkpoint signing key for SAFESHARE_LEDGER_SIGNING_KEY, and show its public key."""
    seed = generate_private_key_seed()
    typer.echo(f"SAFESHARE_LEDGER_SIGNING_KEY={seed}")
    typer.echo(f"public key (give this to auditors): {public_key_base64(load_private_key(seed))}")


@ledger.command("witness-store")
@reports_errors
def witness_store(
    out: Annotated[Path, typer.Option(help="Where to write the tar file.")], log: LogOption = Log.DECISIONS, token: Token = None
) -> None:
    """Download the log's witness store (checkpoints, leaf hashes, proofs, cosignatures) to keep away from the host."""
    archive = services().ledger.witness_store_archive(actor_for(token), log)
    _write_new(out, archive, 0o640)
    console.print(f"witness store of the {log.value} log written to {out}", highlight=False)


KeyFile = Annotated[Path, typer.Option("--key-file", help="Your witness key: keep it on your own machine, never on SafeShare's host.")]
StateFile = Annotated[
    Path, typer.Option("--state", help="The file where this witness remembers the last checkpoint it cosigned (keep it safe).")
]


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path``; refuse to replace an existing file."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise InvalidInput.of("out", f"{path} exists already; it is not replaced") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _replace_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    _write_new(partial, text.encode(), 0o600)
    os.replace(partial, path)


def _read_key(path: Path) -> tuple[str, Ed25519PrivateKey]:
    try:
        fields = json.loads(path.read_text("utf-8"))
        return check_key_name(fields["name"]), load_private_key(fields["private_key"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidInput.of("key_file", f"not a witness key file: {error}") from None


@witness.command("keygen")
@reports_errors
def witness_keygen(
    name: Annotated[str, typer.Option(help="The witness's name on its cosignatures, e.g. your agency's domain and 'witness'.")],
    key_file: KeyFile,
) -> None:
    """Make your agency's witness key; prints the verifier key to register with 'safeshare ledger witness register'."""
    try:
        check_key_name(name)
    except ValueError as error:
        raise InvalidInput.of("name", str(error)) from None
    seed = generate_private_key_seed()
    _write_new(key_file, json.dumps({"name": name, "private_key": seed}).encode() + b"\n", 0o600)
    typer.echo(cosigner_vkey(name, load_private_key(seed)))


@witness.command("register")
@reports_errors
def witness_register(
    verifier_key: Annotated[str, typer.Option(help="The verifier key 'witness keygen' printed.")], token: Token = None
) -> None:
    """Register your agency's witness key (information governance lead)."""
    registered = services().witnesses.register(actor_for(token), WitnessRegistration(verifier_key=verifier_key))
    console.print(f"witness {registered.name} registered for your agency ({registered.id})", highlight=False)


@witness.command("cosign")
@reports_errors
def witness_cosign(
    key_file: KeyFile,
    state: StateFile,
    log: LogOption = Log.DECISIONS,
    public_key: Annotated[
        str | None, typer.Option(help="The partnership's checkpoint public key: needed the first time, then pinned in --state.")
    ] = None,
    token: Token = None,
) -> None:
    """Fetch the latest checkpoint, check it is signed by the partnership and consistent with the last one you
    cosigned (RFC 9162), cosign it and send the cosignature. Refuses, with exit code 2, a fork or a rollback."""
    name, private_key = _read_key(key_file)
    previous = WitnessState.from_json(state.read_text("utf-8")) if state.exists() else None
    if previous is not None and previous.log != log.value:
        raise InvalidInput.of("state", f"this state file witnesses the {previous.log} log; keep one state file per log")
    actor = actor_for(token)
    request = services().witnesses.offer(actor, log, previous.tree_size if previous else 0)
    try:
        checkpoint = check_offered(request, log.value, previous, public_key)
    except WitnessRefusal as refusal:
        errors.print(f"[red]REFUSED:[/red] {refusal}", highlight=False)
        raise typer.Exit(2) from None
    if previous is not None and checkpoint.tree_size == previous.tree_size:
        console.print(f"nothing new: the {log.value} log is still at size {checkpoint.tree_size}, as you cosigned", highlight=False)
        return
    cosignature = cosign(checkpoint, name, private_key, int(time.time()))
    services().witnesses.cosign(actor, log, with_cosignatures(checkpoint, [cosignature.line]).text)
    _replace_atomically(state, next_state(log.value, checkpoint, previous, public_key).to_json())
    seen = previous.tree_size if previous else 0
    root = base64.b64encode(checkpoint.root_hash).decode("ascii")
    console.print(
        f"cosigned the {log.value} log at size {checkpoint.tree_size} (root {root}), consistent with size {seen} you saw before",
        highlight=False,
    )
