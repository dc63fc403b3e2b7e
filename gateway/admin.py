"""The gateway's own API (scope `admin`): managed API keys and the merged audit trail."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, field_validator

from gateway.access import Access
from gateway.keys.models import GATEWAY_AUDIT, ApiKey
from gateway.keys.store import ManagedKeys
from gateway.upstreams import Upstream
from shared.audit import note
from shared.audit_api import (
    AuditPage,
    AuditQuery,
    AuditQueryDep,
    AuditRecord,
    audit_cursor,
    read_audit,
)
from shared.auth import ALL_SCOPES, SCOPES, Principal, forbidden, identity_headers
from shared.db import SessionDep, utcnow
from shared.pagination import encode_cursor
from shared.problems import ProblemError, invalid, problem_responses
from shared.requestid import current_request_id

# Services whose audit records the gateway merges (each serves `GET /api/v1/audit`).
AUDITED_SERVICES = ("activity", "survey", "kpi")
AUDIT_READ_TIMEOUT_S = 10.0

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


# Declared so the OpenAPI document shows both ways to authenticate (as the services do).
_api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey")
_bearer_scheme = HTTPBearer(auto_error=False, scheme_name="Bearer")


async def admin_principal(
    request: Request,
    _key: Annotated[str | None, Depends(_api_key_scheme)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Principal:
    access: Access = request.app.state.access
    principal = await access.authenticate(request.headers)
    request.state.principal = principal  # the audit record's actor
    if not principal.allows("admin"):
        raise forbidden("admin")
    return principal


admin_principal.hub_scope = "admin"  # type: ignore[attr-defined]  # the scope table test
Admin = Annotated[Principal, Depends(admin_principal)]


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Who or what uses the key.")
    scopes: list[
        Annotated[str, Field(json_schema_extra={"enum": [*sorted(SCOPES), ALL_SCOPES]})]
    ] = Field(min_length=1, max_length=len(SCOPES) + 1, description="`*`: every scope.")
    districts: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None,
        max_length=200,
        description="Limit the key to these districts (area codes); absent: the whole force.",
    )
    expires_at: datetime | None = Field(default=None, description="When the key stops working.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "North district inspector's tablet",
                    "scopes": ["activity:read", "activity:write"],
                    "districts": ["BRS"],
                    "expires_at": "2030-01-01T00:00:00Z",
                }
            ]
        }
    }

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        unknown = [s for s in scopes if s not in SCOPES and s != ALL_SCOPES]
        if unknown:
            raise ValueError(f"unknown scope(s) {unknown}; choose from {sorted(SCOPES)} or *")
        return scopes

    @field_validator("expires_at")
    @classmethod
    def _aware_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone (e.g. `Z`)")
        if value <= utcnow():
            raise ValueError("must be in the future")
        return value


class ApiKeyRead(BaseModel):
    id: str
    prefix: str = Field(description="How the key begins: enough to recognise it, no more.")
    name: str
    scopes: list[str]
    districts: list[str] | None
    expires_at: datetime | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret key. Shown this once; only its hash is kept.")


def _read(row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "prefix": f"hub_{row.id}_",
        "name": row.name,
        "scopes": row.scopes,
        "districts": row.districts,
        "expires_at": row.expires_at,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "revoked_at": row.revoked_at,
    }


@router.post(
    "/api-keys",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key (the secret is shown once)",
    responses=problem_responses(403),
)
async def create_key(
    payload: ApiKeyIn, request: Request, response: Response, session: SessionDep, admin: Admin
) -> ApiKeyCreated:
    row, secret = await ManagedKeys.create(
        session,
        name=payload.name,
        scopes=payload.scopes,
        districts=payload.districts,
        expires_at=payload.expires_at,
        created_by=admin.key_id,
    )
    note(request, targets=[row.id])
    response.headers["Location"] = f"/api/v1/admin/api-keys/{row.id}"
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**_read(row), key=secret)


@router.get("/api-keys", response_model=list[ApiKeyRead], summary="API keys (no secrets)")
async def list_keys(
    session: SessionDep,
    _: Admin,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = False,
) -> list[ApiKeyRead]:
    rows = await ManagedKeys.list(session, include_revoked=include_revoked)
    return [ApiKeyRead(**_read(row)) for row in rows]


@router.delete(
    "/api-keys/{key_id}",
    status_code=204,
    summary="Revoke an API key (at once, on every gateway replica)",
    responses=problem_responses(404),
)
async def revoke_key(
    key_id: Annotated[str, Path(max_length=16)], session: SessionDep, _: Admin
) -> Response:
    if await ManagedKeys.revoke(session, key_id) is None:
        raise ProblemError(404, f"No API key {key_id!r}.")
    return Response(status_code=204)


# --- the merged audit trail ----------------------------------------------------------------


async def _service_page(
    upstream: Upstream, principal: Principal, request: Request, query: AuditQuery
) -> AuditPage:
    forwarder = request.app.state.access.forwarder
    if forwarder.signer is None:
        raise ProblemError(503, "HUB_INTERNAL_SECRET is not set: cannot read the services.")
    params: dict[str, Any] = {"limit": query.limit}
    for name in ("actor", "action", "outcome"):
        if getattr(query, name) is not None:
            params[name] = getattr(query, name)
    if query.from_ is not None:
        params["from"] = query.from_.isoformat()
    if query.to is not None:
        params["to"] = query.to.isoformat()
    if query.cursor is not None:
        at, service, last_id = query.cursor
        params["cursor"] = encode_cursor([at.isoformat(), service, last_id])
    headers = identity_headers(forwarder.signer, principal, current_request_id())
    try:
        answer = await upstream.client.get(
            "/api/v1/audit", params=params, headers=headers, timeout=AUDIT_READ_TIMEOUT_S
        )
    except httpx.HTTPError as exc:
        raise ProblemError(
            502, f"The {upstream.name} service's audit trail is unreachable."
        ) from exc
    if answer.status_code != 200:
        raise ProblemError(
            502, f"The {upstream.name} service's audit trail answered {answer.status_code}."
        )
    return AuditPage.model_validate(answer.json())


def _order(record: AuditRecord) -> tuple[datetime, str, str]:
    return (record.at, record.service, record.id)


@router.get(
    "/audit",
    response_model=AuditPage,
    summary="The audit trail of every service, newest first (writes and exports)",
    description="Filters: `actor`, `action` (a route template such as `POST "
    "/api/v1/activities`), `service`, `outcome`, `from`/`to` (instants). Cursor pages.",
    responses=problem_responses(403, 502),
)
async def audit(
    request: Request,
    session: SessionDep,
    admin: Admin,
    query: AuditQueryDep,
    service: Literal["gateway", "activity", "survey", "kpi"] | None = None,
) -> AuditPage:
    upstreams: dict[str, Upstream] = request.app.state.upstreams
    wanted = [name for name in ("gateway", *AUDITED_SERVICES) if service in (None, name)]
    if query.from_ is not None and query.to is not None and query.to <= query.from_:
        raise invalid("query.to", "must be after `from`")
    pages: list[AuditPage] = []
    if "gateway" in wanted:
        pages.append(await read_audit(session, GATEWAY_AUDIT, "gateway", query))
    pages += await asyncio.gather(
        *(_service_page(upstreams[n], admin, request, query) for n in wanted if n != "gateway")
    )
    merged = sorted((r for page in pages for r in page.items), key=_order, reverse=True)
    items = merged[: query.limit]
    more = len(merged) > query.limit or any(page.next_cursor for page in pages)
    return AuditPage(
        items=items,
        limit=query.limit,
        next_cursor=audit_cursor(items[-1]) if more and items else None,
    )
