"""Keeps the catalogue in step with awards: one `catalogue_entry` per award, rebuilt from the
award, its application, organisation and batch, and one `catalogue_change` per change (the public
change feed, whose newest id is the catalogue version that keys public caches)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue import cache
from api.catalogue.search import search_document
from api.models import (
    Application,
    Award,
    Batch,
    CatalogueChange,
    CatalogueChangeKind,
    CatalogueEntry,
    Organization,
)


async def index_award(session: AsyncSession, award: Award, kind: CatalogueChangeKind) -> None:
    application = await session.get(Application, award.application_id)
    organization = await session.get(Organization, award.organization_id)
    batch = await session.get(Batch, award.batch_id)
    assert application is not None
    assert organization is not None
    assert batch is not None
    values = {
        "award_id": award.id,
        "application_id": application.id,
        "batch_id": batch.id,
        "organization_id": organization.id,
        "certificate_number": award.number,
        "year": batch.year,
        "batch_sequence": batch.sequence,
        "product_name_zh": application.product_name_zh,
        "product_name_en": application.product_name_en,
        "model_spec": application.model_spec,
        "summary_zh": application.summary_zh,
        "summary_en": application.summary_en,
        "field": application.field or "",
        "product_type": application.product_type,
        "level": application.claimed_level,
        "organization_name_zh": organization.name_zh,
        "organization_name_en": organization.name_en,
        "district": organization.district,
        "price_yuan": application.price_yuan,
        "indicators": application.indicators,
        "issued_at": award.issued_at,
        "valid_until": award.valid_until,
        "revoked_at": award.revoked_at,
    }
    document = search_document(
        application.product_name_zh,
        application.product_name_en,
        application.model_spec,
        application.summary_zh,
        application.summary_en,
        organization.name_zh,
        organization.name_en,
    )
    values["search_text"] = document.text_expression()
    values["search_vector"] = document.vector_expression()
    # Before the entry is written: its triggers update the shared facet counts, which every
    # catalogue change then reaches in the same order (under this lock), never crosswise.
    await lock_change_feed(session)
    stmt = insert(CatalogueEntry).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CatalogueEntry.award_id],
            set_={k: stmt.excluded[k] for k in values if k != "award_id"},
        )
    )
    session.add(CatalogueChange(award_id=award.id, kind=kind))
    await session.flush()
    # This process's next page reads the new version (once committed) instead of waiting out
    # the version's reuse; other processes see it within that bound.
    cache.forget_version()


# Any constant: the key of the transaction-level lock that orders catalogue changes.
CHANGE_FEED_LOCK = 0x46535443  # "FSTC"


async def lock_change_feed(session: AsyncSession) -> None:
    """Changes take their ids in one transaction at a time, holding this lock until commit, so
    they become visible in id order: a reader of the change feed (or of the catalogue version)
    never sees id n + 1 while id n is still to come, and a cursor never skips a change."""
    await session.execute(select(func.pg_advisory_xact_lock(CHANGE_FEED_LOCK)))


async def catalogue_version(session: AsyncSession) -> int:
    """The newest change id: it moves on every award, revocation or update."""
    return int(await session.scalar(select(func.coalesce(func.max(CatalogueChange.id), 0))) or 0)
