"""Work the installation does for itself, with no actor: deleting what it no longer needs to keep."""

from __future__ import annotations

from safeshare.services.idempotency import honoured_since
from safeshare.services.use_case import Service


class HousekeepingService(Service):
    def forget_expired_idempotency_keys(self) -> int:
        """Delete the idempotency keys no longer honoured (`settings.idempotency_key_hours`); returns how many.

        Expired keys are never honoured whether or not this has run (`services/idempotency.py`); this is so that
        the table keeps nothing for longer than that."""
        with self.context.uow_factory() as uow:
            forgotten = uow.idempotency.forget_made_by(honoured_since(self.now(), self.context.settings))
            uow.commit()
        return forgotten
