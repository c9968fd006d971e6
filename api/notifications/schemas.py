from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from api.models import EmailDelivery, MailStatus
from api.notifications.kinds import LINK_TEXT_REMOVED, ONE_TIME_LINK_KINDS, Kind

MailKind = Kind | Literal["daily_digest", "password_reset"]
DELIVERY = (
    "`immediate`: an e-mail per notice; `daily`: one digest a day at the digest hour "
    "(required notices still go at once)."
)


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: Kind
    title: str
    body: str
    link: str = Field(description="The SPA page it is about (an absolute URL).")
    data: dict[str, Any] = Field(description="`items`: what the action did, one entry each.")
    created_at: datetime
    read_at: datetime | None


class Inbox(BaseModel):
    items: list[NotificationRead]
    next: str | None = Field(None, description="Cursor of the next page; null on the last page.")
    unread: int = Field(description="Unread notifications of the caller, all pages.")


class UnreadCount(BaseModel):
    unread: int


class ReadAll(BaseModel):
    marked: int = Field(description="Notifications marked read by this call.")
    unread: int


class Preference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    # Strict: the schema says boolean, so 0, 1 or "yes" are refused rather than read as one.
    in_app: StrictBool = True
    email: StrictBool = True


class PreferenceRead(Preference):
    required: bool = Field(description="Required notices cannot be switched off.")


class Preferences(BaseModel):
    items: list[PreferenceRead]
    email_delivery: EmailDelivery = Field(description=DELIVERY)


class PreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Preference] = Field(
        default_factory=list, max_length=50, description="Kinds not listed stay as they are."
    )
    email_delivery: EmailDelivery | None = Field(None, description=DELIVERY + " Unset: unchanged.")


class MailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    to_address: str
    to_name: str | None
    user_id: uuid.UUID | None
    locale: str
    kind: MailKind
    subject: str
    status: MailStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    digest_id: int | None = Field(description="The digest e-mail this one went out in.")


class MailDetail(MailRead):
    text: str
    eml_path: str | None

    @model_validator(mode="after")
    def _hide_secrets(self) -> MailDetail:
        # Not even an admin reads another account's live reset link, queued or not.
        if self.kind in ONE_TIME_LINK_KINDS:
            self.text = LINK_TEXT_REMOVED
        return self
