"""Run compiled guidance over case facts.

The compiler has already turned every condition into generated Python and pre-sorted the advice
rules by route, so `advise` is a short walk over a few steps and a filtered rule list.
Trail entries depend only on a step's own answers, so they are cached per answer tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from safeshare.domain.advice import (
    ActionItem,
    Advice,
    CaseFacts,
    Citation,
    Contact,
    FamilyNotice,
    GuidanceStamp,
    LawfulBasis,
    Principle,
    RecordField,
    TrailEntry,
)
from safeshare.domain.decisions import FOLLOWS_ADVICE, Decision

from .catalogue import (
    GoldenRule,
    GuidanceVersion,
    InformRuleInfo,
    Myth,
    OutcomeInfo,
    PurposeInfo,
    Question,
    RecordFieldInfo,
    Source,
    StepInfo,
)

Predicate = Callable[[Any, Mapping[str, Any]], bool]
# The decision that follows each outcome, which the advice assumes unless asked about another.
_FOLLOWING: Mapping[Any, Decision] = {outcome: next(iter(decisions)) for outcome, decisions in FOLLOWS_ADVICE.items()}
_NO_DERIVED: Mapping[str, Any] = {}
_CACHE_LIMIT = 8192


@dataclass(slots=True)
class CompiledBranch:
    id: str
    index: int
    outcome: Any  # Outcome | None
    route: str | None
    next_index: int | None
    explanation: str
    citation: Citation
    # Linked after compiling so the walk follows object references, not indexes.
    next_step: CompiledStep | None = None
    plan: RoutePlan | None = None


@dataclass(slots=True)
class CompiledStep:
    id: str
    text: str
    fields: tuple[str, ...]
    # Generated from the step's branches: returns (branch index, the step's answers as a key).
    decide: Callable[[Any], tuple[int, Any]]
    branches: tuple[CompiledBranch, ...]
    requirements: tuple[str, ...]
    cache: dict[tuple[Any, ...], TrailEntry] = field(default_factory=dict)

    def trail_entry(self, branch_index: int, answers_key: Any, facts: CaseFacts) -> TrailEntry:
        key = (branch_index, answers_key)
        entry = self.cache.get(key)
        if entry is None:
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            branch = self.branches[branch_index]
            answers = {name: _plain(getattr(facts, name)) for name in self.fields}
            entry = TrailEntry.model_construct(
                step=self.id,
                branch=branch.id,
                question=self.text,
                answers=answers,
                explanation=branch.explanation,
                citation=branch.citation,
                requirements=self.requirements,
            )
            self.cache[key] = entry
        return entry


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """An advice rule specialised to one route: predicate is None when it always applies."""

    predicate: Predicate | None
    lawful_bases: tuple[LawfulBasis, ...]
    record: tuple[RecordField, ...]
    principles: tuple[Principle, ...]
    contacts: tuple[Contact, ...]
    actions: tuple[ActionItem, ...]


_Parts = tuple[tuple[LawfulBasis, ...], tuple[RecordField, ...], tuple[Principle, ...], tuple[Contact, ...], tuple[ActionItem, ...]]


@dataclass(slots=True)
class RoutePlan:
    """Everything that follows from reaching a route. Which rules fire is decided per call;
    the merged advice parts for each pattern of fired rules are built once and reused."""

    outcome: Any
    inform: tuple[tuple[Predicate | None, FamilyNotice], ...]
    rules: tuple[CompiledRule, ...]
    tests: tuple[Predicate, ...] = ()
    parts_cache: dict[tuple[Any, ...], _Parts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tests = tuple(r.predicate for r in self.rules if r.predicate is not None)

    def parts(self, key: tuple[Any, ...]) -> _Parts:
        """key = (family decision, one bool per conditional rule, in order)."""
        found = self.parts_cache.get(key)
        if found is not None:
            return found
        fired = iter(key[1:])
        lawful: dict[str, LawfulBasis] = {}
        record: dict[RecordField, None] = {}
        principles: dict[str, Principle] = {}
        contacts: dict[str, Contact] = {}
        actions: dict[str, ActionItem] = {}
        for rule in self.rules:
            if rule.predicate is not None and not next(fired):
                continue
            for item in rule.lawful_bases:
                lawful.setdefault(item.id, item)
            record.update(dict.fromkeys(rule.record))
            for item in rule.principles:
                principles.setdefault(item.id, item)
            for item in rule.contacts:
                contacts.setdefault(item.id, item)
            for item in rule.actions:
                actions.setdefault(item.id, item)
        found = (tuple(lawful.values()), tuple(record), tuple(principles.values()), tuple(contacts.values()), tuple(actions.values()))
        if len(self.parts_cache) >= _CACHE_LIMIT:
            self.parts_cache.clear()
        self.parts_cache[key] = found
        return found


@dataclass(frozen=True)
class Catalogue:
    sources: tuple[Source, ...]
    questions: tuple[Question, ...]
    steps: tuple[StepInfo, ...]
    golden_rules: tuple[GoldenRule, ...]
    principles: tuple[Principle, ...]
    myths: tuple[Myth, ...]
    lawful_bases: tuple[LawfulBasis, ...]
    contacts: tuple[Contact, ...]
    actions: tuple[ActionItem, ...]
    purposes: tuple[PurposeInfo, ...]
    record_fields: tuple[RecordFieldInfo, ...]
    outcomes: tuple[OutcomeInfo, ...]
    inform_rules: tuple[InformRuleInfo, ...]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Guidance:
    """One installed guidance version, with any local overlays, ready to give advice."""

    def __init__(
        self,
        info: GuidanceVersion,
        stamp: GuidanceStamp,
        steps: tuple[CompiledStep, ...],
        start: int,
        plans: Mapping[str, RoutePlan],
        catalogue: Catalogue,
        question_predicates: Mapping[str, Predicate],
    ) -> None:
        self._info = info
        self._stamp = stamp
        self._steps = steps
        self._start = steps[start]
        self._plans = dict(plans)
        for step in steps:
            for branch in step.branches:
                branch.next_step = None if branch.next_index is None else steps[branch.next_index]
                branch.plan = None if branch.route is None else self._plans[branch.route]
        self._catalogue = catalogue
        self._question_predicates = dict(question_predicates)
        self._questions_by_id = {q.id: q for q in catalogue.questions}
        self._lawful_by_id = {b.id: b for b in catalogue.lawful_bases}

    # ------------------------------------------------------------ identity

    @property
    def version(self) -> str:
        return self._info.id

    @property
    def info(self) -> GuidanceVersion:
        return self._info

    @property
    def stamp(self) -> GuidanceStamp:
        """What Advice records about the guidance that produced it."""
        return self._stamp

    def __repr__(self) -> str:
        overlays = ", ".join(o.id for o in self._stamp.overlays)
        return f"<Guidance {self.version}{' + ' + overlays if overlays else ''}>"

    # ------------------------------------------------------------ advice

    def advise(self, facts: CaseFacts | Mapping[str, Any]) -> Advice:
        """Work through the guidance for these facts. Mappings are validated as CaseFacts first."""
        return self._advise(facts, None)

    def record_fields_for(self, facts: CaseFacts | Mapping[str, Any], decision: Decision) -> tuple[RecordField, ...]:
        """What the record of `decision` must hold on these facts. Advice rules can test `decision`;
        the advice itself assumes the decision that follows its outcome, so a departure may need more."""
        return self._advise(facts, Decision(decision)).record_fields

    def _advise(self, facts: CaseFacts | Mapping[str, Any], decision: Decision | None) -> Advice:
        if type(facts) is not CaseFacts:
            facts = CaseFacts.model_validate(facts)
        trail = []
        step: CompiledStep | None = self._start
        while step is not None:
            index, answers = step.decide(facts)
            entry = step.cache.get((index, answers))
            trail.append(entry if entry is not None else step.trail_entry(index, answers, facts))
            branch = step.branches[index]
            step = branch.next_step

        plan = branch.plan
        if decision is None:
            decision = _FOLLOWING[plan.outcome]
        derived = {"outcome": plan.outcome, "route": branch.route, "inform_family": None, "decision": decision}
        for predicate, notice in plan.inform:
            if predicate is None or predicate(facts, derived):
                break
        derived["inform_family"] = notice.decision
        key = (notice.decision, *[test(facts, derived) for test in plan.tests])
        lawful, record, principles, contacts, actions = plan.parts(key)

        # Every part was validated when the guidance was loaded; skip re-validating per call.
        return Advice.model_construct(
            outcome=plan.outcome,
            route=branch.route,
            summary=branch.explanation,
            guidance=self._stamp,
            lawful_bases=lawful,
            inform_family=notice,
            record_fields=record,
            principles=principles,
            contacts=contacts,
            actions=actions,
            trail=tuple(trail),
        )

    # ------------------------------------------------------------ catalogue

    def sources(self) -> tuple[Source, ...]:
        return self._catalogue.sources

    def questions(self) -> tuple[Question, ...]:
        """Every question, in journey order, each naming the CaseFacts field it sets."""
        return self._catalogue.questions

    def question(self, question_id: str) -> Question:
        return self._questions_by_id[question_id]

    def question_for_field(self, field_name: str) -> Question | None:
        return next((q for q in self._catalogue.questions if q.field == field_name), None)

    def questions_for(self, facts: CaseFacts) -> tuple[Question, ...]:
        """The questions worth asking given the other answers (each question's `ask_when`)."""
        return tuple(
            q
            for q in self._catalogue.questions
            if (p := self._question_predicates.get(q.id)) is None or p(facts, _NO_DERIVED)
        )

    def steps(self) -> tuple[StepInfo, ...]:
        return self._catalogue.steps

    def golden_rules(self) -> tuple[GoldenRule, ...]:
        return self._catalogue.golden_rules

    def principles(self) -> tuple[Principle, ...]:
        return self._catalogue.principles

    def myths(self) -> tuple[Myth, ...]:
        return self._catalogue.myths

    def lawful_bases(self) -> tuple[LawfulBasis, ...]:
        return self._catalogue.lawful_bases

    def lawful_basis(self, basis_id: str) -> LawfulBasis:
        return self._lawful_by_id[basis_id]

    def contacts(self) -> tuple[Contact, ...]:
        return self._catalogue.contacts

    def actions(self) -> tuple[ActionItem, ...]:
        return self._catalogue.actions

    def purposes(self) -> tuple[PurposeInfo, ...]:
        return self._catalogue.purposes

    def record_fields(self) -> tuple[RecordFieldInfo, ...]:
        return self._catalogue.record_fields

    def outcomes(self) -> tuple[OutcomeInfo, ...]:
        return self._catalogue.outcomes

    def inform_family_rules(self) -> tuple[InformRuleInfo, ...]:
        return self._catalogue.inform_rules

    def routes(self) -> dict[str, str]:
        """Every route id and the outcome it gives."""
        return {route: str(plan.outcome) for route, plan in self._plans.items()}
