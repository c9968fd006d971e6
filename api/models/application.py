from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, CreatedAt, TimestampMixin, UUIDPk, str_enum


class ProductType(StrEnum):
    complete_machine = "complete_machine"
    core_component = "core_component"
    control_system = "control_system"
    basic_material = "basic_material"
    software = "software"


class TechnicalLevel(StrEnum):
    """Ordered from the highest claim to the minimum accepted one."""

    international_leading = "international_leading"
    international_advanced = "international_advanced"
    domestic_leading = "domestic_leading"
    domestic_advanced = "domestic_advanced"


class ApplicationStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    recommended = "recommended"
    accepted = "accepted"
    rejected = "rejected"
    in_review = "in_review"
    reviewed = "reviewed"
    shortlisted = "shortlisted"
    not_selected = "not_selected"
    awarded = "awarded"
    withdrawn = "withdrawn"


class CheckStep(StrEnum):
    """Which check returned or rejected an application."""

    district = "district"
    formal = "formal"


class Application(TimestampMixin, Base):
    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_batch_status", "batch_id", "status"),
        Index("ix_application_organization", "organization_id", "created_at"),
        Index("ix_application_product_key", "organization_id", "product_key"),
    )

    id: Mapped[UUIDPk]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"),
        server_default=ApplicationStatus.draft.value,
    )
    # Optimistic concurrency: the ETag of the application; bumped by every change.
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    product_name_zh: Mapped[str] = mapped_column(String(200))
    product_name_en: Mapped[str | None] = mapped_column(String(300))
    model_spec: Mapped[str | None] = mapped_column(String(200))
    # Normalised product name + model, for the duplicate-application rule.
    product_key: Mapped[str] = mapped_column(String(420))
    field: Mapped[str | None] = mapped_column(String(60))
    product_type: Mapped[ProductType | None] = mapped_column(str_enum(ProductType, "product_type"))
    claimed_level: Mapped[TechnicalLevel | None] = mapped_column(
        str_enum(TechnicalLevel, "technical_level")
    )
    summary_zh: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    ip_rights: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    sales: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    licences: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    price_yuan: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    expected_demonstration_use: Mapped[str | None] = mapped_column(Text)

    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_step: Mapped[CheckStep | None] = mapped_column(str_enum(CheckStep, "check_step"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    return_deadline_on: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )


class AttachmentKind(StrEnum):
    application_form = "application_form"
    test_report = "test_report"
    novelty_search = "novelty_search"
    licence = "licence"
    other = "other"


class Attachment(Base):
    """A file of an application; its bytes live in the content-addressed store under sha256."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_application", "application_id", "created_at"),)

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE")
    )
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind, "attachment_kind"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
