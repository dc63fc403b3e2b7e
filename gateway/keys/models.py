"""Tables of the gateway's own store (all prefixed `gateway_`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Integer, String
from sqlmodel import Field, SQLModel

from shared.audit import audit_table
from shared.db import UTCDateTime, service_registry, utcnow


class GatewayTable(SQLModel, registry=service_registry()):
    """Base of every gateway table (own MetaData, own migrations)."""


class ApiKey(GatewayTable, table=True):
    """A managed key. The secret is never stored: only its SHA-256 (the secret is 256 random
    bits, so a fast hash is enough; a slow password hash would only slow every request)."""

    __tablename__ = "gateway_api_key"

    # The public part of the key (`hub_<id>_<secret>`): the indexed lookup, shown in lists.
    id: str = Field(sa_column=Column(String(16), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False))
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    districts: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class KeyVersion(GatewayTable, table=True):
    """One row, bumped by every revocation: each replica compares it with the version its key
    cache was filled at (see `gateway/keys/store.py`)."""

    __tablename__ = "gateway_key_version"

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True))
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


GATEWAY_AUDIT = audit_table(GatewayTable.metadata, "gateway")
