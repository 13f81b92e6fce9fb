"""Administration of the partnership directory: agencies and the people who work in them."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError

from safeshare.domain.agencies import Agency, AgencyDetails, AgencyKind, GovernanceRoles
from safeshare.domain.errors import Conflict, InvalidInput
from safeshare.domain.paging import PageRequest
from safeshare.domain.people import Person, PersonDetails, Role
from safeshare.services.account_settings import AccountSettingsService
from safeshare.services.directory import DirectoryService
from safeshare.web.choices import all_agencies, all_people
from safeshare.web.context import Page, PageFor, PostedForm, redirect, render
from safeshare.web.forms import Form, FormErrors

router = APIRouter(prefix="/admin", include_in_schema=False)

# Administration is for those who manage the directory: each page opens only for a person who may do what it is for.
AgenciesPage = PageFor(DirectoryService.add_agency, DirectoryService.change_agency)
GovernancePage = PageFor(DirectoryService.name_governance_roles)
PeoplePage = PageFor(DirectoryService.list_people)
NewPersonPage = PageFor(DirectoryService.add_person)
PersonPage = PageFor(DirectoryService.change_person)
PasswordPage = PageFor(DirectoryService.set_password)
SessionsPage = PageFor(AccountSettingsService.end_sessions_of)

PER_PAGE = 50

AGENCY_LABELS = {
    "name": "Name of the agency",
    "kind": "Kind of agency",
    "section_11_duty": "Section 11 duty",
    "ico_registration": "ICO registration number",
}
PERSON_LABELS = {
    "agency_id": "Agency",
    "name": "Full name",
    "email": "Email address",
    "job_title": "Job title",
    "roles": "Role",
    "password": "Password",
}
GOVERNANCE_LABELS = {
    "lead_information_officer_id": "Lead information officer",
    "caldicott_guardian_id": "Caldicott guardian",
    "siro_id": "Senior information risk owner",
}
GOVERNANCE_ROLE = {
    "lead_information_officer_id": Role.INFORMATION_GOVERNANCE_LEAD,
    "caldicott_guardian_id": Role.CALDICOTT_GUARDIAN,
    "siro_id": Role.SIRO,
}


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) < 10_000_000 else 0


# ------------------------------------------------------------------ agencies


@router.get("/agencies")
def agencies(page: AgenciesPage, offset: str | None = None):
    found = page.services.directory.list_agencies(page.actor, PageRequest(offset=_offset(offset), limit=PER_PAGE))
    return render(page.request, "admin/agencies.html", page=page, section="agencies", found=found)


@router.get("/agencies/new")
def new_agency_form(page: AgenciesPage):
    return _agency_page(page, Form(), FormErrors(), None)


@router.post("/agencies/new")
def add_agency(page: AgenciesPage, form: PostedForm):
    errors = FormErrors(AGENCY_LABELS)
    details = _agency_details(form, errors)
    if details is not None:
        try:
            page.services.directory.add_agency(page.actor, details)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "name")
        else:
            return redirect("/admin/agencies")
    return _agency_page(page, form, errors, None, 400)


@router.get("/agencies/{agency_id}/edit")
def edit_agency_form(agency_id: str, page: AgenciesPage):
    agency = page.services.directory.get_agency(page.actor, agency_id)
    details = agency.details
    form = Form(
        {
            "name": details.name,
            "kind": details.kind.value,
            "section_11_duty": "yes" if details.section_11_duty else "no",
            "ico_registration": details.ico_registration or "",
        }
    )
    return _agency_page(page, form, FormErrors(), agency)


@router.post("/agencies/{agency_id}/edit")
def change_agency(agency_id: str, page: AgenciesPage, form: PostedForm):
    agency = page.services.directory.get_agency(page.actor, agency_id)
    errors = FormErrors(AGENCY_LABELS)
    details = _agency_details(form, errors)
    if details is not None:
        try:
            page.services.directory.change_agency(page.actor, agency_id, details)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "name")
        else:
            return redirect("/admin/agencies")
    return _agency_page(page, form, errors, agency, 400)


def _agency_details(form: Form, errors: FormErrors) -> AgencyDetails | None:
    if not form.get("name"):
        errors.add("name", "Enter the name of the agency")
    if not form.get("kind"):
        errors.add("kind", "Select the kind of agency")
    if form.get("section_11_duty") not in ("yes", "no"):
        errors.add("section_11_duty", "Select yes if the agency has a duty under section 11 of the Children Act 2004")
    if errors:
        return None
    try:
        return AgencyDetails(
            name=form.get("name"),
            kind=form.get("kind"),
            section_11_duty=form.get("section_11_duty") == "yes",
            ico_registration=form.optional("ico_registration"),
        )
    except ValidationError as error:
        errors.from_validation(error)
        return None


def _agency_page(page: Page, form: Form, errors: FormErrors, agency: Agency | None, status_code: int = 200):
    return render(
        page.request, "admin/agency_form.html", status_code=status_code, page=page, section="agencies",
        form=form, errors=errors, agency=agency, kinds=list(AgencyKind),
    )


@router.get("/agencies/{agency_id}/governance")
def governance_form(agency_id: str, page: GovernancePage):
    agency = page.services.directory.get_agency(page.actor, agency_id)
    roles = agency.governance
    form = Form({field: getattr(roles, field) or "" for field in GOVERNANCE_LABELS})
    return _governance_page(page, agency, form, FormErrors(GOVERNANCE_LABELS))


@router.post("/agencies/{agency_id}/governance")
def name_governance(agency_id: str, page: GovernancePage, form: PostedForm):
    agency = page.services.directory.get_agency(page.actor, agency_id)
    errors = FormErrors(GOVERNANCE_LABELS)
    try:
        roles = GovernanceRoles(**{field: form.optional(field) for field in GOVERNANCE_LABELS})
        page.services.directory.name_governance_roles(page.actor, agency_id, roles)
    except ValidationError as error:
        errors.from_validation(error)
    except (InvalidInput, Conflict) as error:
        errors.from_problems(error, "lead_information_officer_id")
    else:
        return redirect("/admin/agencies")
    return _governance_page(page, agency, form, errors, 400)


def _governance_page(page: Page, agency: Agency, form: Form, errors: FormErrors, status_code: int = 200):
    staff = all_people(page, agency.id)
    choices = {
        field: [p for p in staff if role in p.roles and not p.disabled]
        for field, role in GOVERNANCE_ROLE.items()
    }
    return render(
        page.request, "admin/governance_form.html", status_code=status_code, page=page, section="agencies",
        agency=agency, form=form, errors=errors, choices=choices, role_labels=GOVERNANCE_LABELS, role_of=GOVERNANCE_ROLE,
    )


# ------------------------------------------------------------------ people


@router.get("/people")
def people(page: PeoplePage, agency: str | None = None, offset: str | None = None):
    agencies = all_agencies(page)
    names = {a.id: a.name for a in agencies}
    agency_id = agency if agency in names else None
    found = page.services.directory.list_people(page.actor, PageRequest(offset=_offset(offset), limit=PER_PAGE), agency_id)
    return render(
        page.request, "admin/people.html", page=page, section="people", found=found,
        agencies=agencies, agency_names=names, agency_id=agency_id or "",
    )


@router.get("/people/new")
def new_person_form(page: NewPersonPage, agency: str | None = None):
    return _person_page(page, Form({"agency_id": agency or ""}), FormErrors(), None)


@router.post("/people/new")
def add_person(page: NewPersonPage, form: PostedForm):
    errors = FormErrors(PERSON_LABELS)
    details = _person_details(form, errors)
    password = form.raw("password") or None
    if details is not None:
        try:
            page.services.directory.add_person(page.actor, details, password)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "email")
        else:
            return redirect(f"/admin/people?agency={details.agency_id}")
    return _person_page(page, form, errors, None, 400)


@router.get("/people/{person_id}/edit")
def edit_person_form(person_id: str, page: PersonPage):
    person = page.services.directory.get_person(page.actor, person_id)
    details = person.details
    form = Form(
        {"agency_id": details.agency_id, "name": details.name, "email": details.email, "job_title": details.job_title}
    )
    return _person_page(page, form, FormErrors(), person, roles=[r.value for r in details.roles])


@router.post("/people/{person_id}/edit")
def change_person(person_id: str, page: PersonPage, form: PostedForm):
    person = page.services.directory.get_person(page.actor, person_id)
    errors = FormErrors(PERSON_LABELS)
    details = _person_details(form, errors)
    if details is not None:
        try:
            page.services.directory.change_person(page.actor, person_id, details)
        except (InvalidInput, Conflict) as error:
            errors.from_problems(error, "email")
        else:
            return redirect(f"/admin/people?agency={details.agency_id}")
    return _person_page(page, form, errors, person, 400)


@router.post("/people/{person_id}/access")
def set_access(person_id: str, page: PersonPage, form: PostedForm):
    person = page.services.directory.get_person(page.actor, person_id)
    try:
        page.services.directory.set_disabled(page.actor, person_id, form.get("disabled") == "yes")
    except InvalidInput as error:
        errors = FormErrors(PERSON_LABELS, {"person_id": "disabled"})
        errors.from_problems(error, "disabled")
        values = {"agency_id": person.agency_id, "name": person.details.name, "email": person.details.email,
                  "job_title": person.details.job_title}
        return _person_page(page, Form(values), errors, person, 400, roles=[r.value for r in person.roles])
    return redirect(f"/admin/people?agency={person.agency_id}")


@router.post("/people/{person_id}/sessions/end")
def end_sessions(person_id: str, page: SessionsPage, form: PostedForm):
    """Sign someone out everywhere (a lost laptop, say) and let them sign in again."""
    person = page.services.directory.get_person(page.actor, person_id)
    page.services.account_settings.end_sessions_of(page.actor, person_id)
    return redirect(f"/admin/people?agency={person.agency_id}")


@router.get("/people/{person_id}/password")
def password_form(person_id: str, page: PasswordPage):
    person = page.services.directory.get_person(page.actor, person_id)
    return render(page.request, "admin/password_form.html", page=page, section="people", person=person)


@router.post("/people/{person_id}/password")
def set_password(person_id: str, page: PasswordPage, form: PostedForm):
    person = page.services.directory.get_person(page.actor, person_id)
    errors = FormErrors({"password": "New password"})
    password = form.raw("password")
    if not password:
        errors.add("password", "Enter a new password")
    elif password != form.raw("password_again"):
        errors.add("password_again", "The two passwords are not the same")
    else:
        try:
            page.services.directory.set_password(page.actor, person_id, password)
        except InvalidInput as error:
            errors.from_problems(error, "password")
        else:
            return redirect(f"/admin/people?agency={person.agency_id}")
    return render(page.request, "admin/password_form.html", status_code=400, page=page, section="people", person=person, errors=errors)


def _person_details(form: Form, errors: FormErrors) -> PersonDetails | None:
    if not form.get("agency_id"):
        errors.add("agency_id", "Select the agency they work for")
    if not form.get("name"):
        errors.add("name", "Enter their full name")
    if not form.get("email"):
        errors.add("email", "Enter their work email address")
    if not form.getlist("roles"):
        errors.add("roles", "Select at least one role")
    if errors:
        return None
    try:
        return PersonDetails(
            agency_id=form.get("agency_id"),
            name=form.get("name"),
            email=form.get("email"),
            job_title=form.get("job_title"),
            roles=frozenset(form.getlist("roles")),
        )
    except ValidationError as error:
        errors.from_validation(error)
        return None


def _person_page(page: Page, form: Form, errors: FormErrors, person: Person | None, status_code: int = 200, roles=None):
    chosen = roles if roles is not None else form.getlist("roles")
    return render(
        page.request, "admin/person_form.html", status_code=status_code, page=page, section="people",
        form=form, errors=errors, person=person, agencies=all_agencies(page), all_roles=list(Role), chosen_roles=chosen,
    )
