"""Finding, adding and viewing the children and family members the signed-in person's agency knows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from safeshare.domain.access import Grant
from safeshare.domain.errors import Conflict, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.permissions import Permission
from safeshare.domain.subjects import (
    RelationshipDetails,
    RelationshipKind,
    Sex,
    Subject,
    SubjectDetails,
    holders_of_parental_responsibility,
)
from safeshare.services.subjects import SubjectSearch, SubjectService
from safeshare.web.context import CurrentPage, Page, PageFor, PostedForm, redirect, render
from safeshare.web.forms import Form, FormErrors, date_items, date_parts, parse_date
from safeshare.web.routes.exchange import STATUS

router = APIRouter(prefix="/subjects", include_in_schema=False)

FindPage = PageFor(SubjectService.search)
AddPage = PageFor(SubjectService.add_subject)
ChangePage = PageFor(SubjectService.change_subject)
RelatePage = PageFor(SubjectService.relate)

RESULTS_PER_PAGE = 20
TIMELINE_PER_PAGE = 20

SUBJECT_LABELS = {
    "given_name": "First name",
    "family_name": "Last name",
    "other_names": "Other names",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "nhs_number": "NHS number",
    "unique_pupil_number": "Unique pupil number",
    "address_lines": "Address",
    "postcode": "Postcode",
}
SUBJECT_ALIASES = {"addresses.0.lines": "address_lines", "addresses.0.postcode": "postcode", "addresses": "address_lines"}

RELATIONSHIP_LABELS = {"person_id": "Who", "kind": "How they are related", "parental_responsibility": "Parental responsibility"}


# ------------------------------------------------------------------ find


@router.get("/find")
def find_form(page: FindPage):
    return _find_page(page, Form(), FormErrors(), None)


@router.post("/find")
def find(page: FindPage, form: PostedForm):
    errors = FormErrors({"name": "Name", "date_of_birth": "Date of birth", "nhs_number": "NHS number"})
    terms = search_terms(form, errors)
    found = None
    if terms is not None and not errors:
        offset = _offset(form)
        found = page.services.subjects.search(page.actor, terms, PageRequest(offset=offset, limit=RESULTS_PER_PAGE))
    return _find_page(page, form, errors, found, status_code=400 if errors else 200)


def search_terms(form: Form, errors: FormErrors, require: bool = True) -> SubjectSearch | None:
    date_of_birth = parse_date(form, "date_of_birth", errors, "Date of birth")
    name, nhs_number = form.get("name"), form.get("nhs_number")
    if errors:
        return None
    if not (name or date_of_birth or nhs_number):
        if require:
            errors.add("name", "Enter a name, a date of birth or an NHS number to search for")
        return None
    try:
        return SubjectSearch(name=name or None, date_of_birth=date_of_birth, nhs_number=nhs_number or None)
    except ValidationError as error:
        errors.from_validation(error)
        return None


def _offset(form: Form) -> int:
    raw = form.get("offset")
    return int(raw) if raw.isdigit() and int(raw) < 1_000_000 else 0


def _find_page(page: Page, form: Form, errors: FormErrors, found, status_code: int = 200):
    return render(
        page.request,
        "subjects/find.html",
        status_code=status_code,
        page=page,
        section="subjects",
        form=form,
        errors=errors,
        found=found,
        dob_items=date_items("date_of_birth", date_parts(form, "date_of_birth"), errors),
    )


# ------------------------------------------------------------------ add and change


@router.get("/new")
def new_form(page: AddPage, related_to: str | None = None):
    return _details_page(page, Form({"related_to": related_to or ""}), FormErrors(), None)


@router.post("/new")
def add(page: AddPage, form: PostedForm):
    errors = FormErrors(SUBJECT_LABELS, SUBJECT_ALIASES)
    details = _subject_details(form, errors)
    if details is not None:
        try:
            subject = page.services.subjects.add_subject(page.actor, details)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error)
        else:
            related_to = form.get("related_to")
            if related_to:
                return redirect(f"/subjects/{related_to}/relationships/new?person={subject.id}")
            return redirect(f"/subjects/{subject.id}")
    return _details_page(page, form, errors, None, status_code=400)


@router.get("/{subject_id}/edit")
def edit_form(subject_id: str, page: ChangePage):
    view = page.services.subjects.view_as_holder(page.actor, subject_id)
    return _details_page(page, _form_from(view.subject.details), FormErrors(), view.subject)


@router.post("/{subject_id}/edit")
def change(subject_id: str, page: ChangePage, form: PostedForm):
    errors = FormErrors(SUBJECT_LABELS, SUBJECT_ALIASES)
    details = _subject_details(form, errors)
    if details is not None:
        try:
            page.services.subjects.change_subject(page.actor, subject_id, details)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error)
        else:
            return redirect(f"/subjects/{subject_id}")
    view = page.services.subjects.view_as_holder(page.actor, subject_id)
    return _details_page(page, form, errors, view.subject, status_code=400)


def _form_from(details: SubjectDetails) -> Form:
    address = details.addresses[0] if details.addresses else None
    values: dict[str, Any] = {
        "given_name": details.given_name,
        "family_name": details.family_name,
        "other_names": "\n".join(details.other_names),
        "sex": details.sex.value,
        "nhs_number": details.nhs_number or "",
        "unique_pupil_number": details.unique_pupil_number or "",
        "address_lines": "\n".join(address.lines) if address else "",
        "postcode": address.postcode if address else "",
    }
    if details.date_of_birth:
        born = details.date_of_birth
        values |= {"date_of_birth-day": str(born.day), "date_of_birth-month": str(born.month), "date_of_birth-year": str(born.year)}
    return Form(values)


def _subject_details(form: Form, errors: FormErrors) -> SubjectDetails | None:
    if not form.get("given_name"):
        errors.add("given_name", "Enter their first name")
    if not form.get("family_name"):
        errors.add("family_name", "Enter their last name")
    date_of_birth = parse_date(form, "date_of_birth", errors, "Date of birth")
    address_lines = form.lines("address_lines")
    if form.get("postcode") and not address_lines:
        errors.add("address_lines", "Enter the address as well as the postcode")
    if errors:
        return None
    addresses = ()
    if address_lines:
        addresses = ({"lines": tuple(address_lines), "postcode": form.get("postcode"), "current": True},)
    try:
        return SubjectDetails.model_validate(
            {
                "given_name": form.get("given_name"),
                "family_name": form.get("family_name"),
                "other_names": tuple(form.lines("other_names")),
                "date_of_birth": date_of_birth,
                "sex": form.get("sex") or Sex.NOT_KNOWN.value,
                "nhs_number": form.optional("nhs_number"),
                "unique_pupil_number": form.optional("unique_pupil_number"),
                "addresses": addresses,
            }
        )
    except ValidationError as error:
        errors.from_validation(error)
        return None


def _details_page(page: Page, form: Form, errors: FormErrors, subject: Subject | None, status_code: int = 200):
    return render(
        page.request,
        "subjects/details_form.html",
        status_code=status_code,
        page=page,
        section="subjects",
        form=form,
        errors=errors,
        subject=subject,
        sexes=list(Sex),
        dob_items=date_items("date_of_birth", date_parts(form, "date_of_birth"), errors),
    )


# ------------------------------------------------------------------ a child's page


@router.get("/{subject_id}")
def view(subject_id: str, page: CurrentPage, offset: str | None = None):
    services, actor = page.services, page.actor
    # The timeline decides the grant: the whole record for a holder (or emergency access), the disclosed items only
    # for a recipient, and not found for anyone else.
    timeline = services.timeline.for_subject(actor, subject_id, PageRequest(offset=_page_offset(offset), limit=TIMELINE_PER_PAGE))
    common = {"page": page, "section": "subjects", "timeline": timeline, "request_status": STATUS}
    if timeline.grant is Grant.DISCLOSURE:
        return render(page.request, "subjects/disclosed.html", identity=timeline.subject, **common)
    view = services.subjects.view_subject(actor, subject_id)
    subject = view.subject
    related = {s.id: s for s in view.related}
    relationships = []
    for relationship in view.relationships:
        details = relationship.details
        other_id = details.person_id if details.child_id == subject.id else details.child_id
        relationships.append(
            {
                "other": related.get(other_id),
                "kind": details.kind,
                "this_is_child": details.child_id == subject.id,
                "parental_responsibility": details.parental_responsibility,
            }
        )
    pr_holders = [related.get(pid) for pid in holders_of_parental_responsibility(subject.id, list(view.relationships))]
    agencies = []
    if page.may(Permission.AGENCIES_READ):
        for agency_id in sorted(subject.held_by):
            try:
                agencies.append(services.directory.get_agency(actor, agency_id))
            except NotFound:
                continue
        agencies.sort(key=lambda a: a.name)
    return render(
        page.request,
        "subjects/view.html",
        subject=subject,
        age=subject.details.age_on(services.context.clock().date()),
        relationships=relationships,
        pr_holders=pr_holders,
        agencies=agencies,
        **common,
    )


def _page_offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) < 1_000_000 else 0


# ------------------------------------------------------------------ relationships


@router.get("/{subject_id}/relationships/new")
def relate_form(subject_id: str, page: RelatePage, person: str | None = None):
    view = page.services.subjects.view_as_holder(page.actor, subject_id)
    candidates: list[Subject] = []
    if person:
        try:
            candidates = [page.services.subjects.view_subject(page.actor, person).subject]
        except NotFound:
            candidates = []
    form = Form({"person_id": candidates[0].id if candidates else ""})
    return _relate_page(page, view.subject, form, FormErrors(RELATIONSHIP_LABELS), candidates)


@router.post("/{subject_id}/relationships/new")
def relate(subject_id: str, page: RelatePage, form: PostedForm):
    child = page.services.subjects.view_as_holder(page.actor, subject_id).subject
    if form.get("action") == "search":
        errors = FormErrors({"name": "Name", "date_of_birth": "Date of birth", "nhs_number": "NHS number"})
        candidates = _candidates(page, form, child, errors)
        if not errors and not candidates:
            errors.add("name", "No one your agency knows matches. Check the spelling, or add them as someone new")
        return _relate_page(page, child, form, errors, candidates, status_code=400 if errors else 200)
    errors = FormErrors(RELATIONSHIP_LABELS)
    if not form.get("person_id"):
        errors.add("person_id", "Select who you are recording a relationship with")
    if not form.get("kind"):
        errors.add("kind", f"Select how they are related to {child.details.given_name}")
    if form.get("parental_responsibility") not in ("yes", "no"):
        errors.add("parental_responsibility", "Select yes if they have parental responsibility")
    if not errors:
        try:
            details = RelationshipDetails(
                person_id=form.get("person_id"),
                child_id=child.id,
                kind=form.get("kind"),
                parental_responsibility=form.get("parental_responsibility") == "yes",
            )
            page.services.subjects.relate(page.actor, details)
        except ValidationError as error:
            for item in error.errors():
                where = ".".join(str(p) for p in item.get("loc", ())) or "parental_responsibility"
                errors.add(where, item.get("msg", "").removeprefix("Value error, "))
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error)
        else:
            return redirect(f"/subjects/{child.id}")
    return _relate_page(page, child, form, errors, _candidates(page, form, child, FormErrors()), status_code=400)


def _candidates(page: Page, form: Form, child: Subject, errors: FormErrors) -> list[Subject]:
    """The people to choose from: a search's results, or the person just added."""
    terms = search_terms(form, errors, require=form.get("action") == "search")
    if terms is not None and not errors:
        found = page.services.subjects.search(page.actor, terms, PageRequest(offset=0, limit=RESULTS_PER_PAGE))
        return [s for s in found.items if s.id != child.id]
    chosen = form.get("person_id")
    if chosen and chosen != child.id and not form.get("name"):
        try:
            return [page.services.subjects.view_subject(page.actor, chosen).subject]
        except NotFound:
            return []
    return []


def _relate_page(page: Page, child: Subject, form: Form, errors: FormErrors, candidates: list[Subject], status_code: int = 200):
    return render(
        page.request,
        "subjects/relate.html",
        status_code=status_code,
        page=page,
        section="subjects",
        child=child,
        form=form,
        errors=errors,
        candidates=candidates,
        kinds=list(RelationshipKind),
        dob_items=date_items("date_of_birth", date_parts(form, "date_of_birth"), errors),
    )
