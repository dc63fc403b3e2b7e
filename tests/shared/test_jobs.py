"""The generic parts of `shared.jobs`: work after a commit, and a heartbeat that stops a job
taken over by another worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db import Database
from shared.jobs import JobLost, after_commit, keep_alive


async def test_work_after_commit_runs_once_the_transaction_commits_and_never_after_a_rollback(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}")
    ran: list[str] = []
    try:
        async with db.write_sessions() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            after_commit(session, lambda: ran.append("committed"))
            assert ran == []  # not before the commit
            await session.commit()
            assert ran == ["committed"]
            await session.execute(text("INSERT INTO t VALUES (1)"))
            after_commit(session, lambda: ran.append("rolled back"))
            await session.rollback()
            await session.commit()  # a later commit does not run what the rollback dropped
        assert ran == ["committed"]
    finally:
        await db.dispose()


async def test_a_job_whose_heartbeat_finds_it_taken_over_stops_with_job_lost() -> None:
    beats: list[int] = []

    async def beat() -> bool:
        beats.append(1)
        return len(beats) < 3  # the third beat finds another worker's claim

    with pytest.raises(JobLost):
        async with keep_alive(beat, 0.01):
            await asyncio.sleep(10)
    assert len(beats) == 3


async def test_a_failing_heartbeat_does_not_stop_the_job_and_a_stop_is_not_job_lost() -> None:
    async def failing() -> bool:
        raise ConnectionError("the database is away a moment")

    async with keep_alive(failing, 0.01):
        await asyncio.sleep(0.05)  # missed beats are only logged

    async def body() -> None:
        async with keep_alive(failing, 0.01):
            await asyncio.sleep(10)

    task = asyncio.create_task(body())
    await asyncio.sleep(0.03)
    task.cancel()  # a shutdown: a cancellation, not a takeover
    with pytest.raises(asyncio.CancelledError):
        await task
