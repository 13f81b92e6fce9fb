import pytest

from safeshare.demo import ADMIN_EMAIL, DEMO_PASSWORD, PEOPLE, load_demo
from safeshare.domain.errors import Conflict, Forbidden
from safeshare.domain.paging import PageRequest
from safeshare.domain.people import needs_two_step
from safeshare.services.accounts import SessionKind
from safeshare.services.subjects import SubjectSearch
from safeshare.settings import Environment
from tests.factories import code_for, set_up_two_step


def test_demo_loads_once_and_every_demo_account_signs_in(services):
    assert load_demo(services) is True
    assert load_demo(services) is False  # idempotent
    for _agency, local, _name, _title, roles in PEOPLE:
        email = f"{local}@fernhill.example"
        if needs_two_step(roles):  # asked to set up two-step sign-in first, then signing in with a code
            with pytest.raises(Forbidden, match="two-step sign-in"):
                services.accounts.sign_in(email, DEMO_PASSWORD, SessionKind.TOKEN)
            set_up_two_step(services, email, DEMO_PASSWORD)
        token, actor = services.accounts.sign_in(email, DEMO_PASSWORD, SessionKind.TOKEN, code=code_for(services, email))
        assert token and actor.roles == roles
    with pytest.raises(Forbidden, match="two-step sign-in"):  # until the administrator has set it up
        services.accounts.sign_in(ADMIN_EMAIL, DEMO_PASSWORD, SessionKind.TOKEN)
    set_up_two_step(services, ADMIN_EMAIL, DEMO_PASSWORD)
    _token, admin = services.accounts.sign_in(ADMIN_EMAIL, DEMO_PASSWORD, SessionKind.TOKEN, code=code_for(services, ADMIN_EMAIL))
    assert services.directory.list_agencies(admin, PageRequest()).total == 7


def test_demo_families_are_visible_only_to_agencies_that_hold_them(services):
    load_demo(services)
    _, teacher = services.accounts.sign_in("tara.teacher@fernhill.example", DEMO_PASSWORD, SessionKind.TOKEN)
    _, officer = services.accounts.sign_in("pc.patel@fernhill.example", DEMO_PASSWORD, SessionKind.TOKEN)
    found = services.subjects.search(teacher, SubjectSearch(name="Ashworth"), PageRequest())
    assert [s.details.given_name for s in found.items] == ["Mia"]
    assert services.subjects.search(officer, SubjectSearch(name="Mia"), PageRequest()).total == 0
    view = services.subjects.view_subject(teacher, found.items[0].id)
    assert view.relationships == ()  # the school holds Mia only, so it sees none of her family links
    _, social_worker = services.accounts.sign_in("sam.social@fernhill.example", DEMO_PASSWORD, SessionKind.TOKEN)
    family = services.subjects.view_subject(social_worker, found.items[0].id)
    assert {s.details.given_name for s in family.related} == {"Sarah", "Dean", "Leo"}  # the council holds them all


def test_demo_refuses_a_database_that_holds_a_real_partnership(services, world):
    with pytest.raises(Conflict, match="already holds a partnership"):
        load_demo(services)


def test_demo_is_never_loaded_in_production(services, monkeypatch):
    monkeypatch.setattr(services.context.settings, "environment", Environment.PRODUCTION)
    with pytest.raises(Conflict, match="production"):
        load_demo(services)
