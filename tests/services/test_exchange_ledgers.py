"""The exchange's own ledgers (consents, requests, disclosures, break-glass) verify, and their exports are logged."""

import pytest

from safeshare.domain.break_glass import BreakGlassInput
from safeshare.domain.consent import ObtainedBy, WithdrawalInput
from safeshare.domain.paging import PageRequest
from safeshare.domain.requests import NotHeld
from safeshare.ledger import verify_export
from safeshare.services.ledger import Log
from tests.exchange import consent_input, disclose, extend, request_input
from tests.factories import PASSWORD


@pytest.fixture
def w(world):
    w = extend(world)
    a = w.actor("practitioner_a")
    consent = w.services.consents.record(a, consent_input(w)).consent
    w.services.consents.withdraw(a, consent.id, WithdrawalInput(how=ObtainedBy.PHONE, note="Rang"))
    sent = disclose(w)
    w.services.disclosures.acknowledge(w.actor("practitioner_b"), sent.id)
    request = w.services.requests.send(w.actor("practitioner_b"), request_input(w, target=w.agency_c))
    w.services.requests.answer_not_held(w.actor("practitioner_c"), request.id, NotHeld())
    reason = "Emergency call about Ada late at night"
    w.services.break_glass.open(w.actor("practitioner_c"), BreakGlassInput(subject_id=w.subjects["child_a"].id, reason=reason), PASSWORD)
    return w


@pytest.mark.parametrize(("log", "entries"), [(Log.CONSENTS, 2), (Log.DISCLOSURES, 2), (Log.REQUESTS, 2), (Log.BREAK_GLASS, 1)])
def test_each_exchange_ledger_verifies(w, log, entries):
    report = w.services.ledger.verify(w.actor("ig_lead_a"), log)
    assert report.ok and report.tree_size == entries, report.summary()


def test_exporting_a_disclosures_ledger_is_logged_against_its_subjects(w, tmp_path):
    auditor = w.actor("auditor")
    w.services.ledger.export(auditor, Log.DISCLOSURES, tmp_path / "disclosures.jsonl", tmp_path / "disclosures.checkpoint")
    assert verify_export(tmp_path / "disclosures.jsonl", tmp_path / "disclosures.checkpoint").ok
    with w.services.context.uow_factory() as uow:
        entry = uow.access_log.history(w.subjects["child_a"].id, PageRequest()).items[0]
    assert entry.action == "ledger.export.disclosures" and entry.person_id == auditor.person_id
