"""Objections filed by the public during a batch's publicity (公示)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, TimestampMixin, UUIDPk, str_enum


class ObjectionStatus(StrEnum):
    filed = "filed"
    under_review = "under_review"
    upheld = "upheld"
    dismissed = "dismissed"


class Objection(TimestampMixin, Base):
    __tablename__ = "objection"
    __table_args__ = (
        Index("ix_objection_batch_status", "batch_id", "status", "created_at"),
        Index("ix_objection_application", "application_id"),
    )

    id: Mapped[UUIDPk]
    # A short public reference the objector can quote (e.g. YY-2021-01-0007).
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("application.id", ondelete="RESTRICT")
    )
    status: Mapped[ObjectionStatus] = mapped_column(
        str_enum(ObjectionStatus, "objection_status"), server_default=ObjectionStatus.filed.value
    )
    # Real-name objection: who, and how to reach them (phone or e-mail, at least one).
    objector_name: Mapped[str] = mapped_column(String(100))
    objector_phone: Mapped[str | None] = mapped_column(String(30))
    objector_email: Mapped[str | None] = mapped_column(String(254))
    objector_organization: Mapped[str | None] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    # An optional PDF, kept in the content-addressed blob store like attachments.
    evidence_filename: Mapped[str | None] = mapped_column(String(200))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(INET)
