"""Every page of the web service, grouped by journey."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    from safeshare.web.routes import (
        access_history, account_settings, auth, consent, decisions, directory, emergency, exchange, guidance, home, share, subjects,
        two_step,
    )

    return [
        auth.router, two_step.router, home.router, subjects.router, share.router, decisions.router, exchange.router, consent.router,
        emergency.router, access_history.router, account_settings.router, directory.router, guidance.router,
    ]
