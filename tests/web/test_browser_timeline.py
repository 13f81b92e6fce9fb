"""A child's page as one timeline, the safeguarding lead's home page, and a child's access history, in a browser.

The records are made through the services of the live server (as the demo's people), so each test starts from
a known story about Leo: a decision not to share, then a disclosure to the police, and a request to the council
that is already overdue.
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest

from safeshare.domain.decisions import Decision, SharedItem
from safeshare.domain.paging import PageRequest
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Actor, Channel
from safeshare.services.subjects import SubjectSearch
from tests.exchange import SIGNIFICANT_HARM, decision_input, disclose, request_input, to_person
from tests.web.browser import DEMO_PASSWORD, demo_email

pytestmark = pytest.mark.browser

FACT = SharedItem(description="Leo had a bruise on his cheek at the clinic", kind="fact", dated=dt.date.today())
OPINION = SharedItem(description="The health visitor thinks the home is chaotic", kind="opinion", dated=dt.date.today())
OLDER = SharedItem(
    description="Leo's sister was on a child protection plan three years ago",
    kind="fact",
    historical=True,
    historical_note="The same worries about the home have come back",
)
SEEK_ADVICE = {**SIGNIFICANT_HARM, "level_of_concern": "no_concern"}


class DemoWorld(SimpleNamespace):
    """Just enough of the tests' World for the exchange helpers, over the demo partnership."""

    def actor(self, key: str, channel: Channel = Channel.CLI) -> Actor:
        return Actor.of(self.people[key], channel)


@pytest.fixture(scope="module")
def story(live_server):
    services = live_server.services
    people = {}
    for local in ("sam.social", "pc.patel", "hana.hv", "morgan.manager"):
        _token, actor = services.accounts.sign_in(demo_email(local), DEMO_PASSWORD, SessionKind.TOKEN)
        people[local] = services.directory.whoami(actor)
    world = DemoWorld(services=services, people=people, subjects={})
    sam = world.actor("sam.social")
    world.subjects["leo"] = services.subjects.search(sam, SubjectSearch(name="Leo Ashworth"), PageRequest()).items[0]
    question = {"question": "Should I tell the police about Leo's bruise?", "context": "Seen at the clinic today."}
    world.decision = services.decisions.record(sam, decision_input(world, "leo", Decision.DO_NOT_SHARE, case=SEEK_ADVICE, actor="sam.social", **question))
    world.disclosure = disclose(
        world, sender="sam.social", recipients=(to_person(world, "pc.patel"),), subject="leo", items=(FACT, OPINION, OLDER), decision=question
    )
    # The health visitors ask the council's team manager, needing an answer within seconds: soon overdue.
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    world.request = services.requests.send(
        world.actor("hana.hv"),
        request_input(world, subject="leo", target=people["sam.social"].agency_id, target_person_id=people["morgan.manager"].id,
                      why_needed="The health visitor is worried about Leo and needs to know what the council knows.", respond_by=due),
    )
    time.sleep(max(0.0, (due - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
    world.leo_path = f"/subjects/{world.subjects['leo'].id}"
    return world


def timeline_kinds(session) -> list[str]:
    return session.page.locator("#timeline ~ ol > li").evaluate_all("items => items.map(i => i.dataset.kind)")


def test_the_childs_page_is_a_timeline_newest_first_with_facts_and_opinions_marked(new_browser_session, story):
    social_worker, police = new_browser_session(), new_browser_session()
    social_worker.sign_in("sam.social")
    social_worker.goto(story.leo_path)
    page = social_worker.page
    assert social_worker.heading() == "Leo Ashworth"
    kinds = timeline_kinds(social_worker)
    assert kinds.index("disclosure_sent") < kinds.index("decision", kinds.index("disclosure_sent"))
    times = page.locator("#timeline ~ ol > li time").evaluate_all("items => items.map(t => t.getAttribute('datetime'))")
    assert times == sorted(times, reverse=True) and len(times) == len(kinds)
    sent = page.locator(f"#timeline ~ ol > li:has(a[href='/disclosures/{story.disclosure.id}'])")
    assert "Information shared with Fernhill Police Public Protection Unit (demo)" in sent.inner_text()
    tags = sent.locator(".govuk-tag").all_inner_texts()
    assert [t.strip() for t in tags] == ["Fact", "Opinion", "Fact", "Older information"]
    assert page.locator(f"#timeline ~ ol a[href='/decisions/{story.decision.id}']").inner_text().startswith("Decision not to share")
    page.locator("#timeline").evaluate("heading => heading.scrollIntoView({block: 'start'})")
    social_worker.check_accessible(screenshot="23-child-timeline")

    # The police officer it was shared with sees only what was shared, not the council's record.
    police.sign_in("pc.patel")
    police.goto(story.leo_path)
    assert police.heading() == "Leo Ashworth"
    assert timeline_kinds(police) == ["disclosure_received"]
    main = police.page.inner_text("main")
    assert "Shared with you" in main and "Older information" in main
    assert "Family and carers" not in main and "NHS number" not in main
    police.check_accessible()
    police.page.click(f"a[href='/disclosures/{story.disclosure.id}']")
    assert "What was shared" in police.page.inner_text("main")


def test_a_child_nobody_shared_with_you_is_page_not_found(browser_page, story):
    browser_page.sign_in("cora.charity")
    browser_page.goto(story.leo_path)
    assert browser_page.heading() == "Page not found"
    assert "Leo" not in browser_page.page.inner_text("main")
    browser_page.check_accessible()


def test_the_safeguarding_lead_home_page(browser_page, story):
    browser_page.sign_in("morgan.manager")
    main = browser_page.page.locator("main")
    assert "Oversight at your agency" in main.inner_text()
    overdue = browser_page.page.locator("h3:text-is('Overdue requests to your agency') + p + table")
    assert "Leo Ashworth" in overdue.inner_text() and "Overdue" in overdue.inner_text()
    advice = browser_page.page.locator("h3:text-is('Colleagues advised to seek advice') ~ table").first
    assert advice.locator(f"a[href='/decisions/{story.decision.id}']").count() == 1
    browser_page.page.locator("h2:text-is('Oversight at your agency')").evaluate("heading => heading.scrollIntoView({block: 'start'})")
    browser_page.check_accessible(screenshot="24-home-dsl")


def test_the_governance_lead_reads_a_childs_access_history_and_a_practitioner_cannot(new_browser_session, story):
    lead, social_worker = new_browser_session(), new_browser_session()
    police = new_browser_session()
    police.sign_in("pc.patel")
    police.goto(story.leo_path)  # a read under the disclosure grant, for the history to show

    lead.sign_in("ivy.ig")
    lead.page.click("a:text-is(\"Find a child's access history\")")
    assert lead.heading() == "Find a child's access history"
    lead.click_button("Search")
    assert "Enter a name, a date of birth or an NHS number" in lead.page.inner_text(".govuk-error-summary")
    lead.check_accessible()
    lead.page.fill("#name", "Leo Ashworth")
    lead.click_button("Search")
    lead.check_accessible()
    lead.page.click("table a:has-text('Leo Ashworth')")
    assert lead.heading() == "Access history"
    table = lead.page.inner_text("table")
    assert "PC Ravi Patel, Fernhill Police Public Protection Unit (demo)" in table and "It was shared with them" in table
    assert "Sam Okafor" in table and "Their agency holds the record" in table
    lead.check_accessible(screenshot="25-access-history")

    social_worker.sign_in("sam.social")
    social_worker.goto(story.leo_path + "/access-history")
    assert social_worker.heading() == "You cannot do this with your role"
    social_worker.check_accessible()
    social_worker.goto(story.leo_path)
    assert social_worker.page.locator("a[href$='/access-history']").count() == 0
