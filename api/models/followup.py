"""What follows an award: roadshows where awarded products are presented, and the awarded
enterprise's demonstration projects, purchase intentions and first-set insurance, which admins
verify. Money is NUMERIC, never float."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, TimestampMixin, UUIDPk, str_enum

# Partial indexes of the admins' verification queue.
UNVERIFIED = text("verified_at IS NULL")

# Yuan with fen: up to 99,999,999,999,999.99 (a hundred trillion) — no real amount comes close.
Money = Numeric(16, 2)


class RoadshowStatus(StrEnum):
    draft = "draft"
    published = "published"


class Roadshow(TimestampMixin, Base):
    """A roadshow (路演) event; the public sees it once published."""

    __tablename__ = "roadshow"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_roadshow_status_starts", "status", "starts_at"),
    )

    id: Mapped[UUIDPk]
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    venue_zh: Mapped[str] = mapped_column(String(200))
    venue_en: Mapped[str | None] = mapped_column(String(200))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RoadshowStatus] = mapped_column(
        str_enum(RoadshowStatus, "roadshow_status"), server_default=RoadshowStatus.draft.value
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on every change of the event or its agenda: the ETag for If-Match.
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class RoadshowSlot(TimestampMixin, Base):
    """One presentation on a roadshow's agenda. The agenda is in time order; slots of one
    roadshow never overlap (checked under a lock on the roadshow row)."""

    __tablename__ = "roadshow_slot"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_roadshow_slot_roadshow_starts", "roadshow_id", "starts_at"),
        Index("ix_roadshow_slot_award", "award_id"),
    )

    id: Mapped[UUIDPk]
    roadshow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roadshow.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    # The awarded product presented, when the talk is about one (it belongs to the organisation).
    award_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("award.id", ondelete="RESTRICT"))
    talk_title_zh: Mapped[str] = mapped_column(String(200))
    talk_title_en: Mapped[str | None] = mapped_column(String(200))
    presenter: Mapped[str] = mapped_column(String(100))


class VerifiedMixin:
    """Records the awarded enterprise declares and an admin verifies (audited)."""

    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class ProjectStage(StrEnum):
    planned = "planned"
    in_demonstration = "in_demonstration"
    in_application = "in_application"
    completed = "completed"


class DemonstrationProject(VerifiedMixin, TimestampMixin, Base):
    """A demonstration application project (示范应用项目) of an awarded product."""

    __tablename__ = "demonstration_project"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", "dates"),
        CheckConstraint("expected_investment_yuan >= 0", "investment_not_negative"),
        Index("ix_demonstration_project_award", "award_id"),
        Index(
            "ix_demonstration_project_unverified",
            "created_at",
            postgresql_where=text("verified_at IS NULL"),
        ),
    )

    id: Mapped[UUIDPk]
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    user_enterprise: Mapped[str] = mapped_column(String(200))
    site: Mapped[str] = mapped_column(String(200))
    stage: Mapped[ProjectStage] = mapped_column(str_enum(ProjectStage, "project_stage"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    expected_investment_yuan: Mapped[Decimal] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    # The enterprise agrees to a public summary (user, site, stage); shown once verified.
    public: Mapped[bool] = mapped_column(server_default="false")


class IntentionStatus(StrEnum):
    intent = "intent"
    signed = "signed"
    delivered = "delivered"
    cancelled = "cancelled"


class PurchaseIntention(VerifiedMixin, TimestampMixin, Base):
    """A buyer's intention to purchase an awarded product (采购意向), and how far it got."""

    __tablename__ = "purchase_intention"
    __table_args__ = (
        CheckConstraint("amount_yuan > 0", "amount_positive"),
        Index("ix_purchase_intention_award", "award_id"),
        Index("ix_purchase_intention_roadshow", "roadshow_id"),
        Index(
            "ix_purchase_intention_unverified",
            "created_at",
            postgresql_where=text("verified_at IS NULL"),
        ),
    )

    id: Mapped[UUIDPk]
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    buyer: Mapped[str] = mapped_column(String(200))
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    intended_on: Mapped[date] = mapped_column(Date)
    status: Mapped[IntentionStatus] = mapped_column(
        str_enum(IntentionStatus, "intention_status"), server_default=IntentionStatus.intent.value
    )
    # Where the buyer was found, e.g. a roadshow (linked when it was one of ours).
    source: Mapped[str | None] = mapped_column(String(200))
    roadshow_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("roadshow.id", ondelete="SET NULL")
    )
    notes: Mapped[str | None] = mapped_column(Text)


# First-set insurance compensation: the premium rate is capped at 3%, the subsidy covers 80% of
# the premium by default, for at most 3 years.
MAX_PREMIUM_RATE = Decimal("0.03")
DEFAULT_SUBSIDY_SHARE = Decimal("0.80")
MAX_POLICY_YEARS = 3


class InsurancePolicy(VerifiedMixin, TimestampMixin, Base):
    """A first-set insurance (首台套保险) policy covering an awarded product."""

    __tablename__ = "insurance_policy"
    __table_args__ = (
        UniqueConstraint("insurer", "policy_number"),
        CheckConstraint("premium_yuan > 0", "premium_positive"),
        CheckConstraint("premium_rate > 0 AND premium_rate <= 0.03", "premium_rate_capped"),
        CheckConstraint("subsidy_share >= 0 AND subsidy_share <= 1", "subsidy_share_range"),
        CheckConstraint(
            "ends_on > starts_on AND ends_on <= starts_on + interval '3 years'", "period"
        ),
        Index("ix_insurance_policy_award", "award_id"),
        Index(
            "ix_insurance_policy_unverified",
            "created_at",
            postgresql_where=text("verified_at IS NULL"),
        ),
    )

    id: Mapped[UUIDPk]
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    insurer: Mapped[str] = mapped_column(String(200))
    policy_number: Mapped[str] = mapped_column(String(60))
    premium_yuan: Mapped[Decimal] = mapped_column(Money)
    # A fraction: 0.025 is 2.5%.
    premium_rate: Mapped[Decimal] = mapped_column(Numeric(6, 5))
    subsidy_share: Mapped[Decimal] = mapped_column(Numeric(4, 3), server_default="0.800")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
