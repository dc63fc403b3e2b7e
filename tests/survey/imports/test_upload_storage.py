"""On PostgreSQL the uploaded chunks are stored lz4-compressed where the server has lz4, and
uncompressed otherwise, never with the slow default pglz (the migrations set it; the import
tests read such chunks back)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.db import create_engine
from shared.migrations import upgrade
from tests.support.databases import DatabaseFactory

STORAGE = text(
    "SELECT attstorage::text, attcompression::text FROM pg_attribute "
    "WHERE attrelid = 'survey_import_upload'::regclass AND attname = 'data'"
)
HAS_LZ4 = text(
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


async def test_upload_chunks_are_stored_with_lz4_or_uncompressed(
    databases: DatabaseFactory,
) -> None:
    if databases.backend != "postgresql":
        pytest.skip("a PostgreSQL column setting; SQLite stores blobs as they are")
    url = await databases.empty("upload_storage")
    await upgrade("survey", url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            has_lz4 = (await conn.execute(HAS_LZ4)).scalar()
            storage, compression = (await conn.execute(STORAGE)).one()
    finally:
        await engine.dispose()
    if has_lz4:
        assert (storage, compression) == ("x", "l")  # extended (compressible), lz4
    else:
        assert (storage, compression) == ("e", "")  # external: stored as it is
