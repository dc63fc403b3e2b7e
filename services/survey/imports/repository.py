"""Queries of import jobs: uploads, rejected cells. Flushes, never commits: the request
boundary commits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import anyio
from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.imports.models import ImportJob, ImportRowError, ImportUploadChunk

UPLOADS = ImportUploadChunk.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
ERRORS = ImportRowError.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
UPLOAD_CHUNK_BYTES = 1024 * 1024
UPLOAD_CHUNKS_PER_INSERT = 8  # 8 MiB a statement: flat memory for files of any size


def _read_groups(fh: BinaryIO) -> Iterator[list[bytes]]:
    group: list[bytes] = []
    while chunk := fh.read(UPLOAD_CHUNK_BYTES):
        group.append(chunk)
        if len(group) == UPLOAD_CHUNKS_PER_INSERT:
            yield group
            group = []
    if group:
        yield group


async def store_upload(session: AsyncSession, import_id: str, path: Path) -> None:
    """The uploaded file, in 1 MiB chunks, beside its job row."""
    seq = 0
    fh = await anyio.to_thread.run_sync(path.open, "rb")
    try:
        groups = _read_groups(fh)
        while (group := await anyio.to_thread.run_sync(next, groups, None)) is not None:
            rows = [
                {"import_id": import_id, "seq": seq + k, "data": c} for k, c in enumerate(group)
            ]
            await session.execute(insert(UPLOADS), rows)
            seq += len(group)
    finally:
        await anyio.to_thread.run_sync(fh.close)


async def upload_exists(conn: AsyncConnection | AsyncSession, import_id: str) -> bool:
    stmt = select(UPLOADS.c.seq).where(UPLOADS.c.import_id == import_id).limit(1)
    return (await conn.execute(stmt)).first() is not None


async def upload_chunk(conn: AsyncConnection, import_id: str, seq: int) -> bytes | None:
    stmt = select(UPLOADS.c.data).where(UPLOADS.c.import_id == import_id, UPLOADS.c.seq == seq)
    data = (await conn.execute(stmt)).scalar_one_or_none()
    return None if data is None else bytes(data)


async def delete_upload(conn: AsyncConnection | AsyncSession, import_id: str) -> None:
    await conn.execute(delete(UPLOADS).where(UPLOADS.c.import_id == import_id))


async def import_exists(session: AsyncSession, import_id: str) -> bool:
    return await session.get(ImportJob, import_id) is not None


async def import_errors_page(
    session: AsyncSession, import_id: str, *, after: tuple[int, int] | None, limit: int
) -> list[tuple[int, int, str, str]]:
    """(row number, id, column, reason) of an import's rejected cells after the keyset
    cursor (row number, id), in that order."""
    stmt = select(ERRORS.c.row_number, ERRORS.c.id, ERRORS.c.column, ERRORS.c.reason).where(
        ERRORS.c.import_id == import_id
    )
    if after is not None:
        stmt = stmt.where(
            # The plain bound starts the index range at the cursor; the OR alone was a
            # filter, and every page rescanned the errors before it.
            ERRORS.c.row_number >= after[0],
            or_(
                ERRORS.c.row_number > after[0],
                and_(ERRORS.c.row_number == after[0], ERRORS.c.id > after[1]),
            ),
        )
    stmt = stmt.order_by(ERRORS.c.row_number, ERRORS.c.id).limit(limit)
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(stmt)).all()]
