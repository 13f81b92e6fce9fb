"""The single gate every use case passes: permission check, one transaction, commit on success."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from safeshare.domain.errors import Forbidden, InvalidInput
from safeshare.domain.permissions import Permission
from safeshare.guidance import Guidance, installed_versions, load_guidance
from safeshare.services.clock import Clock
from safeshare.services.context import Actor
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
    permission: Permission,
) -> Callable[[Callable[Concatenate[Service, UnitOfWork, Actor, P], R]], Callable[Concatenate[Service, Actor, P], R]]:
    """Wrap a service method: refuse unless the actor holds `permission`, then run it in one committed transaction.

    Object-level (need-to-know) checks happen inside the method, against the same transaction.
    """

    def decorate(method: Callable[Concatenate[Service, UnitOfWork, Actor, P], R]):
        @functools.wraps(method)
        def run(self: Service, actor: Actor, *args: P.args, **kwargs: P.kwargs) -> R:
            require_permission(actor, permission)
            with self.context.uow_factory() as uow:
                result = method(self, uow, actor, *args, **kwargs)
                uow.commit()
            return result

        run.required_permission = permission  # type: ignore[attr-defined]
        return run

    return decorate
