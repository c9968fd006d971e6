"""The faster shapes of catalogue reads answer exactly as the straightforward ones: facets from
the precomputed counts as counted live, search pages through the newest window as through the
search index, and the CSV built by PostgreSQL as the csv writer built it."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue import export, items, queries
from api.catalogue.generate import generate_catalogue
from api.catalogue.items import today
from api.catalogue.schemas import CatalogueSort, EntryStatus
from api.catalogue.search import parse_query
from api.models import CatalogueEntry, District, ProductType, TechnicalLevel
from api.spreadsheet import defuse
from tests.catalogue.helpers import make_entry, revoke
from tests.factories.identity import make_org

E = CatalogueEntry


@pytest.fixture
async def corpus(db: AsyncSession) -> list[CatalogueEntry]:
    await generate_catalogue(db, 300, seed=11, other_applications=0, revoked_share=0.1)
    return list((await db.execute(select(E).order_by(E.award_id))).scalars())


def filters(corpus: Sequence[CatalogueEntry], on: date) -> list[queries.CatalogueFilter]:
    sample = corpus[7]
    F = queries.CatalogueFilter
    found: list[queries.CatalogueFilter] = [F(on=on)]
    found += [F(status=s, on=on) for s in EntryStatus]
    singles: list[dict[str, Any]] = [
        {"batch": sample.batch_id},
        {"year": sample.year},
        {"field": sample.field},
        {"product_type": ProductType(sample.product_type)},
        {"level": TechnicalLevel(sample.level)},
        {"district": District(sample.district)},
        {"district": District.yanqing},
        {"year": 1999},
    ]
    for single in singles:
        found += [F(on=on, **single), F(on=on, status=EntryStatus.revoked, **single)]
        found.append(F(on=on, status=EntryStatus.valid, **single))
    found.append(F(on=on, organisation=sample.organization_id))
    found.append(F(on=on, year=sample.year, field=sample.field))
    return found


async def assert_facets_match(db: AsyncSession, flts: list[queries.CatalogueFilter]) -> None:
    for flt in flts:
        counted = await queries.facets(db, flt)
        live = await queries.facets(db, flt, live=True)
        assert counted == live, flt


class TestFacetCounts:
    async def test_equal_the_live_counts_for_every_filter(
        self, db: AsyncSession, corpus: list[CatalogueEntry]
    ) -> None:
        flts = filters(corpus, today())
        assert sum(queries._counted(f) for f in flts) >= 20, "the counted path is exercised"
        await assert_facets_match(db, flts)
        assert (await queries.facets(db, flts[0]))["total"] == len(corpus)

    async def test_follow_an_award_a_revocation_and_an_update(
        self, db: AsyncSession, corpus: list[CatalogueEntry]
    ) -> None:
        org = await make_org(db, district=District.yanqing)
        award = await make_entry(db, org=org, product_type="software", field="aerospace")
        await assert_facets_match(db, filters(corpus, today()))
        await revoke(db, award)
        await assert_facets_match(db, filters(corpus, today()))
        # Any writer, not only the award service: the counts follow the rows.
        await db.execute(
            text(
                "UPDATE catalogue_entry SET district = NULL, product_type = NULL "
                "WHERE award_id = :id"
            ),
            {"id": corpus[3].award_id},
        )
        await db.execute(text("DELETE FROM catalogue_entry WHERE award_id = :id"), {"id": award.id})
        await assert_facets_match(db, filters(corpus, today()))

    async def test_status_counts_across_the_expiry_date(
        self, db: AsyncSession, corpus: list[CatalogueEntry]
    ) -> None:
        day = today() + timedelta(days=30)
        await make_entry(db, valid_until=day)
        for on in (day - timedelta(days=1), day, day + timedelta(days=1)):
            await assert_facets_match(db, filters(corpus, on))
        before = await queries.facets(db, queries.CatalogueFilter(status=EntryStatus.valid, on=day))
        after = await queries.facets(
            db, queries.CatalogueFilter(status=EntryStatus.valid, on=day + timedelta(days=1))
        )
        assert before["total"] - after["total"] >= 1

    async def test_a_truncated_catalogue_counts_nothing(
        self, db: AsyncSession, corpus: list[CatalogueEntry]
    ) -> None:
        await db.execute(text("TRUNCATE catalogue_entry CASCADE"))
        assert (await queries.facets(db, queries.CatalogueFilter()))["total"] == 0
        await assert_facets_match(db, filters(corpus, today()))


class TestSearchWindow:
    async def test_pages_equal_the_search_index_pages(
        self, db: AsyncSession, corpus: list[CatalogueEntry], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ordering = queries.Ordering(CatalogueSort.newest)
        words = {corpus[5].product_name_zh[:2], corpus[9].product_name_zh[:4], "装备", "zzqx"}
        words.add(
            corpus[5].product_name_en.split()[-1].lower() if corpus[5].product_name_en else "a"
        )
        for window in (50, 1000):
            monkeypatch.setattr(queries, "SEARCH_WINDOW", window)
            # Compiled statements keep the window they were compiled with.
            monkeypatch.setattr(queries, "compiled_pages", queries.CompiledPages())
            for word in sorted(words):
                for extra in ({}, {"district": District(corpus[2].district)}):
                    flt = queries.CatalogueFilter(q=parse_query(word), **extra)
                    assert await walk(db, flt, ordering) == await walk_by_index(db, flt, ordering)

    async def test_a_broad_term_is_answered_from_the_window(
        self, db: AsyncSession, corpus: list[CatalogueEntry]
    ) -> None:
        flt = queries.CatalogueFilter(q=parse_query(corpus[0].product_name_zh[:1]))
        ordering = queries.Ordering(CatalogueSort.newest)
        stmt = queries.recent_matches_statement(flt, ordering, None, 6)
        rows = (await (await db.connection()).execute(stmt, {"today": flt.on})).all()
        assert len(rows) == 6


class TestSearchSteps:
    """`search_by_newest` over a stand-in for the database: which statements it runs, from
    where, for how many rows."""

    ordering = queries.Ordering(CatalogueSort.newest)

    @staticmethod
    def matches(n: int, start: int = 0) -> list[SimpleNamespace]:
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        return [
            SimpleNamespace(
                item=str(i), k_issued=moment - timedelta(hours=i), k_id=uuid.UUID(int=10_000 - i)
            )
            for i in range(start, start + n)
        ]

    async def run(self, answers: list[list[SimpleNamespace]]) -> list[tuple[Any, ...]]:
        calls: list[tuple[Any, ...]] = []

        async def fetch(build: Any, after: Any, count: int, window: int | None) -> list[Any]:
            calls.append((build.__name__, after, count, window))
            return answers.pop(0)

        rows = await queries.search_by_newest(fetch, self.ordering, None, 21)
        assert answers == []  # every step the test expected ran
        assert [r.item for r in rows] == [str(i) for i in range(len(rows))]
        return calls

    def key(self, row: SimpleNamespace) -> dict[str, Any]:
        return {"i": row.k_id, "t": row.k_issued}

    async def test_a_broad_term_is_one_step(self) -> None:
        calls = await self.run([self.matches(21)])
        assert calls == [("recent_matches_statement", None, 21, 1000)]

    async def test_a_rare_term_goes_from_the_window_to_the_index(self) -> None:
        calls = await self.run([[], self.matches(3)])
        assert calls[1] == ("page_statement", None, 21, None)

    async def test_a_middling_term_reads_on_after_its_last_match(self) -> None:
        first = self.matches(17)
        calls = await self.run([first, self.matches(4, 17)])
        # 17 in 1,000: the 4 missing ones are expected within 235 entries; twice that, as a
        # power of two
        assert calls[1] == ("recent_matches_statement", self.key(first[-1]), 4, 512)

    async def test_the_index_takes_over_where_reading_on_fell_short(self) -> None:
        first, second = self.matches(17), self.matches(2, 17)
        calls = await self.run([first, second, self.matches(2, 19)])
        assert calls[2] == ("page_statement", self.key(second[-1]), 2, None)

    async def test_a_term_too_rare_to_read_on_for_goes_to_the_index(self) -> None:
        first = self.matches(5)
        calls = await self.run([first, self.matches(16, 5)])
        assert calls[1] == ("page_statement", self.key(first[-1]), 16, None)

    def test_continuation_sizes(self) -> None:
        assert queries.continuation_window(0, 21) is None
        assert queries.continuation_window(17, 4) == 512
        assert queries.continuation_window(11, 10) == 2048  # 1,818 entries: still read on
        assert queries.continuation_window(5, 16) is None  # 6,400: the index costs less
        assert queries.continuation_window(20, 1) == 128
        assert queries.continuation_window(900, 1) == 64  # never fewer


async def walk(
    db: AsyncSession, flt: queries.CatalogueFilter, ordering: queries.Ordering
) -> list[str]:
    found: list[str] = []
    after = None
    while True:
        page, after = await queries.list_page(db, flt, ordering, 7, after)
        found += page
        if after is None:
            return found
        after = ordering.parse(after)


async def walk_by_index(
    db: AsyncSession, flt: queries.CatalogueFilter, ordering: queries.Ordering
) -> list[str]:
    where = flt.conditions()
    stmt = queries.entries([items.ITEM_JSON, *ordering.key_columns(flt.q)], where).order_by(
        *ordering.keys(flt.q)
    )
    rows = (await (await db.connection()).execute(stmt, {"today": flt.on})).all()
    return [r.item for r in rows]


# --- the CSV as the csv writer built it, cell by cell: the reference -----------------------


def reference_text(value: export.Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, float):
        return f"{value:.2f}"
    return defuse(value) if isinstance(value, str) else str(value)


def reference_lines(rows: Sequence[Sequence[export.Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([reference_text(c) for c in row] for row in rows)
    return buffer.getvalue().encode()


async def reference_csv(
    db: AsyncSession, flt: queries.CatalogueFilter, ordering: queries.Ordering, lang: export.Lang
) -> bytes:
    out = [b"\xef\xbb\xbf" + reference_lines([export.header(lang)])]
    async for rows in export._chunks(db, flt, ordering):
        out.append(reference_lines([export.cells(r, lang, flt.on) for r in rows]))
    return b"".join(out)


async def sql_csv(
    db: AsyncSession, flt: queries.CatalogueFilter, ordering: queries.Ordering, lang: export.Lang
) -> bytes:
    return b"".join([chunk async for chunk in export.stream(db, flt, ordering, "csv", lang)])


class TestCsvBuiltInSql:
    async def test_equals_the_csv_writer_output(
        self, db: AsyncSession, corpus: list[CatalogueEntry]
    ) -> None:
        org = await make_org(db, name_zh='@SUM(1+1)公司, "引号"')
        awkward = [
            {"product_name_zh": '=HYPERLINK("x","点击")', "model_spec": "+1-555,0100"},
            {"product_name_en": "\rcarriage", "summary_zh": "-2+3", "summary_en": "\tTAB-led"},
            {"model_spec": "-minus\nnewline", "summary_zh": "含,逗号"},
            {"product_name_en": None, "model_spec": None, "summary_en": 'say "hi"\r\n'},
            {"product_type": None, "claimed_level": None, "price_yuan": None},
            {"field": "retired_field", "price_yuan": Decimal("0.50")},
            {"product_name_en": "", "summary_zh": "", "price_yuan": Decimal("12345678901.99")},
        ]
        for values in awkward:
            await make_entry(db, org=org, **values)
        revoked = await make_entry(db, org=org, valid_until=today() - timedelta(days=3))
        await revoke(db, revoked)
        await make_entry(db, org=org, valid_until=today() - timedelta(days=1))
        await db.execute(
            text("UPDATE catalogue_entry SET district = 'nowhere' WHERE award_id = :id"),
            {"id": revoked.id},
        )
        for lang in ("zh", "en"):
            for sort in (CatalogueSort.newest, CatalogueSort.name):
                flt = queries.CatalogueFilter()
                ordering = queries.Ordering(sort)
                assert await sql_csv(db, flt, ordering, lang) == await reference_csv(
                    db, flt, ordering, lang
                )
        for flt in (
            queries.CatalogueFilter(organisation=org.id, on=today() - timedelta(days=2)),
            queries.CatalogueFilter(q=parse_query("公司")),
            queries.CatalogueFilter(batch=uuid.uuid4()),
        ):
            ordering = queries.Ordering(CatalogueSort.newest)
            assert await sql_csv(db, flt, ordering, "zh") == await reference_csv(
                db, flt, ordering, "zh"
            )
