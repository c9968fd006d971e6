"""Webhook delivery: outbox events fanned out to subscriptions, signed POSTs, the retry schedule,
and the rule that disables a subscription whose deliveries have failed for a day.

The `webhook_delivery` row is the schedule. The worker's poll fans new events out into pending
rows (`fan_out`) and leases the due ones (`lease_due`); each leased row becomes one procrastinate
job that makes one attempt (`attempt_delivery`) and writes the next `next_attempt_at`. A job lost
with its worker runs again once the worker's heartbeats stop (api/jobs/worker.py); a lease that
ends with its job still unfinished is leased again. Delivery is at-least-once, and receivers
de-duplicate on `X-FirstSet-Event-Id`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from sqlalchemy import any_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.audit import service as audit
from api.config import Settings, get_settings
from api.events import service as events
from api.models import (
    DeliveryStatus,
    OutboxCursor,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from api.webhooks import destinations
from api.webhooks.schemas import WebhookEventType

log = structlog.get_logger("api.webhooks")

CONSUMER = "webhooks"
# Outbox ids are taken at insert but become visible at commit: events this young are looked at
# again, and the unique (subscription_id, event_id) drops the ones already fanned out.
LOOKBACK = timedelta(hours=1)
SUBSCRIBABLE = tuple(t.value for t in WebhookEventType)
SUBSCRIPTION_DISABLED = "webhook.subscription_disabled"

SIGNATURE_HEADER = "X-FirstSet-Signature"
EVENT_ID_HEADER = "X-FirstSet-Event-Id"
EVENT_TYPE_HEADER = "X-FirstSet-Event-Type"
USER_AGENT = "FirstSet-Webhooks/1"
MAX_ERROR_CHARS = 500
LEASE_BATCH = 100
_SUBSCRIPTION_OF_DELIVERY = WebhookSubscription.id == WebhookDelivery.subscription_id


# --- the request ------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def event_body(event: OutboxEvent) -> bytes:
    document = {
        "id": event.id,
        "type": event.event_type,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def send(url: str, secret: str, event: OutboxEvent, settings: Settings) -> Outcome:
    """One signed POST. Any 2xx is a success; redirects are not followed (the subscription
    names the final address); the answer's body is never read."""
    body = event_body(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
        EVENT_ID_HEADER: str(event.id),
        EVENT_TYPE_HEADER: event.event_type,
    }
    status_code: int | None = None
    error: str | None = None
    started = time.perf_counter()
    target = httpx.URL(url)
    try:
        async with asyncio.timeout(settings.webhook_timeout_s):
            address = await destinations.resolve(
                target.host,
                target.port or (443 if target.scheme == "https" else 80),
                allow_private=destinations.private_allowed(settings),
            )
        # To the address just checked (api/webhooks/destinations.py); the URL's host names the
        # receiver in `Host` and to TLS (SNI and the certificate's check).
        headers["Host"] = target.netloc.decode("ascii")
        # trust_env=False: a proxy from the environment must not see (or break) deliveries.
        async with (
            httpx.AsyncClient(
                timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST",
                target.copy_with(host=str(address)),
                content=body,
                headers=headers,
                extensions={"sni_hostname": target.host},
            ) as response,
        ):
            status_code = response.status_code
    except destinations.RefusedDestination as exc:
        error = str(exc)[:MAX_ERROR_CHARS]
    except (httpx.TimeoutException, TimeoutError):
        error = f"No answer within {settings.webhook_timeout_s:g} s."
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    except OSError as exc:  # the name did not resolve
        error = f"{target.host} could not be resolved: {exc}"[:MAX_ERROR_CHARS]
    latency_ms = round((time.perf_counter() - started) * 1000)
    if status_code is not None and not 200 <= status_code < 300:
        error = f"HTTP {status_code}"
    return Outcome(status_code, latency_ms, error)


# --- fan-out and leasing ----------------------------------------------------------------------


async def _lock_cursor(session: AsyncSession) -> OutboxCursor | None:
    await session.execute(insert(OutboxCursor).values(consumer=CONSUMER).on_conflict_do_nothing())
    return await session.scalar(
        select(OutboxCursor)
        .where(OutboxCursor.consumer == CONSUMER)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


async def fan_out(session: AsyncSession) -> int:
    """A pending delivery for each new event and each active subscription to its type that
    existed when the event occurred; the number created. Another worker holding the cursor
    makes this a no-op."""
    cursor = await _lock_cursor(session)
    if cursor is None:
        return 0
    matches = (
        select(
            WebhookSubscription.id,
            OutboxEvent.id,
            OutboxEvent.event_type,
            func.now(),
        )
        .join(
            WebhookSubscription,
            OutboxEvent.event_type == any_(WebhookSubscription.events),
        )
        .where(
            WebhookSubscription.active.is_(True),
            OutboxEvent.occurred_at >= WebhookSubscription.created_at,
            OutboxEvent.event_type.in_(SUBSCRIBABLE),
            or_(
                OutboxEvent.id > cursor.last_event_id,
                OutboxEvent.occurred_at > func.now() - LOOKBACK,
            ),
        )
    )
    created = (
        await session.scalars(
            insert(WebhookDelivery)
            .from_select(["subscription_id", "event_id", "event_type", "next_attempt_at"], matches)
            .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
            .returning(WebhookDelivery.id)
        )
    ).all()
    newest = await session.scalar(select(func.max(OutboxEvent.id)))
    if newest is not None and newest > cursor.last_event_id:
        cursor.last_event_id = newest
    await session.flush()
    return len(created)


def lease_seconds(settings: Settings) -> float:
    """How long a leased delivery waits for its job before it is leased again."""
    return settings.webhook_timeout_s * 2 + 60


async def lease_due(session: AsyncSession, limit: int = LEASE_BATCH) -> list[int]:
    """Due pending deliveries of active subscriptions, oldest due first, moved out of sight for
    the lease; their ids, each to become one job."""
    lease_until = datetime.now(UTC) + timedelta(seconds=lease_seconds(get_settings()))
    due = (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, _SUBSCRIPTION_OF_DELIVERY)
        .where(
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= func.now(),
            WebhookSubscription.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    )
    leased = await session.scalars(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=lease_until)
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(leased.all())


# --- attempts ---------------------------------------------------------------------------------


def backoff(attempts: int, settings: Settings) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2×base, 4×base …"""
    return timedelta(seconds=settings.webhook_backoff_s * 2 ** max(0, attempts - 1))


async def attempt_delivery(sessions: async_sessionmaker[AsyncSession], delivery_id: int) -> None:
    """The job: one attempt of a pending delivery. No transaction stays open during the POST."""
    settings = get_settings()
    async with sessions() as session:
        row = (
            await session.execute(
                select(WebhookSubscription.url, WebhookSubscription.signing_secret, OutboxEvent)
                .select_from(WebhookDelivery)
                .join(WebhookSubscription, _SUBSCRIPTION_OF_DELIVERY)
                .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.pending,
                    WebhookSubscription.active.is_(True),
                )
            )
        ).first()
    if row is None:  # delivered, given up, or its subscription disabled meanwhile
        return
    url, secret, event = row
    outcome = await send(url, secret, event, settings)
    async with sessions() as session, session.begin():
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return
        await record_outcome(session, delivery, outcome, manual=False)
    log.info(
        "webhook_attempt",
        delivery_id=delivery_id,
        event_id=event.id,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
    )


async def record_outcome(
    session: AsyncSession, delivery: WebhookDelivery, outcome: Outcome, *, manual: bool
) -> WebhookAttempt:
    """Logs the attempt and moves the delivery and its subscription on: a success ends the
    delivery and the subscription's run of failures; a scheduled failure waits for the next
    retry or, out of attempts, fails the delivery. A manual attempt never changes the retry
    schedule. A failure after a day of failures disables the subscription."""
    settings = get_settings()
    now = datetime.now(UTC)
    subscription = await session.get(
        WebhookSubscription,
        delivery.subscription_id,
        with_for_update=True,
        populate_existing=True,
    )
    assert subscription is not None  # the delivery's foreign key cascades
    attempt = WebhookAttempt(
        delivery_id=delivery.id,
        attempted_at=now,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
        manual=manual,
    )
    session.add(attempt)
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status = DeliveryStatus.succeeded
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        subscription.failing_since = None
    else:
        if not manual and delivery.status == DeliveryStatus.pending:
            if delivery.attempts >= settings.webhook_max_attempts:
                delivery.status = DeliveryStatus.failed
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts, settings)
        if subscription.failing_since is None:
            subscription.failing_since = now
        elif subscription.active and now - subscription.failing_since >= timedelta(
            seconds=settings.webhook_disable_after_s
        ):
            await disable_subscription(session, subscription, now)
    await session.flush()
    return attempt


async def disable_subscription(
    session: AsyncSession, subscription: WebhookSubscription, now: datetime
) -> None:
    """Stops a subscription whose receiver has failed for too long; its pending deliveries fail.
    Admins learn of it from the audit log and the `webhook.subscription_disabled` event, and
    re-enable it when the receiver is back."""
    since = subscription.failing_since or now
    hours = (now - since).total_seconds() / 3600
    reason = f"Every delivery failed for {hours:.0f} hours (since {since.isoformat()})."
    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = reason
    subscription.version += 1
    await session.flush()
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.failed, next_attempt_at=None)
    )
    await audit.record(
        session,
        actor=None,
        action="webhook_subscription.disable",
        object_type="webhook_subscription",
        object_id=subscription.id,
        before={"active": True},
        after={"active": False, "disabled_at": now, "failing_since": since},
        note=reason,
    )
    await events.emit(
        session,
        SUBSCRIPTION_DISABLED,
        object_type="webhook_subscription",
        object_id=subscription.id,
        payload={
            "subscription_id": subscription.id,
            "client_id": subscription.client_id,
            "url": subscription.url,
            "failing_since": since,
            "disabled_at": now,
            "reason": reason,
        },
    )
    log.warning(
        "webhook_subscription_disabled", subscription_id=str(subscription.id), reason=reason
    )
