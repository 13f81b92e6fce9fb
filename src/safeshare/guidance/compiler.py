"""Check a merged guidance document for meaning, and compile it into a runnable Guidance.

Shape was checked when the files were read; here we check that everything refers to things
that exist (steps, questions, case-facts fields, catalogue entries), that the flow always ends
in an outcome, and that closed vocabularies are covered exactly. Errors name the file and
line of the entry at fault, which may be in an overlay.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from safeshare.domain.advice import (
    ActionItem,
    CaseFacts,
    Citation,
    Contact,
    FamilyNotice,
    GuidanceStamp,
    InformDecision,
    LawfulBasis,
    LawfulBasisKind,
    Outcome,
    OverlayStamp,
    Principle,
    PurposeCategory,
    RecordField,
    StatutoryGateway,
)
from safeshare.domain.decisions import Decision

from .catalogue import (
    BranchInfo,
    GoldenRule,
    GuidanceLink,
    GuidanceVersion,
    InformRuleInfo,
    Myth,
    OutcomeInfo,
    PurposeInfo,
    Question,
    QuestionOption,
    RecordFieldInfo,
    Source,
    StepInfo,
)
from .conditions import CHOICE, MULTI_CHOICE, TEXT_LIST, YES_NO, ConditionCompiler, FieldSpec, derived_spec, field_specs
from .documents import GuidanceDocument
from .engine import Catalogue, CompiledBranch, CompiledRule, CompiledStep, Guidance, RoutePlan
from .errors import GuidanceError
from .yaml_source import LocDict, where

FACT_SPECS = field_specs(CaseFacts)


def _err(item: LocDict, key: str | None, problem: str) -> GuidanceError:
    return GuidanceError(item.file, item.line_of(key) if key else item.line, problem)


def _plain(value: Any) -> Any:
    """LocDict/LocList to plain JSON-able structures (for catalogue views)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Compiler:
    def __init__(self, doc: GuidanceDocument) -> None:
        self.doc = doc
        self.sources: dict[str, Source] = {}
        for src in doc.sources:
            if src["id"] in self.sources:
                raise _err(src, "id", f"source '{src['id']}' is defined twice")
            self.sources[src["id"]] = Source(**_plain(src))

    # ------------------------------------------------------------ helpers

    def cite(self, item: LocDict, key: str = "cite") -> Citation:
        raw = item[key]
        if raw["doc"] not in self.sources:
            known = ", ".join(sorted(self.sources))
            raise GuidanceError(item.file, raw.line_of("doc"), f"cites unknown document '{raw['doc']}' (sources: {known})")
        return Citation(document=raw["doc"], section=raw["section"], paragraph=raw.get("para"))

    def unique(self, items: list[LocDict], what: str) -> dict[str, LocDict]:
        seen: dict[str, LocDict] = {}
        for item in items:
            if item["id"] in seen:
                raise _err(item, "id", f"{what} '{item['id']}' is defined twice")
            seen[item["id"]] = item
        return seen

    def covers(self, items: dict[str, LocDict], enum: type[Enum], what: str) -> None:
        expected = {m.value for m in enum}
        for item_id, item in items.items():
            if item_id not in expected:
                raise _err(item, "id", f"'{item_id}' is not a {what} (expected one of: {', '.join(sorted(expected))})")
        missing = sorted(expected - set(items))
        if missing:
            anchor = next(iter(items.values()), None)
            file, line = (anchor.file, anchor.line) if anchor is not None else (str(self.doc.path), None)
            raise GuidanceError(file, line, f"{what} entries missing for: {', '.join(missing)}")

    def refs(self, item: LocDict, key: str, known: dict[str, Any], what: str) -> tuple[Any, ...]:
        values = item.get(key, [])
        out = []
        for i, ref in enumerate(values):
            if ref not in known:
                raise GuidanceError(item.file, where(values, i), f"unknown {what} '{ref}'")
            out.append(known[ref])
        return tuple(out)

    # ------------------------------------------------------------ catalogue

    def catalogue(self) -> None:
        s = self.doc.sections
        lawful = self.unique(s["lawful_bases"], "lawful basis")
        self.lawful: dict[str, LawfulBasis] = {}
        kinds = {k.value for k in LawfulBasisKind}
        for item_id, item in lawful.items():
            if item["kind"] not in kinds:
                raise _err(item, "kind", f"unknown lawful basis kind '{item['kind']}' (expected one of: {', '.join(sorted(kinds))})")
            self.lawful[item_id] = LawfulBasis(
                id=item_id,
                kind=item["kind"],
                label=item["label"],
                summary=item["summary"],
                dpv_iri=item.get("dpv_iri"),
                dpv_gdpr_iri=item.get("dpv_gdpr_iri"),
                dpv_law_iri=item.get("dpv_law_iri"),
                legislation_url=item.get("legislation_url"),
                citation=self.cite(item),
            )
        missing = [g.value for g in StatutoryGateway if g.value not in self.lawful]
        if missing:
            first = s["lawful_bases"][0] if s["lawful_bases"] else None
            raise GuidanceError(first.file if first else str(self.doc.path), first.line if first else None, f"lawful bases must include every statutory gateway; missing: {', '.join(missing)}")

        self.principles = {
            k: Principle(id=k, name=v["name"], summary=v["summary"], citation=self.cite(v))
            for k, v in self.unique(s["principles"], "principle").items()
        }
        self.contacts = {
            k: Contact(
                id=k,
                role=v["role"],
                when_to_contact=v["when_to_contact"],
                how_to_contact=v.get("how_to_contact"),
                without_identifying=v.get("without_identifying", True),
                citation=self.cite(v),
            )
            for k, v in self.unique(s["contacts"], "contact").items()
        }
        self.actions = {
            k: ActionItem(id=k, text=v["text"], citation=self.cite(v)) for k, v in self.unique(s["actions"], "action").items()
        }
        rules = self.unique(s["golden_rules"], "golden rule")
        numbers: dict[int, str] = {}
        for item in rules.values():
            if item["number"] in numbers:
                raise _err(item, "number", f"golden rule number {item['number']} is used twice")
            numbers[item["number"]] = item["id"]
        self.golden_rules = tuple(
            GoldenRule(id=k, number=v["number"], title=v["title"], text=v["text"], citation=self.cite(v))
            for k, v in sorted(rules.items(), key=lambda kv: kv[1]["number"])
        )
        self.myths = tuple(
            Myth(id=k, myth=v["myth"], reality=v["reality"], citation=self.cite(v))
            for k, v in self.unique(s["myths"], "myth").items()
        )

        categories = self.unique(s["purpose_categories"], "purpose category")
        self.covers(categories, PurposeCategory, "purpose category")
        local = self.unique(s["local_purposes"], "local purpose")
        purposes = [
            PurposeInfo(id=k, label=v["label"], help=v["help"], category=k, citation=self.cite(v) if "cite" in v else None)
            for k, v in categories.items()
        ]
        for k, v in local.items():
            if k in categories:
                raise _err(v, "id", f"local purpose '{k}' clashes with a purpose category")
            if v["category"] not in categories:
                raise _err(v, "category", f"unknown purpose category '{v['category']}'")
            purposes.append(PurposeInfo(id=k, label=v["label"], help=v["help"], category=v["category"], local=True, citation=self.cite(v)))
        self.purposes = tuple(purposes)
        self.local_purpose_ids = tuple(local)

        record = self.unique(s["record_fields"], "record field")
        self.covers(record, RecordField, "record field")
        self.record_fields = tuple(
            RecordFieldInfo(id=k, label=v["label"], help=v["help"], citation=self.cite(v)) for k, v in record.items()
        )
        outcomes = self.unique(s["outcomes"], "outcome")
        self.covers(outcomes, Outcome, "outcome")
        self.outcomes = tuple(OutcomeInfo(id=k, label=v["label"], help=v["help"]) for k, v in outcomes.items())

    # ------------------------------------------------------------ questions

    def fact_specs(self) -> dict[str, FieldSpec]:
        specs = dict(FACT_SPECS)
        # Local purposes come from the guidance itself, so the field is a closed choice here.
        specs["local_purpose"] = FieldSpec("local_purpose", CHOICE, (*self.local_purpose_ids, None), optional=True)
        return specs

    def questions(self) -> None:
        self.specs = self.fact_specs()
        self.conditions = ConditionCompiler(self.specs)
        items = self.unique(self.doc.sections["questions"], "question")
        by_field: dict[str, str] = {}
        self.question_items = items
        questions, predicates = [], {}
        for qid, item in items.items():
            name = item["field"]
            spec = self.specs.get(name)
            if spec is None:
                raise _err(item, "field", f"'{name}' is not a CaseFacts field")
            if name in by_field:
                raise _err(item, "field", f"field '{name}' is already set by question '{by_field[name]}'")
            by_field[name] = qid
            options = item.get("options", [])
            if spec.kind in (CHOICE, YES_NO, MULTI_CHOICE):
                expected = [v for v in spec.values if v is not None]
                given = [o["value"] for o in options]
                for i, value in enumerate(given):
                    if value not in expected or isinstance(value, bool) != (spec.kind == YES_NO):
                        raise GuidanceError(item.file, where(options, i), f"option {value!r} is not a possible value of '{name}'")
                missing = [str(v) for v in expected if v not in given]
                if missing:
                    raise _err(item, "options" if options else "field", f"options for '{name}' are missing: {', '.join(missing)}")
                if len(set(map(repr, given))) != len(given):
                    raise _err(item, "options", f"options for '{name}' repeat a value")
            elif options:
                raise _err(item, "options", f"'{name}' is answered in free form and takes no options")
            if "ask_when" in item:
                predicates[qid] = self.conditions.compile(item["ask_when"], item.file, item.line_of("ask_when"))
            questions.append(
                Question(
                    id=qid,
                    field=name,
                    input=spec.kind,
                    text=item["text"],
                    help=item["help"],
                    options=tuple(QuestionOption(**_plain(o)) for o in options),
                    ask_when=_plain(item.get("ask_when")),
                    citation=self.cite(item),
                    requirements=tuple(item.get("requirements", [])),
                    see_also=self.see_also(item),
                )
            )
        self.question_list = tuple(questions)
        self.question_predicates = predicates

    def see_also(self, item: LocDict) -> tuple[GuidanceLink, ...]:
        """A question's links to the golden rules, principles and myths of this guidance, by id."""
        known: dict[str, list[GuidanceLink]] = {}
        for rule in self.golden_rules:
            known.setdefault(rule.id, []).append(GuidanceLink(kind="golden_rule", id=rule.id, title=f"Golden rule {rule.number}: {rule.title}"))
        for principle in self.principles.values():
            known.setdefault(principle.id, []).append(GuidanceLink(kind="principle", id=principle.id, title=f"Principle: {principle.name}"))
        for myth in self.myths:
            known.setdefault(myth.id, []).append(GuidanceLink(kind="myth", id=myth.id, title=f"Myth: {myth.myth}"))
        values = item.get("see_also", [])
        links = []
        for i, ref in enumerate(values):
            found = known.get(ref, [])
            if not found:
                raise GuidanceError(item.file, where(values, i), f"see_also names '{ref}', which is not a golden rule, principle or myth of this guidance")
            if len(found) > 1:
                kinds = " and ".join(link.kind.replace("_", " ") for link in found)
                raise GuidanceError(item.file, where(values, i), f"see_also '{ref}' is ambiguous: it is the id of a {kinds}")
            links.append(found[0])
        return tuple(links)

    # ------------------------------------------------------------ flow

    def flow(self) -> None:
        steps = self.unique(self.doc.steps, "step")
        order = list(steps)
        index = {sid: i for i, sid in enumerate(order)}
        if self.doc.start not in steps:
            file, line = self.doc.start_where
            raise GuidanceError(file, line, f"flow starts at unknown step '{self.doc.start}'")
        self.route_outcomes: dict[str, Outcome] = {}
        route_first: dict[str, LocDict] = {}
        compiled: list[CompiledStep] = []
        infos: list[StepInfo] = []
        edges: dict[str, list[tuple[str, LocDict]]] = {}
        for sid, item in steps.items():
            asked: list[str] = []
            for i, qid in enumerate(item["asks"]):
                if qid not in self.question_items:
                    raise GuidanceError(item.file, where(item["asks"], i), f"step '{sid}' asks unknown question '{qid}'")
                asked.append(self.question_items[qid]["field"])
            fields = tuple(asked)
            step_cite = self.cite(item)
            branches_raw = item["branches"]
            self.unique(branches_raw, f"branch of step '{sid}'")
            if len(set(fields)) != len(fields):
                raise _err(item, "asks", f"step '{sid}' asks the same question twice")
            branches, branch_infos, tests = [], [], []
            edges[sid] = []
            for position, br in enumerate(branches_raw):
                last = position == len(branches_raw) - 1
                if last and "when" in br:
                    raise _err(br, "when", f"the last branch of step '{sid}' must have no 'when' (it catches every other case)")
                if not last and "when" not in br:
                    raise _err(br, "id", f"branch '{br['id']}' of step '{sid}' needs a 'when'; only the last branch may catch all")
                if "when" in br:
                    self.conditions.expression(br["when"], br.file, br.line_of("when"), lambda name: name)  # names and values first
                    stray = sorted(self.conditions.fields_used(br["when"]) - set(fields))
                    if stray:
                        raise _err(br, "when", f"branch '{br['id']}' tests {', '.join(stray)}, which step '{sid}' does not ask; add the question to 'asks'")
                    tests.append(self.conditions.expression(br["when"], br.file, br.line_of("when"), lambda name: f"v{fields.index(name)}"))
                outcome = next_index = route = None
                if "outcome" in br:
                    try:
                        outcome = Outcome(br["outcome"])
                    except ValueError:
                        raise _err(br, "outcome", f"unknown outcome '{br['outcome']}' (expected one of: {', '.join(o.value for o in Outcome)})") from None
                    route = br["route"]
                    known = self.route_outcomes.setdefault(route, outcome)
                    first = route_first.setdefault(route, br)
                    if known is not outcome:
                        raise _err(br, "route", f"route '{route}' already leads to '{known}' ({first.file}, line {first.line_of('route')}), not '{outcome}'")
                else:
                    if br["next"] not in index:
                        raise _err(br, "next", f"branch '{br['id']}' goes to unknown step '{br['next']}'")
                    next_index = index[br["next"]]
                    edges[sid].append((br["next"], br))
                citation = self.cite(br) if "cite" in br else step_cite
                branches.append(CompiledBranch(br["id"], position, outcome, route, next_index, br["explain"], citation))
                branch_infos.append(
                    BranchInfo(id=br["id"], when=_plain(br.get("when")), outcome=outcome, route=route, next=br.get("next"), explanation=br["explain"], citation=citation)
                )
            compiled.append(
                CompiledStep(
                    id=sid,
                    text=item["text"],
                    fields=fields,
                    decide=self._decider(fields, tests),
                    branches=tuple(branches),
                    requirements=tuple(item.get("requirements", [])),
                )
            )
            infos.append(StepInfo(id=sid, text=item["text"], asks=tuple(item["asks"]), citation=step_cite, requirements=tuple(item.get("requirements", [])), branches=tuple(branch_infos)))
        self._check_graph(steps, edges)
        self.steps = tuple(compiled)
        self.step_infos = tuple(infos)
        self.start_index = index[self.doc.start]

    def _decider(self, fields: tuple[str, ...], tests: list[str | bool]):
        """Generate one function per step: read its fields once, return the first branch that
        matches and the answers as a hashable key (for the trail cache)."""
        lines = ["def _decide(f):"]
        lines += [f"    v{i} = f.{name}" for i, name in enumerate(fields)]
        lists = {i for i, name in enumerate(fields) if FACT_SPECS[name].kind in (MULTI_CHOICE, TEXT_LIST)}
        parts = [f"tuple(v{i})" if i in lists else f"v{i}" for i in range(len(fields))]
        key = parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
        for position, test in enumerate(tests):
            if test is True:
                lines.append(f"    return {position}, {key}")
                break
            if test is not False:
                lines.append(f"    if {test}:")
                lines.append(f"        return {position}, {key}")
        else:
            lines.append(f"    return {len(tests)}, {key}")
        return self.conditions.define("\n".join(lines), "_decide")

    def _check_graph(self, steps: dict[str, LocDict], edges: dict[str, list[tuple[str, LocDict]]]) -> None:
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(sid: str) -> None:
            state[sid] = 1
            for target, branch in edges[sid]:
                if state.get(target) == 1:
                    raise _err(branch, "next", f"step '{target}' is reached again from '{sid}', so the flow could loop")
                if target not in state:
                    visit(target)
            state[sid] = 2

        visit(self.doc.start)
        for sid, item in steps.items():
            if sid not in state:
                raise _err(item, "id", f"step '{sid}' cannot be reached from the start step '{self.doc.start}'")

    # ------------------------------------------------------------ advice rules

    def plans(self) -> None:
        routes = tuple(self.route_outcomes)
        derived = {
            "outcome": derived_spec("outcome", tuple(o.value for o in Outcome)),
            "route": derived_spec("route", routes),
        }
        inform_specs = {**self.specs, **derived}
        rule_specs = {
            **inform_specs,
            "inform_family": derived_spec("inform_family", tuple(d.value for d in InformDecision)),
            "decision": derived_spec("decision", tuple(d.value for d in Decision)),
        }
        inform_conditions = ConditionCompiler(inform_specs)
        rule_conditions = ConditionCompiler(rule_specs)

        inform_items = self.unique(self.doc.sections["inform_family_rules"], "inform-family rule")
        inform_list = list(inform_items.values())
        notices, infos = [], []
        for position, item in enumerate(inform_list):
            last = position == len(inform_list) - 1
            if last and "when" in item:
                raise _err(item, "when", "the last inform-family rule must have no 'when' (it catches every other case)")
            if not last and "when" not in item:
                raise _err(item, "id", f"inform-family rule '{item['id']}' needs a 'when'; only the last rule may catch all")
            try:
                decision = InformDecision(item["decision"])
            except ValueError:
                raise _err(item, "decision", f"unknown decision '{item['decision']}' (expected one of: {', '.join(d.value for d in InformDecision)})") from None
            notice = FamilyNotice(decision=decision, reason=item["reason"], citation=self.cite(item))
            notices.append((item, notice))
            infos.append(InformRuleInfo(id=item["id"], when=_plain(item.get("when")), decision=decision, reason=item["reason"], citation=notice.citation))
        self.inform_infos = tuple(infos)
        if not notices:
            raise GuidanceError(str(self.doc.path), None, "there are no inform-family rules")

        rules = []
        record_names = {f.value: f for f in RecordField}
        for item in self.unique(self.doc.sections["advice_rules"], "advice rule").values():
            rules.append(
                (
                    item,
                    self.refs(item, "lawful_bases", self.lawful, "lawful basis"),
                    self.refs(item, "record", record_names, "record field"),
                    self.refs(item, "principles", self.principles, "principle"),
                    self.refs(item, "contacts", self.contacts, "contact"),
                    self.refs(item, "actions", self.actions, "action"),
                )
            )

        plans: dict[str, RoutePlan] = {}
        for route, outcome in self.route_outcomes.items():
            known = {"outcome": outcome.value, "route": route}
            inform = []
            for item, notice in notices:
                pred = True if "when" not in item else inform_conditions.compile(item["when"], item.file, item.line_of("when"), known)
                if pred is False:
                    continue
                inform.append((None if pred is True else pred, notice))
                if pred is True:
                    break
            compiled_rules = []
            for item, lawful, record, principles, contacts, actions in rules:
                pred = True if "when" not in item else rule_conditions.compile(item["when"], item.file, item.line_of("when"), known)
                if pred is False:
                    continue
                compiled_rules.append(CompiledRule(None if pred is True else pred, lawful, record, principles, contacts, actions))
            plans[route] = RoutePlan(outcome=outcome, inform=tuple(inform), rules=tuple(compiled_rules))
        # Conditions naming unknown fields on never-matching routes must still be caught.
        for item, *_ in rules:
            if "when" in item:
                rule_conditions.compile(item["when"], item.file, item.line_of("when"))
        for item, _ in notices:
            if "when" in item:
                inform_conditions.compile(item["when"], item.file, item.line_of("when"))
        self.route_plans = plans

    # ------------------------------------------------------------ result

    def build(self) -> Guidance:
        self.catalogue()
        self.questions()
        self.flow()
        self.plans()
        manifest = self.doc.manifest
        info = GuidanceVersion(
            id=manifest["id"],
            title=manifest["title"],
            kind=manifest["kind"],
            published=manifest["published"],
            summary=manifest.get("summary"),
            default=manifest.get("default", False),
            extends=manifest.get("extends"),
            content_hash=self.doc.content_hash,
            path=str(self.doc.path),
        )
        stamp = GuidanceStamp(
            version=info.id,
            title=info.title,
            content_hash=self.doc.content_hash,
            overlays=tuple(OverlayStamp(id=o.id, title=o.title, content_hash=o.content_hash) for o in self.doc.overlays),
        )
        catalogue = Catalogue(
            sources=tuple(self.sources.values()),
            questions=self.question_list,
            steps=self.step_infos,
            golden_rules=self.golden_rules,
            principles=tuple(self.principles.values()),
            myths=self.myths,
            lawful_bases=tuple(self.lawful.values()),
            contacts=tuple(self.contacts.values()),
            actions=tuple(self.actions.values()),
            purposes=self.purposes,
            record_fields=self.record_fields,
            outcomes=self.outcomes,
            inform_rules=self.inform_infos,
        )
        return Guidance(info, stamp, self.steps, self.start_index, self.route_plans, catalogue, self.question_predicates)


def compile_guidance(doc: GuidanceDocument) -> Guidance:
    return _Compiler(doc).build()
