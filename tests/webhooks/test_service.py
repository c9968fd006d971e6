"""Rules of the delivery engine that need no receiver: the retry schedule, giving up, the
disable-after-a-day rule, URL checks, and the job queue's connection string."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import get_settings
from api.errors import Unprocessable
from api.events import service as events
from api.jobs.worker import queue_conninfo
from api.models import (
    AuditEvent,
    DeliveryStatus,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from api.webhooks import delivery, service
from api.webhooks.delivery import Outcome
from tests.agency.factories import make_client

FAILED = Outcome(status_code=503, latency_ms=12, error="HTTP 503")
OK = Outcome(status_code=200, latency_ms=8, error=None)


async def pending_delivery(db: AsyncSession) -> tuple[WebhookSubscription, WebhookDelivery]:
    client, _ = await make_client(db)
    subscription = WebhookSubscription(
        client_id=client.id,
        url="https://receiver.example/hook",
        events=["award.granted"],
        signing_secret=service.new_secret(),
    )
    db.add(subscription)
    await db.flush()
    event = await events.emit(db, "award.granted", object_type="award", object_id="a")
    row = WebhookDelivery(
        subscription_id=subscription.id,
        event_id=event.id,
        event_type=event.event_type,
        next_attempt_at=datetime.now(UTC),
    )
    db.add(row)
    await db.flush()
    await db.refresh(row)
    return subscription, row


def test_backoff_doubles_from_a_minute_and_spans_hours() -> None:
    settings = get_settings()
    waits = [delivery.backoff(n, settings) for n in range(1, settings.webhook_max_attempts)]
    assert [w.total_seconds() / 60 for w in waits[:6]] == [1, 2, 4, 8, 16, 32]
    assert settings.webhook_max_attempts >= 6
    assert sum(waits, timedelta()) >= timedelta(hours=1)


async def test_a_failure_schedules_the_next_attempt_and_the_last_one_gives_up(
    db: AsyncSession, settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("WEBHOOK_MAX_ATTEMPTS", "2")
    subscription, row = await pending_delivery(db)
    before = datetime.now(UTC)
    await delivery.record_outcome(db, row, FAILED, manual=False)
    assert row.status == DeliveryStatus.pending
    assert row.attempts == 1
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= before + timedelta(seconds=60)
    assert subscription.failing_since is not None
    await delivery.record_outcome(db, row, FAILED, manual=False)
    assert row.status == DeliveryStatus.failed
    assert row.next_attempt_at is None
    assert row.last_status_code == 503
    # a manual redelivery that succeeds ends it, and the run of failures
    await delivery.record_outcome(db, row, OK, manual=True)
    assert row.status == DeliveryStatus.succeeded
    assert subscription.failing_since is None


async def test_a_manual_failure_leaves_the_schedule_alone(db: AsyncSession) -> None:
    _, row = await pending_delivery(db)
    due = row.next_attempt_at
    attempt = await delivery.record_outcome(db, row, FAILED, manual=True)
    assert attempt.manual
    assert row.status == DeliveryStatus.pending
    assert row.next_attempt_at == due


async def test_a_day_of_failures_disables_the_subscription_with_a_notice(
    db: AsyncSession,
) -> None:
    subscription, row = await pending_delivery(db)
    await delivery.record_outcome(db, row, FAILED, manual=False)
    assert subscription.active  # the first failure only starts the clock
    subscription.failing_since = datetime.now(UTC) - timedelta(hours=25)
    await delivery.record_outcome(db, row, FAILED, manual=False)

    assert not subscription.active
    assert subscription.disabled_at is not None
    assert subscription.disabled_reason
    assert "25 hours" in subscription.disabled_reason
    assert row.status == DeliveryStatus.failed
    notice = await db.scalar(
        select(OutboxEvent).where(
            OutboxEvent.event_type == delivery.SUBSCRIPTION_DISABLED,
            OutboxEvent.object_id == str(subscription.id),
        )
    )
    assert notice is not None
    assert notice.payload["url"] == subscription.url
    audit = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "webhook_subscription.disable",
            AuditEvent.object_id == str(subscription.id),
        )
    )
    assert audit is not None
    # disabled: nothing is leased for it any more
    row.status = DeliveryStatus.pending
    row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    await db.flush()
    assert row.id not in await delivery.lease_due(db)


async def test_fan_out_sends_only_events_after_the_subscription(db: AsyncSession) -> None:
    await delivery.fan_out(db)  # whatever earlier tests left is fanned out already
    early = await events.emit(db, "objection.filed", object_type="objection", object_id="o")
    subscription, _ = await pending_delivery(db)
    subscription.events = ["objection.filed", "award.granted"]
    # the test's transaction gives every row the same now(): move the subscription back instead
    subscription.created_at = early.occurred_at + timedelta(microseconds=1)
    await db.flush()
    late = await events.emit(db, "objection.filed", object_type="objection", object_id="p")
    late.occurred_at = early.occurred_at + timedelta(seconds=1)
    await db.flush()
    await delivery.fan_out(db)
    await delivery.fan_out(db)  # idempotent
    sent = (
        await db.scalars(
            select(WebhookDelivery.event_id).where(
                WebhookDelivery.subscription_id == subscription.id
            )
        )
    ).all()
    assert early.id not in sent
    assert sent.count(late.id) == 1


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x", "webhook_url_invalid"),
        ("https:///nohost", "webhook_url_invalid"),
        ("https://user:pw@example.com/x", "webhook_url_credentials"),
        ("https://token@example.com/x", "webhook_url_credentials"),
        ("http://example.com/x", "webhook_url_https_required"),
    ],
)
def test_refused_urls(url: str, code: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        service.check_url(url)
    assert caught.value.errors is not None
    assert caught.value.errors[0].code == code


def test_http_is_for_local_receivers_outside_production(
    settings_env: pytest.MonkeyPatch,
) -> None:
    assert service.check_url("https://example.com/hook") == "https://example.com/hook"
    assert service.check_url("http://127.0.0.1:9000/hook")
    assert service.check_url("http://localhost/hook")
    settings_env.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    with pytest.raises(Unprocessable):
        service.check_url("http://127.0.0.1:9000/hook")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1:5432/firstset",
            {"host": "127.0.0.1", "port": "5432", "user": "postgres", "dbname": "firstset"},
        ),
        (
            "postgresql://postgres@/firstset?host=/var/run/pg sock",
            {"host": "/var/run/pg sock", "user": "postgres", "dbname": "firstset"},
        ),
        (
            "postgresql+asyncpg://app:p%40ss@db.internal/firstset",
            {"host": "db.internal", "user": "app", "password": "p@ss", "dbname": "firstset"},
        ),
    ],
)
def test_the_job_queue_accepts_every_form_of_the_database_url(
    url: str, expected: dict[str, str]
) -> None:
    assert conninfo_to_dict(queue_conninfo(url)) == expected
