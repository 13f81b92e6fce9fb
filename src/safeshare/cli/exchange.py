"""safeshare requests …, safeshare disclosures …, safeshare break-glass …, safeshare access …"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safeshare.cli.decisions import read_json
from safeshare.cli.directory import AsJson, IdempotencyKey, Limit, Offset, Token
from safeshare.cli.runtime import actor_for, console, emit, reports_errors, services
from safeshare.domain.break_glass import BreakGlassInput, BreakGlassReviewInput, ReviewOutcome
from safeshare.domain.disclosures import DisclosureInput, FamilyStatus, FamilyUpdate
from safeshare.domain.paging import PageRequest
from safeshare.domain.requests import NotHeld, RequestAnswer, RequestInput, RequestStatus

requests = typer.Typer(help="Requests for information between agencies.", no_args_is_help=True)
disclosures = typer.Typer(help="Information sent to, and received from, other agencies.", no_args_is_help=True)
break_glass = typer.Typer(help="Emergency access to a subject your agency does not hold.", no_args_is_help=True)
access = typer.Typer(help="The access log.", no_args_is_help=True)

REQUEST_COLUMNS = [
    ("id", lambda r: r.id),
    ("about", lambda r: f"{r.subject.given_name} {r.subject.family_name}"),
    ("urgency", lambda r: r.urgency.value),
    ("respond by", lambda r: r.respond_by.strftime("%Y-%m-%d %H:%M UTC")),
    ("status", lambda r: r.status.value + (" (overdue)" if r.overdue else "")),
]
DISCLOSURE_COLUMNS = [
    ("id", lambda d: d.id),
    ("about", lambda d: f"{d.subject.given_name} {d.subject.family_name}"),
    ("from", lambda d: d.sender_agency_name),
    ("sent", lambda d: d.sent_at.strftime("%Y-%m-%d %H:%M UTC")),
    ("items", lambda d: len(d.items)),
    ("urgent", lambda d: "yes" if d.urgent else ""),
    ("notice", lambda d: "consent withdrawn" if d.consent_withdrawn else ""),
]
GRANT_COLUMNS = [
    ("id", lambda g: g.id),
    ("person", lambda g: g.person_id),
    ("subject", lambda g: g.subject_id),
    ("opened", lambda g: g.opened_at.strftime("%Y-%m-%d %H:%M UTC")),
    ("expires", lambda g: g.expires_at.strftime("%Y-%m-%d %H:%M UTC")),
    ("review", lambda g: g.review.outcome.value if g.review else "waiting"),
]
ACCESS_COLUMNS = [
    ("when", lambda e: e.at.strftime("%Y-%m-%d %H:%M:%S UTC")),
    ("who", lambda e: e.person_id),
    ("agency", lambda e: e.agency_id),
    ("channel", lambda e: e.channel),
    ("action", lambda e: e.action),
    ("grant", lambda e: e.grant.value),
    ("records", lambda e: ", ".join(e.records) or "-"),
]


def _page(offset: int, limit: int) -> PageRequest:
    return PageRequest(offset=offset, limit=limit)


# -- requests ---------------------------------------------------------------------------------------


@requests.command("send")
@reports_errors
def send_request(
    file: Annotated[Path, typer.Option("--file", help="A JSON request (see the API schema RequestInput).")],
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Ask another agency for information about a subject your agency holds."""
    submitted = RequestInput.model_validate(read_json(file, "file"))
    emit(services().requests.send(actor_for(token), submitted, idempotency_key=idempotency_key), as_json, REQUEST_COLUMNS)


@requests.command("show")
@reports_errors
def show_request(request_id: str, token: Token = None, as_json: AsJson = False) -> None:
    found = services().requests.get(actor_for(token), request_id)
    emit(found, as_json, REQUEST_COLUMNS)
    if not as_json:
        console.print(f"Why needed: {found.why_needed}", highlight=False)
        if found.answer_reasons:
            console.print(f"Answer: {found.answer_reasons}", highlight=False)


@requests.command("sent")
@reports_errors
def sent_requests(
    status: Annotated[RequestStatus | None, typer.Option()] = None,
    whole_agency: Annotated[bool, typer.Option("--whole-agency")] = False,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    emit(services().requests.sent(actor_for(token), _page(offset, limit), status, whole_agency), as_json, REQUEST_COLUMNS)


@requests.command("to-answer")
@reports_errors
def to_answer(token: Token = None, offset: Offset = 0, limit: Limit = 50, as_json: AsJson = False) -> None:
    """Open requests you must answer."""
    emit(services().requests.to_answer(actor_for(token), _page(offset, limit)), as_json, REQUEST_COLUMNS)


@requests.command("overdue")
@reports_errors
def overdue(token: Token = None, offset: Offset = 0, limit: Limit = 50, as_json: AsJson = False) -> None:
    emit(services().requests.overdue(actor_for(token), _page(offset, limit)), as_json, REQUEST_COLUMNS)


@requests.command("answer")
@reports_errors
def answer(
    request_id: str,
    file: Annotated[Path, typer.Option("--file", help="A JSON answer (see the API schema RequestAnswer).")],
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Answer through the decision aid: share, or refuse with reasons that go back to the requester."""
    submitted = RequestAnswer.model_validate(read_json(file, "file"))
    found = services().requests.answer(actor_for(token), request_id, submitted, idempotency_key=idempotency_key)
    emit(found, as_json, REQUEST_COLUMNS)


@requests.command("not-held")
@reports_errors
def not_held(
    request_id: str,
    note: Annotated[str | None, typer.Option()] = None,
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Tell the requester your agency holds no record of the person."""
    answer_ = NotHeld(note=note) if note else NotHeld()
    emit(services().requests.answer_not_held(actor_for(token), request_id, answer_, idempotency_key=idempotency_key), as_json, REQUEST_COLUMNS)


@requests.command("cancel")
@reports_errors
def cancel(request_id: str, reason: Annotated[str, typer.Option()], token: Token = None, as_json: AsJson = False) -> None:
    emit(services().requests.cancel(actor_for(token), request_id, reason), as_json, REQUEST_COLUMNS)


# -- disclosures ------------------------------------------------------------------------------------


@disclosures.command("send")
@reports_errors
def send_disclosure(
    file: Annotated[Path, typer.Option("--file", help="A JSON disclosure (see the API schema DisclosureInput).")],
    idempotency_key: IdempotencyKey = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Seal a decision to share and send the chosen items to the named recipients."""
    submitted = DisclosureInput.model_validate(read_json(file, "file"))
    sent = services().disclosures.send(actor_for(token), submitted, idempotency_key=idempotency_key)
    emit(sent, as_json, DISCLOSURE_COLUMNS)


@disclosures.command("show")
@reports_errors
def show_disclosure(disclosure_id: str, token: Token = None, as_json: AsJson = False) -> None:
    found = services().disclosures.get(actor_for(token), disclosure_id)
    emit(found, as_json, DISCLOSURE_COLUMNS)
    if as_json:
        return
    if found.consent_withdrawn:
        console.print(f"[red]{found.consent_withdrawn.message}[/red]", highlight=False)
    console.print(f"Purpose: {found.purpose}", highlight=False)
    for index, item in enumerate(found.items):
        when = f" ({item.dated})" if item.dated else ""
        old = f" [historical: {item.historical_note}]" if item.historical else ""
        console.print(f"{index}. {item.kind.value}{when}: {item.description}{old}", highlight=False)
    console.print(f"Onward sharing: {'allowed' if found.onward_sharing_allowed else 'not allowed'}", highlight=False)
    if found.limits_on_use:
        console.print(f"Limits on use: {found.limits_on_use}", highlight=False)


@disclosures.command("incoming")
@reports_errors
def incoming(
    unacknowledged: Annotated[bool, typer.Option("--unacknowledged")] = False,
    urgent: Annotated[bool, typer.Option("--urgent")] = False,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    """Disclosures sent to you or your role."""
    emit(services().disclosures.incoming(actor_for(token), _page(offset, limit), unacknowledged, urgent), as_json, DISCLOSURE_COLUMNS)


@disclosures.command("sent")
@reports_errors
def sent_disclosures(
    subject_id: Annotated[str | None, typer.Option()] = None,
    urgent_unacknowledged: Annotated[bool, typer.Option("--urgent-unacknowledged")] = False,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    found = services().disclosures.sent(actor_for(token), _page(offset, limit), subject_id, urgent_unacknowledged)
    emit(found, as_json, DISCLOSURE_COLUMNS)


@disclosures.command("acknowledge")
@reports_errors
def acknowledge(disclosure_id: str, token: Token = None, as_json: AsJson = False) -> None:
    emit(services().disclosures.acknowledge(actor_for(token), disclosure_id), as_json, DISCLOSURE_COLUMNS)


@disclosures.command("family")
@reports_errors
def family(
    disclosure_id: str,
    status: Annotated[FamilyStatus, typer.Option()],
    reason_not_told: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Record whether the child or family was told, or why not."""
    update = FamilyUpdate(status=status, reason_not_told=reason_not_told, note=note)
    emit(services().disclosures.update_family(actor_for(token), disclosure_id, update), as_json, DISCLOSURE_COLUMNS)


# -- break-glass and the access log -----------------------------------------------------------------


@break_glass.command("open")
@reports_errors
def open_break_glass(
    subject_id: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option(help="The emergency, in enough detail to review later.")],
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Open emergency access for a few hours. Asks for your password again; reviewed afterwards."""
    request = BreakGlassInput(subject_id=subject_id, reason=reason)
    actor = actor_for(token)
    password = typer.prompt("Confirm your password", hide_input=True)
    emit(services().break_glass.open(actor, request, password), as_json, GRANT_COLUMNS)


@break_glass.command("mine")
@reports_errors
def my_break_glass(token: Token = None, offset: Offset = 0, limit: Limit = 50, as_json: AsJson = False) -> None:
    emit(services().break_glass.mine(actor_for(token), _page(offset, limit)), as_json, GRANT_COLUMNS)


@break_glass.command("reviews")
@reports_errors
def reviews(
    include_reviewed: Annotated[bool, typer.Option("--include-reviewed")] = False,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    """Emergency accesses by your agency's people, waiting for review."""
    emit(services().break_glass.for_review(actor_for(token), _page(offset, limit), include_reviewed), as_json, GRANT_COLUMNS)


@break_glass.command("review")
@reports_errors
def review(
    grant_id: str,
    outcome: Annotated[ReviewOutcome, typer.Option()],
    note: Annotated[str, typer.Option()],
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    emit(services().break_glass.review(actor_for(token), grant_id, BreakGlassReviewInput(outcome=outcome, note=note)), as_json, GRANT_COLUMNS)


@access.command("history")
@reports_errors
def history(subject_id: str, token: Token = None, offset: Offset = 0, limit: Limit = 50, as_json: AsJson = False) -> None:
    """Who read this subject's records, when, how and under which grant."""
    emit(services().access_history.history(actor_for(token), subject_id, _page(offset, limit)), as_json, ACCESS_COLUMNS)


