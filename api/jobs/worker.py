"""The background worker process (`firstset worker`): polls the database — issuing pending award
certificates, feeding webhook deliveries into the procrastinate queue, turning events into
notifications and sending their e-mail — while a procrastinate worker runs the queued jobs; all
of it stops cleanly on SIGINT/SIGTERM.

procrastinate has its own psycopg pool; its tables live in the `procrastinate` schema (see the
migration), which its connections put on their `search_path`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable

import procrastinate
import structlog
from procrastinate.app import WorkerOptions
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status
from psycopg.conninfo import make_conninfo
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.awards import service as awards
from api.config import get_settings
from api.db import database, resolve_database_url
from api.logs import configure_logging
from api.notifications import service as notifications
from api.webhooks import tasks as webhook_tasks

log = structlog.get_logger("api.worker")

POLL_SECONDS = 5.0
QUEUE_SCHEMA = "procrastinate"
QUEUE_POOL_SIZE = 4
JOB_CONCURRENCY = 8
SHUTDOWN_GRACE_SECONDS = 30.0
BACKOFF_MIN_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
# `--once` is a check: it gives a database that is restarting this long, then fails.
ONCE_WAIT_SECONDS = 10.0
PRUNE_SECONDS = 3600.0


def queue_conninfo(url: str) -> str:
    """A libpq connection string for any form of the database URL: `postgresql://…`,
    `postgresql+asyncpg://…`, or the embedded server's `postgresql://postgres@/db?host=<dir>`."""
    parsed = make_url(url)
    params: dict[str, str | int | None] = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    for key, value in parsed.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def job_app(url: str | None = None) -> procrastinate.App:
    """The procrastinate app with every task the worker runs; opened by its user."""
    connector = procrastinate.PsycopgConnector(
        conninfo=queue_conninfo(url or resolve_database_url()),
        kwargs={"options": f"-c search_path={QUEUE_SCHEMA}", "application_name": "firstset-jobs"},
        min_size=1,
        max_size=QUEUE_POOL_SIZE,
    )
    app = procrastinate.App(connector=connector)
    webhook_tasks.register(app)
    return app


async def _issue_awards() -> None:
    """Certificates of announced awards that are not issued yet (normally the announcement has
    issued them already; this catches anything left behind)."""
    async with database.sessionmaker() as session, session.begin():
        issued = await awards.process_award_events(session, wait=False)
    if issued:
        log.info("awards_issued", count=issued)


async def _database_ready() -> bool:
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the database may be restarting; keep waiting
        log.warning("worker_database_unavailable", error=type(exc).__name__)
        return False
    return True


async def _wait_for_database(stop: asyncio.Event, *, deadline: float | None = None) -> bool:
    """True once the database answers; False when `stop` is set or `deadline` (a monotonic
    time) passes first. Waits double between tries, up to `BACKOFF_MAX_SECONDS`."""
    delay = BACKOFF_MIN_SECONDS
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        if await _database_ready():
            return True
        if deadline is not None and loop.time() + delay > deadline:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, BACKOFF_MAX_SECONDS)
    return False


async def _step(name: str, step: Callable[[], Awaitable[object]]) -> None:
    try:
        await step()
    except Exception:  # logged, retried on the next poll; the worker keeps running
        log.exception("worker_step_failed", step=name)


async def _every(
    name: str, seconds: float, step: Callable[[], Awaitable[object]], stop: asyncio.Event
) -> None:
    """Runs `step` every `seconds` until `stop`; a failure is logged and retried next time."""
    while not stop.is_set():
        if await _database_ready():
            await _step(name, step)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


def _worker_options(
    sessions: async_sessionmaker[AsyncSession], *, wait: bool = True
) -> WorkerOptions:
    """`wait=False` runs the jobs queued now and returns."""
    stalled_after = get_settings().job_stalled_after_s
    return {
        "queues": [webhook_tasks.QUEUE],
        "concurrency": JOB_CONCURRENCY,
        "wait": wait,
        "install_signal_handlers": False,
        "additional_context": {webhook_tasks.SESSIONS: sessions},
        "shutdown_graceful_timeout": SHUTDOWN_GRACE_SECONDS,
        "update_heartbeat_interval": stalled_after / 3,
        "stalled_worker_timeout": stalled_after,
    }


async def recover_stalled_jobs(queue: procrastinate.App) -> int:
    """Runs again the jobs of workers that stopped sending heartbeats (killed mid-job, say).
    Such a job stays `doing` and keeps its lock, which would hold back any other job of the
    same delivery; retried, it runs at once. When its delivery has been queued anew meanwhile
    (the lease rolled back with the dead worker, or ran out while no worker was up), retrying
    would break the queueing lock: the stalled job is aborted and the queued one takes over.
    The number recovered."""
    stalled = await queue.job_manager.get_stalled_jobs(
        queue=webhook_tasks.QUEUE,
        seconds_since_heartbeat=get_settings().job_stalled_after_s,
    )
    retried: list[int] = []
    superseded: list[int] = []
    for job in stalled:
        assert job.id is not None
        try:
            await queue.job_manager.retry_job(job)
            retried.append(job.id)
        except UniqueViolation as error:
            if error.queueing_lock is None:
                raise
            await queue.job_manager.finish_job(job, status=Status.ABORTED, delete_job=False)
            superseded.append(job.id)
    if retried or superseded:
        log.warning(
            "stalled_jobs_retried",
            count=len(retried) + len(superseded),
            ids=retried,
            superseded_ids=superseded,
        )
    return len(retried) + len(superseded)


async def prune_finished_jobs(queue: procrastinate.App) -> None:
    """Deletes job rows finished longer ago than the retention: each delivery, notification
    and award keeps its own record, and the queue's tables would otherwise only grow."""
    await queue.job_manager.delete_old_jobs(
        nb_hours=get_settings().job_retention_hours,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )


async def run_worker(*, once: bool = False) -> None:
    """Runs until SIGINT/SIGTERM. A database that goes away is waited for, with growing pauses,
    never a reason to exit; `once` does one round and exits 1 if the database stays away."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started")
    sessions: async_sessionmaker[AsyncSession] = database.sessionmaker
    try:
        if once:
            if not await _wait_for_database(stop, deadline=loop.time() + ONCE_WAIT_SECONDS):
                log.error("worker_database_unavailable_giving_up", waited_s=ONCE_WAIT_SECONDS)
                raise SystemExit(1)
            await _run_once(sessions)
            return
        delay = BACKOFF_MIN_SECONDS
        while not stop.is_set():
            if not await _wait_for_database(stop):
                break
            started = loop.time()
            try:
                await _serve(sessions, stop)
            except Exception:  # the queue lost its database; open it again once it is back
                log.exception("worker_queue_failed")
            if stop.is_set():
                break
            # A queue that failed right after opening backs off further each time.
            delay = BACKOFF_MIN_SECONDS if loop.time() - started > BACKOFF_MAX_SECONDS else delay
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, BACKOFF_MAX_SECONDS)
    finally:
        await database.dispose()
        log.info("worker_stopped")


async def _run_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    queue = job_app()
    async with queue.open_async():
        await _step("awards", _issue_awards)
        await _step("webhooks", lambda: webhook_tasks.poll(queue, sessions))
        await _step("notifications", lambda: notifications.run_once(sessions))
        await _step("stalled jobs", lambda: recover_stalled_jobs(queue))
        # Runs what is queued now, then returns.
        await queue.run_worker_async(**_worker_options(sessions, wait=False))


async def _serve(sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    """Opens the queue and runs the job runner beside the poll loops until `stop`, or until
    the job runner ends (its database connection failed, typically), which it raises."""
    settings = get_settings()
    queue = job_app()

    async def poll_webhooks() -> None:
        await webhook_tasks.poll(queue, sessions)

    async def notify() -> None:
        # E-mail is sent right here, not queued: one message at a time is plenty, and a mail
        # server that hangs holds up only this step (each attempt has its own timeout).
        await notifications.run_once(sessions)

    async with queue.open_async():
        jobs = asyncio.create_task(queue.run_worker_async(**_worker_options(sessions)))
        round_over = asyncio.Event()
        jobs.add_done_callback(lambda _: round_over.set())

        async def relay_stop() -> None:
            await stop.wait()
            round_over.set()

        relay = asyncio.create_task(relay_stop())
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(_every("awards", POLL_SECONDS, _issue_awards, round_over))
                group.create_task(
                    _every("webhooks", settings.webhook_poll_s, poll_webhooks, round_over)
                )
                group.create_task(_every("notifications", settings.mail_poll_s, notify, round_over))
                group.create_task(
                    _every(
                        "stalled jobs",
                        settings.job_stalled_after_s / 2,
                        lambda: recover_stalled_jobs(queue),
                        round_over,
                    )
                )
                group.create_task(
                    _every(
                        "prune jobs", PRUNE_SECONDS, lambda: prune_finished_jobs(queue), round_over
                    )
                )
        finally:
            relay.cancel()
            # Cancelling procrastinate's worker stops it gracefully: running jobs finish
            # (up to the grace period) before it returns.
            jobs.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await jobs
        if jobs.done() and not jobs.cancelled() and (error := jobs.exception()) is not None:
            raise error
