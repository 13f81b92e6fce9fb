"""One transaction per use case: everything a use case writes, history included, commits or none of it does."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from safeshare.store.ledger_repository import TAG_KEY_INFO
from safeshare.store.repositories.access_log import AccessLogRepository
from safeshare.store.repositories.agencies import AgencyRepository
from safeshare.store.repositories.break_glass import BreakGlassRepository
from safeshare.store.repositories.consents import ConsentRepository
from safeshare.store.repositories.decisions import DecisionRepository
from safeshare.store.repositories.disclosures import DisclosureRepository
from safeshare.store.repositories.idempotency import IdempotencyRepository
from safeshare.store.repositories.people import PersonRepository
from safeshare.store.repositories.requests import RequestRepository
from safeshare.store.repositories.sessions import SessionRepository
from safeshare.store.repositories.subjects import SubjectRepository
from safeshare.store.repositories.witnesses import WitnessRepository
from safeshare.store.repositories.two_step import TwoStepRepository


class UnitOfWork:
    access_log: AccessLogRepository
    agencies: AgencyRepository
    break_glass: BreakGlassRepository
    consents: ConsentRepository
    decisions: DecisionRepository
    disclosures: DisclosureRepository
    idempotency: IdempotencyRepository
    requests: RequestRepository
    people: PersonRepository
    subjects: SubjectRepository
    sessions: SessionRepository
    witnesses: WitnessRepository
    two_step: TwoStepRepository
    connection: Connection

    def __init__(self, engine: Engine, ledger_tag_key: bytes | None = None):
        self._engine = engine
        self._ledger_tag_key = ledger_tag_key
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.connection = self._engine.connect()
        # Set on every checkout: the info dict outlives this use of the pooled connection.
        self.connection.info[TAG_KEY_INFO] = self._ledger_tag_key
        self._transaction = self.connection.begin()
        self.access_log = AccessLogRepository(self.connection)
        self.agencies = AgencyRepository(self.connection)
        self.decisions = DecisionRepository(self.connection)
        self.break_glass = BreakGlassRepository(self.connection)
        self.consents = ConsentRepository(self.connection)
        self.disclosures = DisclosureRepository(self.connection)
        self.idempotency = IdempotencyRepository(self.connection)
        self.requests = RequestRepository(self.connection)
        self.people = PersonRepository(self.connection)
        self.subjects = SubjectRepository(self.connection)
        self.sessions = SessionRepository(self.connection)
        self.witnesses = WitnessRepository(self.connection)
        self.two_step = TwoStepRepository(self.connection)
        return self

    def commit(self) -> None:
        self._transaction.commit()
        self._committed = True

    def __exit__(self, *exc_info) -> None:
        try:
            if not self._committed:
                self._transaction.rollback()
        finally:
            self.connection.close()
