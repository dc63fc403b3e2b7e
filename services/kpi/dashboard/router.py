"""The dashboard: server-rendered pages under /dashboard/ (no script needed, nothing from a
CDN), signed in with an API key into a session cookie; the caller's scopes apply as on the API."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from services.kpi.dashboard import pages
from services.kpi.dashboard.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SIGN_IN,
    Session,
    check_api_key,
    cookie_options,
    signer_of,
)
from shared.db import SessionDep

router = APIRouter(prefix="/dashboard", include_in_schema=False)

Period = Annotated[str | None, Query(max_length=10)]
Area = Annotated[str | None, Query(max_length=40)]
Download = Annotated[str | None, Query(max_length=60, description="A table's key: its CSV.")]


def _session_or_redirect(request: Request) -> Session | Response:
    found = signer_of(request).read_session(request.cookies.get(SESSION_COOKIE))
    if found is not None:
        return found
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{SIGN_IN}?next={quote(target, safe='')}", status_code=303)


def _safe_next(value: str | None) -> str:
    """Only a dashboard page: never an open redirect."""
    if value and value.startswith("/dashboard/") and not value.startswith("//"):
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
async def sign_in_form(
    request: Request, next_: Annotated[str | None, Query(alias="next", max_length=500)] = None
) -> Response:
    return await _sign_in_page(request, _safe_next(next_))


async def _sign_in_page(
    request: Request, next_: str, error: str | None = None, status: int = 200
) -> Response:
    cookie, token = signer_of(request).csrf_cookie()
    response = await pages.render(
        request,
        "sign_in.html.j2",
        None,
        title="Sign in",
        status=status,
        csrf=token,
        next=next_,
        error=error,
    )
    response.set_cookie(CSRF_COOKIE, cookie, **cookie_options(request, 3600))
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    api_key: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next_: Annotated[str, Form(alias="next", max_length=500)] = "/dashboard/",
) -> Response:
    signer = signer_of(request)
    if not signer.csrf_matches(request.cookies.get(CSRF_COOKIE), csrf):
        return await _sign_in_page(
            request,
            _safe_next(next_),
            "The form had expired or did not come from this site; try again.",
            403,
        )
    principal = check_api_key(request, api_key.strip()) if api_key.strip() else None
    if principal is None:
        return await _sign_in_page(request, _safe_next(next_), "That API key is not valid.", 401)
    value, _ = signer.session_cookie(principal)
    response = RedirectResponse(_safe_next(next_), status_code=303)
    response.set_cookie(SESSION_COOKIE, value, **cookie_options(request, signer.max_age))
    response.delete_cookie(CSRF_COOKIE, path="/dashboard")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    found = signer_of(request).read_session(request.cookies.get(SESSION_COOKIE))
    if found is not None and not _same(found.csrf, csrf):
        return await pages.render(
            request,
            "message.html.j2",
            found,
            title="Not signed out",
            status=403,
            message="The sign-out form did not come from this site.",
        )
    response = RedirectResponse(SIGN_IN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/dashboard", httponly=True, samesite="strict")
    return response


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


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
