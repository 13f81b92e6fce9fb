"""The single gate every use case passes: permission check, one transaction, commit on success."""

from __future__ import annotations

import functools
import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from safeshare.domain.errors import Forbidden, InvalidInput, NotFound
from safeshare.domain.permissions import Permission
from safeshare.guidance import Guidance, installed_versions, load_guidance
from safeshare.services.clock import Clock
from safeshare.services.context import Actor
from safeshare.services.security_events import SecurityEvent, record_event
from safeshare.services.idempotency import Attempt, Idempotent, checked_key, request_digest, retrying_taken_keys
from safeshare.services.throttle import SignInThrottle
from safeshare.settings import Settings
from safeshare.store.unit_of_work import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class ServiceContext:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    settings: Settings
    throttle: SignInThrottle
    _loaded_guidance: dict = field(default_factory=dict, repr=False)

    def guidance(self, version: str | None = None) -> Guidance:
        """The installed guidance (with the partnership's overlays), loaded and validated once per version.

        Kept for the life of the process: changed guidance files take effect on restart. A version the
        caller names but that is not installed is the caller's mistake (`guidance_version`).
        """
        requested = version
        version = version or self.settings.guidance_version
        if version not in self._loaded_guidance:
            if requested is not None:
                installed = [v.id for v in installed_versions()]
                if requested not in installed:
                    raise InvalidInput.of(
                        "guidance_version", f"no installed guidance version '{requested}' (installed: {', '.join(installed)})"
                    )
            overlays = tuple(self.settings.guidance_overlays)
            self._loaded_guidance[version] = load_guidance(version, overlays)
        return self._loaded_guidance[version]

    def load_guidance(self) -> Guidance:
        """Load and check the default guidance and the overlays in settings now, so that a bad file stops
        start-up with a GuidanceError naming the file, line and problem, not the first request for advice."""
        return self.guidance()


class Service:
    def __init__(self, context: ServiceContext):
        self.context = context

    def now(self):
        return self.context.clock()


def new_id() -> str:
    return str(uuid.uuid4())


def require_permission(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise Forbidden(f"your role does not allow this ({permission.value})")


def use_case(
    permission: Permission, idempotent: Idempotent | None = None
) -> Callable[[Callable[Concatenate[Service, UnitOfWork, Actor, P], R]], Callable[Concatenate[Service, Actor, P], R]]:
    """Wrap a service method: refuse unless the actor holds `permission`, then run it in one committed transaction.

    Object-level (need-to-know) checks happen inside the method, against the same transaction. A use case that
    seals or sends is `idempotent`: it takes `idempotency_key=`, and a retry with the key returns the first result
    (`safeshare.services.idempotency`).
    """

    def decorate(method: Callable[Concatenate[Service, UnitOfWork, Actor, P], R]):
        @functools.wraps(method)
        def run(self: Service, actor: Actor, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return attempt(self, actor, *args, **kwargs)
            except (Forbidden, NotFound) as refused:
                # Every refusal is a security event (ASVS 16.3.2): which use case, whom, and why; never what was asked.
                event = SecurityEvent.PERMISSION_REFUSED if isinstance(refused, Forbidden) else SecurityEvent.RECORD_REFUSED
                record_event(
                    event, self.now(), person_id=actor.person_id, agency_id=actor.agency_id, channel=actor.channel.value,
                    use_case=method.__qualname__, permission=permission.value,
                )
                raise

        def attempt(self: Service, actor: Actor, *args: P.args, **kwargs: P.kwargs) -> R:
            require_permission(actor, permission)
            key = checked_key(kwargs.pop("idempotency_key", None)) if idempotent is not None else None

            def once() -> R:
                with self.context.uow_factory() as uow:
                    if key is None:
                        result = method(self, uow, actor, *args, **kwargs)
                    else:
                        result = _keyed(self, uow, actor, key, method, args, kwargs)
                    uow.commit()
                return result

            return retrying_taken_keys(once) if key is not None else once()

        def _keyed(self: Service, uow: UnitOfWork, actor: Actor, key: str, method, args, kwargs):
            # By name, so a request passed positionally or by keyword, or with a default spelled out, is the same one.
            bound = inspect.signature(method).bind(self, uow, actor, *args, **kwargs)
            bound.apply_defaults()
            request = dict(list(bound.arguments.items())[3:])
            digest = request_digest(self.context.settings, idempotent.operation, request)
            attempt = Attempt(actor, idempotent.operation, key, digest)
            now = self.now()
            earlier = attempt.earlier_result(uow, now, self.context.settings)
            if earlier is not None:
                return idempotent.replay(self, uow, actor, earlier)
            result = method(self, uow, actor, *args, **kwargs)
            attempt.remember(uow, idempotent.reference(result), now)
            return result

        run.required_permission = permission  # type: ignore[attr-defined]
        run.idempotent = idempotent  # type: ignore[attr-defined]
        return run

    return decorate
