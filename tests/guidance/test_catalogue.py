"""Guidance as data for pages and journeys: questions, golden rules, principles, myths,
contacts, purposes and sources (R1-R9), written in SafeShare's own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safeshare.domain.advice import CaseFacts, Outcome, PurposeCategory
from safeshare.guidance import Guidance
from safeshare.guidance.registry import BUNDLED_DATA
from safeshare.guidance.yaml_source import read_yaml

from .helpers import facts

SHARED_GUIDANCE = Path("/work/shared/guidance")


class TestQuestions:
    def test_every_case_fact_has_one_question(self, guidance: Guidance) -> None:
        fields = [q.field for q in guidance.questions()]
        assert len(fields) == len(set(fields))
        # A local purpose only exists once a local overlay defines one.
        assert set(fields) == set(CaseFacts.model_fields) - {"local_purpose"}

    def test_questions_carry_text_help_citation_and_requirements(self, guidance: Guidance) -> None:
        sources = {s.id for s in guidance.sources()}
        for question in guidance.questions():
            assert question.text.endswith("?"), question.id
            assert question.help
            assert question.citation.document in sources
            assert question.requirements

    def test_choice_questions_offer_every_value(self, guidance: Guidance) -> None:
        question = guidance.question_for_field("level_of_concern")
        assert question.input == "choice"
        assert [o.value for o in question.options] == ["no_concern", "early_help", "unsure", "significant_harm", "immediate_risk"]
        assert guidance.question_for_field("reasons_consent_not_sought").input == "multi_choice"
        assert guidance.question_for_field("crime_suspected").input == "yes_no"
        assert guidance.question_for_field("child_age").input == "number"
        assert guidance.question_for_field("information_requested").input == "text_list"

    def test_questions_for_skips_moot_questions(self, guidance: Guidance) -> None:
        not_sought = {q.field for q in guidance.questions_for(facts())}
        assert "consent_by" not in not_sought
        assert "reasons_consent_not_sought" in not_sought
        given = {q.field for q in guidance.questions_for(facts(consent="given", consent_by="parental_responsibility"))}
        assert "consent_by" in given
        assert "reasons_consent_not_sought" not in given

    def test_steps_name_their_questions_and_citations(self, guidance: Guidance) -> None:
        question_ids = {q.id for q in guidance.questions()}
        for step in guidance.steps():
            assert set(step.asks) <= question_ids
            assert step.citation.document in {"000", "002", "003", "004"}
            assert step.requirements
            for branch in step.branches:
                assert branch.explanation
                assert (branch.outcome is None) != (branch.next is None)


class TestReferenceContent:
    def test_seven_golden_rules_in_order(self, guidance: Guidance) -> None:
        rules = guidance.golden_rules()
        assert [r.number for r in rules] == [1, 2, 3, 4, 5, 6, 7]
        for rule in rules:
            assert (rule.citation.document, rule.citation.section, rule.citation.paragraph) == (
                "000",
                "The seven golden rules to sharing information",
                f"Rule {rule.number}",
            )

    def test_seven_principles(self, guidance: Guidance) -> None:
        assert [p.name for p in guidance.principles()] == [
            "Necessary and proportionate",
            "Relevant",
            "Adequate",
            "Accurate",
            "Timely",
            "Secure",
            "Record",
        ]
        assert {p.citation.section for p in guidance.principles()} == {"The principles"}

    def test_myth_busting(self, guidance: Guidance) -> None:
        myths = guidance.myths()
        assert len(myths) >= 5
        assert all(m.myth and m.reality for m in myths)
        assert {m.citation.document for m in myths} <= {"000", "002"}

    def test_advice_contacts(self, guidance: Guidance) -> None:
        roles = {c.id for c in guidance.contacts()}
        assert {"designated_safeguarding_lead", "line_manager", "information_governance_lead", "caldicott_guardian"} <= roles
        caldicott = next(c for c in guidance.contacts() if c.id == "caldicott_guardian")
        assert caldicott.citation.document == "003"

    def test_outcomes_and_purposes_have_labels(self, guidance: Guidance) -> None:
        assert {o.id for o in guidance.outcomes()} == set(Outcome)
        assert {p.id for p in guidance.purposes() if not p.local} == set(PurposeCategory)

    def test_inform_family_rules_are_listed(self, guidance: Guidance) -> None:
        rules = guidance.inform_family_rules()
        assert rules[-1].when is None
        assert all(r.when for r in rules[:-1])

    def test_routes_map_to_outcomes(self, guidance: Guidance) -> None:
        routes = guidance.routes()
        assert routes["significant_harm"] == "share_without_consent"
        assert set(routes.values()) == {o.value for o in Outcome}


class TestSources:
    def test_sources_are_the_five_documents(self, guidance: Guidance) -> None:
        assert [s.id for s in guidance.sources()] == ["000", "001", "002", "003", "004"]

    @pytest.mark.skipif(not SHARED_GUIDANCE.is_dir(), reason="source documents not available here")
    def test_source_files_exist(self, guidance: Guidance) -> None:
        for source in guidance.sources():
            assert (SHARED_GUIDANCE / source.file).is_file()

    @pytest.mark.skipif(not SHARED_GUIDANCE.is_dir(), reason="source documents not available here")
    def test_guidance_text_paraphrases_rather_than_quotes(self) -> None:
        """No run of eight words in SafeShare's texts may be copied from the source documents."""
        run = 8
        source_words = _words(" ".join(p.read_text() for p in sorted(SHARED_GUIDANCE.glob("0*.txt"))))
        copied = {tuple(source_words[i : i + run]) for i in range(len(source_words) - run + 1)}
        found = []
        for path in sorted(BUNDLED_DATA.rglob("*.yaml")):
            data, _ = read_yaml(path)
            for text in _texts(data):
                words = _words(text)
                found += [f"{path.name}: {' '.join(words[i:i + run])}" for i in range(len(words) - run + 1) if tuple(words[i : i + run]) in copied]
        assert found == []


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _texts(node):
    """Every human-readable string, skipping citations and document titles (which name sources)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("cite", "sources", "id"):
                yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)
    elif isinstance(node, str):
        yield node
