"""The source of a first load's COPY (`run.ImportRun.load_directly`): the file's batches, in
order, as PostgreSQL takes them.

The COPY is the slow side of a first load, so nothing should keep PostgreSQL waiting for its
next chunk: the worker thread parses up to `PARSED_AHEAD` batches ahead of the one being sent
(the first batches are the slow ones, their cells new to the memos; later ones are quick, so
the lead absorbs them), and each batch's rejected rows and progress are written on other
connections beside the COPY, one write at a time and in order, instead of between its chunks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Protocol, TypeVar

import anyio

PARSED_AHEAD = 2  # batches of about 1 MiB each: memory stays flat


class Parsed(Protocol):
    data: bytes  # the batch's good rows as COPY text


B = TypeVar("B", bound=Parsed)


class Feed(Generic[B]):
    """`chunks()` gives the COPY the batches of `next_batch` (called in a worker thread, one
    call at a time, until it returns None); `written(batch)` runs once per batch, in order,
    each after the previous one has finished. `close()` must be awaited when the COPY ends,
    however it ends."""

    def __init__(
        self, next_batch: Callable[[], B | None], written: Callable[[B], Awaitable[None]]
    ) -> None:
        self._next_batch = next_batch
        self._written = written
        self._parsed: asyncio.Queue[B | Exception | None] = asyncio.Queue(PARSED_AHEAD)
        self._stopping = False
        self._parser = asyncio.ensure_future(self._parse())
        self._writing: asyncio.Future[None] | None = None

    async def _parse(self) -> None:
        try:
            while not self._stopping:
                batch = await anyio.to_thread.run_sync(self._next_batch)
                await self._parsed.put(batch)
                if batch is None:
                    return
        except Exception as exc:  # raised where the COPY takes its next chunk
            await self._parsed.put(exc)

    async def _settle(self) -> None:
        """Wait for the previous batch's write (raising its error)."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            batch = await self._parsed.get()
            if isinstance(batch, Exception):
                raise batch
            await self._settle()
            if batch is None:
                return
            self._writing = asyncio.ensure_future(self._written(batch))
            if batch.data:
                yield batch.data

    async def close(self) -> None:
        """Stop parsing and wait for the last write. The parse thread cannot be interrupted:
        it finishes its batch before the file it reads is closed."""
        self._stopping = True
        while not self._parser.done():
            taking = asyncio.ensure_future(self._parsed.get())  # frees a parser waiting to put
            await asyncio.wait({taking, self._parser}, return_when=asyncio.FIRST_COMPLETED)
            taking.cancel()
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)
            self._writing = None
