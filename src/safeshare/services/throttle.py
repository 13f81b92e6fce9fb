"""The sign-in throttle: failed or not, every password check counts against its client address and against
that address and the account together, with the `limits` library (moving windows).

The count lives in `SAFESHARE_RATE_LIMIT_STORAGE`: `memory://` holds it in this process only (one server
process), `redis://...` shares it between every process that serves the installation. The limit on an
address and an account together is kept below the account lock-out (settings refuse otherwise), so one
address hammering a named account is throttled before the lock-out that would shut its owner out; a
success clears it, so a person signing in often from one place is never held up by it.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from safeshare.domain.errors import ServiceUnavailable, TooManyAttempts
from safeshare.settings import Settings

class SignInThrottle:
    def __init__(self, settings: Settings):
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage, wrap_exceptions=True))
        self._per_address = parse(settings.sign_in_limit_per_address)
        self._per_address_and_account = parse(settings.sign_in_limit_per_address_and_account)
        self._namespace = settings.rate_limit_key_prefix

    def attempt(self, client: str, account: str) -> None:
        """Count one attempt to check a password, or refuse it (TooManyAttempts) when a limit is reached."""
        for item, identifiers in self._limits(client, account):
            if not self._call(self._limiter.hit, item, *identifiers):
                raise TooManyAttempts(self._retry_after(item, identifiers))

    def succeeded(self, client: str, account: str) -> None:
        """The right password: this address's attempts at this account start again from nothing."""
        item, identifiers = self._limits(client, account)[1]
        self._call(self._limiter.clear, item, *identifiers)

    def _limits(self, client: str, account: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        return [
            (self._per_address, (self._namespace, "sign-in", "address", client)),
            (self._per_address_and_account, (self._namespace, "sign-in", "address+account", client, account)),
        ]

    def _retry_after(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> int:
        reset_time = self._call(self._limiter.get_window_stats, item, *identifiers).reset_time
        return max(1, math.ceil(reset_time - time.time()))

    @staticmethod
    def _call(method, *args):
        try:
            return method(*args)
        except StorageError as error:
            # Fail closed: without its count the throttle cannot protect anyone, so nobody signs in.
            raise ServiceUnavailable("signing in is unavailable for a moment: try again shortly") from error
