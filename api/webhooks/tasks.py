"""The webhook jobs procrastinate runs, and the poll step that feeds them."""

from __future__ import annotations

import procrastinate
import structlog
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.webhooks import delivery

log = structlog.get_logger("api.webhooks")

QUEUE = "webhooks"
DELIVER = "webhooks.deliver"
# The worker passes its sessionmaker in the job context (`additional_context`).
SESSIONS = "sessions"


async def deliver(context: procrastinate.JobContext, delivery_id: int) -> None:
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    await delivery.attempt_delivery(sessions, delivery_id)


def register(app: procrastinate.App) -> None:
    """Adds the webhook tasks to a procrastinate app (a fresh one per worker or test)."""
    app.task(name=DELIVER, queue=QUEUE, pass_context=True)(deliver)


async def poll(app: procrastinate.App, sessions: async_sessionmaker[AsyncSession]) -> int:
    """Fans new events out and queues a job for each due delivery; the number queued.

    The jobs are queued before the lease commits, so no leased delivery is ever without its
    job. A worker that dies in between leaves the deliveries due again at once (the lease rolls
    back), and the next poll finds their jobs still queued (the queueing lock) or held by the
    dead worker, which the stalled-job recovery then drops for the job queued anew
    (api/jobs/worker.py). Queued after the commit, a job lost with its worker would leave its
    delivery waiting out the whole lease. The deliveries are fanned out in a transaction of
    their own first, so a job that starts at once finds its row; it waits for the lease to
    commit only when it records the attempt (the row is locked), so its outcome is written
    last."""
    async with sessions() as session, session.begin():
        created = await delivery.fan_out(session)
    if created:
        log.info("webhook_deliveries_created", count=created)
    queued = 0
    async with sessions() as session, session.begin():
        for delivery_id in await delivery.lease_due(session):
            lock = f"webhook-delivery:{delivery_id}"
            try:
                await app.configure_task(
                    DELIVER, lock=lock, queueing_lock=lock, queue=QUEUE
                ).defer_async(delivery_id=delivery_id)
            except AlreadyEnqueued:  # its job from an earlier lease is still waiting
                continue
            queued += 1
    return queued
