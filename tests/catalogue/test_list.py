"""The public list, facets and detail: filters, sorts, keyset pages, validation and caching."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.catalogue import queries
from api.catalogue.generate import generate_catalogue
from api.catalogue.items import today
from api.catalogue.schemas import CatalogueItem
from api.models import CatalogueEntry
from tests.catalogue.helpers import make_entry, revoke, walk
from tests.factories.identity import make_org

URL = "/api/v1/catalogue/products"
E = CatalogueEntry


@pytest.fixture
async def corpus(db: AsyncSession) -> list[Any]:
    await generate_catalogue(db, 150, seed=3, other_applications=0, revoked_share=0.05)
    return list((await db.execute(select(E))).scalars())


class TestFilters:
    async def test_each_filter_selects_exactly_its_entries(
        self, db: AsyncSession, client: httpx.AsyncClient, corpus: list[CatalogueEntry]
    ) -> None:
        sample = corpus[17]
        cases: list[tuple[dict[str, Any], Any]] = [
            ({"batch": str(sample.batch_id)}, lambda e: e.batch_id == sample.batch_id),
            ({"year": sample.year}, lambda e: e.year == sample.year),
            ({"field": sample.field}, lambda e: e.field == sample.field),
            (
                {"product_type": sample.product_type},
                lambda e: e.product_type == sample.product_type,
            ),
            ({"level": sample.level}, lambda e: e.level == sample.level),
            ({"district": sample.district}, lambda e: e.district == sample.district),
            (
                {"organisation": str(sample.organization_id)},
                lambda e: e.organization_id == sample.organization_id,
            ),
            ({"status": "revoked"}, lambda e: e.revoked_at is not None),
            (
                {"status": "expired"},
                lambda e: e.revoked_at is None and e.valid_until < today(),
            ),
            (
                {"status": "valid"},
                lambda e: e.revoked_at is None and e.valid_until >= today(),
            ),
            (
                {"field": sample.field, "level": sample.level, "q": "技术"},
                lambda e: e.field == sample.field and e.level == sample.level,
            ),
        ]
        for params, wanted in cases:
            expected = {str(e.award_id) for e in corpus if wanted(e)}
            got = {i["id"] for i in await walk(client, URL, limit=50, **params)}
            assert got == expected, params
            assert expected, f"{params} selects nothing: a vacuous case"

    async def test_items_carry_status_and_bilingual_labels(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        award = await make_entry(db, field="aerospace", claimed_level="domestic_leading")
        expired = await make_entry(db, valid_until=today() - timedelta(days=1))
        revoked = await make_entry(db)
        await revoke(db, revoked)
        items = {i["id"]: i for i in await walk(client, URL)}
        item = items[str(award.id)]
        assert item["status"] == "valid"
        assert item["field"] == {"code": "aerospace", "name_zh": "航空航天", "name_en": "Aerospace"}
        assert item["level"]["name_zh"] == "国内领先"
        assert item["district"] == {"code": "haidian", "name_zh": "海淀区", "name_en": "Haidian"}
        assert item["certificate_number"] == award.number
        assert items[str(expired.id)]["status"] == "expired"
        assert items[str(revoked.id)]["status"] == "revoked"
        assert items[str(revoked.id)]["revoked_at"] is not None

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": 0}, "limit"),
            ({"limit": 101}, "limit"),
            ({"q": "x" * 101}, "q"),
            ({"q": ""}, "q"),
            ({"q": "   "}, "q"),
            ({"field": "cooking"}, "field"),
            ({"level": "galactic"}, "level"),
            ({"district": "manhattan"}, "district"),
            ({"status": "pending"}, "status"),
            ({"product_type": "x"}, "product_type"),
            ({"year": 12}, "year"),
            ({"batch": "not-a-uuid"}, "batch"),
            ({"organisation": "42"}, "organisation"),
            ({"sort": "price"}, "sort"),
            ({"sort": "relevance"}, "sort"),
            ({"cursor": "%%%"}, "cursor"),
            ({"cursor": base64.urlsafe_b64encode(b"[1]").decode()}, "cursor"),
        ],
    )
    async def test_bad_parameters_are_named_422s(
        self, client: httpx.AsyncClient, params: dict[str, Any], field: str
    ) -> None:
        response = await client.get(URL, params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in response.json()["errors"]}

    async def test_a_cursor_of_another_sort_or_tampered_is_a_422(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        for _ in range(3):
            await make_entry(db)
        page = (await client.get(URL, params={"limit": 1})).json()
        by_name = await client.get(URL, params={"limit": 1, "sort": "name", "cursor": page["next"]})
        assert by_name.status_code == 422
        key = json.loads(base64.urlsafe_b64decode(page["next"] + "=="))
        key["t"] = "yesterday"
        forged = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
        assert (await client.get(URL, params={"cursor": forged})).status_code == 422


class TestSorting:
    async def test_newest_first_and_every_row_once(
        self, db: AsyncSession, client: httpx.AsyncClient, corpus: list[CatalogueEntry]
    ) -> None:
        items = await walk(client, URL, limit=7)
        assert len(items) == len({i["id"] for i in items}) == len(corpus)
        expected = sorted(corpus, key=lambda e: (e.issued_at, e.award_id), reverse=True)
        assert [i["id"] for i in items] == [str(e.award_id) for e in expected]

    async def test_name_order_is_the_collations(
        self, db: AsyncSession, client: httpx.AsyncClient, corpus: list[CatalogueEntry]
    ) -> None:
        expected = (
            await db.scalars(
                select(E.award_id).order_by(E.product_name_zh.collate("catalogue_name"), E.award_id)
            )
        ).all()
        items = await walk(client, URL, limit=9, sort="name")
        assert [i["id"] for i in items] == [str(a) for a in expected]

    async def test_name_order_is_pinyin_where_the_server_has_icu(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        # 车 chē, 阿 ā, 波 bō: pinyin order 阿 波 车; code point order 波 (6CE2) 车 (8F66) 阿 (963F)
        for name in ("车床", "阿胶机", "波导"):
            await make_entry(db, product_name_zh=name)
        names = [i["product_name_zh"] for i in await walk(client, URL, sort="name")]
        has_icu = bool(
            await db.scalar(text("SELECT 1 FROM pg_collation WHERE collname = 'zh-x-icu'"))
        )
        provider = await db.scalar(
            text("SELECT collprovider::text FROM pg_collation WHERE collname = 'catalogue_name'")
        )
        assert provider == ("i" if has_icu else "c")
        assert names == (["阿胶机", "波导", "车床"] if has_icu else ["波导", "车床", "阿胶机"])

    async def test_name_pages_can_come_from_the_name_index(self, db: AsyncSession) -> None:
        # An empty table is scanned; forbidding the sort shows the index serves this order.
        await db.execute(text("SET LOCAL enable_sort = off"))
        plan = "\n".join(
            (
                await db.scalars(
                    text(
                        "EXPLAIN SELECT award_id FROM catalogue_entry "
                        "ORDER BY product_name_zh, award_id LIMIT 21"
                    )
                )
            ).all()
        )
        assert "ix_catalogue_entry_name" in plan

    async def test_relevance_puts_name_matches_before_model_organisation_and_summary(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        in_summary = await make_entry(db, summary_zh="配套光栅尺")
        in_org = await make_entry(db, org=await make_org(db, name_zh="北京光栅尺有限公司"))
        in_model = await make_entry(db, model_spec="光栅尺-9")
        in_name = await make_entry(db, product_name_zh="高精度光栅尺")
        items = await walk(client, URL, limit=2, q="光栅尺", sort="relevance")
        assert [i["id"] for i in items] == [
            str(a.id) for a in (in_name, in_model, in_org, in_summary)
        ]


class TestCaching:
    async def test_etag_304_and_cache_control(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await make_entry(db)
        first = await client.get(URL, params={"q": "目录"})
        assert first.status_code == 200
        assert first.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"
        etag = first.headers["etag"]
        again = await client.get(URL, params={"q": "目录"}, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        other = await client.get(
            URL, params={"q": "目录", "limit": 5}, headers={"If-None-Match": etag}
        )
        assert other.status_code == 200  # another query, another tag

    async def test_a_new_award_changes_the_version_and_the_tags(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await make_entry(db)
        before = await client.get(URL)
        version = await queries_version(db)
        award = await make_entry(db, issued_at=datetime.now(UTC) + timedelta(seconds=1))
        assert await queries_version(db) > version
        after = await client.get(URL, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        assert after.json()["items"][0]["id"] == str(award.id)
        # a revocation moves it again, for the detail too
        detail = await client.get(f"{URL}/{award.id}")
        await revoke(db, award)
        changed = await client.get(
            f"{URL}/{award.id}", headers={"If-None-Match": detail.headers["etag"]}
        )
        assert changed.status_code == 200
        assert changed.json()["status"] == "revoked"

    async def test_a_304_runs_no_page_query(
        self, db: AsyncSession, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        await make_entry(db)
        first = await client.get(URL, params={"field": "integrated_circuits"})
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            again = await client.get(
                URL,
                params={"field": "integrated_circuits"},
                headers={"If-None-Match": first.headers["etag"]},
            )
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
        assert again.status_code == 304
        # The version read for the first page is reused (api/catalogue/cache.py): no page
        # query, and here not even the version query.
        assert not [s for s in statements if "catalogue_entry" in s]

    async def test_public_reads_run_under_a_statement_timeout(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        assert (await client.get(URL)).status_code == 200
        # SET LOCAL lasts to the end of the transaction, which here is the test's
        assert await db.scalar(text("SHOW statement_timeout")) == "3s"

    async def test_a_timed_out_query_is_a_503_not_a_500(
        self, db: AsyncSession, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await make_entry(db)
        original = queries.list_page

        async def slow(session: AsyncSession, *args: Any) -> Any:
            await session.execute(text("SET LOCAL statement_timeout = 1"))
            await session.execute(text("SELECT pg_sleep(0.05)"))
            return await original(session, *args)

        # the sleep runs inside the same guard as the page query
        async def guarded(session: AsyncSession, *args: Any) -> Any:
            async with queries.timeout_as_503():
                return await slow(session, *args)

        monkeypatch.setattr(queries, "list_page", guarded)
        response = await client.get(URL)
        assert response.status_code == 503
        assert response.json()["code"] == "query_timeout"


async def queries_version(db: AsyncSession) -> int:
    from api.catalogue.index import catalogue_version

    return await catalogue_version(db)


class TestFacets:
    async def test_facets_equal_group_by_counts_under_the_filter(
        self, db: AsyncSession, client: httpx.AsyncClient, corpus: list[CatalogueEntry]
    ) -> None:
        for params in ({}, {"status": "valid"}, {"q": "机"}, {"year": corpus[0].year}):
            response = await client.get("/api/v1/catalogue/facets", params=params)
            assert response.status_code == 200
            body = response.json()
            listed = await walk(client, URL, **params)
            assert body["total"] == len(listed)
            for name, attribute in (
                ("fields", "field"),
                ("levels", "level"),
                ("product_types", "product_type"),
                ("districts", "district"),
            ):
                expected: dict[str, int] = {}
                for item in listed:
                    if item[attribute]:
                        code = item[attribute]["code"]
                        expected[code] = expected.get(code, 0) + 1
                assert {b["code"]: b["count"] for b in body[name]} == expected, (params, name)
                assert all(b["name_zh"] and b["name_en"] for b in body[name])
            years: dict[int, int] = {}
            for item in listed:
                years[item["year"]] = years.get(item["year"], 0) + 1
            assert {b["year"]: b["count"] for b in body["years"]} == years

    async def test_facets_equal_a_sql_group_by(
        self, db: AsyncSession, client: httpx.AsyncClient, corpus: list[CatalogueEntry]
    ) -> None:
        body = (await client.get("/api/v1/catalogue/facets")).json()
        by_field = dict((await db.execute(select(E.field, func.count()).group_by(E.field))).all())
        assert {b["code"]: b["count"] for b in body["fields"]} == by_field
        assert body["total"] == len(corpus)


class TestDetail:
    async def test_detail_with_indicators_and_certificate_number(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        award = await make_entry(db, product_name_zh="高精度光刻机", summary_en="Lithography.")
        response = await client.get(f"{URL}/{award.id}")
        assert response.status_code == 200
        body = response.json()
        assert body["certificate_number"] == award.number
        assert body["product_name_zh"] == "高精度光刻机"
        assert body["summary_en"] == "Lithography."
        assert body["price_yuan"] == "1250000.00"
        assert body["indicators"] == [
            {
                "indicator": "定位精度",
                "unit": "μm",
                "own_value": "0.5",
                "best_domestic": "1.0",
                "best_international": "0.4",
            }
        ]  # the applicant's evidence notes are not public
        assert body["valid_until"] == award.valid_until.isoformat()
        # UTC, to the second
        issued = award.issued_at.astimezone(UTC).replace(microsecond=0)
        assert body["issued_at"] == issued.isoformat().replace("+00:00", "Z")
        cached = await client.get(
            f"{URL}/{award.id}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert cached.status_code == 304

    async def test_list_items_built_by_postgresql_match_the_detail(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        plain = await make_entry(db, product_name_en=None, model_spec=None, product_type=None)
        revoked = await make_entry(
            db, product_name_zh="带'引号\"的名称", field="new_infrastructure"
        )
        await revoke(db, revoked)
        expired = await make_entry(db, valid_until=today() - timedelta(days=1))
        listed = {i["id"]: i for i in await walk(client, URL)}
        for award in (plain, revoked, expired):
            detail = (await client.get(f"{URL}/{award.id}")).json()
            item = listed[str(award.id)]
            assert item == {k: detail[k] for k in item}
            assert set(item) == set(CatalogueItem.model_fields)
        assert listed[str(plain.id)]["product_type"] is None
        assert listed[str(revoked.id)]["status"] == "revoked"
        assert listed[str(revoked.id)]["revoked_at"].endswith("Z")
        assert listed[str(expired.id)]["status"] == "expired"

    async def test_unknown_entry_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{URL}/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["code"] == "catalogue_entry_not_found"
        assert (await client.get(f"{URL}/nope")).status_code == 422
