"""The admins' organisation list: filtered by kind and by text in the names or the USCC, with
the text's wildcards taken literally, a page at a time."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import OrganizationKind, Role
from tests.factories.identity import logged_in, make_org

URL = "/api/v1/organizations"


async def names(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get(URL, params={"limit": "100", **params})
    assert response.status_code == 200, response.text
    return [o["name_zh"] for o in response.json()["items"]]


async def test_search_by_name_english_name_or_uscc(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await logged_in(db, client, Role.admin)
    laser = await make_org(db, name_zh="北京光刻激光科技有限公司")
    laser.name_en = "Beijing Litho Laser Co."
    await make_org(db, name_zh="北京泵阀制造有限公司")
    await db.flush()
    assert laser.uscc
    assert await names(client, q="光刻") == [laser.name_zh]
    assert await names(client, q="litho laser") == [laser.name_zh]
    assert await names(client, q=laser.uscc[-8:].lower()) == [laser.name_zh]
    # % and _ are letters here, not wildcards
    assert await names(client, q="%") == []
    assert await names(client, q="北京_") == []


async def test_search_combines_with_kind(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await logged_in(db, client, Role.admin)
    agency = await make_org(db, name_zh="北京市测试经济和信息化局", kind=OrganizationKind.agency)
    await make_org(db, name_zh="北京测试经信装备有限公司")
    assert await names(client, q="测试经", kind="agency") == [agency.name_zh]
    assert len(await names(client, q="测试经")) == 2


async def test_bad_search_text_is_422(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await logged_in(db, client, Role.admin)
    assert (await client.get(URL, params={"q": ""})).status_code == 422
    assert (await client.get(URL, params={"q": "x" * 101})).status_code == 422
