"""Use cases: the only way the adapters (API, web, CLI) reach the store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from safeshare.services.access_history import AccessHistoryService
from safeshare.services.account_settings import AccountSettingsService
from safeshare.services.accounts import AccountService
from safeshare.services.bootstrap import BootstrapService
from safeshare.services.break_glass import BreakGlassService
from safeshare.services.consents import ConsentService
from safeshare.services.decisions import DecisionService
from safeshare.ledger.keys import public_key_bytes
from safeshare.ledger.tags import entry_tag_key
from safeshare.services.ledger import LedgerService, signing_key
from safeshare.services.clock import Clock, utc_now
from safeshare.services.directory import DirectoryService
from safeshare.services.disclosures import DisclosureService
from safeshare.services.housekeeping import HousekeepingService
from safeshare.services.requests import RequestService
from safeshare.services.subjects import SubjectService
from safeshare.services.throttle import SignInThrottle
from safeshare.services.timeline import TimelineService
from safeshare.services.witnesses import WitnessService
from safeshare.services.use_case import ServiceContext
from safeshare.settings import Settings
from safeshare.store.unit_of_work import UnitOfWork


@dataclass
class SafeShare:
    """Every use case, grouped by feature, sharing one engine, clock and settings."""

    context: ServiceContext

    def __post_init__(self) -> None:
        self.accounts = AccountService(self.context)
        self.account_settings = AccountSettingsService(self.context)
        self.bootstrap = BootstrapService(self.context)
        self.decisions = DecisionService(self.context)
        self.directory = DirectoryService(self.context)
        self.ledger = LedgerService(self.context)
        self.witnesses = WitnessService(
            self.context, self.ledger.witness_store, public_key_bytes(signing_key(self.context.settings))
        )
        self.subjects = SubjectService(self.context)
        self.access_history = AccessHistoryService(self.context)
        self.break_glass = BreakGlassService(self.context)
        self.consents = ConsentService(self.context)
        self.disclosures = DisclosureService(self.context)
        self.housekeeping = HousekeepingService(self.context)
        self.requests = RequestService(self.context)
        self.timeline = TimelineService(self.context)

    def database_answers(self) -> bool:
        """Whether the database takes a query now (for the health check; reads and writes nothing)."""
        try:
            with self.context.uow_factory() as uow:
                uow.connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    @classmethod
    def build(cls, engine: Engine, settings: Settings, clock: Clock = utc_now) -> SafeShare:
        tag_key = entry_tag_key(signing_key(settings))
        context = ServiceContext(
            uow_factory=lambda: UnitOfWork(engine, tag_key), clock=clock, settings=settings, throttle=SignInThrottle(settings)
        )
        return cls(context)
