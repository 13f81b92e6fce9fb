"""`GET /healthz`: whether this process serves and reaches its database, for a load balancer or a supervisor.

It says nothing about anyone's data and needs no sign-in, so it sits outside the API's prefix."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from safeshare.api.dependencies import Services

router = APIRouter(tags=["operations"])


@router.get("/healthz", include_in_schema=False)
def healthz(services: Services) -> JSONResponse:
    if services.database_answers():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "database unavailable"}, status_code=503)
