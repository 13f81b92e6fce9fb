"""safeshare account …: your own password and sessions, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from safeshare.cli.runtime import TOKEN_HELP, actor_for, emit, reports_errors, services
from safeshare.domain.paging import Page

account = typer.Typer(help="Your own account: your password and where you are signed in.", no_args_is_help=True)

Token = Annotated[str | None, typer.Option(envvar="SAFESHARE_TOKEN", help=TOKEN_HELP)]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

SESSION_COLUMNS = [("id", lambda s: s.id), ("kind", lambda s: s.kind.value), ("started", lambda s: f"{s.created_at:%Y-%m-%d %H:%M}"),
                   ("last used", lambda s: f"{s.last_seen_at:%Y-%m-%d %H:%M}"), ("ends", lambda s: f"{s.expires_at:%Y-%m-%d %H:%M}"),
                   ("current", lambda s: "this token" if s.current else "")]


@account.command("password")
@reports_errors
def change_password(
    keep_other_sessions: Annotated[
        bool, typer.Option("--keep-other-sessions", help="Do not end your other sessions and tokens (they end by default).")
    ] = False,
    token: Token = None,
) -> None:
    """Change your own password. This token carries on; the others end unless you keep them."""
    actor = actor_for(token)
    current = typer.prompt("Current password", hide_input=True)
    new = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    changed = services().account_settings.change_password(actor, current, new, end_other_sessions=not keep_other_sessions)
    typer.echo(f"password changed; {changed.sessions_ended} other session(s) ended")


@account.command("sessions")
@reports_errors
def my_sessions(token: Token = None, as_json: AsJson = False) -> None:
    """Your live sessions and tokens (never the tokens themselves)."""
    found = services().account_settings.my_sessions(actor_for(token))
    emit(Page(items=found, total=len(found), offset=0, limit=max(len(found), 1)), as_json, SESSION_COLUMNS)


@account.command("end-session")
@reports_errors
def end_session(session_id: str, token: Token = None) -> None:
    """End one of your sessions or tokens (its id from 'safeshare account sessions'). Asks for your password."""
    actor = actor_for(token)
    password = typer.prompt("Your password", hide_input=True)
    services().account_settings.end_my_session(actor, session_id, password=password)
    typer.echo("session ended")


@account.command("end-other-sessions")
@reports_errors
def end_other_sessions(token: Token = None) -> None:
    """End every session and token of yours but this one. Asks for your password."""
    actor = actor_for(token)
    password = typer.prompt("Your password", hide_input=True)
    ended = services().account_settings.end_my_other_sessions(actor, password=password)
    typer.echo(f"{ended} session(s) ended")
