from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, TimestampMixin, UUIDPk, str_enum


class BatchStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    reviewing = "reviewing"
    deliberation = "deliberation"
    publicity = "publicity"
    announced = "announced"
    archived = "archived"


class AggregationRule(StrEnum):
    mean = "mean"
    median = "median"
    # Drops one highest and one lowest total when there are at least 5 reviews
    # (去掉一个最高分和一个最低分).
    trimmed_mean = "trimmed_mean"


class Batch(TimestampMixin, Base):
    """A yearly call for applications (批次)."""

    __tablename__ = "batch"
    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        CheckConstraint("opens_at < closes_at", name="window_order"),
        CheckConstraint("publicity_working_days BETWEEN 1 AND 30", name="publicity_days"),
        CheckConstraint("reviewers_per_application BETWEEN 1 AND 15", name="reviewers"),
        CheckConstraint("max_assignments_per_expert BETWEEN 1 AND 200", name="expert_cap"),
    )

    id: Mapped[UUIDPk]
    year: Mapped[int] = mapped_column(SmallInteger)
    sequence: Mapped[int] = mapped_column(SmallInteger)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    publicity_working_days: Mapped[int] = mapped_column(SmallInteger, server_default="5")
    reviewers_per_application: Mapped[int] = mapped_column(SmallInteger, server_default="5")
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "batch_status"), server_default=BatchStatus.draft.value
    )
    aggregation_rule: Mapped[AggregationRule] = mapped_column(
        str_enum(AggregationRule, "aggregation_rule"),
        server_default=AggregationRule.trimmed_mean.value,
    )
    max_assignments_per_expert: Mapped[int] = mapped_column(SmallInteger, server_default="15")
    # {field code: how many may be shortlisted}; absent fields have no quota.
    shortlist_quota: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    # The last automatic assignment's seed (its draw is in assignment_draw).
    assignment_seed: Mapped[int | None] = mapped_column(BigInteger)
    # Experts submit their scores by this day (Beijing); they are reminded before it.
    review_due_on: Mapped[date | None] = mapped_column(Date)
    publicity_starts_on: Mapped[date | None] = mapped_column(Date)
    publicity_ends_on: Mapped[date | None] = mapped_column(Date)
