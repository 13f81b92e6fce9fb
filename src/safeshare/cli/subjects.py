"""safeshare subjects … and safeshare relationships …"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from safeshare.cli.directory import AsJson, Limit, Offset, Token
from safeshare.cli.runtime import actor_for, console, emit, reports_errors, services
from safeshare.domain.paging import PageRequest
from safeshare.domain.subjects import Address, RelationshipDetails, RelationshipKind, Sex, SubjectDetails
from safeshare.services.subjects import SubjectSearch

subjects = typer.Typer(help="Children and adults known to your agency.", no_args_is_help=True)
relationships = typer.Typer(help="How subjects are related.", no_args_is_help=True)

SUBJECT_COLUMNS = [
    ("id", lambda s: s.id),
    ("name", lambda s: s.details.full_name),
    ("date of birth", lambda s: s.details.date_of_birth or "-"),
    ("NHS number", lambda s: s.details.nhs_number or "-"),
]


@subjects.command("add")
@reports_errors
def add_subject(
    given_name: Annotated[str, typer.Option()],
    family_name: Annotated[str, typer.Option()],
    date_of_birth: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    sex: Annotated[Sex, typer.Option()] = Sex.NOT_KNOWN,
    nhs_number: Annotated[str | None, typer.Option()] = None,
    unique_pupil_number: Annotated[str | None, typer.Option()] = None,
    other_name: Annotated[list[str] | None, typer.Option(help="Repeat for several.")] = None,
    address_line: Annotated[list[str] | None, typer.Option(help="Repeat for each line.")] = None,
    postcode: Annotated[str, typer.Option()] = "",
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    details = SubjectDetails(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth.date() if date_of_birth else None,
        sex=sex,
        nhs_number=nhs_number,
        unique_pupil_number=unique_pupil_number,
        other_names=tuple(other_name or ()),
        addresses=(Address(lines=tuple(address_line), postcode=postcode),) if address_line else (),
    )
    emit(services().subjects.add_subject(actor_for(token), details), as_json, SUBJECT_COLUMNS)


@subjects.command("search")
@reports_errors
def search(
    name: Annotated[str | None, typer.Option()] = None,
    date_of_birth: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    nhs_number: Annotated[str | None, typer.Option()] = None,
    token: Token = None,
    offset: Offset = 0,
    limit: Limit = 50,
    as_json: AsJson = False,
) -> None:
    terms = SubjectSearch(name=name, date_of_birth=date_of_birth.date() if date_of_birth else None, nhs_number=nhs_number)
    page = services().subjects.search(actor_for(token), terms, PageRequest(offset=offset, limit=limit))
    emit(page, as_json, SUBJECT_COLUMNS)


@subjects.command("show")
@reports_errors
def show(subject_id: str, token: Token = None, as_json: AsJson = False) -> None:
    view = services().subjects.view_subject(actor_for(token), subject_id)
    if as_json:
        emit(view, True)
        return
    emit(view.subject, False, SUBJECT_COLUMNS)
    names = {s.id: s.details.full_name for s in (view.subject, *view.related)}
    for r in view.relationships:
        person = names.get(r.details.person_id, "(not visible to you)")
        child = names.get(r.details.child_id, "(not visible to you)")
        pr = " (parental responsibility)" if r.details.parental_responsibility else ""
        console.print(f"{person} is {r.details.kind.value.replace('_', ' ')} of {child}{pr}", highlight=False)


@subjects.command("link-agency")
@reports_errors
def link_agency(
    subject_id: str,
    agency_id: Annotated[str, typer.Option(help="The agency that also knows the subject.")],
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Record that another agency also knows this subject, making it a holder (information governance leads)."""
    subject = services().subjects.link_agency(actor_for(token), subject_id, agency_id)
    emit(subject, as_json, [("id", lambda s: s.id), ("held by", lambda s: ", ".join(sorted(s.held_by)))])


@relationships.command("add")
@reports_errors
def relate(
    person_id: Annotated[str, typer.Option(help="The parent, carer, sibling…")],
    child_id: Annotated[str, typer.Option()],
    kind: Annotated[RelationshipKind, typer.Option()],
    parental_responsibility: Annotated[bool, typer.Option("--parental-responsibility/--no-parental-responsibility")] = False,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    details = RelationshipDetails(
        person_id=person_id, child_id=child_id, kind=kind, parental_responsibility=parental_responsibility
    )
    relationship = services().subjects.relate(actor_for(token), details)
    emit(relationship, as_json, [("id", lambda r: r.id), ("kind", lambda r: r.details.kind.value)])
