"""With the demo data loaded, each role sees exactly its share of the 2021 applications."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import DEMO_PASSWORD
from api.demo import demo_email, load_demo
from api.models import Application, ApplicationStatus, District, Organization
from tests.factories.identity import login


async def all_pages(client: httpx.AsyncClient, **params: object) -> list[dict]:
    items, cursor = [], None
    while True:
        query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/applications", params=query)).json()
        items += page["items"]
        cursor = page["next"]
        if not cursor:
            return items


async def test_each_demo_role_sees_its_share(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await load_demo(db)
    non_drafts = await db.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.status != ApplicationStatus.draft)
    )
    haidian = await db.scalar(
        select(func.count())
        .select_from(Application)
        .join(Organization, Organization.id == Application.organization_id)
        .where(
            Organization.district == District.haidian, Application.status != ApplicationStatus.draft
        )
    )

    assert (await login(client, demo_email("district"), DEMO_PASSWORD)).status_code == 200
    seen = await all_pages(client)
    assert len(seen) == haidian > 0
    assert {a["organization"]["district"] for a in seen} == {"haidian"}

    assert (await login(client, demo_email("admin"), DEMO_PASSWORD)).status_code == 200
    assert len(await all_pages(client)) == non_drafts
    overdue = await all_pages(client, overdue=True)
    assert overdue
    assert all(a["status"] == "returned" and a["overdue"] for a in overdue)

    assert (await login(client, demo_email("applicant"), DEMO_PASSWORD)).status_code == 200
    own = await all_pages(client)
    assert {a["organization"]["name_zh"] for a in own} == {"北京智芯微装半导体设备有限公司"}
