"""safeshare decide … and safeshare decisions …"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from safeshare.cli.directory import AsJson, IdempotencyKey, Limit, Offset, Token
from safeshare.cli.runtime import actor_for, console, emit, reports_errors, services
from safeshare.domain.advice import Advice, CaseFacts
from safeshare.domain.decisions import DecisionInput, DecisionRecord
from safeshare.domain.errors import InvalidInput
from safeshare.domain.paging import PageRequest

decisions = typer.Typer(help="Decision records, sealed in the ledger.", no_args_is_help=True)

DECISION_COLUMNS = [
    ("number", lambda d: d.id),
    ("decided", lambda d: d.decided_at.strftime("%Y-%m-%d %H:%M UTC")),
    ("decision", lambda d: d.input.decision.value),
    ("advice", lambda d: d.advice.outcome.value),
    ("follows advice", lambda d: "yes" if d.follows_advice else "no"),
]


def read_json(path: Path, field: str) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidInput.of(field, f"no file at {path}") from None
    except json.JSONDecodeError as error:
        raise InvalidInput.of(field, f"{path} is not valid JSON ({error.msg} at line {error.lineno})") from None


def show_advice(advice: Advice) -> None:
    console.print(Panel(f"[bold]{advice.outcome.value}[/bold]\n{advice.summary}", title="Advice"), highlight=False)
    console.print(f"Guidance: {advice.guidance.title} ({advice.guidance.version})", highlight=False)
    console.print("\n[bold]How the guidance was applied[/bold]")
    for step in advice.trail:
        citation = f"{step.citation.document} {step.citation.section}"
        console.print(f"- {step.question} -> {step.branch}: {step.explanation} [dim]({citation})[/dim]", highlight=False)
    if advice.lawful_bases:
        console.print("\n[bold]Lawful bases to consider[/bold]")
        for basis in advice.lawful_bases:
            console.print(f"- {basis.label} [dim]{basis.id}[/dim]", highlight=False)
    console.print(f"\n[bold]Telling the family[/bold]: {advice.inform_family.decision.value}: {advice.inform_family.reason}", highlight=False)
    console.print("\n[bold]Record[/bold]: " + ", ".join(f.value for f in advice.record_fields), highlight=False)


def decide(
    facts: Annotated[Path | None, typer.Option(help="A JSON file of case facts (see --schema).")] = None,
    schema: Annotated[bool, typer.Option("--schema", help="Print the case facts JSON Schema.")] = False,
    guidance_version: Annotated[str | None, typer.Option()] = None,
    consent_id: Annotated[str | None, typer.Option(help="Take the consent answers from this consent in the register.")] = None,
    recipient_agency_id: Annotated[
        str | None, typer.Option(help="The agency that would receive it, to check the consent covers it.")
    ] = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Ask the decision aid: may I share this, and how?"""
    if schema:
        typer.echo(json.dumps(CaseFacts.model_json_schema(), indent=2))
        return
    if facts is None:
        raise InvalidInput.of("facts", "give --facts FILE, or --schema to see what it holds")
    advice = services().decisions.advise(
        actor_for(token), CaseFacts.model_validate(read_json(facts, "facts")), guidance_version, consent_id, recipient_agency_id
    )
    if as_json:
        emit(advice, True)
    else:
        show_advice(advice)


@decisions.command("record")
@reports_errors
def record(
    file: Annotated[Path, typer.Option("--file", help="A JSON decision record (see the API schema DecisionInput).")],
    guidance_version: Annotated[str | None, typer.Option(help="The installed guidance version to advise under.")] = None,
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Seal a decision, to share or not, in the ledger."""
    submitted = DecisionInput.model_validate(read_json(file, "file"))
    sealed: DecisionRecord = services().decisions.record(actor_for(token), submitted, guidance_version, idempotency_key=idempotency_key)
    emit(sealed, as_json, DECISION_COLUMNS)


@decisions.command("show")
@reports_errors
def show(decision_id: int, token: Token = None, as_json: AsJson = False) -> None:
    record_ = services().decisions.get(actor_for(token), decision_id)
    emit(record_, as_json, DECISION_COLUMNS)
    if not as_json:
        console.print(f"Reasons: {record_.input.reasons}", highlight=False)


@decisions.command("list")
@reports_errors
def list_decisions(
    subject_id: Annotated[str | None, typer.Option()] = None,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    """Your own decisions, or your agency's decisions about one subject."""
    page = PageRequest(offset=offset, limit=limit)
    actor = actor_for(token)
    found = services().decisions.for_subject(actor, subject_id, page) if subject_id else services().decisions.mine(actor, page)
    emit(found, as_json, DECISION_COLUMNS)
