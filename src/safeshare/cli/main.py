"""The `safeshare` command."""

from __future__ import annotations

from typing import Annotated

import typer

from safeshare.cli.consents import consent
from safeshare.cli.decisions import decide, decisions
from safeshare.cli.exchange import access, break_glass, disclosures, requests
from safeshare.cli.directory import agencies, people
from safeshare.cli.ledger import ledger
from safeshare.cli.runtime import TOKEN_HELP, actor_for, console, engine, reports_errors, services
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
) -> None:
    """Serve the web pages and the API (in development, making a secret key under ./var/ the first time)."""
    import uvicorn

    from safeshare.app import create_app

    settings = load_settings()
    host = host or settings.host
    problem = serving_address_problem(settings.environment, host)
    if problem:
        raise UnsafeSettings(problem)
    settings, made = ensure_development_secret(settings)
    if made:
        console.print(f"made a random development secret key in {settings.secret_key_file} (development only)")
    application = create_app(settings, services())
    uvicorn.run(application, host=host, port=port or settings.port, log_level="info", access_log=False)
