"""Local overlays change advice without code, and versions install side by side (R1, R8, R3)."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from safeshare.domain.advice import Outcome
from safeshare.guidance import GuidanceError, bundled_overlays, installed_versions, load_guidance

from .helpers import facts, line_of

LOCAL_TRIAGE = """\
overlay:
  format: 1
  id: local-early-help-triage
  title: Local early help triage
  applies_to: [national-2018]
  sources:
    - id: L1
      title: Local early help procedure
patches:
  contacts:
    add:
      - id: early_help_hub
        role: Early help hub
        when_to_contact: Before asking a family to agree to early help.
        how_to_contact: 01234 567890
        cite: {doc: L1, section: Contacts}
  flow:
    branches:
      - step: early_help_consent
        add:
          - id: local-triage-first
            when: {consent: [not_sought]}
            outcome: seek_advice
            route: local_early_help_triage
            explain: Locally, talk to the early help hub before asking the family for consent.
            cite: {doc: L1, section: Early help triage}
  advice_rules:
    add:
      - id: local-triage-contact
        when: {route: [local_early_help_triage]}
        contacts: [early_help_hub]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


EARLY_HELP = {"level_of_concern": "early_help"}


class TestOverlayChangesAdvice:
    def test_local_rule_changes_the_outcome(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "triage.yaml", LOCAL_TRIAGE)
        before = load_guidance("national-2018").advise(facts(**EARLY_HELP))
        after = load_guidance("national-2018", overlays=[overlay]).advise(facts(**EARLY_HELP))
        assert before.outcome is Outcome.seek_consent
        assert after.outcome is Outcome.seek_advice
        assert after.route == "local_early_help_triage"
        assert after.trail[-1].branch == "local-triage-first"
        assert after.trail[-1].citation.document == "L1"
        assert [c.id for c in after.contacts][-1] == "early_help_hub"
        assert after.contacts[-1].how_to_contact == "01234 567890"

    def test_advice_records_the_overlay_id_and_hash(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "triage.yaml", LOCAL_TRIAGE)
        stamp = load_guidance("national-2018", overlays=[overlay]).advise(facts()).guidance
        assert stamp.version == "national-2018"
        assert [(o.id, o.content_hash) for o in stamp.overlays] == [
            ("local-early-help-triage", hashlib.sha256(overlay.read_bytes()).hexdigest())
        ]

    def test_added_branch_goes_before_the_catch_all(self, tmp_path: Path) -> None:
        guidance = load_guidance("national-2018", overlays=[write(tmp_path, "triage.yaml", LOCAL_TRIAGE)])
        step = next(s for s in guidance.steps() if s.id == "early_help_consent")
        assert [b.id for b in step.branches][-2:] == ["local-triage-first", "ask-for-consent"]

    def test_other_outcomes_are_unchanged(self, tmp_path: Path) -> None:
        guidance = load_guidance("national-2018", overlays=[write(tmp_path, "triage.yaml", LOCAL_TRIAGE)])
        assert guidance.advise(facts(level_of_concern="significant_harm")).outcome is Outcome.share_without_consent
        refused = guidance.advise(facts(consent="refused", consent_by="parental_responsibility", **EARLY_HELP))
        assert refused.outcome is Outcome.do_not_share

    def test_edited_overlay_is_reloaded(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "triage.yaml", LOCAL_TRIAGE)
        first = load_guidance("national-2018", overlays=[overlay])
        overlay.write_text(LOCAL_TRIAGE.replace("01234 567890", "01234 000000 (new number)"))
        second = load_guidance("national-2018", overlays=[overlay])
        assert second is not first
        assert second.stamp.overlays[0].content_hash != first.stamp.overlays[0].content_hash
        assert second.advise(facts(**EARLY_HELP)).contacts[-1].how_to_contact == "01234 000000 (new number)"

    def test_overlay_can_remove_and_replace(self, tmp_path: Path) -> None:
        overlay = write(
            tmp_path,
            "strict.yaml",
            """\
            overlay: {format: 1, id: strict, title: Strict local rule, applies_to: [national-2018]}
            patches:
              flow:
                branches:
                  - step: public_interest
                    remove: [public-task]
              contacts:
                replace:
                  - id: designated_safeguarding_lead
                    role: Designated safeguarding lead
                    when_to_contact: Any doubt at all.
                    how_to_contact: Extension 2222
                    cite: {doc: "004", section: "Appendix 1", para: Safeguarding}
            """,
        )
        guidance = load_guidance("national-2018", overlays=[overlay])
        advice = guidance.advise(facts(confidential=False, has_statutory_basis="yes"))
        assert advice.outcome is Outcome.seek_consent  # public task branch removed locally
        dsl = next(c for c in guidance.contacts() if c.id == "designated_safeguarding_lead")
        assert dsl.how_to_contact == "Extension 2222"

    def test_two_overlays_apply_in_order(self, tmp_path: Path) -> None:
        first = write(tmp_path, "triage.yaml", LOCAL_TRIAGE)
        second = write(
            tmp_path,
            "number.yaml",
            """\
            overlay: {format: 1, id: hub-number, title: Hub number, applies_to: [national-2018]}
            patches:
              contacts:
                replace:
                  - id: early_help_hub
                    role: Early help hub
                    when_to_contact: Before asking a family to agree to early help.
                    how_to_contact: 0800 000 000
                    cite: {doc: L1, section: Contacts}
            """,
        )
        guidance = load_guidance("national-2018", overlays=[first, second])
        assert [o.id for o in guidance.stamp.overlays] == ["local-early-help-triage", "hub-number"]
        assert guidance.advise(facts(**EARLY_HELP)).contacts[-1].how_to_contact == "0800 000 000"
        with pytest.raises(GuidanceError, match="no such entry"):
            load_guidance("national-2018", overlays=[second])


class TestBundledExampleOverlay:
    def test_example_overlay_adds_the_early_help_module_rule(self) -> None:
        (example,) = [p for p in bundled_overlays() if p.name == "example-early-help-module.yaml"]
        guidance = load_guidance("national-2018", overlays=[example])
        advice = guidance.advise(facts(local_purpose="early_help_module_record", **EARLY_HELP))
        assert advice.outcome is Outcome.share_without_consent
        assert advice.route == "local_early_help_module"
        assert advice.trail[-1].citation.document == "002"
        assert "local-early-help-leaflet" in [a.id for a in advice.actions]
        # Engaging the family still needs consent, and a refusal still stops sharing.
        assert guidance.advise(facts(**EARLY_HELP)).outcome is Outcome.seek_consent
        refused = guidance.advise(facts(local_purpose="early_help_module_record", consent="refused", consent_by="parental_responsibility", **EARLY_HELP))
        assert refused.outcome is Outcome.do_not_share

    def test_example_overlay_adds_its_question_and_purpose(self) -> None:
        guidance = load_guidance("national-2018", overlays=bundled_overlays())
        question = guidance.question_for_field("local_purpose")
        assert question is not None
        assert [o.value for o in question.options] == ["early_help_module_record"]
        assert any(p.local and p.category == "early_help" for p in guidance.purposes())
        assert load_guidance("national-2018").question_for_field("local_purpose") is None


class TestOverlayErrors:
    def test_overlay_for_another_version(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "other.yaml", LOCAL_TRIAGE.replace("applies_to: [national-2018]", "applies_to: [national-2024]"))
        with pytest.raises(GuidanceError) as caught:
            load_guidance("national-2018", overlays=[overlay])
        assert caught.value.file == str(overlay)
        assert caught.value.line == line_of(overlay, "applies_to")
        assert "national-2024" in caught.value.problem

    def test_unknown_branch_to_replace(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "bad.yaml", LOCAL_TRIAGE.replace("        add:\n          - id: local-triage-first", "        replace:\n          - id: no-such-branch"))
        with pytest.raises(GuidanceError) as caught:
            load_guidance("national-2018", overlays=[overlay])
        assert caught.value.file == str(overlay)
        assert caught.value.line == line_of(overlay, "id: no-such-branch")
        assert "no-such-branch" in str(caught.value)

    def test_bad_condition_in_overlay_names_the_overlay_line(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "bad.yaml", LOCAL_TRIAGE.replace("when: {consent: [not_sought]}", "when: {consent: [maybe]}"))
        with pytest.raises(GuidanceError) as caught:
            load_guidance("national-2018", overlays=[overlay])
        assert (caught.value.file, caught.value.line) == (str(overlay), line_of(overlay, "[maybe]"))
        assert "'maybe' is not a possible value of 'consent'" in caught.value.problem

    def test_branch_testing_a_field_the_step_does_not_ask(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "bad.yaml", LOCAL_TRIAGE.replace("when: {consent: [not_sought]}", "when: {crime_suspected: [true]}"))
        with pytest.raises(GuidanceError, match="does not ask") as caught:
            load_guidance("national-2018", overlays=[overlay])
        assert caught.value.line == line_of(overlay, "crime_suspected")

    def test_also_asks_lets_a_branch_test_a_new_field(self, tmp_path: Path) -> None:
        text = LOCAL_TRIAGE.replace("when: {consent: [not_sought]}", "when: {crime_suspected: [true]}").replace(
            "      - step: early_help_consent\n", "      - step: early_help_consent\n        also_asks: [crime_suspected]\n"
        )
        guidance = load_guidance("national-2018", overlays=[write(tmp_path, "ok.yaml", text)])
        assert guidance.advise(facts(**EARLY_HELP)).outcome is Outcome.seek_consent

    def test_same_overlay_twice(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "triage.yaml", LOCAL_TRIAGE)
        with pytest.raises(GuidanceError, match="already applied"):
            load_guidance("national-2018", overlays=[overlay, overlay])

    def test_missing_overlay_file(self, tmp_path: Path) -> None:
        with pytest.raises(GuidanceError, match="cannot read file") as caught:
            load_guidance("national-2018", overlays=[tmp_path / "absent.yaml"])
        assert caught.value.file.endswith("absent.yaml")

    def test_overlay_shape_error(self, tmp_path: Path) -> None:
        overlay = write(tmp_path, "bad.yaml", LOCAL_TRIAGE.replace("        how_to_contact: 01234 567890\n", "        how_to_contact: 01234 567890\n        phone: 1\n"))
        with pytest.raises(GuidanceError, match="'phone' was unexpected") as caught:
            load_guidance("national-2018", overlays=[overlay])
        assert caught.value.line == line_of(overlay, "phone: 1")


class TestVersionsSideBySide:
    def test_registry_lists_the_baseline_as_default(self) -> None:
        versions = {v.id: v for v in installed_versions()}
        assert versions["national-2018"].default is True
        assert versions["national-2018"].kind == "national"
        assert load_guidance().version == "national-2018"

    def test_unknown_version(self) -> None:
        with pytest.raises(GuidanceError, match="no installed guidance version 'national-1999'"):
            load_guidance("national-1999")

    def test_later_version_extends_the_baseline(self, tmp_path: Path) -> None:
        root = tmp_path / "installed"
        version = root / "national-2024-draft"
        version.mkdir(parents=True)
        (version / "manifest.yaml").write_text(
            textwrap.dedent(
                """\
                manifest:
                  format: 1
                  id: national-2024-draft
                  title: Test later national version
                  kind: national
                  published: "2024-05"
                  extends: national-2018
                  sources:
                    - {id: "N24", title: Later national advice (test stand-in)}
                """
            )
        )
        (version / "golden-rules.yaml").write_text(
            textwrap.dedent(
                """\
                patches:
                  golden_rules:
                    replace:
                      - id: gr1-law-is-a-framework
                        number: 1
                        title: Protection comes first
                        text: A child's right to be protected from abuse and neglect outweighs privacy concerns.
                        cite: {doc: "N24", section: Golden rules, para: Rule 1}
                """
            )
        )
        versions = {v.id: v for v in installed_versions(extra_paths=[root])}
        assert set(versions) >= {"national-2018", "national-2024-draft"}
        assert versions["national-2024-draft"].extends == "national-2018"
        later = load_guidance("national-2024-draft", extra_paths=[root])
        earlier = load_guidance("national-2018", extra_paths=[root])
        assert later.golden_rules()[0].title == "Protection comes first"
        assert earlier.golden_rules()[0].title == "The law enables proper sharing"
        same = facts(level_of_concern="significant_harm")
        assert later.advise(same).guidance.version == "national-2024-draft"
        assert later.advise(same).guidance.content_hash != earlier.advise(same).guidance.content_hash
        assert load_guidance(extra_paths=[root]).version == "national-2018"

    def test_version_installed_twice_is_refused(self, make_version) -> None:
        directory = make_version("national-2018-copy")
        (directory.parent / "again").mkdir()
        clash = directory.parent / "again" / "national-2018-copy"
        clash.mkdir()
        (clash / "manifest.yaml").write_text((directory / "manifest.yaml").read_text())
        with pytest.raises(GuidanceError, match="installed twice"):
            installed_versions(extra_paths=[directory.parent, directory.parent / "again"])
