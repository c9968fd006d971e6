"""Factories for batches and applications, written straight to the database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.eligibility import product_key
from api.models import Application, ApplicationStatus, Batch, BatchStatus, Organization
from api.taxonomy.data import DEFAULT_FIELDS

# Years far from real batches and from tests/applications/helpers.py, so (year, sequence)
# stays unique however the factories are mixed within one test.
_batch_serial = itertools.count()
_application_serial = itertools.count(1)


async def make_batch(
    db: AsyncSession, *, status: BatchStatus = BatchStatus.open, **overrides: Any
) -> Batch:
    """A batch whose window is open now (one day ago → in 30 days) unless overridden."""
    n = next(_batch_serial)
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "year": 3000 + n // 9,
        "sequence": n % 9 + 1,
        "title_zh": f"工厂批次{n}",
        "title_en": f"Factory batch {n}",
        "fields": list(DEFAULT_FIELDS),
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=30),
        "status": status,
    }
    values.update(overrides)
    batch = Batch(**values)
    db.add(batch)
    await db.flush()
    return batch


async def make_application(
    db: AsyncSession,
    org: Organization,
    batch: Batch,
    *,
    status: ApplicationStatus = ApplicationStatus.draft,
    **overrides: Any,
) -> Application:
    """An application of `org` in `batch`; anything past a draft gets a `submitted_at`."""
    n = next(_application_serial)
    values: dict[str, Any] = {
        "batch_id": batch.id,
        "organization_id": org.id,
        "status": status,
        "product_name_zh": f"测试装备{n}",
        "product_name_en": f"Test equipment {n}",
        "model_spec": f"FS-{n:04d}",
        "field": "integrated_circuits",
        "submitted_at": None if status == ApplicationStatus.draft else datetime.now(UTC),
    }
    values.update(overrides)
    values.setdefault(
        "product_key", product_key(values["product_name_zh"], values.get("model_spec"))
    )
    application = Application(**values)
    db.add(application)
    await db.flush()
    return application
