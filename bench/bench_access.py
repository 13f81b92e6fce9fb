"""Need-to-know at scale: the cost of the authorisation check on a request, and one person's
"incoming disclosures" and "requests I must answer" with 100,000 of each in the database, on SQLite and
PostgreSQL. Every listing is measured through its use case, so it includes the access-log entry it writes.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Engine, insert, text

from bench.scratch import drop_postgres, fresh_postgres
from safeshare.domain.access import Grant
from safeshare.domain.paging import PageRequest
from safeshare.services import SafeShare
from safeshare.services.access_log import log_read
from safeshare.services.disclosures import disclosure_views
from safeshare.settings import Environment, Settings
from safeshare.store import schema  # noqa: F401
from safeshare.store.engine import make_engine
from safeshare.store.exchange_tables import disclosure_recipients, disclosures, information_requests
from safeshare.store.metadata import metadata
from safeshare.store.tables import agencies, decisions, people, person_roles, subject_holders, subjects
from tests.factories import build_world

ROWS = int(os.environ.get("SAFESHARE_BENCH_ACCESS_ROWS", "100000"))
SAMPLES = int(os.environ.get("SAFESHARE_BENCH_ACCESS_SAMPLES", "200"))
AUTH_SAMPLES = int(os.environ.get("SAFESHARE_BENCH_AUTH_SAMPLES", "3000"))  # p99 of each needs many samples to be steady
AGENCIES = 50
PEOPLE = 1000
SUBJECTS = 10000
CHUNK = 5000
NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
ITEMS = [
    {"description": "Attended school every day this term", "kind": "fact", "dated": "2026-10-01", "historical": False, "historical_note": None},
    {"description": "Seems more withdrawn than last year", "kind": "opinion", "dated": "2026-10-20", "historical": False, "historical_note": None},
]
FAMILY = {"status": "will_tell", "told_at": None, "reason_not_told": None, "note": None, "updated_at": None, "updated_by": None}


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _insert(engine: Engine, table, rows: list[dict]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start : start + CHUNK])


def _populate(engine: Engine, world) -> None:
    """A partnership of 50 agencies, 1,000 staff, 10,000 subjects, and ROWS disclosures and requests."""
    rng = random.Random(7)
    agency_ids = [world.agency_a, world.agency_b] + [str(uuid.uuid4()) for _ in range(AGENCIES - 2)]
    _insert(engine, agencies, [
        {"id": a, "name": f"Bench agency {n}", "kind": "school", "section_11_duty": True, "created_at": NOW}
        for n, a in enumerate(agency_ids[2:])
    ])
    staff = [(str(uuid.uuid4()), agency_ids[n % AGENCIES]) for n in range(PEOPLE)]
    _insert(engine, people, [
        {"id": p, "agency_id": a, "name": f"Bench person {n}", "email": f"bench{n}@bench.example", "job_title": "",
         "failed_sign_ins": 0, "disabled": False, "created_at": NOW}
        for n, (p, a) in enumerate(staff)
    ])
    _insert(engine, person_roles, [{"person_id": p, "role": "practitioner"} for p, _ in staff])
    subject_ids = [str(uuid.uuid4()) for _ in range(SUBJECTS)]
    creator = world.people["practitioner_a"].id
    _insert(engine, subjects, [
        {"id": s, "given_name": f"Given{n}", "family_name": f"Family{n}", "other_names": [], "date_of_birth": dt.date(2015, 1, 1),
         "sex": "not_known", "addresses": [], "created_at": NOW, "created_by": creator}
        for n, s in enumerate(subject_ids)
    ])
    _insert(engine, subject_holders, [{"subject_id": s, "agency_id": agency_ids[n % AGENCIES], "since": NOW} for n, s in enumerate(subject_ids)])
    first = 1_000_000  # decision numbers clear of the world's own
    _insert(engine, decisions, [
        {"id": first + n, "agency_id": agency_ids[n % AGENCIES], "decided_by": staff[n % PEOPLE][0], "decided_at": NOW,
         "decision": "share", "outcome": "share", "follows_advice": True, "guidance_version": "bench"}
        for n in range(ROWS)
    ])
    me = world.people["practitioner_b"].id
    disclosure_rows, recipient_rows = [], []
    for n in range(ROWS):
        disclosure_id = str(uuid.uuid4())
        sender = agency_ids[n % AGENCIES]
        sent_at = NOW - dt.timedelta(minutes=n)
        urgent = n % 10 == 0
        disclosure_rows.append({
            "id": disclosure_id, "decision_id": first + n, "subject_id": subject_ids[n % SUBJECTS], "sender_agency_id": sender,
            "sender_person_id": staff[n % PEOPLE][0], "sent_at": sent_at, "purpose": "Bench purpose", "purpose_category": "early_help",
            "items": ITEMS, "lawful_bases": ["uk_gdpr_6_1_e"], "onward_sharing_allowed": False, "urgent": urgent,
            "forwarded_from": [], "family": FAMILY,
        })
        if n % 1000 == 0:  # a hundred addressed to the person measured
            person, agency, role = me, world.agency_b, None
        elif n % 5 == 0:  # a fifth to a role at an agency
            person, agency, role = None, agency_ids[rng.randrange(AGENCIES)], "practitioner"
        else:
            person, agency = staff[rng.randrange(PEOPLE)]
            role = None
        recipient_rows.append({
            "id": str(uuid.uuid4()), "disclosure_id": disclosure_id, "position": 0, "agency_id": agency, "person_id": person,
            "role": role, "sent_at": sent_at, "urgent": urgent, "acknowledged_at": sent_at if n % 3 else None,
        })
    _insert(engine, disclosures, disclosure_rows)
    _insert(engine, disclosure_recipients, recipient_rows)
    requester = world.people["practitioner_b"].id
    _insert(engine, information_requests, [
        {"id": str(uuid.uuid4()), "subject_id": subject_ids[n % SUBJECTS], "requester_agency_id": world.agency_b,
         "requester_person_id": requester, "target_agency_id": agency_ids[rng.randrange(AGENCIES)],
         "target_person_id": None, "purpose": "Bench", "purpose_category": "child_protection_enquiry", "gateway": None,
         "why_needed": "Bench", "information_sought": ["history"], "urgency": "routine",
         "respond_by": NOW + dt.timedelta(minutes=n % 5000), "created_at": NOW, "status": "open" if n % 3 == 0 else "shared"}
        for n in range(ROWS)
    ])
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _timed(fn, samples: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _authorisation_cost(services: SafeShare, actor, disclosure_id: str) -> tuple[list[float], list[float]]:
    """A recipient reading one disclosure through its use case (permission check, need-to-know in the query,
    access log), and the same read with no authorisation at all, interleaved so both see the same conditions."""
    with_it, without = [], []

    def unchecked() -> None:
        with services.context.uow_factory() as uow:
            stored = uow.disclosures.get(disclosure_id)
            view = disclosure_views(uow, [stored])[0]
            log_read(uow, actor, "disclosure.view", [stored.subject_id], NOW, Grant.DISCLOSURE, [f"disclosure:{view.id}"], f"disclosure:{view.id}")
            uow.commit()

    def checked() -> None:
        services.disclosures.get(actor, disclosure_id)

    for fn in (checked, unchecked):
        fn()
    for _ in range(AUTH_SAMPLES):
        for fn, out in ((checked, with_it), (unchecked, without)):
            started = time.perf_counter()
            fn()
            out.append((time.perf_counter() - started) * 1000)
    return with_it, without


def _measure(engine: Engine, url: str, label: str) -> list[dict]:
    settings = Settings(environment=Environment.TEST, secret_key=secrets.token_urlsafe(32), database_url=url)
    services = SafeShare.build(engine, settings, clock=lambda: NOW)
    metadata.create_all(engine)
    world = build_world(services)
    started = time.perf_counter()
    _populate(engine, world)
    print(f"  {label}: {ROWS:,} disclosures and {ROWS:,} requests loaded in {time.perf_counter() - started:.0f} s", flush=True)
    reader = world.actor("practitioner_b")
    answerer = world.actor("practitioner_a")
    page = PageRequest()
    incoming = services.disclosures.incoming(reader, page)
    to_answer = services.requests.to_answer(answerer, page)
    print(f"  {label}: the reader has {incoming.total} incoming disclosures; the answerer {to_answer.total} requests to answer", flush=True)
    incoming_ms = _timed(lambda: services.disclosures.incoming(reader, page), SAMPLES)
    answer_ms = _timed(lambda: services.requests.to_answer(answerer, page), SAMPLES)
    with_it, without = _authorisation_cost(services, reader, incoming.items[0].id)
    added = p99(with_it) - p99(without)
    return [
        {
            "name": f"authorisation added to a disclosure read, p99 with minus p99 without ({label})",
            "value": added, "unit": "ms", "target": "<= 1 ms", "meets": added <= 1.0,
            "baseline_name": "the same read without authorisation, p99 (ms)", "baseline_value": p99(without),
        },
        {
            "name": f"authorisation added to a disclosure read, median with minus median without ({label})",
            "value": statistics.median(with_it) - statistics.median(without), "unit": "ms", "target": "informative", "meets": True,
            "baseline_name": "the same read without authorisation, median (ms)", "baseline_value": statistics.median(without),
        },
        {
            "name": f"my incoming disclosures, first page of 50, p99 ({label}, {ROWS:,} disclosures)",
            "value": p99(incoming_ms), "unit": "ms", "target": "<= 50 ms", "meets": p99(incoming_ms) <= 50,
            "baseline_name": "median (ms)", "baseline_value": statistics.median(incoming_ms),
        },
        {
            "name": f"requests I must answer, first page of 50, p99 ({label}, {ROWS:,} requests)",
            "value": p99(answer_ms), "unit": "ms", "target": "<= 50 ms", "meets": p99(answer_ms) <= 50,
            "baseline_name": "median (ms)", "baseline_value": statistics.median(answer_ms),
        },
    ]


def run() -> list[dict]:
    from argon2 import PasswordHasher  # the bench world's passwords need not be slow to hash

    from safeshare.services import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite:///{Path(scratch) / 'bench.db'}"
            engine = make_engine(url)
            try:
                rows += _measure(engine, url, "SQLite")
            finally:
                engine.dispose()
        url = fresh_postgres("access")
        if url:
            engine = make_engine(url)
            try:
                rows += _measure(engine, url, "PostgreSQL")
            finally:
                engine.dispose()
                drop_postgres("access")
    finally:
        passwords._hasher = original
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
