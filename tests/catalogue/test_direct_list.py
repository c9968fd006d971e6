"""Cold list pages: answered by calling the list route's function without the router
(api/catalogue/fastpath.DirectList), from SQL compiled once per statement shape
(api/catalogue/queries.CompiledPages). Either must give exactly the router's answer, and
whatever the direct call cannot answer must reach the router and its errors unchanged."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue import cache, fastpath, queries
from api.catalogue.schemas import CatalogueSort
from api.catalogue.search import parse_query
from api.models import District
from tests.catalogue.helpers import make_entry, revoke

URL = "/api/v1/catalogue/products"


@pytest.fixture
def direct(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each request was answered by the direct call (True) or left to the router."""
    outcomes: list[bool] = []
    original = fastpath.DirectList.answer

    async def spy(self: fastpath.DirectList, *args: Any) -> bool:
        answered = await original(self, *args)
        outcomes.append(answered)
        return answered

    monkeypatch.setattr(fastpath.DirectList, "answer", spy)
    return outcomes


async def _routed(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, params: dict[str, Any]
) -> httpx.Response:
    """The same request through the router: the direct call switched off."""
    with monkeypatch.context() as m:
        m.setattr(fastpath, "LIST_PATH", "/nowhere")
        cache.clear()
        return await client.get(URL, params=params)


async def _scene(db: AsyncSession) -> None:
    for _ in range(5):
        await make_entry(db, district=District.haidian, field="integrated_circuits")
        await make_entry(db, district=District.chaoyang, field="aerospace")
    revoked = await make_entry(db, district=District.chaoyang, field="aerospace")
    await revoke(db, revoked)


QUERIES: list[dict[str, Any]] = [
    {},
    {"limit": 3},
    {"field": "aerospace", "limit": 2},
    {"field": "integrated_circuits", "district": "haidian"},
    {"status": "revoked"},
    {"status": "valid", "limit": 4},
    {"sort": "name", "limit": 4},
    {"q": "测试装备", "limit": 3},
    {"q": "Catalogue", "sort": "relevance", "limit": 3},
    {"q": "目录", "sort": "name", "field": "aerospace"},
]


@pytest.mark.parametrize("params", QUERIES)
async def test_a_cold_page_is_the_router_s_page_without_the_router(
    db: AsyncSession,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    direct: list[bool],
    params: dict[str, Any],
) -> None:
    await _scene(db)
    cache.clear()
    fast = await client.get(URL, params=params)
    assert direct == [True], "the page went to the router"
    routed = await _routed(client, monkeypatch, params)
    assert direct == [True], "the routed request used the direct call"
    assert fast.status_code == routed.status_code == 200, fast.text
    assert fast.content == routed.content
    for header in ("etag", "cache-control", "content-type", "link"):
        assert fast.headers.get(header) == routed.headers.get(header), header

    # the next page, by its cursor, the same way
    if (cursor := fast.json()["next"]) is not None:
        cache.clear()
        second = await client.get(URL, params={**params, "cursor": cursor})
        assert direct[-1] is True
        routed_second = await _routed(client, monkeypatch, {**params, "cursor": cursor})
        assert second.content == routed_second.content
        assert {i["id"] for i in second.json()["items"]}.isdisjoint(
            {i["id"] for i in fast.json()["items"]}
        )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"year": "abc"}, "validation_error"),
        ({"field": "no_such_field"}, "unknown_field"),
        ({"q": "   "}, "blank_query"),
        ({"sort": "relevance"}, "relevance_needs_q"),
        ({"cursor": "not-a-cursor"}, None),
        ({"limit": "0"}, "validation_error"),
    ],
)
async def test_what_the_direct_call_refuses_reaches_the_router_s_errors(
    db: AsyncSession,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    direct: list[bool],
    params: dict[str, Any],
    code: str | None,
) -> None:
    await make_entry(db)
    cache.clear()
    response = await client.get(URL, params=params)
    assert direct == [False]
    routed = await _routed(client, monkeypatch, params)
    assert response.status_code == routed.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    per_request = ("instance", "request_id")
    body, routed_body = (
        {k: v for k, v in r.json().items() if k not in per_request} for r in (response, routed)
    )
    assert body == routed_body
    if code is not None:
        codes = {body.get("code")} | {e.get("code") for e in body.get("errors", [])}
        assert code in codes, body


async def test_agency_clients_never_take_the_direct_call(
    client: httpx.AsyncClient, direct: list[bool]
) -> None:
    response = await client.get(URL, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert direct == []


async def test_one_compiled_shape_serves_every_value(db: AsyncSession) -> None:
    """Pages of one shape (the same filters set, other values) share one SQL text: each must
    still be its own values' page, as the statement built for it finds."""
    for field in ("aerospace", "integrated_circuits", "transport"):
        for _ in range(2):
            await make_entry(db, field=field)
    compiled = queries.CompiledPages()
    ordering = queries.Ordering(CatalogueSort.newest)
    conn = await db.connection()
    for field in ("aerospace", "integrated_circuits", "transport", "pharma_health"):
        for q in (None, parse_query("测试装备")):
            flt = queries.CatalogueFilter(field=field, q=q, on=date.today())
            got = await compiled.rows(conn, queries.page_statement, flt, ordering, None, 10)
            statement = queries.page_statement(flt, ordering, None, 10)
            built = (await db.execute(statement, {"today": flt.on})).all()
            assert [r.item for r in got] == [r.item for r in built]
            assert all(json.loads(r.item)["field"]["code"] == field for r in got)
            assert len(got) == (0 if field == "pharma_health" else 2)
    # two shapes (with and without the search) for the eight pages
    assert len(compiled._compiled) == 2
