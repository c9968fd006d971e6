"""The background worker process. Jobs arrive with later features; until then it idles,
checking the database, and stops cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog
from sqlalchemy import text

from api.config import get_settings
from api.db import database
from api.logs import configure_logging

log = structlog.get_logger("api.worker")

POLL_SECONDS = 5.0


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
            if once:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)
    finally:
        await database.dispose()
        log.info("worker_stopped")
