"""The application refuses to start on guidance it cannot load, naming the file, line and problem."""

from pathlib import Path

import pytest

from safeshare.app import create_app
from safeshare.guidance import GuidanceError
from safeshare.services import SafeShare
from safeshare.settings import Environment, Settings
from tests.factories import TEST_SECRET_KEY

BROKEN_OVERLAY = """\
overlay:
  format: 1
  id: broken-local
  title: Broken local rule
  applies_to: [national-2018]
patches:
  advice_rules:
    add:
      - id: local-rule
        when: {route: [consent]}
        contacts: [no_such_contact]
"""


def broken_overlay(tmp_path: Path) -> Path:
    path = tmp_path / "local.yaml"
    path.write_text(BROKEN_OVERLAY)
    return path


def test_a_bad_overlay_in_settings_stops_the_app_at_start_up(tmp_path, engine, database_url):
    overlay = broken_overlay(tmp_path)
    settings = Settings(environment=Environment.TEST, secret_key=TEST_SECRET_KEY, database_url=database_url, guidance_overlays=[overlay])
    with pytest.raises(GuidanceError) as refused:
        create_app(settings, SafeShare.build(engine, settings))
    assert refused.value.file == str(overlay.resolve())
    assert refused.value.line == 11
    assert refused.value.problem == "unknown contact 'no_such_contact'"

