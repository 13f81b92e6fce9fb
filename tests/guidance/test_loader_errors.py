"""Broken guidance files are refused on load with the file, the line and the problem (R1-R9 data)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from safeshare.guidance import GuidanceError, load_guidance
from safeshare.guidance.yaml_source import parse_yaml

from .helpers import line_of


def load_broken(make_version, file: str, edit: Callable[[str], str]) -> tuple[GuidanceError, Path]:
    directory = make_version("broken", {file: edit})
    with pytest.raises(GuidanceError) as caught:
        load_guidance("broken", extra_paths=[directory.parent])
    return caught.value, directory / file


def replace_once(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"test setup: {old!r} not in file"
        return text.replace(old, new, 1)

    return edit


def test_error_message_names_file_and_line() -> None:
    error = GuidanceError("flow.yaml", 12, "something is wrong")
    assert str(error) == "flow.yaml, line 12: something is wrong"
    assert (error.file, error.line, error.problem) == ("flow.yaml", 12, "something is wrong")
    assert str(GuidanceError("flow.yaml", None, "no line")) == "flow.yaml: no line"
    assert isinstance(error, ValueError)


def test_a_copy_of_the_baseline_loads(make_version) -> None:
    directory = make_version("copy")
    assert load_guidance("copy", extra_paths=[directory.parent]).version == "copy"


@pytest.mark.parametrize(
    ("file", "old", "new", "marker", "problem"),
    [
        pytest.param("contacts.yaml", "    role: Line manager\n", "    role: Line manager\n    role: Manager\n", "role: Manager", "duplicate key 'role'", id="duplicate-key"),
        pytest.param("contacts.yaml", "    role: Line manager\n", "    role: Line manager\n    phone: 123\n", "phone: 123", "'phone' was unexpected", id="unknown-property"),
        pytest.param("principles.yaml", "principles:\n", "principles:\n  - id: Bad Id\n    name: x\n    summary: y\n    cite: {doc: '000', section: s}\n", "id: Bad Id", "does not match", id="bad-id"),
        pytest.param("flow.yaml", "when: {level_of_concern: [immediate_risk]}", "when: {level_of_concern: [very_worried]}", "very_worried", "'very_worried' is not a possible value of 'level_of_concern'", id="bad-value"),
        pytest.param("flow.yaml", "when: {crime_suspected: [true], level_of_concern", "when: {crime_suspected: [\"yes\"], level_of_concern", 'crime_suspected: ["yes"]', "not a possible value of 'crime_suspected'", id="text-for-yes-no"),
        pytest.param("flow.yaml", "when: {level_of_concern: [immediate_risk]}", "when: {level_of_worry: [immediate_risk]}", "level_of_worry", "unknown field 'level_of_worry'", id="unknown-field"),
        pytest.param("flow.yaml", "next: legitimate_purpose", "next: legitimate_purpose_typo", "legitimate_purpose_typo", "unknown step 'legitimate_purpose_typo'", id="unknown-next"),
        pytest.param("flow.yaml", "        - id: not-urgent\n", "        - id: not-urgent\n          when: {crime_suspected: [false]}\n", "when: {crime_suspected: [false]}", "must have no 'when'", id="no-catch-all"),
        pytest.param("flow.yaml", "          next: consent\n          explain: Nothing in the purpose checks", "          next: urgency\n          explain: Nothing in the purpose checks", "next: urgency", "could loop", id="loop"),
        pytest.param("flow.yaml", "          outcome: act_now\n          route: immediate_risk", "          outcome: act_quickly\n          route: immediate_risk", "outcome: act_quickly", "unknown outcome 'act_quickly'", id="unknown-outcome"),
        pytest.param("flow.yaml", "    cite: {doc: \"004\", section: \"Appendix 1\", para: \"Question 1\"}\n      requirements: [R2, R9]", "    cite: {doc: \"099\", section: \"Appendix 1\", para: \"Question 1\"}\n      requirements: [R2, R9]", 'doc: "099"', "cites unknown document '099'", id="unknown-source"),
        pytest.param("flow.yaml", "      asks: [level_of_concern, crime_suspected]", "      asks: [level_of_concern, crime_suspected, how_old]", "how_old", "unknown question 'how_old'", id="unknown-question"),
        pytest.param("flow.yaml", "requirements: [R3]\n      branches:\n        - id: immediate-risk", "requirements: [R33]\n      branches:\n        - id: immediate-risk", "[R33]", "does not match", id="bad-requirement-id"),
        pytest.param("advice-rules.yaml", "actions: [call-police-now, tell-csc-and-dsl", "actions: [call-the-police, tell-csc-and-dsl", "call-the-police", "unknown action 'call-the-police'", id="unknown-action"),
        pytest.param("advice-rules.yaml", "record: [context]", "record: [contexts]", "record: [contexts]", "unknown record field 'contexts'", id="unknown-record-field"),
        pytest.param("advice-rules.yaml", "when: {inform_family: [do_not_inform]}", "when: {inform_family: [keep_quiet]}", "keep_quiet", "'keep_quiet' is not a possible value of 'inform_family'", id="bad-derived-value"),
        pytest.param("advice-rules.yaml", "when: {route: [immediate_risk]}\n    lawful_bases", "when: {route: [no_such_route]}\n    lawful_bases", "no_such_route", "'no_such_route' is not a possible value of 'route'", id="unknown-route"),
        pytest.param("advice-rules.yaml", "    decision: not_applicable\n    reason: Nothing is being shared", "    decision: maybe\n    reason: Nothing is being shared", "decision: maybe", "unknown decision 'maybe'", id="unknown-inform-decision"),
        pytest.param("questions.yaml", "    field: child_age\n", "    field: age_of_child\n", "field: age_of_child", "'age_of_child' is not a CaseFacts field", id="unknown-question-field"),
        pytest.param("lawful-bases.yaml", "    kind: human_rights\n", "    kind: human_right\n", "kind: human_right", "unknown lawful basis kind", id="unknown-basis-kind"),
        pytest.param("golden-rules.yaml", "    number: 7\n", "    number: 6\n", "number: 6", "golden rule number 6 is used twice", id="golden-rule-number"),
        pytest.param("contacts.yaml", "  - id: line_manager\n", "  - id: designated_safeguarding_lead\n", "id: designated_safeguarding_lead", "contact 'designated_safeguarding_lead' is defined twice", id="duplicate-id"),
    ],
)
def test_problem_is_reported_at_its_line(make_version, file, old, new, marker, problem) -> None:
    error, path = load_broken(make_version, file, replace_once(old, new))
    assert error.file == str(path)
    repeated = marker in ("id: designated_safeguarding_lead", "number: 6")  # the second one is at fault
    assert error.line == line_of(path, marker, 2 if repeated else 1)
    assert problem in error.problem
    assert str(error).startswith(f"{path}, line {error.line}: ")


def test_yaml_syntax_error_points_at_where_the_parser_stopped(make_version) -> None:
    error, path = load_broken(make_version, "flow.yaml", replace_once("      text: Is a child in danger now", "      text: [Is a child in danger now"))
    assert error.file == str(path)
    assert error.line in (line_of(path, "[Is a child"), line_of(path, "[Is a child") + 1)
    assert error.problem.startswith("invalid YAML")


def test_route_leading_to_two_outcomes_names_both_places(make_version) -> None:
    error, path = load_broken(make_version, "flow.yaml", replace_once("          outcome: act_now\n          route: crime_suspected", "          outcome: act_now\n          route: consent"))
    assert error.line == line_of(path, "route: consent", 2)
    assert f"route 'consent' already leads to 'act_now' ({path}, line {line_of(path, 'route: consent')}), not 'share'" in error.problem


def test_question_options_must_cover_the_field(make_version) -> None:
    error, path = load_broken(make_version, "questions.yaml", replace_once("      - {value: parent_child_disagree, label: The child and parent (or two parents) disagree}\n", ""))
    lines = path.read_text().splitlines()
    field_line = lines.index("    field: consent") + 1
    options_line = next(n for n, line in enumerate(lines, start=1) if n > field_line and line == "    options:")
    assert error.line == options_line
    assert "options for 'consent' are missing: parent_child_disagree" in error.problem


def test_branch_that_tests_a_field_its_step_does_not_ask(make_version) -> None:
    error, path = load_broken(make_version, "flow.yaml", replace_once("when: {clear_legitimate_purpose: [\"no\"]}", "when: {special_category: [true]}"))
    assert error.line == line_of(path, "when: {special_category: [true]}")
    assert "step 'legitimate_purpose' does not ask" in error.problem


def test_unreachable_step(make_version) -> None:
    def add_orphan(text: str) -> str:
        return text + "    - id: orphan\n      text: Never asked\n      asks: [consent]\n      cite: {doc: \"000\", section: x}\n      branches:\n        - id: end\n          outcome: share\n          route: consent\n          explain: x\n"

    error, path = load_broken(make_version, "flow.yaml", add_orphan)
    assert error.line == line_of(path, "- id: orphan")
    assert "cannot be reached" in error.problem


def test_closed_vocabulary_must_be_covered(make_version) -> None:
    def drop_last_field(text: str) -> str:
        return text[: text.index("  - id: onward_sharing_agreed")]

    error, path = load_broken(make_version, "record-fields.yaml", drop_last_field)
    assert error.file == str(path)
    assert "record field entries missing for: onward_sharing_agreed" in error.problem


def test_section_defined_in_two_files(make_version) -> None:
    error, path = load_broken(make_version, "zz-extra.yaml", lambda _: "myths:\n  - id: m\n    myth: a\n    reality: b\n    cite: {doc: '000', section: s}\n")
    assert error.file == str(path)
    assert error.line == 1
    assert "already defined in myth-busting.yaml" in error.problem


def test_manifest_id_must_match_directory(make_version) -> None:
    directory = make_version("renamed")
    manifest = directory / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("id: renamed", "id: something-else"))
    with pytest.raises(GuidanceError) as caught:
        load_guidance("renamed", extra_paths=[directory.parent])
    assert caught.value.file == str(manifest)
    assert caught.value.line == line_of(manifest, "id: something-else")


def test_missing_section(make_version) -> None:
    directory = make_version("incomplete")
    (directory / "contacts.yaml").unlink()
    with pytest.raises(GuidanceError, match="no 'contacts' section"):
        load_guidance("incomplete", extra_paths=[directory.parent])


def test_yaml_1_2_booleans_keep_yes_and_no_as_text() -> None:
    data = parse_yaml("answer: no\nother: yes\nflag: true\ndate: 2018-07-01\n", "x.yaml")
    assert data == {"answer": "no", "other": "yes", "flag": True, "date": "2018-07-01"}
    assert data.key_lines == {"answer": 1, "other": 2, "flag": 3, "date": 4}


def test_empty_and_non_mapping_files(make_version) -> None:
    with pytest.raises(GuidanceError, match="empty"):
        parse_yaml("", "empty.yaml")
    error, path = load_broken(make_version, "extra.yaml", lambda _: "- just\n- a list\n")
    assert error.file == str(path)
    assert "mapping of sections" in error.problem
