"""Awards and their certificates, the keys that sign them, and the public catalogue built from
them (a search document per award, a version that keys public caches, a change feed)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, TimestampMixin, UUIDPk, str_enum


class SigningKey(Base):
    """A certificate-signing key: the public half, published by key id. The private half stays
    outside the database (see the awards signing module). Retired keys stay listed so that older
    certificates still verify."""

    __tablename__ = "signing_key"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(20), server_default="Ed25519")
    # Raw public key, base64 (32 bytes for Ed25519).
    public_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Award(TimestampMixin, Base):
    """The award of one application, and its certificate."""

    __tablename__ = "award"
    __table_args__ = (
        UniqueConstraint("batch_id", "sequence"),
        Index("ix_award_organization", "organization_id"),
    )

    id: Mapped[UUIDPk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("application.id", ondelete="RESTRICT"), unique=True
    )
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    # BJSTT-<year>-<batch sequence, 2 digits>-<sequence, 4 digits>
    number: Mapped[str] = mapped_column(String(32), unique=True)
    sequence: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[date] = mapped_column(Date)
    # The canonical payload as signed, and its signature (base64) by `key_id`.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    signature: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_key.key_id", ondelete="RESTRICT"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    # The rendered PDF in the blob store, and whether it shows the revocation.
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_shows_revoked: Mapped[bool | None]


class CatalogueEntry(Base):
    """The public face of an award: everything the catalogue lists, filters, sorts and searches,
    in one row, so that a catalogue page is one indexed query without joins."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (
        Index("ix_catalogue_entry_search", "search_vector", postgresql_using="gin"),
        Index("ix_catalogue_entry_newest", "issued_at", "award_id"),
        Index("ix_catalogue_entry_field", "field", "issued_at", "award_id"),
        Index("ix_catalogue_entry_batch", "batch_id", "issued_at", "award_id"),
        Index("ix_catalogue_entry_year", "year", "issued_at", "award_id"),
        Index("ix_catalogue_entry_district", "district", "issued_at", "award_id"),
        Index("ix_catalogue_entry_organization", "organization_id"),
        Index("ix_catalogue_entry_name", "product_name_zh", "award_id"),
    )

    award_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("award.id", ondelete="CASCADE"), primary_key=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    certificate_number: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    batch_sequence: Mapped[int] = mapped_column(SmallInteger)
    # Sorted by the `catalogue_name` collation: pinyin order where the server has ICU, code
    # point order where it has not (created by the migration that introduced it).
    product_name_zh: Mapped[str] = mapped_column(String(200, collation="catalogue_name"))
    product_name_en: Mapped[str | None] = mapped_column(String(300))
    model_spec: Mapped[str | None] = mapped_column(String(200))
    summary_zh: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(60))
    product_type: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(32))
    organization_name_zh: Mapped[str] = mapped_column(String(200))
    organization_name_en: Mapped[str | None] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(32))
    price_yuan: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Names, model, summaries and organisation names, NFKC-normalised and newline-joined: what a
    # search matches as a substring (ILIKE). `search_vector` holds its Han bigrams and Latin
    # trigrams (DESIGN §5), the GIN-indexed candidate filter; both built by api/catalogue/search.
    search_text: Mapped[str] = mapped_column(Text)
    search_vector: Mapped[str] = mapped_column(TSVECTOR)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CatalogueFacetCount(Base):
    """How many catalogue entries carry each facet value, revoked or not, over the whole
    catalogue (`scope` empty) and within each value of one filter (`scope` a filter's name,
    `scope_value` its value as text): the facets of such a filter without a scan. `dimension`
    is a facet's name (field, level, product_type, district, year) or `total` with an empty
    value; entries without a value (no product type, say) count in the total only, as the live
    facets show them.

    Kept by statement triggers on `catalogue_entry` (created by the migration that introduced
    the table), in the writing transaction, whoever writes: the award service, the generator or
    a bulk load. Counts that fall to zero stay as rows of zero."""

    __tablename__ = "catalogue_facet_count"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope_value: Mapped[str] = mapped_column(Text, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    revoked: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CatalogueFacetExpiry(Base):
    """The whole catalogue's counts for the entries that are not revoked, by the day their
    validity ends:
    whether one is valid or expired depends on Beijing's date at the time of the read, so the
    valid and expired facets sum the days on either side of it."""

    __tablename__ = "catalogue_facet_expiry"

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CatalogueChangeKind(StrEnum):
    awarded = "awarded"
    revoked = "revoked"
    updated = "updated"


class CatalogueChange(Base):
    """The public change feed; its `id` is the feed's cursor and the catalogue's version."""

    __tablename__ = "catalogue_change"
    __table_args__ = (Index("ix_catalogue_change_award", "award_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    kind: Mapped[CatalogueChangeKind] = mapped_column(
        str_enum(CatalogueChangeKind, "catalogue_change_kind")
    )
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class OutboxCursor(Base):
    """How far a consumer of the event outbox has read (e.g. the awards consumer)."""

    __tablename__ = "outbox_cursor"

    consumer: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
