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
    return {
        "queues": [webhook_tasks.QUEUE],
        "concurrency": JOB_CONCURRENCY,
        "wait": wait,
        "install_signal_handlers": False,
        "additional_context": {webhook_tasks.SESSIONS: sessions},
        "shutdown_graceful_timeout": SHUTDOWN_GRACE_SECONDS,
    }


async def run_worker(*, once: bool = False) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started")
    sessions: async_sessionmaker[AsyncSession] = database.sessionmaker
    queue = job_app()

    async def poll_webhooks() -> None:
        await webhook_tasks.poll(queue, sessions)

    async def notify() -> None:
        # E-mail is sent right here, not queued: one message at a time is plenty, and a mail
        # server that hangs holds up only this step (each attempt has its own timeout).
        await notifications.run_once(sessions)

    try:
        async with queue.open_async():
            if once:
                if await _database_ready():
                    await _step("awards", _issue_awards)
                    await _step("webhooks", poll_webhooks)
                    await _step("notifications", notify)
                    # Runs what is queued now, then returns.
                    await queue.run_worker_async(**_worker_options(sessions, wait=False))
                return
            jobs = asyncio.create_task(queue.run_worker_async(**_worker_options(sessions)))
            # A job runner that dies ends the process, for its supervisor to restart it.
            jobs.add_done_callback(lambda _: stop.set())
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(_every("awards", POLL_SECONDS, _issue_awards, stop))
                    group.create_task(
                        _every("webhooks", settings.webhook_poll_s, poll_webhooks, stop)
                    )
                    group.create_task(_every("notifications", settings.mail_poll_s, notify, stop))
            finally:
                # Cancelling procrastinate's worker stops it gracefully: running jobs finish
                # (up to the grace period) before it returns.
                jobs.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await jobs
    finally:
        await database.dispose()
        log.info("worker_stopped")
