"""Notifications: the in-app inbox, each user's preferences per kind, and the e-mail outbox that
doubles as the send log. All are written by the notifications consumer of the event outbox."""

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
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, CreatedAt, UpdatedAt, str_enum


class Notification(Base):
    """One inbox entry, rendered in the recipient's language when it was created. `event_id` is
    the first outbox event of the transaction it reports (one entry per action, not per event)."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "event_id"),
        Index("ix_notification_inbox", "user_id", "id"),
        Index("ix_notification_unread", "user_id", postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[CreatedAt]
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPreference(Base):
    """A user's choice for one kind; no row means the default (both channels on)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    in_app: Mapped[bool] = mapped_column(server_default="true")
    email: Mapped[bool] = mapped_column(server_default="true")
    updated_at: Mapped[UpdatedAt]


class EmailDelivery(StrEnum):
    immediate = "immediate"  # each message as it happens
    daily = "daily"  # one digest a day; required notices still go at once


class NotificationSetting(Base):
    """A user's choices that hold for every kind; no row means the defaults."""

    __tablename__ = "notification_setting"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    email_delivery: Mapped[EmailDelivery] = mapped_column(
        str_enum(EmailDelivery, "email_delivery"), server_default=EmailDelivery.immediate.value
    )
    updated_at: Mapped[UpdatedAt]


class NotificationEventSeen(Base):
    """Outbox events the notifications consumer has handled. Ids commit out of order, so events
    behind the cursor are looked at again for a while; this keeps each one handled once."""

    __tablename__ = "notification_event_seen"

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seen_at: Mapped[CreatedAt]


class MailStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt
    sent = "sent"  # handed to the SMTP server, or written to var/mail
    failed = "failed"  # every attempt used
    held = "held"  # kept for the recipient's daily digest
    digested = "digested"  # went out inside a digest (`digest_id`)


class MailMessage(Base):
    """An e-mail to send and, once tried, its send log."""

    __tablename__ = "mail_message"
    __table_args__ = (
        UniqueConstraint("to_address", "kind", "event_id"),
        Index(
            "ix_mail_message_due", "next_attempt_at", postgresql_where=text("status = 'pending'")
        ),
        Index("ix_mail_message_held", "user_id", postgresql_where=text("status = 'held'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(100))
    # Null for recipients without an account (objectors).
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    # The message without greeting and footer, and the page it points to: what a digest lists.
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_message.id", ondelete="SET NULL")
    )
    status: Mapped[MailStatus] = mapped_column(
        str_enum(MailStatus, "mail_status"), server_default=MailStatus.pending.value
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    eml_path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[CreatedAt]
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
