"""The background worker process: polls the database, issues pending award certificates, and
stops cleanly on SIGINT/SIGTERM. (procrastinate takes over the jobs later.)"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog
from sqlalchemy import text

from api.awards import service as awards
from api.config import get_settings
from api.db import database
from api.logs import configure_logging

log = structlog.get_logger("api.worker")

POLL_SECONDS = 5.0


async def _issue_awards() -> None:
    """Certificates of announced awards that are not issued yet (normally the announcement has
    issued them already; this catches anything left behind)."""
    try:
        async with database.sessionmaker() as session, session.begin():
            issued = await awards.process_award_events(session, wait=False)
    except Exception:  # logged, retried on the next poll; the worker keeps running
        log.exception("worker_awards_failed")
        return
    if issued:
        log.info("awards_issued", count=issued)


async def run_worker(*, once: bool = False) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started")
    try:
        while not stop.is_set():
            try:
                async with database.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            except Exception as exc:  # the database may be restarting; keep waiting
                log.warning("worker_database_unavailable", error=type(exc).__name__)
            else:
                await _issue_awards()
            if once:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)
    finally:
        await database.dispose()
        log.info("worker_stopped")
