"""Agency integration: OAuth2 clients of the joint office's agencies, their secrets and bearer
tokens (stored hashed), idempotent POSTs, and webhook subscriptions with their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, CIDR, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, TimestampMixin, UUIDPk, str_enum


class Scope(StrEnum):
    catalogue_read = "catalogue:read"
    applications_read = "applications:read"
    awards_read = "awards:read"
    statistics_read = "statistics:read"
    webhooks_manage = "webhooks:manage"


class AgencyClient(TimestampMixin, Base):
    """A machine client of an agency (OAuth2 client credentials)."""

    __tablename__ = "agency_client"

    id: Mapped[UUIDPk]
    # The public identifier sent as `client_id`.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    # Empty: any address; otherwise tokens are issued and used only from these networks.
    allowed_networks: Mapped[list[str]] = mapped_column(ARRAY(CIDR), server_default="{}")
    # Requests per minute across the client's tokens.
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, server_default="600")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class ClientSecret(Base):
    """A client's secret, kept only as a SHA-256 of its random bytes. Rotation adds a new one and
    gives the old one an end, so both work during the overlap."""

    __tablename__ = "agency_client_secret"
    __table_args__ = (Index("ix_agency_client_secret_client", "client_id"),)

    id: Mapped[UUIDPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_client.id", ondelete="CASCADE"))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The first characters, to tell secrets apart in the admin screen.
    hint: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccessToken(Base):
    """A short-lived bearer token, kept only as a SHA-256."""

    __tablename__ = "agency_access_token"
    __table_args__ = (Index("ix_agency_access_token_expires", "expires_at"),)

    id: Mapped[UUIDPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_client.id", ondelete="CASCADE"))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdempotencyState(StrEnum):
    in_flight = "in_flight"
    completed = "completed"


class IdempotencyRecord(Base):
    """The first answer to an agency POST with an `Idempotency-Key`, replayed for a repeat."""

    __tablename__ = "idempotency_record"
    __table_args__ = (Index("ix_idempotency_record_expires", "expires_at"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agency_client.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2000))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    request_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    state: Mapped[IdempotencyState] = mapped_column(
        str_enum(IdempotencyState, "idempotency_state"),
        server_default=IdempotencyState.in_flight.value,
    )
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookSubscription(TimestampMixin, Base):
    """An agency client's subscription to events, delivered by POST to `url`."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (Index("ix_webhook_subscription_client", "client_id"),)

    id: Mapped[UUIDPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_client.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    # The HMAC key shared with the receiver; shown once, when created or rotated.
    signing_secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(server_default="true")
    # Set at the first failure of a run of failures; a day of failures disables it.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")


PENDING = text("status = 'pending'")


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt
    succeeded = "succeeded"
    failed = "failed"  # every attempt used, or the subscription was disabled


class WebhookDelivery(Base):
    """One event for one subscription; its attempts are in `webhook_attempt`."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_delivery_due", "next_attempt_at", postgresql_where=PENDING),
        Index("ix_webhook_delivery_subscription", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="RESTRICT"))
    event_type: Mapped[str] = mapped_column(String(60))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "delivery_status"), server_default=DeliveryStatus.pending.value
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: what the receiver answered, and how fast."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # A manual redelivery by an admin, not a scheduled retry.
    manual: Mapped[bool] = mapped_column(server_default="false")
