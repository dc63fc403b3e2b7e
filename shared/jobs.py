"""Background jobs: run outside the request that queued them, behind one small interface.

- `PgJobQueue` (PostgreSQL): the pgqueuer library. A job is a row of its queue table, inserted
  in the caller's own transaction, so it exists exactly when the caller's rows do. Every
  instance with a consumer picks jobs (`FOR UPDATE SKIP LOCKED`: one worker each), keeps a
  heartbeat on the ones it runs, and picks again a job whose worker stopped beating (it died)
  once the heartbeat is older than `stale`. A stopping instance hands its jobs back at once.
- `InProcessJobQueue` (the embedded SQLite store): tasks of this process, started once the
  caller's transaction commits; what a stop interrupts runs at the next start.

A job is named by a key (the caller's own id): the queue dedupes on it, so a job is queued at
most once at a time, and `run(key)` must be safe to run again for a key, since after a crash
it does. `pending()` names the jobs that may have lost their queue entry (queued before a crash,
or interrupted): they are queued again at start-up, and on PostgreSQL every `stale` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import asyncpg
from pgqueuer.adapters.persistence.qb import (
    DBSettings,
    QueryBuilderEnvironment,
    QueryQueueBuilder,
    QuerySchedulerBuilder,
)
from pgqueuer.db import AsyncpgDriver, AsyncpgPoolDriver, Driver
from pgqueuer.errors import RetryRequested
from pgqueuer.models import Channel, Job
from pgqueuer.qm import QueueManager
from pgqueuer.queries import Queries
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

logger = logging.getLogger("hub.jobs")

RunJob = Callable[[str], Coroutine[Any, Any, None]]
JobKeys = Callable[[], Awaitable[Sequence[str]]]
Interrupted = Callable[[Sequence[str]], Awaitable[None]]


class RunLater(Exception):
    """Raised by `run`: the job cannot run now (another live worker has it); try again after
    `delay` seconds."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


class JobLost(Exception):
    """Raised by `keep_alive`: another worker owns the job now; this run has stopped."""


class JobQueue(Protocol):
    async def submit(self, session: AsyncSession, key: str) -> None:
        """Queue a job with the caller's transaction: it runs once that commits, never if it
        rolls back."""

    async def resubmit(self, keys: Sequence[str]) -> None:
        """Queue jobs again outside any transaction (a job already queued stays queued once)."""

    async def start(self) -> None: ...

    async def close(self) -> None:
        """Stop: running jobs are interrupted and handed back (`interrupted`), to run again."""


@contextlib.asynccontextmanager
async def keep_alive(beat: Callable[[], Awaitable[bool]], every_s: float) -> AsyncIterator[None]:
    """Call `beat()` every `every_s` while the body runs; when it answers False (the job has
    been taken over), stop the body and raise `JobLost`."""
    body = asyncio.current_task()
    assert body is not None
    lost = False

    async def beating() -> None:
        nonlocal lost
        while True:
            await asyncio.sleep(every_s)
            try:
                alive = await beat()
            except Exception:  # a missed beat; the next one may get through
                logger.warning("job heartbeat failed", exc_info=True)
                continue
            if not alive:
                lost = True
                body.cancel()
                return

    beater = asyncio.create_task(beating())
    try:
        yield
    except asyncio.CancelledError:
        if lost and body.uncancel() == 0:  # our cancel alone, not a stop of the whole task
            raise JobLost from None
        raise
    finally:
        beater.cancel()
        await asyncio.gather(beater, return_exceptions=True)


# --- the embedded store: tasks of this process ------------------------------------------------


def after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run `action` once the session's transaction commits; forget it if it rolls back."""
    sync = session.sync_session
    actions: list[Callable[[], None]] | None = sync.info.get("hub_after_commit")
    if actions is None:
        actions = sync.info["hub_after_commit"] = []

        def committed(_session: Session) -> None:
            for queued in actions[:]:
                queued()
            actions.clear()

        event.listen(sync, "after_commit", committed)
        event.listen(sync, "after_rollback", lambda _session: actions.clear())
    actions.append(action)


class InProcessJobQueue:
    """Jobs as tasks of this process, `concurrency` at a time."""

    def __init__(
        self, run: RunJob, *, concurrency: int, pending: JobKeys, interrupted: Interrupted
    ) -> None:
        self.run = run
        self.pending = pending
        self.interrupted = interrupted
        self.slots = asyncio.Semaphore(concurrency)
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.running: set[str] = set()
        self.later: set[asyncio.TimerHandle] = set()

    async def submit(self, session: AsyncSession, key: str) -> None:
        after_commit(session, lambda: self._spawn(key))

    async def resubmit(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._spawn(key)

    async def start(self) -> None:
        await self.resubmit(await self.pending())

    def _spawn(self, key: str) -> None:
        if key in self.tasks:  # queued or running here already
            return
        task = asyncio.get_running_loop().create_task(self._run(key))
        self.tasks[key] = task
        task.add_done_callback(lambda _task: self.tasks.pop(key, None))

    async def _run(self, key: str) -> None:
        async with self.slots:
            self.running.add(key)
            try:
                await self.run(key)
            except RunLater as later:

                def again() -> None:
                    self.later.discard(handle)
                    self._spawn(key)

                handle = asyncio.get_running_loop().call_later(later.delay, again)
                self.later.add(handle)
            except Exception:
                logger.exception("job %s could not be run", key)
            finally:
                self.running.discard(key)

    async def close(self) -> None:
        for handle in self.later:
            handle.cancel()
        interrupted = sorted(self.running)
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if interrupted:
            try:
                await self.interrupted(interrupted)
            except Exception:  # the database may be gone too: `pending` finds them later
                logger.warning("could not hand back interrupted jobs %s", interrupted)


# --- PostgreSQL: pgqueuer ---------------------------------------------------------------------


def pgqueuer_settings(prefix: str) -> DBSettings:
    """The names of a queue's objects (`<prefix>pgqueuer`, ...), every one stated, so no
    `PGQUEUER_*` environment variable renames them away from what the migration created."""
    return DBSettings(
        prefix=prefix,
        db_schema=None,
        channel=Channel(f"{prefix}ch_pgqueuer"),
        function=f"{prefix}fn_pgqueuer_changed",
        statistics_table=f"{prefix}pgqueuer_statistics",
        queue_status_type=f"{prefix}pgqueuer_status",
        queue_table=f"{prefix}pgqueuer",
        queue_table_log=f"{prefix}pgqueuer_log",
        trigger=f"{prefix}tg_pgqueuer_changed",
        schedules_table=f"{prefix}pgqueuer_schedules",
    )


@dataclass(frozen=True)
class PgQueueConfig:
    database_url: str  # the service's (SQLAlchemy) URL
    prefix: str  # its objects are `<prefix>pgqueuer`, `<prefix>pgqueuer_log`, ...
    entrypoint: str  # the one kind of job this queue runs
    concurrency: int  # jobs this instance runs at once
    stale: timedelta  # a job whose worker has not beaten for this long is picked again
    consume: bool = True  # False: this instance only queues jobs (an API-only replica)
    poll: timedelta = timedelta(seconds=2)  # how often an idle consumer looks for stale jobs


class PgJobQueue:
    """Jobs in pgqueuer's tables; this instance consumes them unless `config.consume` is off."""

    def __init__(
        self, config: PgQueueConfig, run: RunJob, *, pending: JobKeys, interrupted: Interrupted
    ) -> None:
        self.config = config
        self.settings = pgqueuer_settings(config.prefix)
        self.run = run
        self.pending = pending
        self.interrupted = interrupted
        self.dsn = make_url(config.database_url).set(drivername="postgresql")
        self.pool: asyncpg.Pool | None = None
        self.manager: QueueManager | None = None
        self.consumer: asyncio.Task[None] | None = None
        self.sweeper: asyncio.Task[None] | None = None
        self.running: dict[str, asyncio.Task[None]] = {}
        self.stopping = False

    def _queries(self, driver: Driver) -> Queries:
        return Queries(
            driver,
            qbe=QueryBuilderEnvironment(self.settings),
            qbq=QueryQueueBuilder(self.settings),
            qbs=QuerySchedulerBuilder(self.settings),
        )

    async def _enqueue(self, driver: Driver, keys: Sequence[str]) -> None:
        if keys:
            await self._queries(driver).enqueue(
                [self.config.entrypoint] * len(keys),
                [key.encode() for key in keys],
                [0] * len(keys),
                dedupe_key=list(keys),
                on_conflict="skip",  # queued or running already: it stays one job
            )

    async def submit(self, session: AsyncSession, key: str) -> None:
        connection = await session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        if not raw.is_in_transaction():  # asyncpg begins at the first statement
            await session.flush()
            await connection.exec_driver_sql("SELECT 1")
        await self._enqueue(AsyncpgDriver(raw), [key])

    async def resubmit(self, keys: Sequence[str]) -> None:
        if keys:
            async with self._pool().acquire() as conn:
                await self._enqueue(AsyncpgDriver(conn), keys)

    def _pool(self) -> asyncpg.Pool:
        assert self.pool is not None, "start() first"
        return self.pool

    async def start(self) -> None:
        dsn = self.dsn.render_as_string(hide_password=False)
        # One connection listens for new jobs; the others dequeue, beat and log.
        self.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
        await self.resubmit(await self.pending())
        if self.config.consume:
            self.consumer = asyncio.create_task(self._consume())
            self.sweeper = asyncio.create_task(self._sweep())

    async def _consume(self) -> None:
        """Run a queue manager; if it stops on an error (the database went away), another."""
        while not self.stopping:
            manager = QueueManager(
                self._queries(AsyncpgPoolDriver(self._pool())),
                channel=Channel(self.settings.channel),
            )
            manager.entrypoint(self.config.entrypoint, accepts_context=False)(self._dispatch)
            self.manager = manager
            try:
                await manager.run(
                    dequeue_timeout=self.config.poll,
                    batch_size=1,
                    # pgqueuer's floor is twice the batch; `_dispatch` keeps the exact limit.
                    max_concurrent_tasks=max(2, self.config.concurrency),
                    heartbeat_timeout=self.config.stale,
                )
            except Exception:
                logger.exception("the job queue consumer stopped; starting again")
                await asyncio.sleep(self.config.poll.total_seconds())

    async def _sweep(self) -> None:
        """Queue again, every `stale`, what lost its queue entry (see the module)."""
        while True:
            await asyncio.sleep(self.config.stale.total_seconds())
            try:
                await self.resubmit(await self.pending())
            except Exception:
                logger.warning("could not look for jobs to queue again", exc_info=True)

    async def _dispatch(self, job: Job) -> None:
        key = (job.payload or b"").decode()
        if self.stopping or len(self.running) >= self.config.concurrency:
            raise RetryRequested(delay=self.config.poll, reason="this instance is busy")
        task = asyncio.create_task(self.run(key))
        self.running[key] = task
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:  # the manager itself is torn down
            task.cancel()
            await asyncio.wait({task})
            raise
        finally:
            self.running.pop(key, None)
        if task.cancelled():  # by close(): hand the job back, for any instance to run now
            await self.interrupted([key])
            raise RetryRequested(reason="interrupted: the instance running it stopped")
        try:
            task.result()
        except RunLater as later:
            raise RetryRequested(delay=timedelta(seconds=later.delay), reason=str(later)) from None

    async def close(self) -> None:
        self.stopping = True
        if self.sweeper is not None:
            self.sweeper.cancel()
            await asyncio.gather(self.sweeper, return_exceptions=True)
        for task in list(self.running.values()):
            task.cancel()
        if self.manager is not None:
            self.manager.shutdown.set()
        if self.consumer is not None:
            try:
                await asyncio.wait_for(self.consumer, timeout=30)
            except Exception:  # a stuck consumer: its jobs' heartbeats stop, others pick them
                logger.warning("the job queue consumer did not stop in time", exc_info=True)
        if self.pool is not None:
            await self.pool.close()
