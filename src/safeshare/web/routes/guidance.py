"""The guidance itself: golden rules, principles and myth-busting, all from the installed guidance data."""

from __future__ import annotations

from fastapi import APIRouter, Request

from safeshare.web.context import MaybePage, render, services_of

router = APIRouter(prefix="/guidance", include_in_schema=False)


def _guidance(request: Request):
    return services_of(request).context.guidance()


def _page(request: Request, page, template: str, **context):
    guidance = _guidance(request)
    sources = {s.id: s for s in guidance.sources()}
    return render(request, template, page=page, section="guidance", guidance=guidance, sources=sources, **context)


@router.get("")
def index(request: Request, page: MaybePage):
    return _page(request, page, "guidance/index.html")


@router.get("/golden-rules")
def golden_rules(request: Request, page: MaybePage):
    return _page(request, page, "guidance/golden_rules.html", rules=_guidance(request).golden_rules())


@router.get("/principles")
def principles(request: Request, page: MaybePage):
    return _page(request, page, "guidance/principles.html", principles=_guidance(request).principles())


@router.get("/myths")
def myths(request: Request, page: MaybePage):
    return _page(request, page, "guidance/myths.html", myths=_guidance(request).myths())
