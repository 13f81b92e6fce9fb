"""safeshare ledger …: verify, sign checkpoints, export for an auditor, verify an export offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safeshare.cli.directory import Token
from safeshare.cli.runtime import actor_for, console, reports_errors, services
from safeshare.domain.errors import InvalidInput
from safeshare.ledger import generate_private_key_seed, load_private_key, public_key_base64, verify_export
from safeshare.ledger.verify import VerificationReport
from safeshare.services.ledger import Log

ledger = typer.Typer(help="The tamper-evident decision and access ledgers.", no_args_is_help=True)

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
