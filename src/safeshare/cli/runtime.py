"""What every CLI command shares: services, the acting person from a token, output and error reporting."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from safeshare.api.errors import describe_validation_errors
from safeshare.domain.errors import SafeShareError
from safeshare.guidance import GuidanceError
from safeshare.services import SafeShare
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Actor, Channel
from safeshare.settings import UnsafeSettings, load_settings
from safeshare.store.engine import DatabaseUnavailable, check_reachable, make_engine

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

TOKEN_HELP = "Bearer token from 'safeshare login' (or set SAFESHARE_TOKEN)."


@functools.cache
def engine() -> Engine:
    connected = make_engine(load_settings().database_url)
    check_reachable(connected)
    return connected


@functools.cache
def services() -> SafeShare:
    built = SafeShare.build(engine(), load_settings())
    built.context.load_guidance()  # a bad guidance or overlay file is a start-up fault, not a later surprise
    return built


def reset() -> None:
    """Forget the cached engine and services (tests point the CLI at a new database)."""
    if engine.cache_info().currsize:
        engine().dispose()
    engine.cache_clear()
    services.cache_clear()


def actor_for(token: str | None) -> Actor:
    if not token:
        raise SafeShareError("sign in first: run 'safeshare login' and set SAFESHARE_TOKEN")
    return services().accounts.authenticate(token, SessionKind.TOKEN, Channel.CLI)


def reports_errors(command: Callable) -> Callable:
    """Turn the caller's mistakes into one clear line and exit code 1, and start-up faults into exit code 3."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SafeShareError as error:
            errors.print(f"[red]error:[/red] {error.message}", highlight=False)
            raise typer.Exit(1) from None
        except ValidationError as error:
            for problem in describe_validation_errors(error.errors()):
                errors.print(f"[red]error:[/red] {problem['field']}: {problem['problem']}", highlight=False)
            raise typer.Exit(1) from None
        except (DatabaseUnavailable, UnsafeSettings) as error:
            errors.print(f"[red]cannot start:[/red] {error}", highlight=False)
            raise typer.Exit(3) from None
        except GuidanceError as error:  # names the file, line and problem
            errors.print(f"[red]cannot start:[/red] the installed guidance is not valid: {error}", highlight=False)
            raise typer.Exit(3) from None

    return run


def emit(value: Any, as_json: bool, columns: Iterable[tuple[str, Callable[[Any], Any]]] | None = None) -> None:
    """Print a model or page as JSON, or as a table with the given columns."""
    if as_json:
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    items = getattr(value, "items", None)
    rows = items if isinstance(items, list) else [value]
    table = Table(show_lines=False)
    columns = list(columns or [])
    for title, _ in columns:
        table.add_column(title)
    for row in rows:
        table.add_row(*(str(get(row)) for _, get in columns))
    console.print(table)
    if isinstance(items, list):
        console.print(f"{len(items)} of {value.total} shown (offset {value.offset})")
