"""The source of a first load's COPY (`run.ImportRun.load_directly`): the file's batches, in
order, as PostgreSQL takes them.

The COPY is the slow side of a first load, so nothing should keep PostgreSQL waiting for its
next chunk: the worker thread parses up to `PARSED_AHEAD` batches ahead of the one being sent
(the first batches are the slow ones, their cells new to the memos; later ones are quick, so
the lead absorbs them), and each batch's rejected rows and progress are written on other
connections beside the COPY, one write at a time and in order, instead of between its chunks
(up to `WRITES_BEHIND` of them may wait; a failed one fails the load before the COPY ends).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Protocol, TypeVar

import anyio

PARSED_AHEAD = 2  # batches of about 1 MiB each: memory stays flat
WRITES_BEHIND = 4  # batches whose writes are pending before the COPY waits for them


class Parsed(Protocol):
    data: bytes  # the batch's good rows as COPY text


B = TypeVar("B", bound=Parsed)


class Feed(Generic[B]):
    """`chunks()` gives the COPY the batches of `next_batch` (called in a worker thread, one
    call at a time, until it returns None); `written(batch)` runs once per batch, in order,
    each after the previous one has finished, all of them before `chunks()` ends. `close()`
    must be awaited when the COPY ends, however it ends."""

    def __init__(
        self, next_batch: Callable[[], B | None], written: Callable[[B], Awaitable[None]]
    ) -> None:
        self._next_batch = next_batch
        self._written = written
        self._parsed: asyncio.Queue[B | Exception | None] = asyncio.Queue(PARSED_AHEAD)
        self._stopping = False
        self._parser = asyncio.ensure_future(self._parse())
        self._writes: deque[asyncio.Future[None]] = deque()

    async def _parse(self) -> None:
        try:
            while not self._stopping:
                batch = await anyio.to_thread.run_sync(self._next_batch)
                await self._parsed.put(batch)
                if batch is None:
                    return
        except Exception as exc:  # raised where the COPY takes its next chunk
            await self._parsed.put(exc)

    async def _write_after(self, before: asyncio.Future[None] | None, batch: B) -> None:
        if before is not None:
            await before  # a failed write fails the ones after it: none is made
        await self._written(batch)

    async def _settle(self, behind: int) -> None:
        """Wait until at most `behind` writes are pending (raising a failed one's error)."""
        while self._writes and (self._writes[0].done() or len(self._writes) > behind):
            await self._writes.popleft()

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            batch = await self._parsed.get()
            if isinstance(batch, Exception):
                raise batch
            if batch is None:
                await self._settle(0)
                return
            await self._settle(WRITES_BEHIND - 1)
            before = self._writes[-1] if self._writes else None
            self._writes.append(asyncio.ensure_future(self._write_after(before, batch)))
            if batch.data:
                yield batch.data

    async def close(self) -> None:
        """Stop parsing and wait for the pending writes. The parse thread cannot be
        interrupted: it finishes its batch before the file it reads is closed."""
        self._stopping = True
        while not self._parser.done():
            taking = asyncio.ensure_future(self._parsed.get())  # frees a parser waiting to put
            await asyncio.wait({taking, self._parser}, return_when=asyncio.FIRST_COMPLETED)
            taking.cancel()
        await asyncio.gather(*self._writes, return_exceptions=True)
        self._writes.clear()
