"""Pages for children and families, administration, guidance and errors, through a test client."""

from __future__ import annotations

import re

from tests.web.helpers import error_summary, page_title, sign_in


def test_search_is_a_post_and_finds_only_what_the_agency_holds(web, world):
    token = sign_in(web, "practitioner_a")
    found = web.post("/subjects/find", data={"csrf_token": token, "name": "Lovelace"})
    assert found.status_code == 200
    assert "Ada Lovelace" in found.text and "Anne Lovelace" in found.text
    none = web.post("/subjects/find", data={"csrf_token": token, "name": "Brown"})
    assert "No one found" in none.text
    by_nhs = web.post("/subjects/find", data={"csrf_token": token, "nhs_number": "943 476 5919"})
    assert "Ada Lovelace" in by_nhs.text
    # A search in the address bar is ignored: personal data never goes in a URL.
    assert "Ada Lovelace" not in web.get("/subjects/find?name=Lovelace").text


def test_search_errors_name_the_field(web, world):
    token = sign_in(web, "practitioner_a")
    response = web.post("/subjects/find", data={"csrf_token": token})
    assert error_summary(response.text) == [("#name", "Enter a name, a date of birth or an NHS number to search for")]
    response = web.post("/subjects/find", data={"csrf_token": token, "nhs_number": "1234567890"})
    assert error_summary(response.text)[0][0] == "#nhs_number"
    response = web.post("/subjects/find", data={"csrf_token": token, "date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2020"})
    assert error_summary(response.text) == [("#date_of_birth-day", "Date of birth must be a real date")]


def test_a_child_another_agency_holds_is_page_not_found(web, world):
    sign_in(web, "practitioner_a")
    response = web.get(f"/subjects/{world.subjects['child_b'].id}")
    assert response.status_code == 404
    assert page_title(response.text) == "Page not found – SafeShare"
    assert "Bea" not in response.text
    assert web.get("/subjects/not-an-id").status_code == 404
    assert web.get(f"/subjects/{world.subjects['child_a'].id}").status_code == 200


def test_adding_a_child_explains_each_problem_then_shows_their_page(web, world):
    token = sign_in(web, "practitioner_a")
    response = web.post(
        "/subjects/new",
        data={"csrf_token": token, "given_name": "", "family_name": "Okoro", "nhs_number": "9434765918",
              "date_of_birth-day": "1", "date_of_birth-month": "13", "date_of_birth-year": "2019"},
    )
    assert response.status_code == 400
    assert [href for href, _ in error_summary(response.text)] == ["#given_name", "#date_of_birth-day"]
    assert 'value="Okoro"' in response.text
    response = web.post(
        "/subjects/new",
        data={"csrf_token": token, "given_name": "Femi", "family_name": "Okoro", "nhs_number": "9434765918"},
    )
    assert error_summary(response.text) == [("#nhs_number", "The NHS number's check digit is wrong: please check it was typed correctly")]
    response = web.post(
        "/subjects/new",
        data={"csrf_token": token, "given_name": "Femi", "family_name": "Okoro", "sex": "male",
              "date_of_birth-day": "3", "date_of_birth-month": "4", "date_of_birth-year": "2018",
              "address_lines": "1 High Street\nFernhill", "postcode": "FN1 1AA"},
    )
    assert response.status_code == 303
    page = web.get(response.headers["location"])
    assert "Femi Okoro" in page.text and "3 April 2018" in page.text and "FN1 1AA" in page.text


def test_a_nul_character_in_a_form_is_a_field_error_not_a_crash(web, world):
    token = sign_in(web, "practitioner_a")
    response = web.post("/subjects/new", data={"csrf_token": token, "given_name": "Fe\x00mi", "family_name": "Okoro"})
    assert response.status_code == 400
    assert error_summary(response.text) == [("#given_name", "Text may not contain the NUL character (U+0000)")]


def test_a_duplicate_nhs_number_is_a_field_error_not_a_crash(web, world):
    token = sign_in(web, "practitioner_a")
    response = web.post("/subjects/new", data={"csrf_token": token, "given_name": "Ada", "family_name": "Again", "nhs_number": "9434765919"})
    assert response.status_code == 400
    assert error_summary(response.text)[0][0] == "#nhs_number"


def test_recording_a_parent_with_parental_responsibility(web, world):
    token = sign_in(web, "practitioner_a")
    child, parent = world.subjects["child_a"].id, world.subjects["parent_a"].id
    found = web.post(f"/subjects/{child}/relationships/new", data={"csrf_token": token, "action": "search", "name": "Anne"})
    assert f'value="{parent}"' in found.text
    missing = web.post(f"/subjects/{child}/relationships/new", data={"csrf_token": token, "action": "save", "name": "Anne", "person_id": parent})
    assert [href for href, _ in error_summary(missing.text)] == ["#kind", "#parental_responsibility"]
    wrong = web.post(
        f"/subjects/{child}/relationships/new",
        data={"csrf_token": token, "action": "save", "person_id": parent, "kind": "sibling", "parental_responsibility": "yes"},
    )
    assert wrong.status_code == 400 and "is not recorded as holding parental responsibility" in wrong.text
    saved = web.post(
        f"/subjects/{child}/relationships/new",
        data={"csrf_token": token, "action": "save", "person_id": parent, "kind": "parent", "parental_responsibility": "yes"},
    )
    assert saved.headers["location"] == f"/subjects/{child}"
    page = web.get(f"/subjects/{child}").text
    holders = page.split("Who holds parental responsibility", 1)[1].split("</ul>", 1)[0]
    assert "Anne Lovelace" in holders


def test_administrator_adds_an_agency_and_a_person(web, world):
    token = sign_in(web, "admin")
    assert "Agency B School" in web.get("/admin/agencies").text
    response = web.post("/admin/agencies/new", data={"csrf_token": token, "name": "", "ico_registration": "nope"})
    assert [href for href, _ in error_summary(response.text)] == ["#name", "#kind", "#section_11_duty"]
    response = web.post("/admin/agencies/new", data={"csrf_token": token, "name": "Agency B School", "kind": "school", "section_11_duty": "yes"})
    assert error_summary(response.text) == [("#name", "An agency with this name already exists")]
    response = web.post(
        "/admin/agencies/new",
        data={"csrf_token": token, "name": "Fernhill Youth Club", "kind": "voluntary_community", "section_11_duty": "no", "ico_registration": "za123456"},
    )
    assert response.status_code == 303
    listing = web.get("/admin/agencies").text
    assert "Fernhill Youth Club" in listing
    agency_id = re.search(r'/admin/agencies/([0-9a-f-]{36})/edit"><span class="govuk-visually-hidden"> Fernhill Youth Club|/admin/agencies/([0-9a-f-]{36})/edit[^>]*>Change<span class="govuk-visually-hidden"> Fernhill Youth Club', listing)
    agency_id = agency_id.group(1) or agency_id.group(2)

    response = web.post(
        "/admin/people/new",
        data={"csrf_token": token, "agency_id": agency_id, "name": "Kim Youth", "email": "not an email", "roles": "practitioner", "password": "short"},
    )
    assert error_summary(response.text)[0] == ("#email", "Enter an email address in the correct format, like name@example.org")
    response = web.post(
        "/admin/people/new",
        data={"csrf_token": token, "agency_id": agency_id, "name": "Kim Youth", "email": "kim@youth.example", "roles": "practitioner", "password": "short"},
    )
    assert error_summary(response.text) == [("#password", "Must be at least 12 characters long")]
    response = web.post(
        "/admin/people/new",
        data={"csrf_token": token, "agency_id": agency_id, "name": "Kim Youth", "email": "kim@youth.example", "roles": "practitioner", "password": "a long enough password"},
    )
    assert response.status_code == 303
    assert "kim@youth.example" in web.get(response.headers["location"]).text


def test_practitioners_cannot_administer(web, world):
    token = sign_in(web, "practitioner_a")
    response = web.post("/admin/agencies/new", data={"csrf_token": token, "name": "Sneaky", "kind": "school", "section_11_duty": "yes"})
    assert response.status_code == 403
    assert page_title(response.text) == "You cannot do this – SafeShare"
    assert "Agencies" not in web.get("/").text.split("</header>", 1)[0]


def test_administrators_do_not_see_children(web, world):
    token = sign_in(web, "admin")
    assert web.get(f"/subjects/{world.subjects['child_a'].id}").status_code == 403
    assert web.post("/subjects/find", data={"csrf_token": token, "name": "Ada"}).status_code == 403


def test_guidance_pages_are_open_to_everyone_and_come_from_the_data(web, services):
    guidance = services.context.guidance()
    page = web.get("/guidance/golden-rules")
    assert page.status_code == 200
    for rule in guidance.golden_rules():
        assert rule.title.replace("'", "&#39;") in page.text
    assert guidance.myths()[0].reality.replace("'", "&#39;") in web.get("/guidance/myths").text
    assert guidance.principles()[0].name in web.get("/guidance/principles").text


def test_the_footer_carries_no_crown_licence_or_crown_copyright(web, world):
    sign_in(web, "practitioner_a")
    for path in ("/", "/guidance/golden-rules"):
        page = web.get(path).text
        footer = page[page.index('<footer class="govuk-template__footer">'):]
        assert "Guidance on sharing information" in footer and "Signed in as" in footer
        for crown_mark in ("govuk-footer__crown", "Crown copyright", "govuk-footer__copyright-logo", "Open Government Licence"):
            assert crown_mark not in footer, crown_mark


def test_unknown_pages_are_html_but_the_api_keeps_json(web, world):
    response = web.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    api = web.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/json")
    unauthorised = web.get("/api/v1/auth/me")
    assert unauthorised.status_code == 401 and unauthorised.json()["detail"]


def test_emergency_access_needs_the_password_again_and_is_reviewed(web, world, services):
    token = sign_in(web, "practitioner_a")
    child_b = world.subjects["child_b"].id
    missing = web.get(f"/subjects/{child_b}")
    assert missing.status_code == 404
    assert f"/subjects/{child_b}/emergency-access" in missing.text
    # The same offer for an id that does not exist, so the page reveals nothing.
    assert "/emergency-access" in web.get("/subjects/00000000-0000-0000-0000-000000000000").text

    wrong = web.post(f"/subjects/{child_b}/emergency-access", data={"csrf_token": token, "reason": "Bea is missing and police need her GP", "password": "not it"})
    assert wrong.status_code == 400
    assert error_summary(wrong.text) == [("#password", "That password is not right")]
    assert web.get("/").status_code == 200  # a wrong password here does not sign you out
    short = web.post(f"/subjects/{child_b}/emergency-access", data={"csrf_token": token, "reason": "urgent", "password": "x"})
    assert [href for href, _ in error_summary(short.text)][0] == "#reason"

    opened = web.post(
        f"/subjects/{child_b}/emergency-access",
        data={"csrf_token": token, "reason": "Bea is missing and police need her GP details", "password": "correct horse battery staple"},
    )
    assert opened.headers["location"] == f"/subjects/{child_b}"
    page = web.get(f"/subjects/{child_b}").text
    assert "Bea Brown" in page and "through emergency access" in page
    assert "Should I share information about Bea" not in page

    web.cookies.clear()
    token = sign_in(web, "ig_lead_a")
    queue = web.get("/emergency-access/review").text
    assert "Bea is missing and police need her GP details" in queue
    grant_id = re.search(r'/emergency-access/([0-9a-f-]{36})/review', queue).group(1)
    missing = web.post(f"/emergency-access/{grant_id}/review", data={"csrf_token": token})
    assert [href for href, _ in error_summary(missing.text)] == [f"#outcome-{grant_id}", f"#note-{grant_id}"]
    done = web.post(f"/emergency-access/{grant_id}/review", data={"csrf_token": token, "outcome": "justified", "note": "Police confirmed the emergency."})
    assert done.status_code == 303
    assert "There is nothing to review" in web.get("/emergency-access/review").text


# ------------------------------------------------------------------ a child's timeline, home pages by role, access history


def _story(world, clock):
    """Ada's records at agency A, an hour apart: a decision not to share, then a disclosure to practitioner B."""
    from safeshare.domain.decisions import Decision
    from tests.exchange import SIGNIFICANT_HARM, decision_input, disclose, extend

    w = extend(world)
    a = w.actor("practitioner_a")
    w.decision = w.services.decisions.record(
        a, decision_input(w, "child_a", Decision.DO_NOT_SHARE, case={**SIGNIFICANT_HARM, "level_of_concern": "no_concern"})
    )
    clock.advance(hours=1)
    w.disclosure = disclose(w)
    clock.advance(minutes=5)
    return w


def _kinds(html: str) -> list[str]:
    return re.findall(r'<li class="[^"]*" data-kind="([a-z_]+)"', html)


def test_the_child_page_is_one_timeline_newest_first(web, world, clock):
    w = _story(world, clock)
    sign_in(web, "practitioner_a")
    page = web.get(f"/subjects/{w.subjects['child_a'].id}").text
    assert _kinds(page) == ["decision", "disclosure_sent", "decision"]
    timeline = page.split('id="timeline"', 1)[1]
    assert timeline.index(f'href="/disclosures/{w.disclosure.id}"') < timeline.index(f'href="/decisions/{w.decision.id}"')
    assert "Information shared with Agency B School" in timeline
    assert "Decision not to share (record " in timeline and w.decision.input.question.replace("'", "&#39;") in timeline
    # The disclosure's items are marked as fact or opinion, and older information as such.
    items = timeline.split(f'href="/disclosures/{w.disclosure.id}"', 1)[1].split("</ul>", 1)[0]
    tags = re.findall(r'<strong class="govuk-tag[^"]*">\s*([^<]+?)\s*</strong>', items)
    assert tags == ["Fact", "Opinion", "Fact", "Older information"]


def test_the_timeline_is_paged(web, world, clock, monkeypatch):
    from safeshare.web.routes import subjects

    w = _story(world, clock)
    monkeypatch.setattr(subjects, "TIMELINE_PER_PAGE", 2)
    sign_in(web, "practitioner_a")
    child = w.subjects["child_a"].id
    first = web.get(f"/subjects/{child}").text
    assert _kinds(first) == ["decision", "disclosure_sent"]
    assert "govuk-pagination" in first and f'href="/subjects/{child}?offset=2"' in first
    second = web.get(f"/subjects/{child}?offset=2").text
    assert _kinds(second) == ["decision"] and f'href="/subjects/{child}?offset=0"' in second


def test_a_recipient_sees_only_what_was_shared_with_them(web, world, clock):
    w = _story(world, clock)
    sign_in(web, "practitioner_b")
    response = web.get(f"/subjects/{w.subjects['child_a'].id}")
    assert response.status_code == 200
    page = response.text
    assert "Shared with you" in page and "Ada Lovelace" in page
    assert _kinds(page) == ["disclosure_received"]
    assert "Fact" in page and "Opinion" in page and "Older information" in page
    assert "943 476 5919" not in page and "Family and carers" not in page  # not the sender's record
    assert f"/decisions/{w.decision.id}" not in page
    web.cookies.clear()
    sign_in(web, "colleague_b")  # a colleague the disclosure was not addressed to
    assert web.get(f"/subjects/{w.subjects['child_a'].id}").status_code == 404


def test_the_safeguarding_lead_home_shows_conflicts_overdue_requests_and_advice_requests(web, world, clock):
    from tests.exchange import request_input

    w = _story(world, clock)
    w.services.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)
    w.services.requests.send(w.actor("practitioner_b"), request_input(w, subject="child_b", target=w.agency_a))
    clock.advance(days=7)
    sign_in(web, "dsl_a")
    home = web.get("/").text
    assert "Oversight at your agency" in home and "Disagreements about consent" in home
    overdue = home.split("Overdue requests to your agency", 1)[1].split("</table>", 1)[0]
    assert "Bea Brown" in overdue and "Overdue" in overdue
    advice = home.split("Colleagues advised to seek advice", 1)[1].split("</table>", 1)[0]
    assert f'href="/decisions/{w.decision.id}"' in advice
    assert f'href="/decisions/{w.disclosure.decision_id}"' not in advice  # that decision's advice was to share
    web.cookies.clear()
    sign_in(web, "practitioner_a")
    assert "Oversight at your agency" not in web.get("/").text


def test_the_governance_lead_finds_a_child_and_reads_their_access_history(web, world, clock):
    w = _story(world, clock)
    w.services.disclosures.get(w.actor("practitioner_b"), w.disclosure.id)
    token = sign_in(web, "ig_lead_a")
    home = web.get("/").text
    assert 'href="/access-history"' in home and "Emergency access to review" in home
    missing = web.post("/access-history", data={"csrf_token": token})
    assert error_summary(missing.text) == [("#name", "Enter a name, a date of birth or an NHS number to search for")]
    found = web.post("/access-history", data={"csrf_token": token, "name": "Lovelace"}).text
    child = w.subjects["child_a"].id
    assert f'href="/subjects/{child}/access-history"' in found
    assert "Bea" not in web.post("/access-history", data={"csrf_token": token, "name": "Brown"}).text
    history = web.get(f"/subjects/{child}/access-history")
    assert history.status_code == 200
    assert "Practitioner B, Agency B School" in history.text and "It was shared with them" in history.text
    assert web.get(f"/subjects/{w.subjects['child_b'].id}/access-history").status_code == 404
    assert web.get(f"/subjects/{child}").status_code == 403  # the role opens no case records


def test_practitioners_cannot_read_the_access_history(web, world):
    token = sign_in(web, "practitioner_a")
    child = world.subjects["child_a"].id
    assert web.get(f"/subjects/{child}/access-history").status_code == 403
    assert web.post("/access-history", data={"csrf_token": token, "name": "Ada"}).status_code == 403
    assert "/access-history" not in web.get(f"/subjects/{child}").text


def test_the_child_page_links_to_the_access_history_for_who_may_read_it(web, world):
    from safeshare.domain.people import Role
    from tests.factories import add_person

    add_person(world.services, world.admin, world.agency_a, "lead_and_worker", Role.PRACTITIONER, Role.INFORMATION_GOVERNANCE_LEAD)
    sign_in(web, "lead_and_worker")
    child = world.subjects["child_a"].id
    page = web.get(f"/subjects/{child}").text
    assert f'href="/subjects/{child}/access-history"' in page
    assert web.get(f"/subjects/{child}/access-history").status_code == 200


def test_choices_on_forms_offer_every_agency_not_only_the_first_page(web, world, services):
    from safeshare.domain.agencies import AgencyDetails, AgencyKind
    from safeshare.domain.paging import MAX_PAGE_SIZE

    admin = world.actor("admin")
    for n in range(MAX_PAGE_SIZE + 1):
        services.directory.add_agency(admin, AgencyDetails(name=f"Zz Nursery {n:03d}", kind=AgencyKind.EARLY_YEARS, section_11_duty=True))
    sign_in(web, "admin")
    form = web.get("/admin/people/new").text
    assert f"Zz Nursery {MAX_PAGE_SIZE:03d}" in form and "Zz Nursery 000" in form


def test_requests_to_answer_are_paged(web, world, services):
    from tests.exchange import request_input

    for _ in range(21):
        services.requests.send(world.actor("practitioner_b"), request_input(world))
    sign_in(web, "practitioner_a")
    first = web.get("/requests").text
    assert first.count('href="/requests/') == 20
    assert 'answer_offset=20' in first
    second = web.get("/requests?offset=0&answer_offset=20").text
    assert second.count('href="/requests/') == 1
