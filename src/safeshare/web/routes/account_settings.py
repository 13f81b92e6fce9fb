"""Your account: change your own password, see your sessions and API tokens, and end them."""

from __future__ import annotations

from fastapi import APIRouter

from safeshare.domain.errors import InvalidInput, NotFound
from safeshare.services.account_settings import AccountSettingsService
from safeshare.services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from safeshare.web import cookies
from safeshare.web.context import Page, PageFor, PostedForm, redirect, render
from safeshare.web.forms import Form, FormErrors

router = APIRouter(prefix="/account", include_in_schema=False)

AccountPage = PageFor(AccountSettingsService.my_sessions)
PasswordPage = PageFor(AccountSettingsService.change_password)

DONE = {
    "password": "Your password has been changed.",
    "sessions": "The sessions you chose have ended.",
}
PASSWORD_LABELS = {"current_password": "Current password", "password": "New password", "password_again": "New password again"}
ALL_OTHERS = "all"


@router.get("")
def account(page: AccountPage, done: str | None = None):
    return _account_page(page, Form(), FormErrors(), DONE.get(done or ""))


@router.post("/sessions/end")
def end_sessions(page: AccountPage, form: PostedForm):
    errors = FormErrors({"session": "Session to end", "password": "Your password"})
    chosen = form.get("session")
    password = form.raw("password") or None
    if not chosen:
        errors.add("session", "Select a session to end, or all of them")
    else:
        try:
            if chosen == ALL_OTHERS:
                page.services.account_settings.end_my_other_sessions(page.actor, password=password)
            else:
                page.services.account_settings.end_my_session(page.actor, chosen, password=password)
        except (InvalidInput, NotFound) as error:
            errors.from_problems(error, "session")
        else:
            return redirect("/account?done=sessions")
    return _account_page(page, Form({"session": chosen}), errors, None, 400)


@router.get("/password")
def password_form(page: PasswordPage):
    return _password_page(page, Form({"end_other_sessions": "yes"}), FormErrors(PASSWORD_LABELS))


@router.post("/password")
def change_password(page: PasswordPage, form: PostedForm):
    errors = FormErrors(PASSWORD_LABELS)
    current, new = form.raw("current_password"), form.raw("password")
    if not current:
        errors.add("current_password", "Enter your current password")
    if not new:
        errors.add("password", "Enter a new password")
    elif new != form.raw("password_again"):
        errors.add("password_again", "The two new passwords are not the same")
    end_others = form.get("end_other_sessions") == "yes"
    if not errors:
        try:
            changed = page.services.account_settings.change_password(page.actor, current, new, end_other_sessions=end_others)
        except InvalidInput as error:
            errors.from_problems(error, "password")
        else:
            response = redirect("/account?done=password")
            if changed.new_session_token:
                cookies.set_session(response, page.settings, changed.new_session_token)
            return response
    return _password_page(page, Form({"end_other_sessions": "yes" if end_others else ""}), errors, 400)


def _account_page(page: Page, form: Form, errors: FormErrors, done: str | None, status_code: int = 200):
    sessions = page.services.account_settings.my_sessions(page.actor)
    return render(
        page.request, "account/index.html", status_code=status_code, page=page, section="account", form=form, errors=errors,
        sessions=sessions, others=[s for s in sessions if not s.current], done=done, all_others=ALL_OTHERS,
        reauth_minutes=page.settings.account_reauth_minutes,
    )


def _password_page(page: Page, form: Form, errors: FormErrors, status_code: int = 200):
    return render(
        page.request, "account/password.html", status_code=status_code, page=page, section="account", form=form, errors=errors,
        min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH,
    )
