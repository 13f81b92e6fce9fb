"""safeshare consent …: the consent register (R5)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from safeshare.cli.decisions import read_json
from safeshare.cli.directory import AsJson, IdempotencyKey, Limit, Offset, Token
from safeshare.cli.runtime import actor_for, console, emit, reports_errors, services
from safeshare.domain.advice import PurposeCategory
from safeshare.domain.consent import ConflictResolution, ConsentInput, ObtainedBy, ReviewInput, ReviewOutcome, WithdrawalInput
from safeshare.domain.paging import PageRequest

consent = typer.Typer(help="The consent register: who gave or refused consent for a child, for what.", no_args_is_help=True)

CONSENT_COLUMNS = [
    ("id", lambda c: c.id),
    ("status", lambda c: c.status.value),
    ("given by", lambda c: c.input.given_by.kind.value),
    ("purposes", lambda c: ", ".join(p.value for p in c.input.purposes)),
    ("obtained", lambda c: c.input.obtained_at.strftime("%Y-%m-%d %H:%M UTC")),
    ("review by", lambda c: c.review_by or c.input.review_by or "-"),
]
CONFLICT_COLUMNS = [
    ("id", lambda c: c.id),
    ("kind", lambda c: c.kind.value),
    ("subject", lambda c: c.subject_id),
    ("raised", lambda c: c.raised_at.strftime("%Y-%m-%d %H:%M UTC")),
    ("resolved", lambda c: c.resolved_at.strftime("%Y-%m-%d") if c.resolved_at else "open"),
]


def _page(offset: int, limit: int) -> PageRequest:
    return PageRequest(offset=offset, limit=limit)


@consent.command("record")
@reports_errors
def record(
    file: Annotated[Path, typer.Option("--file", help="A JSON consent (see the API schema ConsentInput).")],
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Record consent given or refused; refused if the person cannot consent for this child."""
    submitted = ConsentInput.model_validate(read_json(file, "file"))
    recorded = services().consents.record(actor_for(token), submitted, idempotency_key=idempotency_key)
    if as_json:
        emit(recorded, True)
        return
    emit(recorded.consent, False, CONSENT_COLUMNS)
    for conflict in recorded.conflicts_raised:
        console.print(f"[yellow]flagged for the designated safeguarding lead:[/yellow] {conflict.kind.value} ({conflict.id})", highlight=False)


@consent.command("show")
@reports_errors
def show(consent_id: str, token: Token = None, as_json: AsJson = False) -> None:
    emit(services().consents.get(actor_for(token), consent_id), as_json, CONSENT_COLUMNS)


@consent.command("list")
@reports_errors
def list_consents(
    subject_id: Annotated[str, typer.Option()],
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    emit(services().consents.for_subject(actor_for(token), subject_id, _page(offset, limit)), as_json, CONSENT_COLUMNS)


@consent.command("withdraw")
@reports_errors
def withdraw(
    consent_id: str,
    how: Annotated[ObtainedBy, typer.Option()],
    note: Annotated[str, typer.Option(help="What the person said.")],
    withdrawn_at: Annotated[dt.datetime | None, typer.Option(help="When, if not now (UTC).")] = None,
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Withdraw consent: at once for later shares; earlier recipients see a notice."""
    when = withdrawn_at.replace(tzinfo=dt.UTC) if withdrawn_at else None
    withdrawal = WithdrawalInput(withdrawn_at=when, how=how, note=note)
    emit(services().consents.withdraw(actor_for(token), consent_id, withdrawal, idempotency_key=idempotency_key), as_json, CONSENT_COLUMNS)


@consent.command("review")
@reports_errors
def review(
    consent_id: str,
    outcome: Annotated[ReviewOutcome, typer.Option(help="still_valid, or no_longer_valid (which withdraws it).")],
    how: Annotated[ObtainedBy, typer.Option(help="How the person was asked.")],
    confirmed_with: Annotated[str, typer.Option(help="Who confirmed it still stands.")] = "",
    next_review_by: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="When to review it again.")] = None,
    note: Annotated[str, typer.Option(help="What the person said.")] = "",
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Record a review of given consent: still valid with a new review date, or no longer valid."""
    submitted = ReviewInput(
        outcome=outcome, how=how, confirmed_with=confirmed_with, next_review_by=next_review_by.date() if next_review_by else None, note=note
    )
    emit(services().consents.review(actor_for(token), consent_id, submitted, idempotency_key=idempotency_key), as_json, CONSENT_COLUMNS)


@consent.command("who-may")
@reports_errors
def who_may(subject_id: str, token: Token = None, as_json: AsJson = False) -> None:
    """Who may consent for this child."""
    answer = services().consents.who_may_consent(actor_for(token), subject_id)
    if as_json:
        emit(answer, True)
        return
    console.print(f"Age: {answer.age if answer.age is not None else 'not known'}", highlight=False)
    for option in answer.options:
        mark = "may" if option.may_consent else "may not"
        who = option.name or option.subject_id or ""
        console.print(f"- {option.kind.value} {who}: {mark} consent. {option.condition}", highlight=False)
    for note in answer.notes:
        console.print(f"[dim]{note}[/dim]", highlight=False)


@consent.command("standing")
@reports_errors
def standing(
    subject_id: Annotated[str, typer.Option()],
    purpose: Annotated[PurposeCategory, typer.Option()],
    recipient_agency_id: Annotated[str, typer.Option()],
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """What the register says about sharing for a purpose with an agency."""
    found = services().consents.standing(actor_for(token), subject_id, purpose, recipient_agency_id)
    emit(found, as_json, [("state", lambda s: s.state.value), ("by", lambda s: s.consent_by or "-"), ("consent", lambda s: s.consent_id or "-"), ("why", lambda s: s.explanation)])


@consent.command("due")
@reports_errors
def due(
    on: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Due on or before (default today).")] = None,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    """Consent due for review."""
    found = services().consents.due_for_review(actor_for(token), _page(offset, limit), on.date() if on else None)
    emit(found, as_json, CONSENT_COLUMNS)


@consent.command("conflicts")
@reports_errors
def conflicts(
    include_resolved: Annotated[bool, typer.Option("--include-resolved")] = False,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    """Disagreements and capacity doubts, for the designated safeguarding lead."""
    emit(services().consents.conflicts(actor_for(token), _page(offset, limit), include_resolved), as_json, CONFLICT_COLUMNS)


@consent.command("resolve")
@reports_errors
def resolve(
    conflict_id: str,
    note: Annotated[str, typer.Option()],
    prevailing_consent_id: Annotated[str | None, typer.Option()] = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    resolution = ConflictResolution(note=note, prevailing_consent_id=prevailing_consent_id)
    emit(services().consents.resolve_conflict(actor_for(token), conflict_id, resolution), as_json, CONFLICT_COLUMNS)


@consent.command("export-fhir")
@reports_errors
def export_fhir(
    consent_id: str,
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of printing.")] = None,
    token: Token = None,
) -> None:
    """The consent as a FHIR R5 Consent resource (JSON)."""
    text = json.dumps(services().consents.export_fhir(actor_for(token), consent_id), indent=2)
    if output:
        output.write_text(text + "\n")
        console.print(f"written to {output}", highlight=False)
    else:
        typer.echo(text)


@consent.command("import-fhir")
@reports_errors
def import_fhir(
    file: Annotated[Path, typer.Option("--file", help="A FHIR R5 Consent resource (JSON).")],
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Record a consent from a FHIR R5 Consent resource, once only: a second copy of it is refused (unless sent
    again with the same --idempotency-key, which gives the first result)."""
    recorded = services().consents.import_fhir(actor_for(token), read_json(file, "file"), idempotency_key=idempotency_key)
    emit(recorded if as_json else recorded.consent, as_json, CONSENT_COLUMNS)
