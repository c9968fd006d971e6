"""Webhook subscriptions of agency clients, their delivery log, redelivery and re-enabling.

A client reaches only its own subscriptions (another client's answer 404, like a missing one);
admins reach all of them. Sending lives in `api.webhooks.delivery`."""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import ClientPrincipal
from api.audit import service as audit
from api.audit.service import Actor
from api.concurrency import check_if_match, version_etag
from api.config import get_settings
from api.errors import Conflict, NotFound, field_error
from api.models import (
    AgencyClient,
    DeliveryStatus,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from api.webhooks import delivery as sending
from api.webhooks import destinations
from api.webhooks.schemas import SubscriptionCreate, SubscriptionUpdate

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that marks the value, not a secret
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
OBJECT = "webhook_subscription"


@dataclass(frozen=True, slots=True)
class ClientActor:
    """An agency client as the audit log's actor (its id in `actor_id`)."""

    user_id: uuid.UUID
    email: str


def client_actor(client: ClientPrincipal) -> Actor:
    return ClientActor(client.id, f"agency-client:{client.client_id}")


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def check_url(url: str) -> str:
    """http(s) with a host and without credentials; https only in production, where plain http
    would expose the payloads (local receivers may use http outside production)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise field_error("url", "The URL is not valid.", "webhook_url_invalid") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise field_error(
            "url", "The URL must be an http(s) address with a host.", "webhook_url_invalid"
        )
    if parts.username is not None or parts.password is not None:
        raise field_error(
            "url",
            "The URL must not carry credentials; authenticate deliveries by their signature.",
            "webhook_url_credentials",
        )
    settings = get_settings()
    if parts.scheme == "http" and (settings.is_production or not _is_local(host)):
        raise field_error("url", "The URL must use https.", "webhook_url_https_required")
    # A name is checked at each delivery, on what it resolves to then.
    if not destinations.private_allowed(settings) and _names_a_private_address(host):
        raise field_error(
            "url",
            "The URL must not name a private, loopback or reserved address.",
            "webhook_url_private",
        )
    return parts.geturl()


def _names_a_private_address(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    address = destinations.literal(host)
    return address is not None and not destinations.is_public(address)


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def etag(subscription: WebhookSubscription) -> str:
    return version_etag(subscription.id, subscription.version)


def _state(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "url": subscription.url,
        "events": list(subscription.events),
        "active": subscription.active,
    }


# --- a client's subscriptions ----------------------------------------------------------------


def client_subscriptions(client_id: uuid.UUID) -> Select[WebhookSubscription]:
    return select(WebhookSubscription).where(WebhookSubscription.client_id == client_id)


async def own_subscription(
    session: AsyncSession, client: ClientPrincipal, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = await session.scalar(
        client_subscriptions(client.id).where(WebhookSubscription.id == subscription_id)
    )
    if subscription is None:
        raise NotFound("No such webhook subscription.", code="webhook_subscription_not_found")
    return subscription


async def create_subscription(
    session: AsyncSession, client: ClientPrincipal, data: SubscriptionCreate
) -> WebhookSubscription:
    subscription = WebhookSubscription(
        client_id=client.id,
        url=check_url(data.url),
        events=[e.value for e in data.events],
        signing_secret=new_secret(),
    )
    session.add(subscription)
    await session.flush()
    await session.refresh(subscription)
    await audit.record(
        session,
        actor=client_actor(client),
        action="webhook_subscription.create",
        object_type=OBJECT,
        object_id=subscription.id,
        after=_state(subscription),
    )
    return subscription


async def update_subscription(
    session: AsyncSession,
    client: ClientPrincipal,
    subscription: WebhookSubscription,
    data: SubscriptionUpdate,
    *,
    if_match: str | None,
) -> WebhookSubscription:
    check_if_match(etag(subscription), if_match, what="webhook subscription")
    before = _state(subscription)
    if data.url is not None:
        subscription.url = check_url(data.url)
    if data.events is not None:
        subscription.events = [e.value for e in data.events]
    subscription.version += 1
    subscription.updated_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        actor=client_actor(client),
        action="webhook_subscription.update",
        object_type=OBJECT,
        object_id=subscription.id,
        before=before,
        after=_state(subscription),
    )
    return subscription


async def delete_subscription(
    session: AsyncSession, client: ClientPrincipal, subscription: WebhookSubscription
) -> None:
    """Its deliveries and their attempts go with it."""
    await audit.record(
        session,
        actor=client_actor(client),
        action="webhook_subscription.delete",
        object_type=OBJECT,
        object_id=subscription.id,
        before=_state(subscription),
    )
    await session.delete(subscription)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, client: ClientPrincipal, subscription: WebhookSubscription
) -> WebhookSubscription:
    """A new signing secret, used from the next attempt on; the old one stops at once."""
    subscription.signing_secret = new_secret()
    subscription.version += 1
    subscription.updated_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        actor=client_actor(client),
        action="webhook_subscription.rotate_secret",
        object_type=OBJECT,
        object_id=subscription.id,
        note="signing secret rotated",
    )
    return subscription


# --- the delivery log -------------------------------------------------------------------------


def deliveries_statement(
    *,
    subscription_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> Select[WebhookDelivery]:
    """Newest first, keyset on the identity column."""
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if subscription_id is not None:
        stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
    if client_id is not None:
        stmt = stmt.join(
            WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id
        ).where(WebhookSubscription.client_id == client_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if before_id is not None:
        stmt = stmt.where(WebhookDelivery.id < before_id)
    return stmt


async def attempts_of(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> dict[int, list[WebhookAttempt]]:
    """Every attempt of these deliveries, oldest first, by delivery."""
    result: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return result
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.id)
    )
    for attempt in rows:
        result[attempt.delivery_id].append(attempt)
    return result


async def get_delivery(
    session: AsyncSession, delivery_id: int, *, client_id: uuid.UUID | None = None
) -> WebhookDelivery:
    """A delivery; with `client_id`, only one of that client's subscriptions."""
    stmt = deliveries_statement(client_id=client_id).where(WebhookDelivery.id == delivery_id)
    delivery = await session.scalar(stmt)
    if delivery is None:
        raise NotFound("No such webhook delivery.", code="webhook_delivery_not_found")
    return delivery


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    url: str
    client_name: str
    event: OutboxEvent


async def delivery_context(session: AsyncSession, delivery: WebhookDelivery) -> DeliveryContext:
    row = (
        await session.execute(
            select(WebhookSubscription.url, AgencyClient.name, OutboxEvent)
            .join(AgencyClient, AgencyClient.id == WebhookSubscription.client_id)
            .join(OutboxEvent, OutboxEvent.id == delivery.event_id)
            .where(WebhookSubscription.id == delivery.subscription_id)
        )
    ).one()
    return DeliveryContext(*row)


async def redeliver(
    session: AsyncSession, delivery: WebhookDelivery, actor: Actor
) -> WebhookAttempt:
    """One attempt now, logged as manual, whatever the delivery's state; its retry schedule is
    left alone. The receiver sees the same event id again."""
    subscription = await session.get(WebhookSubscription, delivery.subscription_id)
    assert subscription is not None
    if not subscription.active:
        raise Conflict(
            "The subscription is disabled; re-enable it before redelivering.",
            code="webhook_subscription_disabled",
        )
    event = await session.get(OutboxEvent, delivery.event_id)
    assert event is not None
    outcome = await sending.send(
        subscription.url, subscription.signing_secret, event, get_settings()
    )
    attempt = await sending.record_outcome(session, delivery, outcome, manual=True)
    await audit.record(
        session,
        actor=actor,
        action="webhook_delivery.redeliver",
        object_type="webhook_delivery",
        object_id=delivery.id,
        after={
            "status_code": outcome.status_code,
            "error": outcome.error,
            "status": delivery.status,
        },
    )
    return attempt


# --- admins -----------------------------------------------------------------------------------


def admin_subscriptions_statement(
    *, after: tuple[datetime, uuid.UUID] | None = None, limit: int = 50
) -> Select[WebhookSubscription, str]:
    """Every subscription with its client's name, newest first."""
    stmt = (
        select(WebhookSubscription, AgencyClient.name)
        .join(AgencyClient, AgencyClient.id == WebhookSubscription.client_id)
        .order_by(WebhookSubscription.created_at.desc(), WebhookSubscription.id.desc())
        .limit(limit)
    )
    if after is not None:
        created_at, subscription_id = after
        stmt = stmt.where(
            tuple_(WebhookSubscription.created_at, WebhookSubscription.id)
            < tuple_(created_at, subscription_id)
        )
    return stmt


async def get_subscription(
    session: AsyncSession, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = await session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound("No such webhook subscription.", code="webhook_subscription_not_found")
    return subscription


async def enable_subscription(
    session: AsyncSession, actor: Actor, subscription: WebhookSubscription
) -> WebhookSubscription:
    """Re-enables a disabled subscription: new events reach it again; the deliveries failed
    while it was disabled can be redelivered one by one."""
    if subscription.active:
        raise Conflict(
            "The subscription is active already.", code="webhook_subscription_not_disabled"
        )
    before = {
        "active": False,
        "disabled_at": subscription.disabled_at,
        "disabled_reason": subscription.disabled_reason,
    }
    subscription.active = True
    subscription.disabled_at = None
    subscription.disabled_reason = None
    subscription.failing_since = None
    subscription.version += 1
    subscription.updated_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="webhook_subscription.enable",
        object_type=OBJECT,
        object_id=subscription.id,
        before=before,
        after={"active": True, "disabled_at": None, "disabled_reason": None},
    )
    return subscription
