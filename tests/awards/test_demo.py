"""The demo's 2021 first batch: announced while the demo loads, so its 40 certificates exist."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.demo import load_demo
from api.models import Application, ApplicationStatus, Batch
from tests.awards.helpers import awards_of


async def test_the_2021_batch_has_its_certificates(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await load_demo(db)
    batch = await db.scalar(select(Batch).where(Batch.year == 2021, Batch.sequence == 1))
    assert batch is not None
    awards = await awards_of(db, batch.id)
    assert [a.number for a in awards] == [f"BJSTT-2021-01-{n:04d}" for n in range(1, 41)]
    awarded = set(
        await db.scalars(
            select(Application.id).where(
                Application.batch_id == batch.id, Application.status == ApplicationStatus.awarded
            )
        )
    )
    assert {a.application_id for a in awards} == awarded
    body = (await client.get("/api/v1/certificates/BJSTT-2021-01-0040")).json()
    assert body["status"] == "valid"
    assert body["valid_until"] > today().isoformat()
    # loading again issues nothing more
    await load_demo(db)
    assert len(await awards_of(db, batch.id)) == 40
