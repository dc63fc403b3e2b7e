"""The first load's COPY source (`feed.Feed`): every batch in order, each write after the one
before it and before the COPY ends, the parse thread ahead of the COPY but finished before
`close` returns, and a failure raised where the COPY takes its next chunk."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from services.survey.imports.feed import PARSED_AHEAD, WRITES_BEHIND, Feed


@dataclass
class Batch:
    data: bytes


def batches(count: int, *, fail_at: int | None = None) -> Callable[[], Batch | None]:
    made = iter(range(count))
    busy = threading.Lock()

    def next_batch() -> Batch | None:
        assert busy.acquire(blocking=False), "one call at a time"
        try:
            time.sleep(0.001)
            n = next(made, None)
            if n is not None and n == fail_at:
                raise ValueError(f"batch {n}")
            return None if n is None else Batch(b"" if n == 2 else f"{n};".encode())
        finally:
            busy.release()

    return next_batch


async def take_all(feed: Feed[Batch], into: list[bytes]) -> None:
    async for chunk in feed.chunks():
        into.append(chunk)


async def test_the_batches_come_in_order_each_written_once_after_the_one_before() -> None:
    written: list[int] = []
    running = 0

    async def write(batch: Batch) -> None:
        nonlocal running
        running += 1
        assert running == 1, "one write at a time"
        await asyncio.sleep(0.002)
        written.append(len(written))
        running -= 1

    feed = Feed(batches(8), write)
    chunks = [chunk async for chunk in feed.chunks()]
    # Every write is done when the chunks end (before the COPY would); an empty batch is
    # written but not sent.
    assert written == list(range(8))
    assert b"".join(chunks) == b"0;1;3;4;5;6;7;"
    assert b"" not in chunks
    await feed.close()


async def test_the_parse_runs_ahead_of_the_copy_but_not_further() -> None:
    calls = 0
    parse = batches(10)
    ahead = threading.Event()

    def counted() -> Batch | None:
        nonlocal calls
        calls += 1
        if calls == 1 + PARSED_AHEAD + 1:
            ahead.set()
        return parse()

    async def write(batch: Batch) -> None:
        pass

    feed = Feed(counted, write)
    chunks = feed.chunks()
    assert await chunks.__anext__() == b"0;"
    # The COPY is slow: the thread parses ahead meanwhile, up to the one sent, PARSED_AHEAD
    # waiting, and one more parsed and waiting for room; then it waits.
    assert await asyncio.to_thread(ahead.wait, 10)
    await asyncio.sleep(0.1)
    assert calls == 1 + PARSED_AHEAD + 1
    await feed.close()
    assert calls == 1 + PARSED_AHEAD + 1


async def test_a_parse_failure_is_raised_where_the_copy_takes_its_next_chunk() -> None:
    async def write(batch: Batch) -> None:
        pass

    feed = Feed(batches(5, fail_at=3), write)
    taken: list[bytes] = []
    with pytest.raises(ValueError, match="batch 3"):
        await take_all(feed, taken)
    assert taken == [b"0;", b"1;"]
    await feed.close()


async def test_a_write_failure_stops_the_copy() -> None:
    async def write(batch: Batch) -> None:
        if batch.data == b"1;":
            raise RuntimeError("the progress write failed")

    feed = Feed(batches(6), write)
    with pytest.raises(RuntimeError, match="progress write"):
        await take_all(feed, [])
    await feed.close()


async def test_close_waits_for_the_parse_thread_and_the_last_write() -> None:
    finished: list[str] = []
    parse = batches(100)

    def slow() -> Batch | None:
        time.sleep(0.05)
        batch = parse()
        finished.append("parsed")
        return batch

    async def write(batch: Batch) -> None:
        await asyncio.sleep(0.05)
        finished.append("written")

    feed = Feed(slow, write)
    chunks = feed.chunks()
    await chunks.__anext__()  # the COPY stops after its first chunk (a unique violation)
    await feed.close()
    settled = list(finished)
    await asyncio.sleep(0.2)
    assert finished == settled, "nothing runs after close"
    assert "written" in finished


async def test_pending_writes_do_not_hold_the_copy_up_to_their_bound() -> None:
    release = asyncio.Event()
    written: list[bytes] = []

    async def write(batch: Batch) -> None:
        await release.wait()  # the progress writes are slow
        written.append(batch.data)

    feed = Feed(batches(10), write)
    chunks = feed.chunks()
    # Batch 2 is empty (written, not sent): WRITES_BEHIND - 1 chunks, WRITES_BEHIND writes due.
    taken = [await asyncio.wait_for(chunks.__anext__(), 10) for _ in range(WRITES_BEHIND - 1)]
    assert written == []
    waiting = asyncio.ensure_future(chunks.__anext__())
    await asyncio.sleep(0.1)
    assert not waiting.done(), "the COPY waits once WRITES_BEHIND writes are pending"
    release.set()
    taken.append(await waiting)
    taken += [chunk async for chunk in chunks]
    assert b"".join(taken) == b"0;1;3;4;5;6;7;8;9;"
    assert len(written) == 10
    await feed.close()
