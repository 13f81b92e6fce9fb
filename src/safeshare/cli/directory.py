"""safeshare agencies … and safeshare people …"""

from __future__ import annotations

from typing import Annotated

import typer

from safeshare.cli.runtime import TOKEN_HELP, actor_for, emit, reports_errors, services
from safeshare.domain.agencies import AgencyDetails, AgencyKind, GovernanceRoles
from safeshare.domain.paging import PageRequest
from safeshare.domain.people import PersonDetails, Role

agencies = typer.Typer(help="The partnership's agencies.", no_args_is_help=True)
people = typer.Typer(help="People and their roles.", no_args_is_help=True)

Token = Annotated[str | None, typer.Option(envvar="SAFESHARE_TOKEN", help=TOKEN_HELP)]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Offset = Annotated[int, typer.Option(min=0)]
Limit = Annotated[int, typer.Option(min=1, max=200)]
IdempotencyKey = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        help="A key of your own (16 to 128 letters, digits, - or _; a UUID will do): run the same command again with "
        "it, after a crash or time-out, and you get the first result back instead of a second sealed record.",
    ),
]

AGENCY_COLUMNS = [("id", lambda a: a.id), ("name", lambda a: a.name), ("kind", lambda a: a.kind.value),
                  ("s11", lambda a: "yes" if a.details.section_11_duty else "no"),
                  ("gaps", lambda a: ", ".join(a.governance_gaps()) or "-")]
PERSON_COLUMNS = [("id", lambda p: p.id), ("name", lambda p: p.details.name), ("email", lambda p: p.details.email),
                  ("roles", lambda p: ", ".join(sorted(p.roles))), ("disabled", lambda p: "yes" if p.disabled else "")]
CONTACT_COLUMNS = [("id", lambda c: c.id), ("name", lambda c: c.name), ("job title", lambda c: c.job_title),
                   ("agency", lambda c: c.agency_id), ("receives", lambda c: "yes" if c.receives_disclosures else "")]


@agencies.command("list")
@reports_errors
def list_agencies(token: Token = None, offset: Offset = 0, limit: Limit = 50, as_json: AsJson = False) -> None:
    page = services().directory.list_agencies(actor_for(token), PageRequest(offset=offset, limit=limit))
    emit(page, as_json, AGENCY_COLUMNS)


@agencies.command("add")
@reports_errors
def add_agency(
    name: Annotated[str, typer.Option()],
    kind: Annotated[AgencyKind, typer.Option()],
    section_11_duty: Annotated[bool, typer.Option("--section-11-duty/--no-section-11-duty")] = True,
    ico_registration: Annotated[str | None, typer.Option()] = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    details = AgencyDetails(name=name, kind=kind, section_11_duty=section_11_duty, ico_registration=ico_registration)
    emit(services().directory.add_agency(actor_for(token), details), as_json, AGENCY_COLUMNS)


@agencies.command("show")
@reports_errors
def show_agency(agency_id: str, token: Token = None, as_json: AsJson = False) -> None:
    emit(services().directory.get_agency(actor_for(token), agency_id), as_json, AGENCY_COLUMNS)


@agencies.command("governance")
@reports_errors
def name_governance(
    agency_id: str,
    lead_information_officer: Annotated[str | None, typer.Option(help="Person id.")] = None,
    caldicott_guardian: Annotated[str | None, typer.Option(help="Person id.")] = None,
    siro: Annotated[str | None, typer.Option(help="Person id.")] = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    roles = GovernanceRoles(
        lead_information_officer_id=lead_information_officer, caldicott_guardian_id=caldicott_guardian, siro_id=siro
    )
    emit(services().directory.name_governance_roles(actor_for(token), agency_id, roles), as_json, AGENCY_COLUMNS)


@people.command("list")
@reports_errors
def list_people(
    agency_id: Annotated[str | None, typer.Option()] = None,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    page = services().directory.list_people(actor_for(token), PageRequest(offset=offset, limit=limit), agency_id)
    emit(page, as_json, PERSON_COLUMNS)


@people.command("contacts")
@reports_errors
def list_contacts(
    agency_id: Annotated[str | None, typer.Option()] = None,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    """Who can be sent information: name, job title and agency (email addresses and roles are the administrator's)."""
    page = services().directory.list_contacts(actor_for(token), PageRequest(offset=offset, limit=limit), agency_id)
    emit(page, as_json, CONTACT_COLUMNS)


@people.command("add")
@reports_errors
def add_person(
    agency_id: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    role: Annotated[list[Role], typer.Option(help="Repeat for several roles.")],
    job_title: Annotated[str, typer.Option()] = "",
    set_password: Annotated[bool, typer.Option("--set-password", help="Prompt for a password.")] = False,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    details = PersonDetails(agency_id=agency_id, name=name, email=email, job_title=job_title, roles=frozenset(role))
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True) if set_password else None
    emit(services().directory.add_person(actor_for(token), details, password), as_json, PERSON_COLUMNS)


@people.command("show")
@reports_errors
def show_person(person_id: str, token: Token = None, as_json: AsJson = False) -> None:
    emit(services().directory.get_person(actor_for(token), person_id), as_json, PERSON_COLUMNS)


@people.command("disable")
@reports_errors
def disable_person(person_id: str, token: Token = None, as_json: AsJson = False) -> None:
    """Disable an account: every session it has ends at once."""
    emit(services().directory.set_disabled(actor_for(token), person_id, True), as_json, PERSON_COLUMNS)


@people.command("enable")
@reports_errors
def enable_person(person_id: str, token: Token = None, as_json: AsJson = False) -> None:
    emit(services().directory.set_disabled(actor_for(token), person_id, False), as_json, PERSON_COLUMNS)


@people.command("end-sessions")
@reports_errors
def end_sessions(person_id: str, token: Token = None) -> None:
    """Sign someone out everywhere (every session and token ends) without disabling the account."""
    ended = services().account_settings.end_sessions_of(actor_for(token), person_id)
    typer.echo(f"{ended} session(s) ended; they can sign in again")


@people.command("password")
@reports_errors
def set_password(person_id: str, token: Token = None) -> None:
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    services().directory.set_password(actor_for(token), person_id, password)
    typer.echo("password changed; the person's sessions have ended")
