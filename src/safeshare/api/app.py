"""The JSON API: a thin adapter that turns HTTP into service calls."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from safeshare.api.errors import install_error_handlers
from safeshare.api.routes import access, auth, consents, decisions, directory, disclosures, ledger, requests, subjects

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for module in (auth, directory, subjects, decisions, consents, requests, disclosures, access, ledger):
        router.include_router(module.router)
    return router


def configure_api(app: FastAPI) -> None:
    app.include_router(api_router())
    install_error_handlers(app)
