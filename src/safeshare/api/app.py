"""The JSON API: a thin adapter that turns HTTP into service calls."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from safeshare.api.dependencies import strict_json_body_unless_signed_in
from safeshare.api.errors import install_error_handlers
from safeshare.api.health import router as health_router
from safeshare.api.responses import publish_contract
from safeshare.api.routes import access, account_settings, auth, consents, decisions, directory, disclosures, ledger, requests, subjects

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(strict_json_body_unless_signed_in)])
    for module in (auth, account_settings, directory, subjects, decisions, consents, requests, disclosures, access, ledger):
        router.include_router(module.router)
    return router


def configure_api(app: FastAPI) -> None:
    app.include_router(api_router())
    app.include_router(health_router)
    install_error_handlers(app)
    publish_contract(app, API_PREFIX)
