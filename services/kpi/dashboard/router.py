"""The dashboard: server-rendered pages under /dashboard/ (no script needed, nothing from a
CDN). Signing in happens at the gateway, which forwards the caller's signed identity with each
page (`session.py`); the caller's scopes and districts apply as on the API."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from services.kpi.dashboard import pages
from services.kpi.dashboard.session import (
    OIDC_SIGN_IN,
    SIGN_IN,
    Session,
    csrf_token,
    oidc_provider,
    session_of,
    sign_in_error,
)
from shared.db import SessionDep

router = APIRouter(prefix="/dashboard", include_in_schema=False)

Period = Annotated[str | None, Query(max_length=10)]
Area = Annotated[str | None, Query(max_length=40)]
Download = Annotated[str | None, Query(max_length=60, description="A table's key: its CSV.")]
Next = Annotated[str | None, Query(alias="next", max_length=500)]


def _session_or_redirect(request: Request) -> Session | Response:
    found = session_of(request)
    if found is not None:
        return found
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{SIGN_IN}?next={quote(target, safe='')}", status_code=303)


def _safe_next(value: str | None) -> str:
    """Only a dashboard page: never an open redirect."""
    if value and value.startswith("/dashboard/") and "\\" not in value:
        return value
    return "/dashboard/"


@router.get("", response_class=RedirectResponse)
async def dashboard_root() -> RedirectResponse:
    return RedirectResponse("/dashboard/", status_code=308)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    return await pages.render(request, "home.html.j2", found, title="Dashboard")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next_: Next = None) -> Response:
    """The form the gateway takes (POST); with the reason when the last attempt failed."""
    target = _safe_next(next_)
    provider = oidc_provider(request)
    status, error = sign_in_error(request) or (200, None)
    return await pages.render(
        request,
        "sign_in.html.j2",
        None,
        title="Sign in",
        status=status,
        csrf=csrf_token(request),
        next=target,
        error=error,
        provider=provider,
        oidc_href=f"{OIDC_SIGN_IN}?next={quote(target, safe='')}" if provider else None,
    )


@router.get("/signed-in", response_class=HTMLResponse)
async def signed_in(request: Request, next_: Next = None) -> Response:
    """After the identity provider's cross-site redirect: moves on from this site, so the
    browser sends the new SameSite=Strict session cookie with the next page."""
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    return await pages.render(
        request, "signed_in.html.j2", found, title="Signed in", next=_safe_next(next_)
    )


@router.get("/sign-out", response_class=HTMLResponse)
async def sign_out_refused(request: Request) -> Response:
    """The gateway signs out (POST); it shows this page when the form was not the site's."""
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    refused = request.headers.get("x-hub-sign-in-error") == "forged_sign_out"
    return await pages.render(
        request,
        "message.html.j2",
        found,
        title="Not signed out" if refused else "Sign out",
        status=403 if refused else 200,
        message="The sign-out form did not come from this site."
        if refused
        else "Use the Sign out button above to end this session.",
    )


@router.get("/survey", response_class=HTMLResponse)
async def survey(
    request: Request,
    question: Annotated[str, Query(max_length=60, pattern=r"^[a-z0-9_]+$")] = "informed",
    area: Area = None,
    from_: Annotated[str | None, Query(alias="from", max_length=7)] = None,
    to: Annotated[str | None, Query(max_length=7)] = None,
    download: Download = None,
) -> Response:
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    return await pages.survey(
        request, found, question, area or None, from_ or None, to or None, download
    )


@router.get("/activity", response_class=HTMLResponse)
async def activity(
    request: Request, period: Period = None, area: Area = None, download: Download = None
) -> Response:
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    return await pages.activity(request, found, period or None, area or None, download)


@router.get("/scorecard", response_class=HTMLResponse)
async def scorecard(
    request: Request,
    db: SessionDep,
    period: Period = None,
    area: Area = None,
    download: Download = None,
) -> Response:
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    return await pages.scorecard(request, db, found, period or None, area or None, download)


@router.get("/scorecard/{code}", response_class=HTMLResponse)
async def kpi_series(
    request: Request,
    db: SessionDep,
    code: Annotated[str, pages.KpiCode],
    area: Area = None,
    to: Period = None,
    download: Download = None,
) -> Response:
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    return await pages.kpi(request, db, found, code, area or None, to or None, download)


@router.get("/report", response_class=HTMLResponse)
async def report(
    request: Request, db: SessionDep, period: Period = None, area: Area = None
) -> Response:
    found = _session_or_redirect(request)
    if isinstance(found, Response):
        return found
    return await pages.report(request, db, found, period or None, area or None)
