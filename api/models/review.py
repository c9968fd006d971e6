"""Expert review: the pool, per-batch availability and attestation, the rubric, assignment draws,
assignments and the reviews themselves."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, CreatedAt, TimestampMixin, UUIDPk, str_enum


class ExpertProfile(TimestampMixin, Base):
    """An expert of the pool (a user with the expert role)."""

    __tablename__ = "expert_profile"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    # Fields of expertise (taxonomy field codes).
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(60)), server_default="{}")
    employer_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    title_zh: Mapped[str | None] = mapped_column(String(100))
    title_en: Mapped[str | None] = mapped_column(String(150))
    speciality: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class ExpertConflict(Base):
    """An organisation the expert declared a conflict of interest with (回避)."""

    __tablename__ = "expert_conflict"
    __table_args__ = (UniqueConstraint("expert_id", "organization_id"),)

    id: Mapped[UUIDPk]
    expert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expert_profile.user_id", ondelete="CASCADE")
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[CreatedAt]


class ExpertAvailability(TimestampMixin, Base):
    """Whether an expert takes part in a batch's review; no row means available."""

    __tablename__ = "expert_availability"
    __table_args__ = (UniqueConstraint("batch_id", "expert_id"),)

    id: Mapped[UUIDPk]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    expert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expert_profile.user_id", ondelete="CASCADE"), index=True
    )
    available: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))


class ExpertAttestation(Base):
    """The conflict-and-confidentiality statement an expert signs per batch before any material
    opens."""

    __tablename__ = "expert_attestation"
    __table_args__ = (UniqueConstraint("batch_id", "expert_id"),)

    id: Mapped[UUIDPk]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    expert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expert_profile.user_id", ondelete="CASCADE"), index=True
    )
    statement_version: Mapped[str] = mapped_column(String(40))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(INET)


class RubricCriterion(TimestampMixin, Base):
    """One scored criterion of a batch's rubric; an expert gives 0..max_score, the total is the
    weighted sum."""

    __tablename__ = "rubric_criterion"
    __table_args__ = (
        UniqueConstraint("batch_id", "position"),
        CheckConstraint("max_score > 0 AND max_score <= 1000", name="max_score"),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight"),
    )

    id: Mapped[UUIDPk]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(150))
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 3), server_default="1")
    guidance_zh: Mapped[str | None] = mapped_column(Text)
    guidance_en: Mapped[str | None] = mapped_column(Text)


class AssignmentDraw(Base):
    """One run of the automatic assignment, kept so that the same seed reproduces the draw."""

    __tablename__ = "assignment_draw"
    __table_args__ = (Index("ix_assignment_draw_batch", "batch_id", "created_at"),)

    id: Mapped[UUIDPk]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    seed: Mapped[int] = mapped_column(BigInteger)
    per_application: Mapped[int] = mapped_column(SmallInteger)
    cap_per_expert: Mapped[int] = mapped_column(SmallInteger)
    # The inputs and the outcome (assigned pairs, shortfalls with reasons) as they were.
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    run_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]


class AssignmentStatus(StrEnum):
    active = "active"
    removed = "removed"  # by an admin, with a reason
    conflict_declared = "conflict_declared"  # by the expert; flags the application


class AssignmentSource(StrEnum):
    draw = "draw"
    manual = "manual"


class ReviewAssignment(TimestampMixin, Base):
    __tablename__ = "review_assignment"
    __table_args__ = (
        # One live assignment of an expert to an application.
        Index(
            "uq_review_assignment_active",
            "application_id",
            "expert_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_review_assignment_expert", "expert_id", "batch_id", "status"),
        Index("ix_review_assignment_batch", "batch_id", "status"),
    )

    id: Mapped[UUIDPk]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE")
    )
    expert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expert_profile.user_id", ondelete="RESTRICT")
    )
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus, "assignment_status"),
        server_default=AssignmentStatus.active.value,
    )
    source: Mapped[AssignmentSource] = mapped_column(
        str_enum(AssignmentSource, "assignment_source")
    )
    draw_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assignment_draw.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    ended_reason: Mapped[str | None] = mapped_column(String(500))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    waived = "waived"  # an admin excused this review so deliberation can go ahead


class Recommendation(StrEnum):
    recommend = "recommend"
    neutral = "neutral"
    not_recommend = "not_recommend"


class Review(TimestampMixin, Base):
    """An expert's scores for one assignment."""

    __tablename__ = "review"
    __table_args__ = (Index("ix_review_application", "application_id", "status"),)

    id: Mapped[UUIDPk]
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("review_assignment.id", ondelete="CASCADE"), unique=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE")
    )
    expert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expert_profile.user_id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, "review_status"), server_default=ReviewStatus.draft.value
    )
    # {criterion id: score}
    scores: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    comment: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[Recommendation | None] = mapped_column(
        str_enum(Recommendation, "recommendation")
    )
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    waived_reason: Mapped[str | None] = mapped_column(String(500))
