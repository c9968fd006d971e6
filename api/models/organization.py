from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, TimestampMixin, UUIDPk, str_enum


class District(StrEnum):
    """Beijing's 16 districts."""

    dongcheng = "dongcheng"
    xicheng = "xicheng"
    chaoyang = "chaoyang"
    fengtai = "fengtai"
    shijingshan = "shijingshan"
    haidian = "haidian"
    mentougou = "mentougou"
    fangshan = "fangshan"
    tongzhou = "tongzhou"
    shunyi = "shunyi"
    changping = "changping"
    daxing = "daxing"
    huairou = "huairou"
    pinggu = "pinggu"
    miyun = "miyun"
    yanqing = "yanqing"


class OrganizationKind(StrEnum):
    enterprise = "enterprise"
    district_office = "district_office"
    agency = "agency"
    other = "other"


class Organization(TimestampMixin, Base):
    __tablename__ = "organization"
    __table_args__ = (
        Index("ix_organization_name_zh_id", "name_zh", "id"),
        CheckConstraint("kind <> 'enterprise' OR uscc IS NOT NULL", name="enterprise_has_uscc"),
        CheckConstraint(
            "kind <> 'district_office' OR district IS NOT NULL", name="district_office_has_district"
        ),
    )

    id: Mapped[UUIDPk]
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    district: Mapped[District | None] = mapped_column(str_enum(District, "district"))
    kind: Mapped[OrganizationKind] = mapped_column(str_enum(OrganizationKind, "organization_kind"))
    # The enterprise group (企业集团) it belongs to: experts of one member avoid all members.
    enterprise_group: Mapped[str | None] = mapped_column(String(200), index=True)

    def __repr__(self) -> str:
        return f"<Organization {self.name_zh} {self.uscc or ''}>"
