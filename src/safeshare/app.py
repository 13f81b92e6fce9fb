"""The ASGI application: API and web pages over one set of services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import Scope

from safeshare import __version__
from safeshare.api.app import configure_api
from safeshare.api.errors import body_refused
from safeshare.http_security import SecurityHeaders
from safeshare.request_limits import RequestRefused, BoundedRequests, is_api_path
from safeshare.services import SafeShare
from safeshare.settings import Settings, load_settings
from safeshare.store.engine import check_reachable, make_engine
from safeshare.web import configure_web
from safeshare.web.errors import body_refused_page


def create_app(settings: Settings | None = None, services: SafeShare | None = None) -> FastAPI:
    settings = settings or load_settings()
    settings.secret()  # no secret key, no start: before anything is opened
    if services is None:
        engine = make_engine(settings.database_url)
        check_reachable(engine)
        services = SafeShare.build(engine, settings)
    services.context.load_guidance()  # a bad guidance or overlay file stops start-up here (GuidanceError)

    @asynccontextmanager
    async def checkpointing(_app: FastAPI) -> AsyncIterator[None]:
        """While serving, checkpoint the ledgers into the witness store in the background (when one is configured)."""
        checkpointer = services.ledger.checkpointer
        if checkpointer is not None:
            checkpointer.start()
        try:
            yield
        finally:
            if checkpointer is not None:
                checkpointer.stop()

    app = FastAPI(
        lifespan=checkpointing,
        title="SafeShare",
        version=__version__,
        description="Guided, recorded, need-to-know information sharing for safeguarding children.",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.services = services
    app.state.settings = settings
    configure_api(app)
    configure_web(app, settings)
    app.add_middleware(
        BoundedRequests,
        refuse=_refusal,
        head_bytes=settings.max_request_head_bytes,
        idle_seconds=settings.body_idle_seconds,
        total_seconds=settings.body_total_seconds,
    )
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)  # outermost, so refusals carry the headers too
    return app


def _refusal(scope: Scope, refused: RequestRefused) -> Response:
    return body_refused(refused) if is_api_path(scope["path"]) else body_refused_page(scope, refused)
