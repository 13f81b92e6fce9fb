"""The `safeshare` command."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from safeshare.cli.account_settings import account
from safeshare.cli.consents import consent
from safeshare.cli.decisions import decide, decisions
from safeshare.cli.exchange import access, break_glass, disclosures, requests
from safeshare.cli.directory import agencies, people
from safeshare.cli.ledger import ledger
from safeshare.cli.runtime import TOKEN_HELP, actor_for, console, engine, errors, reports_errors, services
from safeshare.cli.subjects import relationships, subjects
from safeshare.services.accounts import SessionKind
from safeshare.settings import UnsafeSettings, ensure_development_secret, load_settings, serving_address_problem

app = typer.Typer(help="SafeShare: guided, recorded, need-to-know information sharing.", no_args_is_help=True)
db = typer.Typer(help="The database.", no_args_is_help=True)
demo = typer.Typer(help="The fictional demo partnership.", no_args_is_help=True)
app.add_typer(db, name="db")
app.add_typer(demo, name="demo")
app.add_typer(agencies, name="agencies")
app.add_typer(people, name="people")
app.add_typer(account, name="account")
app.add_typer(subjects, name="subjects")
app.add_typer(relationships, name="relationships")
app.add_typer(decisions, name="decisions")
app.add_typer(consent, name="consent")
app.add_typer(requests, name="requests")
app.add_typer(disclosures, name="disclosures")
app.add_typer(break_glass, name="break-glass")
app.add_typer(access, name="access")
app.add_typer(ledger, name="ledger")
app.command("decide")(reports_errors(decide))


@db.command("upgrade")
@reports_errors
def db_upgrade() -> None:
    """Apply every migration the database does not have yet."""
    from safeshare.store.migrate import upgrade

    upgrade(engine())
    console.print("database is up to date")


@db.command("backup")
@reports_errors
def db_backup(path: Annotated[Path, typer.Argument(help="A new file to write the backup to (never overwritten).")]) -> None:
    """Copy the whole database to a signed backup file while it keeps serving, and verify every ledger in the copy.

    The backup holds every record in clear: keep it encrypted, and only where the database itself may be."""
    from safeshare.services.backups import BackupService

    report = BackupService(engine(), load_settings()).backup(path)
    _print_ledgers(report.ledgers)
    if not report.ok:
        errors.print(f"[red]warning:[/red] backup written to {path}, but a ledger in it does not verify", highlight=False)
        raise typer.Exit(1)
    console.print(f"backup written to {path}; every ledger in it verifies", highlight=False)


@db.command("restore")
@reports_errors
def db_restore(
    path: Annotated[Path, typer.Argument(help="A backup file made by 'safeshare db backup'.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(help="A signed checkpoint kept outside the database ('ledger checkpoint --out'); repeatable."),
    ] = None,
    public_key: Annotated[
        str | None, typer.Option(help="The public key (base64) that signed the backup, if not this installation's.")
    ] = None,
) -> None:
    """Replace the database with a backup, then verify every ledger against the backup and the checkpoints given.

    Stop every server on the database first."""
    from safeshare.services.backups import BackupService, witnessed_checkpoints

    witnessed = witnessed_checkpoints(checkpoint or [])
    report = BackupService(engine(), load_settings()).restore(path, force=force, witnessed=witnessed, public_key=public_key)
    console.print(f"restored the backup made at {report.backed_up_at}", highlight=False)
    _print_ledgers(report.ledgers)
    for note in report.notes:
        errors.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    for problem in report.problems:
        errors.print(f"[red]error:[/red] {problem}", highlight=False)
    if not report.ok:
        errors.print("[red]the restored database does not verify: do not serve it before finding out why[/red]", highlight=False)
        raise typer.Exit(1)
    console.print(f"every ledger verifies{' and agrees with the checkpoints given' if witnessed else ''}", highlight=False)


def _print_ledgers(reports) -> None:
    for report in reports:  # a verified ledger in one line; a failed one with every detail
        console.print(report.summary() if not report.ok else report.summary().splitlines()[0], highlight=False)


@db.command("forget-expired-keys")
@reports_errors
def db_forget_expired_keys() -> None:
    """Delete the idempotency keys no longer honoured (SAFESHARE_IDEMPOTENCY_KEY_HOURS); `serve` does this hourly."""
    forgotten = services().housekeeping.forget_expired_idempotency_keys()
    console.print(f"{forgotten} expired idempotency keys deleted")


@demo.command("load")
@reports_errors
def demo_load() -> None:
    """Load the fictional demo partnership if it is not there yet (safe to run again)."""
    from safeshare.demo import load_demo

    loaded = load_demo(services())
    console.print("demo partnership loaded" if loaded else "demo partnership already present")


@app.command()
@reports_errors
def login(
    email: Annotated[str, typer.Option(prompt=True)],
    two_step: Annotated[bool, typer.Option("--code", help="Ask for a two-step sign-in code as well.")] = False,
) -> None:
    """Sign in and print a bearer token for the API and CLI."""
    password = typer.prompt("Password", hide_input=True)
    code = typer.prompt("Code from your authenticator app (or a recovery code)", hide_input=True) if two_step else None
    token, _ = services().accounts.sign_in(email, password, SessionKind.TOKEN, code=code)
    console.print("Signed in. Run this so later commands act as you:")
    typer.echo(f"export SAFESHARE_TOKEN={token}")


@app.command()
@reports_errors
def logout(token: Annotated[str | None, typer.Option(envvar="SAFESHARE_TOKEN", help=TOKEN_HELP)] = None) -> None:
    """End the session behind your token."""
    actor_for(token)
    services().accounts.sign_out(token)
    console.print("Signed out. You can unset SAFESHARE_TOKEN.")


@app.command()
@reports_errors
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes sharing the port (use PostgreSQL for more than one).")
    ] = 1,
) -> None:
    """Serve the web pages and the API, every request bounded in size and time (see serving.py); in development
    a secret key is made under ./var/ the first time."""
    from safeshare.app import create_app
    from safeshare.serving import serve as run_server

    settings = load_settings()
    host = host or settings.host
    problem = serving_address_problem(settings.environment, host)
    if problem:
        raise UnsafeSettings(problem)
    settings, made = ensure_development_secret(settings)
    if made:
        console.print(f"made a random development secret key in {settings.secret_key_file} (development only)")
    application = create_app(settings, services())  # checks the database and the guidance before serving
    _forget_expired_keys_hourly()
    run_server(application, settings, host, port or settings.port, workers)


def _forget_expired_keys_hourly() -> None:
    """So that no idempotency key is kept long past its time, whether or not anyone runs the command."""

    def forget() -> None:
        while True:
            try:
                services().housekeeping.forget_expired_idempotency_keys()
            except Exception:  # the database may be down for a while: try again next hour
                logging.getLogger(__name__).warning("could not delete expired idempotency keys", exc_info=True)
            time.sleep(3600)

    threading.Thread(target=forget, name="forget-expired-idempotency-keys", daemon=True).start()
