"""Building blocks of the publicity tests: a batch in publicity with a shortlist, an objection
filed through the public form, and PDF bytes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.batches.service import BatchAction
from api.models import (
    Application,
    ApplicationStatus,
    Batch,
    BatchStatus,
    CalendarSource,
    CalendarYear,
    District,
    Organization,
)
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org

S = ApplicationStatus


@dataclass
class Publicity:
    batch: Batch
    org: Organization
    shortlisted: list[Application]
    not_selected: Application


async def make_publicity(
    db: AsyncSession,
    *,
    status: BatchStatus = BatchStatus.publicity,
    starts_on: date | None = None,
    ends_on: date | None = None,
    shortlisted: int = 2,
    **batch: Any,
) -> Publicity:
    """A batch with `shortlisted` shortlisted applications and one not selected; in publicity,
    by default with a window open today (three days either side)."""
    on = today()
    if status == BatchStatus.publicity:
        starts_on = starts_on or on - timedelta(days=3)
        ends_on = ends_on or on + timedelta(days=3)
    b = await make_batch(
        db, status=status, publicity_starts_on=starts_on, publicity_ends_on=ends_on, **batch
    )
    org = await make_org(db, district=District.chaoyang, name_zh="北京示范装备有限公司")
    listed = [
        await make_application(db, org, b, status=S.shortlisted, claimed_level="domestic_leading")
        for _ in range(shortlisted)
    ]
    out = await make_application(db, org, b, status=S.not_selected)
    return Publicity(b, org, listed, out)


async def file_objection(
    client: httpx.AsyncClient, p: Publicity, evidence: bytes | None = None
) -> httpx.Response:
    """Objects to the first shortlisted application through the public form, with `evidence`
    as its PDF when given; the response, whatever it is."""
    return await client.post(
        f"/api/v1/publicity/{p.batch.id}/objections",
        data={
            "application_id": str(p.shortlisted[0].id),
            "objector_name": "王五",
            "objector_phone": "13800138000",
            "statement": "该产品在北京的销售数量已超过三台，不符合申报条件。",
        },
        files=None if evidence is None else {"evidence": ("证据.pdf", evidence, "application/pdf")},
    )


async def status_of(db: AsyncSession, application: Application | uuid.UUID) -> ApplicationStatus:
    """The stored status (the ORM object may be stale or, after a rollback, expired)."""
    application_id = application.id if isinstance(application, Application) else application
    return (
        await db.execute(
            select(Application.status)
            .where(Application.id == application_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def know_calendar_years(db: AsyncSession) -> None:
    """This year and the next are known to the calendar (a window started in late December
    runs into January, which the chinese-calendar package may not know yet)."""
    for year in (today().year, today().year + 1):
        if await db.get(CalendarYear, year) is None:
            db.add(CalendarYear(year=year, source=CalendarSource.admin))
    await db.flush()


async def meet_publicity_guards(db: AsyncSession, batch_id: str, action: BatchAction) -> None:
    """Just enough for a bare batch walked through its lifecycle to pass the publicity guards:
    a shortlisted application before start-publicity, a window that is over before announce."""
    batch = await db.get(Batch, uuid.UUID(batch_id), populate_existing=True)
    assert batch is not None
    if action is BatchAction.start_publicity:
        await know_calendar_years(db)
        await make_application(db, await make_org(db), batch, status=S.shortlisted)
    elif action is BatchAction.announce:
        batch.publicity_ends_on = today() - timedelta(days=1)
    await db.flush()
