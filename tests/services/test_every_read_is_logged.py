"""Every use case that returns personal data writes an access-log entry: who, through which channel, what, and
under which grant. Every use case of every service is classified here as a read (and tried) or not a read
(with the reason), so a new use case fails this test until someone decides which it is."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import safeshare.services
from safeshare.domain.access import Grant
from safeshare.domain.advice import PurposeCategory
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import FamilyStatus, FamilyUpdate
from safeshare.services.context import Channel
from safeshare.services.ledger import Log
from safeshare.services.subjects import SubjectSearch
from safeshare.services.use_case import Service
from safeshare.store.ledger_repository import LedgerRepository
from tests.authorisation import Scene, build_scene, page
from tests.exchange import EARLY_HELP, SIGNIFICANT_HARM, decision_input


@dataclass(frozen=True)
class Read:
    actor: str
    call: Callable[[Scene, Any, Any], Any]  # (scene, actor, tmp_path) -> result
    action: str
    grant: Grant
    subject: str  # a subject of the scene the entry must name
    repeatable: bool = True  # may be tried once per channel


def _child(sc: Scene) -> str:
    return sc.world.subjects["child_a"].id


def _kid(sc: Scene) -> str:
    return sc.world.subjects["kid"].id


def _advise_with_consent(sc: Scene, actor, _):
    facts = decision_input(sc.world, "kid", Decision.DO_NOT_SHARE, case=EARLY_HELP).facts
    return sc.world.services.decisions.advise(actor, facts, consent_id=sc.ids["K"], recipient_agency_id=sc.world.agency_b)


def _export(sc: Scene, actor, tmp_path):
    return sc.world.services.ledger.export(actor, Log.DECISIONS, tmp_path / "decisions.jsonl", tmp_path / "checkpoint.txt")


S = lambda sc: sc.world.services  # noqa: E731

READS: dict[str, Read] = {
    "AccessHistoryService.history": Read("ig_lead_a", lambda sc, a, _: S(sc).access_history.history(a, _child(sc), page()), "access_log.history", Grant.ROLE, "child_a"),
    "BreakGlassService.for_review": Read("ig_lead_c", lambda sc, a, _: S(sc).break_glass.for_review(a, page()), "break_glass.review_queue", Grant.ROLE, "child_a"),
    "BreakGlassService.mine": Read("glass_c", lambda sc, a, _: S(sc).break_glass.mine(a, page()), "break_glass.mine", Grant.BREAK_GLASS, "child_a"),
    "ConsentService.conflicts": Read("dsl_a", lambda sc, a, _: S(sc).consents.conflicts(a, page()), "consent.conflicts", Grant.HOLDER, "kid"),
    "ConsentService.due_for_review": Read("practitioner_a", lambda sc, a, _: S(sc).consents.due_for_review(a, page()), "consent.review_list", Grant.HOLDER, "kid"),
    "ConsentService.export_fhir": Read("practitioner_a", lambda sc, a, _: S(sc).consents.export_fhir(a, sc.ids["K"]), "consent.export_fhir", Grant.HOLDER, "kid"),
    "ConsentService.for_subject": Read("practitioner_a", lambda sc, a, _: S(sc).consents.for_subject(a, _kid(sc), page()), "consent.list", Grant.HOLDER, "kid"),
    "ConsentService.get": Read("practitioner_a", lambda sc, a, _: S(sc).consents.get(a, sc.ids["K"]), "consent.view", Grant.HOLDER, "kid"),
    "ConsentService.standing": Read(
        "practitioner_a", lambda sc, a, _: S(sc).consents.standing(a, _kid(sc), PurposeCategory.early_help, sc.world.agency_b),
        "consent.standing", Grant.HOLDER, "kid",
    ),
    "ConsentService.who_may_consent": Read("practitioner_a", lambda sc, a, _: S(sc).consents.who_may_consent(a, _kid(sc)), "consent.who_may_consent", Grant.HOLDER, "kid"),
    "DecisionService.advise": Read("practitioner_a", _advise_with_consent, "consent.standing", Grant.HOLDER, "kid"),
    "DecisionService.for_subject": Read("practitioner_a", lambda sc, a, _: S(sc).decisions.for_subject(a, _child(sc), page()), "decision.list", Grant.HOLDER, "child_a"),
    "DecisionService.get": Read("practitioner_a", lambda sc, a, _: S(sc).decisions.get(a, sc.ids["decision_D"]), "decision.view", Grant.HOLDER, "child_a"),
    "DecisionService.mine": Read("practitioner_a", lambda sc, a, _: S(sc).decisions.mine(a, page()), "decision.list", Grant.HOLDER, "child_a"),
    "DisclosureService.acknowledge": Read(
        "practitioner_b", lambda sc, a, _: S(sc).disclosures.acknowledge(a, sc.ids["D"]), "disclosure.acknowledge", Grant.DISCLOSURE, "child_a", repeatable=False,
    ),
    "DisclosureService.get": Read("practitioner_b", lambda sc, a, _: S(sc).disclosures.get(a, sc.ids["D"]), "disclosure.view", Grant.DISCLOSURE, "child_a"),
    "DisclosureService.incoming": Read("practitioner_b", lambda sc, a, _: S(sc).disclosures.incoming(a, page()), "disclosure.incoming", Grant.DISCLOSURE, "child_a"),
    "DisclosureService.sent": Read("practitioner_a", lambda sc, a, _: S(sc).disclosures.sent(a, page()), "disclosure.sent", Grant.HOLDER, "child_a"),
    "DisclosureService.update_family": Read(
        "practitioner_a", lambda sc, a, _: S(sc).disclosures.update_family(a, sc.ids["D"], FamilyUpdate(status=FamilyStatus.TOLD)),
        "disclosure.family", Grant.HOLDER, "child_a",
    ),
    "LedgerService.export": Read("auditor", _export, "ledger.export.decisions", Grant.ROLE, "child_a"),
    "RequestService.get": Read("practitioner_a", lambda sc, a, _: S(sc).requests.get(a, sc.ids["R"]), "request.view", Grant.HOLDER, "child_b"),
    "RequestService.overdue": Read("practitioner_a", lambda sc, a, _: S(sc).requests.overdue(a, page()), "request.inbox", Grant.HOLDER, "child_b"),
    "RequestService.sent": Read("practitioner_b", lambda sc, a, _: S(sc).requests.sent(a, page()), "request.sent", Grant.HOLDER, "child_b"),
    "RequestService.to_answer": Read("practitioner_a", lambda sc, a, _: S(sc).requests.to_answer(a, page()), "request.inbox", Grant.HOLDER, "child_b"),
    "SubjectService.search": Read("practitioner_a", lambda sc, a, _: S(sc).subjects.search(a, SubjectSearch(name="Ada"), page()), "subject.search", Grant.HOLDER, "child_a"),
    "SubjectService.view_subject": Read("glass_c", lambda sc, a, _: S(sc).subjects.view_subject(a, _child(sc)), "subject.view", Grant.BREAK_GLASS, "child_a"),
    "SubjectService.view_as_holder": Read("practitioner_a", lambda sc, a, _: S(sc).subjects.view_as_holder(a, _child(sc)), "subject.view", Grant.HOLDER, "child_a"),
    "TimelineService.advice_requests": Read("dsl_a", lambda sc, a, _: S(sc).timeline.advice_requests(a, page()), "decision.advice_requests", Grant.HOLDER, "child_a"),
    "TimelineService.find_for_access_history": Read(
        "ig_lead_a", lambda sc, a, _: S(sc).timeline.find_for_access_history(a, SubjectSearch(name="Ada"), page()), "access_log.find_subject", Grant.ROLE, "child_a",
    ),
    "TimelineService.for_subject": Read("practitioner_a", lambda sc, a, _: S(sc).timeline.for_subject(a, _child(sc), page()), "subject.timeline", Grant.HOLDER, "child_a"),
}

WRITE = "a write: it returns only the record the caller has just written or changed"
DIRECTORY = "the partnership directory: agencies and staff, no child's or adult's record"
NOT_READS: dict[str, str] = {
    "BreakGlassService.open": WRITE,
    "BreakGlassService.review": WRITE + " (the grant was read, and logged, in the review queue)",
    "ConsentService.import_fhir": WRITE,
    "ConsentService.record": WRITE,
    "ConsentService.resolve_conflict": WRITE,
    "ConsentService.review": WRITE,
    "ConsentService.withdraw": WRITE,
    "DecisionService.record": WRITE,
    "DisclosureService.send": WRITE,
    "RequestService.answer": WRITE,
    "RequestService.answer_not_held": WRITE,
    "RequestService.cancel": WRITE,
    "RequestService.send": WRITE,
    "SubjectService.add_subject": WRITE,
    "SubjectService.change_subject": WRITE,
    "SubjectService.link_agency": WRITE,
    "SubjectService.relate": WRITE,
    "LedgerService.verify": "hashes, counts and the first bad entry's number; no payloads",
    "LedgerService.checkpoint": "a signed tree head; no payloads",
    "LedgerService.witness_store_archive": "checkpoints, leaf and chain hashes, proofs and cosignatures; no payloads",
    "WitnessService.register": "an agency's witness public key",
    "WitnessService.offer": "a signed tree head and a consistency proof; no payloads",
    "WitnessService.cosign": "a cosignature of a tree head; no payloads",
    **{f"AccountSettingsService.{name}": "one's own account, or ending someone's sessions: no child's or adult's record"
       for name in ("change_password", "end_my_other_sessions", "end_my_session", "end_sessions_of", "my_sessions")},
    **{f"DirectoryService.{name}": DIRECTORY for name in (
        "add_agency", "add_person", "change_agency", "change_person", "get_agency", "get_contact", "get_person",
        "list_agencies", "list_contacts", "list_people", "name_governance_roles", "set_disabled", "set_password",
    )},
}


def every_use_case() -> set[str]:
    """Every method carrying @use_case on every service class in safeshare.services."""
    for module in pkgutil.iter_modules(safeshare.services.__path__):
        importlib.import_module(f"safeshare.services.{module.name}")
    found = set()
    pending = list(Service.__subclasses__())
    while pending:
        service = pending.pop()
        pending.extend(service.__subclasses__())
        found |= {f"{service.__name__}.{name}" for name in dir(service) if hasattr(getattr(service, name), "required_permission")}
    return found


def assert_classified(tried: set[str], not_tried: set[str], question: str) -> None:
    """Every use case is in exactly one of the two, and each of them names a use case that exists."""
    use_cases = every_use_case()
    assert not tried & not_tried
    unclassified = use_cases - tried - not_tried
    assert not unclassified, f"say whether these {question}: {sorted(unclassified)}"
    assert not (tried | not_tried) - use_cases, "classified use cases that no longer exist"


def test_every_use_case_is_classified_as_a_read_or_not():
    assert_classified(set(READS), set(NOT_READS), "return personal data (READS, and log them) or not (NOT_READS)")


def test_every_use_case_on_the_facade_is_classified(services):
    """The adapters reach the services through the facade: nothing there may escape the classification."""
    on_facade = {
        f"{type(service).__name__}.{name}"
        for service in vars(services).values()
        if isinstance(service, Service)
        for name in dir(service)
        if hasattr(getattr(service, name), "required_permission")
    }
    assert on_facade and on_facade <= set(READS) | set(NOT_READS)


def _new_access_entries(services, after: int) -> list[dict]:
    with services.context.uow_factory() as uow:
        return [e.payload for e in LedgerRepository(uow.connection).iter_entries("access", start_seq=after + 1)]


def _access_head(services) -> int:
    with services.context.uow_factory() as uow:
        return LedgerRepository(uow.connection).count("access")


@pytest.mark.parametrize("name", sorted(READS))
def test_each_read_writes_an_access_log_entry_for_its_channel(world, clock, tmp_path, name):
    read = READS[name]
    scene = build_scene(world, clock)
    services = scene.world.services
    if name == "TimelineService.advice_requests":  # the safeguarding lead's queue needs a decision that advised seeking advice
        services.decisions.record(
            scene.actor("practitioner_a"),
            decision_input(scene.world, "child_a", Decision.DO_NOT_SHARE, case={**SIGNIFICANT_HARM, "level_of_concern": "no_concern"}),
        )
    subject = scene.world.subjects[read.subject].id
    person = scene.world.people[read.actor].id
    for channel in (Channel.API, Channel.WEB, Channel.CLI) if read.repeatable else (Channel.CLI,):
        clock.advance(seconds=1)  # e.g. two exports' checkpoints must not share a timestamp
        head = _access_head(services)
        read.call(scene, scene.world.actor(read.actor, channel), tmp_path)
        entries = _new_access_entries(services, head)
        assert entries, f"{name} through {channel.value} wrote no access-log entry"
        for entry in entries:
            assert (entry["person_id"], entry["channel"], entry["action"]) == (person, channel.value, read.action), entry
        grants = {e["grant"] for e in entries}
        assert read.grant.value in grants, f"{name}: logged under {grants}, expected {read.grant.value}"
        assert subject in {s for e in entries for s in e["subject_ids"]}, f"{name}: the entries do not name {read.subject}"
