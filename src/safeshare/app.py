"""The ASGI application: API and web pages over one set of services."""

from __future__ import annotations

from fastapi import FastAPI

from safeshare import __version__
from safeshare.api.app import configure_api
from safeshare.http_security import SecurityHeaders
from safeshare.services import SafeShare
from safeshare.settings import Settings, load_settings
from safeshare.store.engine import check_reachable, make_engine
from safeshare.web import configure_web


def create_app(settings: Settings | None = None, services: SafeShare | None = None) -> FastAPI:
    settings = settings or load_settings()
    settings.secret()  # no secret key, no start: before anything is opened
    if services is None:
        engine = make_engine(settings.database_url)
        check_reachable(engine)
        services = SafeShare.build(engine, settings)
    services.context.load_guidance()  # a bad guidance or overlay file stops start-up here (GuidanceError)
    app = FastAPI(
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
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    return app
