"""Building blocks for intake tests: an open batch, complete content, required attachments."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.eligibility import REQUIRED_ATTACHMENTS
from api.models import Attachment, Batch, BatchStatus
from api.taxonomy.data import DEFAULT_FIELDS

_sequence = iter(range(1, 10_000))


async def make_open_batch(db: AsyncSession, **overrides: Any) -> Batch:
    now = datetime.now(UTC)
    n = next(_sequence)
    values: dict[str, Any] = {
        "year": 2100 - n // 9,
        "sequence": n % 9 + 1,
        "title_zh": f"测试批次{n}",
        "title_en": f"Test batch {n}",
        "fields": list(DEFAULT_FIELDS),
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=30),
        "status": BatchStatus.open,
    }
    values.update(overrides)
    batch = Batch(**values)
    db.add(batch)
    await db.flush()
    return batch


def complete_content(**overrides: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "product_name_zh": "12英寸晶圆刻蚀机",
        "product_name_en": "12-inch wafer etcher",
        "model_spec": "ZX-E300",
        "field": "integrated_circuits",
        "product_type": "complete_machine",
        "claimed_level": "international_advanced",
        "summary_zh": "用于28纳米及以下工艺的等离子刻蚀设备。",
        "summary_en": "Plasma etcher for 28 nm and below.",
        "indicators": [
            {
                "indicator": "刻蚀均匀性",
                "unit": "%",
                "own_value": "≤1.5",
                "best_domestic": "≤2.0",
                "best_international": "≤1.5",
                "evidence": "检测报告第3页",
            }
        ],
        "ip_rights": [
            {"number": "ZL202110000001.X", "type": "invention_patent", "status": "granted"}
        ],
        "sales": [
            {
                "buyer": "北京某晶圆厂",
                "date": "2025-06-01",
                "units": 2,
                "amount_yuan": "36000000.00",
                "in_beijing": True,
            }
        ],
        "licences": [],
        "price_yuan": "18000000.00",
        "expected_demonstration_use": "在北京12英寸产线开展示范应用。",
    }
    content.update(overrides)
    return content


async def attach_required(db: AsyncSession, application_id: uuid.UUID | str) -> None:
    for kind in REQUIRED_ATTACHMENTS:
        digest = hashlib.sha256(kind.value.encode()).hexdigest()
        db.add(
            Attachment(
                application_id=uuid.UUID(str(application_id)),
                kind=kind,
                filename=f"{kind.value}.pdf",
                content_type="application/pdf",
                size_bytes=10,
                sha256=digest,
            )
        )
    await db.flush()


async def create_draft(client: httpx.AsyncClient, batch: Batch, **content: Any) -> httpx.Response:
    return await client.post(
        "/api/v1/applications", json={"batch_id": str(batch.id), **complete_content(**content)}
    )
