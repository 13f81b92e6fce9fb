"""The scene and the expectations behind the authorisation matrix tests (service, API and CLI).

Every use case is tried by people in every relationship to the objects of the scene:

    holder       practitioner_a, dsl_a, ig_lead_a: agency A holds Ada (child_a) and Kit (kid), sent disclosure D,
                 and is asked request R
    recipient    practitioner_b: D was addressed to them; they sent requests R and R2 about Bea (child_b)
    recipient's  colleague_b, dsl_b, ig_lead_b: same agency as the recipient, but D was not addressed to them
      agency
    other agency practitioner_c, ig_lead_c: agency C (police), asked request R2, no relation to Ada or Kit
    break-glass  glass_c: agency C, with live emergency access to Ada
    no casework  admin (system administrator), auditor (partnership auditor)
    disabled     disabled_a: a practitioner at A whose account is disabled

An expectation is "ok", "forbidden" (the role lacks the permission), "notfound" (not theirs to know about),
"conflict", or, for a listing, the names of the scene objects it must return (and nothing else).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from safeshare.domain.advice import PurposeCategory
from safeshare.domain.break_glass import BreakGlassInput, BreakGlassReviewInput, ReviewOutcome
from safeshare.domain.consent import ConflictResolution, ObtainedBy, ReviewInput, WithdrawalInput
from safeshare.domain.decisions import Decision
from safeshare.domain.disclosures import DisclosureInput, FamilyStatus, FamilyUpdate
from safeshare.domain.paging import PageRequest
from safeshare.domain.people import Role
from safeshare.domain.requests import NotHeld, RequestAnswer, Urgency
from safeshare.services.subjects import SubjectSearch
from tests.exchange import EARLY_HELP, consent_input, decision_input, disclose, extend, request_input, to_person
from tests.factories import PASSWORD, World, add_person, child_details

CASEWORK = ["practitioner_a", "dsl_a", "practitioner_b", "colleague_b", "dsl_b", "practitioner_c", "glass_c"]
GOVERNANCE = ["ig_lead_a", "ig_lead_b", "ig_lead_c"]
NO_CASEWORK = ["admin", "auditor"]
ACTORS = CASEWORK + GOVERNANCE + NO_CASEWORK
HOLDER = {"practitioner_a", "dsl_a"}
AGENCY_B = {"practitioner_b", "colleague_b", "dsl_b"}
AGENCY_C = {"practitioner_c", "glass_c"}
REASON = "Police called to the home at night; need to know if Ada is known to services"


@dataclass
class Scene:
    world: World
    ids: dict[str, Any] = field(default_factory=dict)

    def actor(self, key):
        return self.world.actor(key)

    def name_of(self, value) -> str | None:
        for name, known in self.ids.items():
            if known == value:
                return name
        return None


def build_scene(world: World, clock=None, break_glass: bool = True) -> Scene:
    """Everything the matrix needs, made through the services so it is what a real partnership would hold."""
    w = extend(world)
    s = w.services
    w.people["ig_lead_c"] = add_person(s, w.admin, w.agency_c, "ig_lead_c", Role.INFORMATION_GOVERNANCE_LEAD)
    w.people["glass_c"] = add_person(s, w.admin, w.agency_c, "glass_c", Role.PRACTITIONER)
    s.subjects.link_agency(w.actor("ig_lead_b"), w.subjects["child_b"].id, w.agency_a)
    scene = Scene(w)
    a = w.actor("practitioner_a")
    scene.ids["K"] = s.consents.record(a, consent_input(w, review_by=dt.date(2026, 11, 1))).consent.id
    father = s.consents.record(a, consent_input(w, giver="father", decision="refused", review_by=None))
    scene.ids["K2"] = father.consent.id
    scene.ids["conflict"] = father.conflicts_raised[0].id
    d = disclose(w, urgent=True)
    scene.ids["D"] = d.id
    scene.ids["decision_D"] = d.decision_id
    b = w.actor("practitioner_b")
    now = s.context.clock()
    scene.ids["R"] = s.requests.send(b, request_input(w, respond_by=now + dt.timedelta(hours=1))).id
    scene.ids["R2"] = s.requests.send(b, request_input(w, target=w.agency_c, urgency=Urgency.ROUTINE)).id
    if break_glass:
        scene.ids["G"] = s.break_glass.open(w.actor("glass_c"), BreakGlassInput(subject_id=w.subjects["child_a"].id, reason=REASON), PASSWORD).id
    if clock is not None:
        clock.advance(hours=2)  # R is now overdue; break-glass still live
    return scene


def ids_of(page) -> list:
    return [getattr(item, "id", None) for item in page.items]


def names(scene: Scene, page) -> set[str]:
    return {scene.name_of(i) or f"unknown:{i}" for i in ids_of(page)}


# ---------------------------------------------------------------- the use cases


@dataclass
class UseCase:
    name: str
    method: Any  # the bound service method, for its required permission
    call: Any  # (scene, actor) -> result
    expect: dict[str, Any]  # expectations for actors holding the permission; others are "forbidden"
    write: bool = False
    repeatable: bool = False  # every "ok" actor can succeed one after another


def page() -> PageRequest:
    return PageRequest(limit=200)


def use_cases(scene: Scene) -> list[UseCase]:
    w = scene.world
    s = w.services
    i = scene.ids
    child, kid = w.subjects["child_a"].id, w.subjects["kid"].id

    def only(allowed: set[str], otherwise="notfound", value="ok") -> dict[str, Any]:
        return {key: (value if key in allowed else otherwise) for key in ACTORS}

    def listing(found: dict[str, set[str]]) -> dict[str, Any]:
        return {key: found.get(key, set()) for key in ACTORS}

    fhir = s.consents.export_fhir(scene.actor("practitioner_a"), i["K"])
    scene.ids["child_a"] = child

    def export(sc, actor):
        return s.consents.export_fhir(actor, i["K"])

    def import_(sc, actor):
        return s.consents.import_fhir(actor, fhir)

    def advise_with_consent(sc, actor):
        facts = decision_input(w, "kid", Decision.DO_NOT_SHARE, case=EARLY_HELP).facts
        return s.decisions.advise(actor, facts, consent_id=i["K"], recipient_agency_id=w.agency_b)

    def new_disclosure(sc, actor):
        submitted = DisclosureInput(decision=decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)))
        return s.disclosures.send(actor, submitted)

    def answer(sc, actor):
        decision = decision_input(w, "child_b", Decision.SHARE, (to_person(w, "practitioner_b"),))
        return s.requests.answer(actor, i["R"], RequestAnswer(decision=decision))

    def new_request(sc, actor):
        return s.requests.send(actor, request_input(w, subject="child_a", target=w.agency_b))

    def new_decision(sc, actor):
        return s.decisions.record(actor, decision_input(w, "child_a", Decision.SHARE, (to_person(w, "practitioner_b"),)))

    def open_glass(sc, actor):
        return s.break_glass.open(actor, BreakGlassInput(subject_id=child, reason=REASON), PASSWORD)

    return [
        # -- reads
        UseCase("view subject", s.subjects.view_subject, lambda sc, a: s.subjects.view_subject(a, child), only(HOLDER | {"glass_c"})),
        UseCase(
            "search subjects",
            s.subjects.search,
            lambda sc, a: s.subjects.search(a, SubjectSearch(name="Ada"), page()),
            listing({"practitioner_a": {"child_a"}, "dsl_a": {"child_a"}}),
        ),
        UseCase(
            "advice with consent from the register",
            s.decisions.advise,
            advise_with_consent,
            {**only(HOLDER), **{key: "forbidden" for key in GOVERNANCE}},  # governance roles may ask for advice, not read consent
        ),
        UseCase("my decisions", s.decisions.mine, lambda sc, a: s.decisions.mine(a, page()), listing({"practitioner_a": {"decision_D"}})),
        UseCase("read decision", s.decisions.get, lambda sc, a: s.decisions.get(a, i["decision_D"]), only(HOLDER)),
        UseCase(
            "decisions about a subject",
            s.decisions.for_subject,
            lambda sc, a: s.decisions.for_subject(a, child, page()),
            {**only(HOLDER | {"practitioner_b", "glass_c"}), "practitioner_a": {"decision_D"}, "dsl_a": {"decision_D"},
             "practitioner_b": set(), "glass_c": set()},
        ),
        UseCase("read consent", s.consents.get, lambda sc, a: s.consents.get(a, i["K"]), only(HOLDER)),
        UseCase(
            "consents of a subject",
            s.consents.for_subject,
            lambda sc, a: s.consents.for_subject(a, kid, page()),
            {**only(HOLDER), "practitioner_a": {"K", "K2"}, "dsl_a": {"K", "K2"}},
        ),
        UseCase("who may consent", s.consents.who_may_consent, lambda sc, a: s.consents.who_may_consent(a, kid), only(HOLDER)),
        UseCase(
            "consent standing",
            s.consents.standing,
            lambda sc, a: s.consents.standing(a, kid, PurposeCategory.early_help, w.agency_b),
            only(HOLDER),
        ),
        UseCase(
            "consents due for review",
            s.consents.due_for_review,
            lambda sc, a: s.consents.due_for_review(a, page()),
            listing({"practitioner_a": {"K"}, "dsl_a": {"K"}}),
        ),
        UseCase("consent conflicts", s.consents.conflicts, lambda sc, a: s.consents.conflicts(a, page()), listing({"dsl_a": {"conflict"}})),
        UseCase("export consent as FHIR", s.consents.export_fhir, export, only(HOLDER)),
        UseCase("read disclosure", s.disclosures.get, lambda sc, a: s.disclosures.get(a, i["D"]), only(HOLDER | {"practitioner_b"})),
        UseCase("incoming disclosures", s.disclosures.incoming, lambda sc, a: s.disclosures.incoming(a, page()), listing({"practitioner_b": {"D"}})),
        UseCase("sent disclosures", s.disclosures.sent, lambda sc, a: s.disclosures.sent(a, page()), listing({"practitioner_a": {"D"}, "dsl_a": {"D"}})),
        UseCase("read request", s.requests.get, lambda sc, a: s.requests.get(a, i["R"]), only(HOLDER | AGENCY_B)),
        UseCase(
            "requests to answer",
            s.requests.to_answer,
            lambda sc, a: s.requests.to_answer(a, page()),
            listing({"practitioner_a": {"R"}, "dsl_a": {"R"}, "practitioner_c": {"R2"}, "glass_c": {"R2"}}),
        ),
        UseCase("overdue requests", s.requests.overdue, lambda sc, a: s.requests.overdue(a, page()), listing({"practitioner_a": {"R"}, "dsl_a": {"R"}})),
        UseCase("sent requests", s.requests.sent, lambda sc, a: s.requests.sent(a, page()), listing({"practitioner_b": {"R", "R2"}})),
        UseCase("access history", s.access_history.history, lambda sc, a: s.access_history.history(a, child, page()), only({"ig_lead_a"})),
        UseCase("break-glass review queue", s.break_glass.for_review, lambda sc, a: s.break_glass.for_review(a, page()), listing({"ig_lead_c": {"G"}})),
        UseCase("my break-glass", s.break_glass.mine, lambda sc, a: s.break_glass.mine(a, page()), listing({"glass_c": {"G"}})),
        # -- writes
        UseCase("record consent", s.consents.record, lambda sc, a: s.consents.record(a, consent_input(w, giver="father")), only(HOLDER), True, True),
        UseCase(
            "withdraw consent",
            s.consents.withdraw,
            lambda sc, a: s.consents.withdraw(a, i["K"], WithdrawalInput(how=ObtainedBy.PHONE, note="Rang")),
            only(HOLDER),
            True,
        ),
        UseCase(
            "review consent",
            s.consents.review,
            lambda sc, a: s.consents.review(
                a, i["K"], ReviewInput(outcome="still_valid", confirmed_with="Mother", how=ObtainedBy.PHONE, next_review_by=dt.date(2027, 12, 1))
            ),
            only(HOLDER),
            True,
            True,
        ),
        UseCase(
            "resolve consent conflict",
            s.consents.resolve_conflict,
            lambda sc, a: s.consents.resolve_conflict(a, i["conflict"], ConflictResolution(note="Met both parents")),
            only({"dsl_a"}),
            True,
        ),
        UseCase("import FHIR consent", s.consents.import_fhir, import_, only(HOLDER), True),
        UseCase("send disclosure", s.disclosures.send, new_disclosure, only(HOLDER), True, True),
        UseCase("acknowledge disclosure", s.disclosures.acknowledge, lambda sc, a: s.disclosures.acknowledge(a, i["D"]), only({"practitioner_b"}), True),
        UseCase(
            "update family told",
            s.disclosures.update_family,
            lambda sc, a: s.disclosures.update_family(a, i["D"], FamilyUpdate(status=FamilyStatus.TOLD)),
            only(HOLDER),
            True,
            True,
        ),
        UseCase("send request", s.requests.send, new_request, only(HOLDER), True, True),
        UseCase("answer request", s.requests.answer, answer, only(HOLDER), True),
        UseCase(
            "answer not held",
            s.requests.answer_not_held,
            lambda sc, a: s.requests.answer_not_held(a, i["R2"], NotHeld()),
            only(AGENCY_C),
            True,
        ),
        UseCase("cancel request", s.requests.cancel, lambda sc, a: s.requests.cancel(a, i["R"], "No longer needed"), only(AGENCY_B), True),
        UseCase(
            "open break-glass",
            s.break_glass.open,
            open_glass,
            {**only(AGENCY_B | {"practitioner_c"}), "practitioner_a": "conflict", "dsl_a": "conflict", "glass_c": "conflict"},
            True,
            True,
        ),
        UseCase(
            "review break-glass",
            s.break_glass.review,
            lambda sc, a: s.break_glass.review(a, i["G"], BreakGlassReviewInput(outcome=ReviewOutcome.JUSTIFIED, note="Confirmed")),
            only({"ig_lead_c"}),
            True,
        ),
        UseCase("record decision", s.decisions.record, new_decision, only(HOLDER), True, True),
        UseCase(
            "change subject",
            s.subjects.change_subject,
            lambda sc, a: s.subjects.change_subject(a, child, child_details("Ada", "King")),
            only(HOLDER),
            True,
            True,
        ),
        # Everyone's own account; someone else's sessions (practitioner_c's: they have some) are the administrator's to end.
        UseCase("my sessions", s.account_settings.my_sessions, lambda sc, a: s.account_settings.my_sessions(a), only(set(ACTORS))),
        UseCase(
            "end someone's sessions",
            s.account_settings.end_sessions_of,
            lambda sc, a: s.account_settings.end_sessions_of(a, w.people["practitioner_c"].id),
            only({"admin"}),
            True,
            True,
        ),
    ]


def expected(case: UseCase, scene: Scene, key: str):
    """What this person must get: 'forbidden' whenever their roles lack the use case's permission."""
    permission = case.method.required_permission
    if permission not in scene.actor(key).permissions:
        return "forbidden"
    return case.expect[key]


CASE_NAMES = [
    "view subject", "search subjects", "advice with consent from the register", "my decisions", "read decision",
    "decisions about a subject", "read consent", "consents of a subject", "who may consent", "consent standing",
    "consents due for review", "consent conflicts", "export consent as FHIR", "read disclosure", "incoming disclosures",
    "sent disclosures", "read request", "requests to answer", "overdue requests", "sent requests", "access history",
    "break-glass review queue", "my break-glass", "record consent", "withdraw consent", "review consent", "resolve consent conflict",
    "import FHIR consent", "send disclosure", "acknowledge disclosure", "update family told", "send request",
    "answer request", "answer not held", "cancel request", "open break-glass", "review break-glass", "record decision",
    "change subject", "my sessions", "end someone's sessions",
]
