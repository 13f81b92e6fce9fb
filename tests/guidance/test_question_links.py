"""Each question of the journey links to the golden rules, principles and myths that help answer it, by
id in the guidance data; a link to something the guidance does not hold is refused on load at its line."""

from __future__ import annotations

import pytest

from safeshare.guidance import GuidanceError, load_guidance

from .helpers import line_of
from .test_loader_errors import load_broken, replace_once

CONSENT_LINKS = "    see_also: [gr4-consent-where-possible, consent-always-needed]\n"


def test_every_question_links_to_guidance_it_holds() -> None:
    guidance = load_guidance("national-2018")
    titles = {
        **{("golden_rule", r.id): f"Golden rule {r.number}: {r.title}" for r in guidance.golden_rules()},
        **{("principle", p.id): f"Principle: {p.name}" for p in guidance.principles()},
        **{("myth", m.id): f"Myth: {m.myth}" for m in guidance.myths()},
    }
    for question in guidance.questions():
        assert question.see_also, f"question '{question.id}' links to no guidance"
        for link in question.see_also:
            assert titles[(link.kind, link.id)] == link.title


def test_links_keep_the_order_and_kind_written_in_the_data() -> None:
    consent = load_guidance("national-2018").question("consent")
    assert [(link.kind, link.id) for link in consent.see_also] == [
        ("golden_rule", "gr4-consent-where-possible"),
        ("myth", "consent-always-needed"),
    ]


def test_a_link_to_unknown_guidance_is_refused_at_its_line(make_version) -> None:
    error, path = load_broken(make_version, "questions.yaml", replace_once(CONSENT_LINKS, "    see_also: [gr4-consent-where-possible, gr9-no-such-rule]\n"))
    assert error.file == str(path)
    assert error.line == line_of(path, "gr9-no-such-rule")
    assert "'gr9-no-such-rule', which is not a golden rule, principle or myth" in error.problem
    assert str(error).startswith(f"{path}, line {error.line}: ")


def test_a_link_whose_id_two_kinds_of_guidance_share_is_refused(make_version) -> None:
    # "timely" is a principle no question links to; a myth given the same id makes the link ambiguous.
    directory = make_version("ambiguous", {
        "questions.yaml": replace_once(CONSENT_LINKS, "    see_also: [timely]\n"),
        "myth-busting.yaml": replace_once("myths:\n", "myths:\n  - id: timely\n    myth: a\n    reality: b\n    cite: {doc: '000', section: s}\n"),
    })
    with pytest.raises(GuidanceError) as caught:
        load_guidance("ambiguous", extra_paths=[directory.parent])
    path = directory / "questions.yaml"
    assert caught.value.file == str(path)
    assert caught.value.line == line_of(path, "see_also: [timely]")
    assert "'timely' is ambiguous: it is the id of a principle and myth" in caught.value.problem


@pytest.mark.parametrize(
    ("new", "marker", "problem"),
    [
        pytest.param("    see_also: [Golden Rule 4]\n", "Golden Rule 4", "does not match", id="malformed-id"),
        pytest.param("    see_also: []\n", "see_also: []", "should be non-empty", id="empty"),
        pytest.param("    see_also: [gr4-consent-where-possible, gr4-consent-where-possible]\n", "see_also: [gr4", "non-unique", id="repeated"),
        pytest.param("    see_also: gr4-consent-where-possible\n", "see_also: gr4", "is not of type 'array'", id="not-a-list"),
    ],
)
def test_a_malformed_link_list_is_refused_by_the_file_schema(make_version, new, marker, problem) -> None:
    error, path = load_broken(make_version, "questions.yaml", replace_once(CONSENT_LINKS, new))
    assert error.file == str(path)
    assert error.line == line_of(path, marker)
    assert problem in error.problem
