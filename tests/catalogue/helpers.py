"""Catalogue entries for tests: one at a time through `index_award` (the awards' own path), or
a whole synthetic catalogue through the generator."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.generate import SYNTHETIC_KEY_ID, SYNTHETIC_SIGNATURE, ensure_synthetic_key
from api.catalogue.index import index_award
from api.models import (
    ApplicationStatus,
    Award,
    Batch,
    BatchStatus,
    CatalogueChangeKind,
    District,
    Organization,
)
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org

_serial = itertools.count(1)


async def make_entry(
    db: AsyncSession,
    *,
    org: Organization | None = None,
    batch: Batch | None = None,
    district: District = District.haidian,
    issued_at: datetime | None = None,
    valid_until: date | None = None,
    **application: Any,
) -> Award:
    """An awarded application with its award, indexed into the catalogue."""
    n = next(_serial)
    org = org or await make_org(db, district=district)
    batch = batch or await make_batch(db, status=BatchStatus.announced)
    values: dict[str, Any] = {
        "product_name_zh": f"目录测试装备{n}",
        "product_name_en": f"Catalogue test equipment {n}",
        "model_spec": f"CT-{n:05d}",
        "field": "integrated_circuits",
        "product_type": "complete_machine",
        "claimed_level": "international_advanced",
        "summary_zh": "测试用的产品简介。",
        "summary_en": "A product summary for tests.",
        "price_yuan": Decimal("1250000.00"),
        "indicators": [
            {
                "indicator": "定位精度",
                "unit": "μm",
                "own_value": "0.5",
                "best_domestic": "1.0",
                "best_international": "0.4",
                "evidence": "检测报告 internal",
            }
        ],
        **application,
    }
    app = await make_application(db, org, batch, status=ApplicationStatus.awarded, **values)
    await ensure_synthetic_key(db)
    issued_at = issued_at or datetime.now(UTC) - timedelta(days=n % 300)
    award = Award(
        application_id=app.id,
        batch_id=batch.id,
        organization_id=org.id,
        number=f"BJSTT-{batch.year}-{batch.sequence:02d}-{n:04d}T{uuid.uuid4().hex[:4]}",
        sequence=n,
        issued_at=issued_at,
        valid_until=valid_until or (issued_at + timedelta(days=3 * 365)).date(),
        payload={"synthetic": "test data, not signed"},
        signature=SYNTHETIC_SIGNATURE,
        key_id=SYNTHETIC_KEY_ID,
    )
    db.add(award)
    await db.flush()
    await index_award(db, award, CatalogueChangeKind.awarded)
    return award


async def revoke(db: AsyncSession, award: Award) -> None:
    award.revoked_at = datetime.now(UTC)
    award.revoked_reason = "测试撤销"
    await db.flush()
    await index_award(db, award, CatalogueChangeKind.revoked)


async def walk(
    client: httpx.AsyncClient, url: str, limit: int = 100, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a list, page by page through `next_cursor`."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params, "limit": limit}
    for _ in range(10_000):
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if body["next_cursor"] is None:
            return items
        assert body["next"] == body["next_cursor"]
        query["cursor"] = body["next_cursor"]
    raise AssertionError("the walk never ended")
