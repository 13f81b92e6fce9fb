"""The practitioner's web service: server-rendered pages with the GOV.UK Design System.

Routes here are thin adapters: they read a form, call a use case on `request.app.state.services` as the
signed-in person, and render the answer. Every rule lives in the services and the guidance.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from safeshare.settings import Settings

STATIC = Path(__file__).parent / "static"
GOVUK_ASSETS = STATIC / "govuk"  # copied from the govuk-frontend npm package by `make assets`
OWN_ASSETS = STATIC / "safeshare"


def configure_web(app: FastAPI, settings: Settings) -> None:
    from safeshare.web.cookies import JourneySealer
    from safeshare.web.csrf import SignInForgeryGuard
    from safeshare.web.errors import install_web_error_handlers
    from safeshare.web.oidc import IdentityProvider
    from safeshare.web.routes import all_routers
    from safeshare.web.templating import build_environment

    app.state.web_templates = build_environment()
    app.state.sign_in_guard = SignInForgeryGuard(settings)
    app.state.journey_sealer = JourneySealer(settings)
    app.state.identity_provider = IdentityProvider(settings) if settings.oidc_issuer else None
    for router in all_routers():
        app.include_router(router)
    # Our own files first, then GOV.UK Frontend's: its stylesheet asks for /assets/fonts/ and /assets/images/.
    app.mount("/assets/safeshare", StaticFiles(directory=OWN_ASSETS), name="safeshare-assets")
    app.mount("/assets", _InstalledAssets(directory=GOVUK_ASSETS, check_dir=False), name="govuk-assets")
    install_web_error_handlers(app)


class _InstalledAssets(StaticFiles):
    """GOV.UK Frontend's files, which `make assets` installs: until then, a 404 rather than a crash."""

    async def check_config(self) -> None:
        if not GOVUK_ASSETS.is_dir():
            raise HTTPException(status_code=404)
        await super().check_config()


def govuk_assets_installed() -> bool:
    return (GOVUK_ASSETS / "govuk-frontend.min.css").is_file()
