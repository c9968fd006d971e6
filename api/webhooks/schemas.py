from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.models import DeliveryStatus


class WebhookEventType(StrEnum):
    """The events an agency client may subscribe to (all emitted into the outbox)."""

    application_status_changed = "application.status_changed"
    batch_status_changed = "batch.status_changed"
    publicity_started = "publicity.started"
    objection_filed = "objection.filed"
    award_granted = "award.granted"
    certificate_revoked = "certificate.revoked"


EventList = list[WebhookEventType]


def _distinct(events: EventList | None) -> EventList | None:
    if events is None:
        return None
    return list(dict.fromkeys(events))


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        max_length=2000,
        description="Receives a POST per event: https (http only for localhost outside "
        "production), without credentials.",
    )
    events: EventList = Field(min_length=1)

    _events = field_validator("events")(_distinct)


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=2000)
    events: EventList | None = Field(None, min_length=1)

    _events = field_validator("events")(_distinct)


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    failing_since: datetime | None
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class SubscriptionWithSecret(SubscriptionRead):
    signing_secret: str = Field(
        description="The HMAC-SHA256 key of `X-FirstSet-Signature`; shown only now, store it."
    )


class AdminSubscriptionRead(SubscriptionRead):
    client_id: uuid.UUID = Field(description="The agency client (agency_client.id).")
    client_name: str


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int | None
    error: str | None
    manual: bool


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: uuid.UUID
    event_id: int = Field(description="The outbox id, sent as `X-FirstSet-Event-Id`.")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRead] = Field(description="Every attempt, oldest first.")


class DeliveryDetail(DeliveryRead):
    url: str
    client_name: str
    occurred_at: datetime
    data: dict[str, Any] = Field(description="The event payload, as sent in `data`.")
