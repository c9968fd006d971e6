"""The delivery engine against a real receiver on 127.0.0.1, on a database whose transactions
really commit: fan-out from the outbox, signatures, retries with backoff, the attempt log."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import get_settings
from api.events import service as events
from api.jobs.worker import job_app
from api.models import (
    DeliveryStatus,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from api.webhooks import delivery, tasks
from tests.agency.factories import make_client
from tests.webhooks.conftest import Receiver

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]


# --- an independent verifier, written from the documented rule --------------------------------


def verify(secret: str, header: str, body: bytes, *, tolerance_s: int = 300) -> bool:
    """`X-FirstSet-Signature: t=<unix seconds>,v1=<hex>`,
    hex = HMAC-SHA256(secret, "<t>.<body>")."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WEBHOOK_BACKOFF_S", "0.02")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_S", "5")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def url_of(sessions: async_sessionmaker[AsyncSession]) -> str:
    engine = sessions.kw["bind"]
    return str(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))


@pytest.fixture
async def queue(committing_app: Committing) -> AsyncIterator[Any]:
    app = job_app(url_of(committing_app[1]))
    async with app.open_async():
        yield app


async def subscribe(
    sessions: async_sessionmaker[AsyncSession], url: str, events_: list[str]
) -> WebhookSubscription:
    async with sessions() as session, session.begin():
        client, _ = await make_client(session)
        subscription = WebhookSubscription(
            client_id=client.id, url=url, events=events_, signing_secret="whsec_test-secret"
        )
        session.add(subscription)
        await session.flush()
        await session.refresh(subscription)
    return subscription


async def emit(sessions: async_sessionmaker[AsyncSession], event_type: str, **payload: Any) -> int:
    async with sessions() as session, session.begin():
        event = await events.emit(
            session, event_type, object_type="test", object_id="x", payload=payload
        )
    return event.id


async def run_until_settled(
    queue: Any, sessions: async_sessionmaker[AsyncSession], delivery_ids: set[int] | None = None
) -> None:
    """The worker's two halves, by hand: poll (fan out, lease the due rows, queue their jobs) and
    run what is queued, until nothing is pending."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        await tasks.poll(queue, sessions)
        await queue.run_worker_async(
            queues=[tasks.QUEUE],
            wait=False,
            install_signal_handlers=False,
            additional_context={tasks.SESSIONS: sessions},
        )
        async with sessions() as session:
            pending = await session.scalar(
                select(WebhookDelivery.id).where(WebhookDelivery.status == DeliveryStatus.pending)
            )
        if pending is None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("deliveries still pending")


async def test_a_failing_receiver_gets_the_event_once_after_the_retries(
    committing_app: Committing, receiver: Receiver, fast_retries: None, queue: Any
) -> None:
    sessions = committing_app[1]
    before = await emit(sessions, "batch.status_changed", batch="before the subscription")
    subscription = await subscribe(sessions, receiver.url, ["batch.status_changed"])
    event_id = await emit(sessions, "batch.status_changed", batch="批次 A", n=3)
    await emit(sessions, "publicity.started", batch="not subscribed")

    await run_until_settled(queue, sessions)

    # four requests of the same event: three 500s, then the 204
    assert len(receiver.requests) == receiver.failures + 1
    for headers, body in receiver.requests:
        assert headers["x-firstset-event-id"] == str(event_id)
        assert headers["x-firstset-event-type"] == "batch.status_changed"
        assert headers["content-type"] == "application/json"
        assert verify(subscription.signing_secret, headers["x-firstset-signature"], body)
        assert not verify("whsec_another", headers["x-firstset-signature"], body)
        document = json.loads(body)
        assert document["id"] == event_id
        assert document["type"] == "batch.status_changed"
        assert document["data"] == {"batch": "批次 A", "n": 3}
        datetime.fromisoformat(document["occurred_at"])

    async with sessions() as session:
        (row,) = (
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
            )
        ).all()
        assert row.event_id == event_id != before
        assert row.status == DeliveryStatus.succeeded
        assert row.attempts == 4
        assert row.delivered_at is not None
        assert row.last_status_code == 204
        attempts = (
            await session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == row.id)
                .order_by(WebhookAttempt.id)
            )
        ).all()
        assert [a.status_code for a in attempts] == [500, 500, 500, 204]
        assert [a.error for a in attempts] == ["HTTP 500"] * 3 + [None]
        assert all(a.latency_ms is not None and a.latency_ms >= 0 for a in attempts)
        assert not any(a.manual for a in attempts)
        # waits doubled between the failures
        gaps = [
            (b.attempted_at - a.attempted_at).total_seconds()
            for a, b in itertools.pairwise(attempts)
        ]
        assert gaps[1] >= 0.04
        assert gaps[2] >= 0.08
        refreshed = await session.get(WebhookSubscription, subscription.id)
        assert refreshed is not None
        assert refreshed.failing_since is None
        assert refreshed.active

    # a second poll sends nothing again
    await run_until_settled(queue, sessions)
    assert len(receiver.requests) == receiver.failures + 1


async def test_a_rolled_back_change_emits_nothing_and_so_delivers_nothing(
    committing_app: Committing, receiver: Receiver, fast_retries: None, queue: Any
) -> None:
    sessions = committing_app[1]
    receiver.failures = 0
    subscription = await subscribe(sessions, receiver.url, ["objection.filed"])

    async def failing_change() -> None:
        async with sessions() as session, session.begin():
            await events.emit(
                session, "objection.filed", object_type="objection", object_id="rolled-back"
            )
            raise RuntimeError("the change fails after emitting its event")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with sessions() as session:
        assert (
            await session.scalar(
                select(OutboxEvent.id).where(OutboxEvent.object_id == "rolled-back")
            )
        ) is None
    await run_until_settled(queue, sessions)
    assert receiver.requests == []
    async with sessions() as session:
        assert (
            await session.scalar(
                select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == subscription.id)
            )
        ) is None
    # the next committed event is delivered, on the first try
    committed = await emit(sessions, "objection.filed", objection="committed")
    await run_until_settled(queue, sessions)
    assert [h["x-firstset-event-id"] for h, _ in receiver.requests] == [str(committed)]


async def test_the_worker_once_delivers_what_is_due(
    committing_app: Committing, receiver: Receiver
) -> None:
    """`firstset worker --once`: one poll, the queued jobs run, the process ends."""
    from tests.awards.test_committed import cli

    sessions = committing_app[1]
    receiver.failures = 0
    await subscribe(sessions, receiver.url, ["certificate.revoked"])
    event_id = await emit(sessions, "certificate.revoked", number="BJSTT-2021-01-0001")
    result = await asyncio.to_thread(
        cli, "worker", "--once", DATABASE_URL=url_of(sessions), LOG_JSON="true", LOG_LEVEL="INFO"
    )
    assert result.returncode == 0, result.stderr
    assert '"webhook_attempt"' in result.stderr
    assert [h["x-firstset-event-id"] for h, _ in receiver.requests] == [str(event_id)]


def test_the_signature_follows_the_documented_rule() -> None:
    event = OutboxEvent(
        id=42,
        event_type="award.granted",
        object_type="award",
        object_id="x",
        payload={"名称": "装备", "n": 1},
        occurred_at=datetime(2026, 11, 29, 8, 0, tzinfo=UTC),
    )
    body = delivery.event_body(event)
    header = delivery.sign("whsec_k", int(time.time()), body)
    assert verify("whsec_k", header, body)
    assert not verify("whsec_k", header, body + b" ")
    assert not verify("whsec_k", header.replace("t=", "t=1"), body)
    assert json.loads(body) == {
        "id": 42,
        "type": "award.granted",
        "occurred_at": "2026-11-29T08:00:00+00:00",
        "data": {"名称": "装备", "n": 1},
    }
