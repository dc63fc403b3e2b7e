"""An import job's uploaded file, read back from the database (`survey_import_upload`).

A CSV is streamed: a task of the event loop fetches its chunks in order, a couple ahead, and
the worker thread that parses the file takes each one as it needs it (a byte stream under the
same text reader as a file, `files.csv_text`). Parsing starts with the first chunk, while the
rest is still being fetched, and no copy of the file is written or held: memory stays flat.
An XLSX workbook is a zip archive, which openpyxl reads out of order: it is copied to a
scratch file first (`fetch_upload`).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol, TextIO

import anyio
import anyio.from_thread
import anyio.lowlevel

from services.survey.imports import repository
from services.survey.imports.files import csv_header, csv_text, iter_csv, iter_rows, read_header
from shared.db import Database

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNKS_AHEAD = 2  # stored chunks (1 MiB each) fetched before the parser asks for them


class RowSource(Protocol):
    """A file's header and data rows, each read (once, in a worker thread) from its start;
    or, for a CSV, its bytes from the start (`csv_bytes`; None for other formats)."""

    def header(self) -> list[str]: ...

    def rows(self) -> Iterator[tuple[int, list[str]]]: ...

    def csv_bytes(self) -> BinaryIO | None: ...


class UploadUnavailable(Exception):
    """The database holds no upload for the job (any more)."""


async def upload_chunks(db: Database, job_id: str) -> AsyncGenerator[bytes, None]:
    """The job's uploaded file from the database, chunk by chunk, in order."""
    async with db.engine.connect() as conn:
        seq = 0
        while (chunk := await repository.upload_chunk(conn, job_id, seq)) is not None:
            yield chunk
            seq += 1
        await conn.rollback()


async def fetch_upload(db: Database, job_id: str, path: Path) -> bool:
    """Copy the job's uploaded file from the database to `path`; False when the database
    holds none."""
    await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
    found = False
    async with (
        await anyio.open_file(path, "wb") as out,
        aclosing(upload_chunks(db, job_id)) as chunks,
    ):
        async for chunk in chunks:
            await out.write(chunk)
            found = True
    return found


class _ChunkStream(io.RawIOBase):
    """Bytes from an iterator of chunks, as a readable raw stream."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        target = memoryview(buffer).cast("B")
        size = min(len(target), len(self._left))
        target[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


class _StreamedCsv:
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._bytes = io.BufferedReader(_ChunkStream(chunks), 1024 * 1024)
        self._text: TextIO | None = None

    def _reader(self) -> TextIO:
        if self._text is None:
            self._text = csv_text(self._bytes)
        return self._text

    def header(self) -> list[str]:
        return csv_header(self._reader())

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return iter_csv(self._reader())

    def csv_bytes(self) -> BinaryIO:
        return self._bytes


class _ScratchFile:
    def __init__(self, path: Path, file_format: str) -> None:
        self.path = path
        self.file_format = file_format

    def header(self) -> list[str]:
        return read_header(self.path, self.file_format)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return iter_rows(self.path, self.file_format)

    def csv_bytes(self) -> None:
        return None


class StoredUpload:
    """The uploaded file of one job, opened as often as the job reads it."""

    def __init__(self, db: Database, job_id: str, file_format: str, scratch: Path) -> None:
        self.db = db
        self.job_id = job_id
        self.file_format = file_format
        self.scratch = scratch

    async def check(self) -> None:
        """Raise `UploadUnavailable` unless the file is there (an XLSX is fetched now)."""
        if self.file_format == "csv":
            async with self.db.engine.connect() as conn:
                found = await repository.upload_exists(conn, self.job_id)
                await conn.rollback()
        else:
            found = await fetch_upload(self.db, self.job_id, self.scratch)
        if not found:
            raise UploadUnavailable(self.job_id)

    @asynccontextmanager
    async def open(self) -> AsyncIterator[RowSource]:
        """The file from its start. Read it within the block and in a worker thread only:
        each chunk a CSV reader takes is handed over by the event loop."""
        if self.file_format != "csv":
            yield _ScratchFile(self.scratch, self.file_format)
            return
        send, receive = anyio.create_memory_object_stream[bytes](CHUNKS_AHEAD)
        failures: list[Exception] = []

        async def fetch() -> None:
            async with send:
                try:
                    # Closed at once when the reader stops early: the connection goes back.
                    async with aclosing(upload_chunks(self.db, self.job_id)) as chunks:
                        async for chunk in chunks:
                            await send.send(chunk)
                except anyio.BrokenResourceError:  # the reader stopped before the end
                    pass
                except Exception as exc:  # raised in the reader's thread, where it waits
                    failures.append(exc)

        # pyarrow reads from threads of its own, not anyio's: they need the loop's token.
        loop = anyio.lowlevel.current_token()

        def thread_chunks() -> Iterator[bytes]:
            while True:
                try:
                    yield anyio.from_thread.run(receive.receive, token=loop)
                except anyio.EndOfStream:
                    if failures:
                        raise failures[0] from None
                    return

        # A plain task, not a task group: an exception of the block (a header problem) stays
        # itself instead of becoming an exception group.
        fetching = asyncio.ensure_future(fetch())
        try:
            yield _StreamedCsv(thread_chunks())
        finally:
            receive.close()
            fetching.cancel()
            await asyncio.gather(fetching, return_exceptions=True)
