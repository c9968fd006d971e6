"""Public catalogue reads: Core selects over `catalogue_entry` (one row per award, no joins), one
query per page, keyset pagination, the facet counts in one GROUPING SETS query, the change feed.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.catalogue.items import (
    DETAIL_COLUMNS,
    DISTRICT_TERMS,
    FIELD_TERMS,
    ITEM_JSON,
    LEVEL_TERMS,
    PRODUCT_TYPE_TERMS,
    E,
    detail,
    entry_status,
    term,
    today,
)
from api.catalogue.schemas import CatalogueSort, EntryStatus
from api.catalogue.search import SearchQuery
from api.config import get_settings
from api.errors import ServiceUnavailable
from api.models import CatalogueChange, CatalogueEntry, District, ProductType, TechnicalLevel
from api.models.award import CatalogueFacetCount, CatalogueFacetExpiry

C = CatalogueChange.__table__.c

# Public reads give up rather than hold a connection (DB_PUBLIC_STATEMENT_TIMEOUT_MS, also the
# read pool's own timeout); an export reads for longer, in chunks.
EXPORT_TIMEOUT_MS = 60_000


# --- filters ---------------------------------------------------------------------------------


_EQUALS: dict[str, Any] = {
    "f_batch": E.batch_id,
    "f_year": E.year,
    "f_field": E.field,
    "f_product_type": E.product_type,
    "f_level": E.level,
    "f_district": E.district,
    "f_organisation": E.organization_id,
}


@dataclass(frozen=True)
class CatalogueFilter:
    batch: uuid.UUID | None = None
    year: int | None = None
    field: str | None = None
    product_type: ProductType | None = None
    level: TechnicalLevel | None = None
    district: District | None = None
    organisation: uuid.UUID | None = None
    status: EntryStatus | None = None
    q: SearchQuery | None = None
    on: date = dataclasses.field(default_factory=today)

    def parameters(self) -> dict[str, Any]:
        """The values `conditions` compares with, by bind parameter name: with the filter's
        shape (which of them are set, and `status`) they make a page's statement."""
        values: dict[str, Any] = {
            "f_batch": self.batch,
            "f_year": self.year,
            "f_field": self.field,
            # the entry keeps the codes as text
            "f_product_type": self.product_type and self.product_type.value,
            "f_level": self.level and self.level.value,
            "f_district": self.district and self.district.value,
            "f_organisation": self.organisation,
        }
        named: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
        if self.status in (EntryStatus.valid, EntryStatus.expired):
            named["f_on"] = self.on
        if self.q is not None:
            named["f_pattern"] = self.q.like_pattern
            if self.q.tsquery is not None:
                named["f_tsquery"] = self.q.tsquery
        return named

    def conditions(self) -> list[ColumnElement[bool]]:
        values = self.parameters()

        def value(name: str) -> Any:
            return bindparam(name, values[name])

        where: list[ColumnElement[bool]] = [
            column == value(name) for name, column in _EQUALS.items() if name in values
        ]
        if self.status is EntryStatus.revoked:
            where.append(E.revoked_at.is_not(None))
        elif self.status is EntryStatus.valid:
            where.extend([E.revoked_at.is_(None), E.valid_until >= value("f_on")])
        elif self.status is EntryStatus.expired:
            where.extend([E.revoked_at.is_(None), E.valid_until < value("f_on")])
        if self.q is not None:
            if self.q.tsquery is not None:
                tsquery = cast(cast(value("f_tsquery"), Text), TSQUERY)
                where.append(E.search_vector.op("@@")(tsquery))
            # The index only narrows; this decides (see api/catalogue/search.py).
            where.append(contains(value("f_pattern")))
        return where

    def shape(self) -> tuple[Any, ...]:
        """What decides the statement's text, not its values."""
        return (self.status, *sorted(self.parameters()))

    def cache_key(self) -> str:
        parts = [
            self.batch,
            self.year,
            self.field,
            self.product_type,
            self.level,
            self.district,
            self.organisation,
            self.status,
            self.q.text if self.q else None,
            self.on,
        ]
        return "|".join("" if p is None else str(p) for p in parts)


# --- sorting and keysets ---------------------------------------------------------------------


def contains(
    pattern: ColumnElement[str], search_text: ColumnElement[str] = E.search_text
) -> ColumnElement[bool]:
    """The stored search text contains the query: ILIKE's answer, as LIKE over the text that
    PostgreSQL's `lower()` folded when it was stored (api/catalogue/search.py)."""
    return search_text.like(func.lower(pattern))


def relevance(q: SearchQuery) -> ColumnElement[int]:
    """0: in the product's name, 1: in its model, 2: in the organisation's name, 3: elsewhere
    (a summary). A small integer, so that it can sit in a keyset cursor."""
    pattern: ColumnElement[str] = bindparam("f_pattern", q.like_pattern)
    return case(
        (or_(E.product_name_zh.ilike(pattern), E.product_name_en.ilike(pattern)), 0),
        (E.model_spec.ilike(pattern), 1),
        (or_(E.organization_name_zh.ilike(pattern), E.organization_name_en.ilike(pattern)), 2),
        else_=3,
    )


@dataclass(frozen=True)
class Ordering:
    """The ORDER BY of a sort and its keyset. Names sort by their column's `catalogue_name`
    collation (pinyin where the server has ICU), which the name index shares."""

    sort: CatalogueSort

    def keys(self, q: SearchQuery | None) -> list[ColumnElement[Any]]:
        """The ORDER BY terms; the cursor holds the values of `key_columns`."""
        if self.sort is CatalogueSort.name:
            return [E.product_name_zh.asc(), E.award_id.asc()]
        newest: list[ColumnElement[Any]] = [E.issued_at.desc(), E.award_id.desc()]
        if self.sort is CatalogueSort.relevance and q is not None:
            return [relevance(q).asc(), *newest]
        return newest

    def key_columns(self, q: SearchQuery | None) -> list[ColumnElement[Any]]:
        if self.sort is CatalogueSort.name:
            return [E.product_name_zh.label("k_name"), E.award_id.label("k_id")]
        columns: list[ColumnElement[Any]] = [
            E.issued_at.label("k_issued"),
            E.award_id.label("k_id"),
        ]
        if self.sort is CatalogueSort.relevance and q is not None:
            return [relevance(q).label("k_score"), *columns]
        return columns

    def cursor(self, row: Row[Any]) -> dict[str, Any]:
        key: dict[str, Any] = {"o": self.sort.value, "i": str(row.k_id)}
        if self.sort is CatalogueSort.name:
            key["n"] = row.k_name
        else:
            key["t"] = row.k_issued.isoformat()
        if self.sort is CatalogueSort.relevance:
            key["s"] = row.k_score
        return key

    def key(self, row: Row[Any]) -> dict[str, Any]:
        """A row's key as `parse` gives it: what a page after that row starts from."""
        return self.parse(self.cursor(row))

    def parse(self, key: dict[str, Any]) -> dict[str, Any]:
        """A cursor's key, typed; raises KeyError/ValueError/TypeError when it is not one of
        this sort's cursors."""
        if key["o"] != self.sort.value:
            raise ValueError("cursor of another sort")
        parsed: dict[str, Any] = {"i": uuid.UUID(key["i"])}
        if self.sort is CatalogueSort.name:
            if not isinstance(key["n"], str):
                raise TypeError("name")
            parsed["n"] = key["n"]
        else:
            parsed["t"] = datetime.fromisoformat(key["t"])
        if self.sort is CatalogueSort.relevance:
            if type(key["s"]) is not int:
                raise TypeError("score")
            parsed["s"] = key["s"]
        return parsed

    def after(self, key: dict[str, Any], q: SearchQuery | None) -> ColumnElement[bool]:
        values = self.after_parameters(key)

        def value(name: str) -> Any:
            return bindparam(name, values[name])

        if self.sort is CatalogueSort.name:
            return tuple_(E.product_name_zh, E.award_id) > tuple_(value("a_n"), value("a_i"))
        older = tuple_(E.issued_at, E.award_id) < tuple_(value("a_t"), value("a_i"))
        if self.sort is CatalogueSort.relevance and q is not None:
            score = relevance(q)
            return or_(score > value("a_s"), and_(score == value("a_s"), older))
        return older

    @staticmethod
    def after_parameters(key: dict[str, Any] | None) -> dict[str, Any]:
        """A parsed cursor's values by the bind parameter names `after` gives them."""
        return {f"a_{name}": value for name, value in (key or {}).items()}


def entries(
    columns: Sequence[ColumnElement[Any]], where: Sequence[ColumnElement[bool]]
) -> Select[Any]:
    return select(*columns).where(and_(true(), *where))


# --- reads -----------------------------------------------------------------------------------


def _public_timeout_ms(timeout_ms: int | None) -> int:
    return timeout_ms or get_settings().db_public_statement_timeout_ms


async def limit_statements(session: AsyncSession, timeout_ms: int | None = None) -> None:
    """`statement_timeout` for the rest of this transaction (a public read)."""
    await session.execute(text(f"SET LOCAL statement_timeout = {_public_timeout_ms(timeout_ms)}"))


_VERSION = select(
    func.set_config("statement_timeout", bindparam("timeout"), True),
    select(func.coalesce(func.max(C.id), 0)).scalar_subquery(),
)


async def public_read(session: AsyncSession, timeout_ms: int | None = None) -> int:
    """Start a public read: `statement_timeout` for the rest of the transaction (SET LOCAL; a
    no-op on the autocommit read pool, whose connections carry it already) and the catalogue
    version, in one round trip."""
    conn = await session.connection()
    timeout = str(_public_timeout_ms(timeout_ms))
    row = (await conn.execute(_VERSION, {"timeout": timeout})).one()
    return int(row[1])


@asynccontextmanager
async def timeout_as_503() -> AsyncIterator[None]:
    try:
        yield
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "57014":  # query_canceled
            raise ServiceUnavailable(
                "The catalogue query took too long; narrow the search or the filters.",
                code="query_timeout",
                headers={"Retry-After": "5"},
            ) from exc
        raise


# How many of the newest entries (under the other filters, after the cursor) a search by
# newest first reads in order before it turns to the search index. A broad term (a common Han
# bigram, an English word) fills a page within them, where the index would hand over every
# candidate to be sorted; a rare one is not found there and costs this many rows more.
SEARCH_WINDOW = 1000


# A term found in the first window, but not often enough for a page, is read on in order only
# while that costs at most this many entries (about two windows); past it, the index, which
# reads every match of the term, costs less.
SEARCH_CONTINUATION_MAX = 2048


def continuation_window(found: int, wanted: int) -> int | None:
    """How many entries to read on, after the last match, for `wanted` more matches when the
    first window held `found`: twice what the term's rate there predicts, rounded up to a power
    of two (few statements to compile); None when the index is the cheaper way."""
    if found == 0:
        return None
    expected = 2 * wanted * SEARCH_WINDOW / found
    size = max(64, 1 << math.ceil(math.log2(expected)))
    return size if size <= SEARCH_CONTINUATION_MAX else None


def recent_matches_statement(
    flt: CatalogueFilter,
    ordering: Ordering,
    after: dict[str, Any] | None,
    count: int,
    window: int = SEARCH_WINDOW,
) -> Select[Any]:
    """The first `count` matches of a search among the newest `window` entries: the newest
    index walked in order with the LIKE as a filter. Every match in the window up to the last
    one returned is returned, so what it finds is the result's exact beginning; when it finds
    fewer than `count`, the caller reads on (`search_by_newest`)."""
    assert flt.q is not None
    assert ordering.sort is CatalogueSort.newest
    plain = dataclasses.replace(flt, q=None).conditions()
    if after is not None:
        plain.append(ordering.after(after, None))
    # The window in order by the newest index (its LIMIT keeps the planner on that index,
    # whatever it thinks of the pattern's selectivity), then its rows checked in that order
    # until `count` match: a cost the window bounds, and a broad term ends early. Only the
    # page's rows are read again to be turned into items.
    recent = (
        select(E.award_id, E.issued_at, E.search_text)
        .where(and_(true(), *plain))
        .order_by(*ordering.keys(None))
        .limit(window)
        .subquery("recent")
    )
    newest = (recent.c.issued_at.desc(), recent.c.award_id.desc())
    page = (
        select(recent.c.award_id, recent.c.issued_at)
        .where(contains(bindparam("f_pattern", flt.q.like_pattern), recent.c.search_text))
        .order_by(*newest)
        .limit(bindparam("fetch", count))
        .subquery("page")
    )
    return (
        select(ITEM_JSON, page.c.issued_at.label("k_issued"), page.c.award_id.label("k_id"))
        .select_from(CatalogueEntry.__table__.join(page, E.award_id == page.c.award_id))
        .order_by(page.c.issued_at.desc(), page.c.award_id.desc())
    )


def page_statement(
    flt: CatalogueFilter, ordering: Ordering, after: dict[str, Any] | None, count: int
) -> Select[Any]:
    where = flt.conditions()
    if after is not None:
        where.append(ordering.after(after, flt.q))
    return (
        entries([ITEM_JSON, *ordering.key_columns(flt.q)], where)
        .order_by(*ordering.keys(flt.q))
        .limit(bindparam("fetch", count))
    )


class CompiledPages:
    """A page's SQL text, compiled once per shape (the kind of statement, the filter's shape,
    the sort, whether a cursor applies and the search window's size) and run with the
    request's values by name. Building and compiling the statement for each request cost a
    third of a cold page."""

    MAX_SHAPES = 2048

    def __init__(self) -> None:
        self._compiled: dict[tuple[Any, ...], tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def prepared(
        self,
        dialect: Dialect,
        build: Callable[..., Select[Any]],
        flt: CatalogueFilter,
        ordering: Ordering,
        after: dict[str, Any] | None,
        count: int,
        window: int | None = None,
    ) -> tuple[str, tuple[Any, ...]]:
        """The statement's text for `dialect` and its positional values."""
        shape = (build.__name__, flt.shape(), ordering.sort, after is not None, window)
        found = self._compiled.get(shape)
        if found is None:
            sized = {} if window is None else {"window": window}
            compiled = build(flt, ordering, after, count, **sized).compile(dialect=dialect)
            # The statement's own constants (the window's size, the relevance scores) keep
            # their compiled values; everything a request varies is named in `values`.
            found = (compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))
            if len(self._compiled) >= self.MAX_SHAPES:
                self._compiled.clear()
            self._compiled[shape] = found
        sql, names, constants = found
        values = {
            **constants,
            **flt.parameters(),
            **ordering.after_parameters(after),
            "today": flt.on,
            "fetch": count,
        }
        return sql, tuple(values[name] for name in names)

    async def rows(
        self,
        conn: AsyncConnection,
        build: Callable[..., Select[Any]],
        flt: CatalogueFilter,
        ordering: Ordering,
        after: dict[str, Any] | None,
        count: int,
        window: int | None = None,
    ) -> list[Row[Any]]:
        sql, values = self.prepared(conn.dialect, build, flt, ordering, after, count, window)
        return list((await conn.exec_driver_sql(sql, values)).all())


compiled_pages = CompiledPages()


# Runs one step of a page: a statement's builder, the key to start after, how many rows, and
# the search window's size; the rows carry `k_issued`, `k_id` and `item`.
FetchRows = Callable[
    [Callable[..., Select[Any]], dict[str, Any] | None, int, int | None], Awaitable[list[Any]]
]


async def search_by_newest(
    fetch: FetchRows, ordering: Ordering, after: dict[str, Any] | None, count: int
) -> list[Any]:
    """The first `count` matches of a search by newest first, in up to three steps that each
    go on after the last match found so far (the matches found are always the result's exact
    beginning): the newest `SEARCH_WINDOW` entries; for a term of middling frequency, as many
    more as its rate in the window says the rest of the page needs; then the search index."""
    rows = list(await fetch(recent_matches_statement, after, count, SEARCH_WINDOW))
    if len(rows) < count:
        size = continuation_window(len(rows), count - len(rows))
        if size is not None:
            rows += await fetch(
                recent_matches_statement, ordering.key(rows[-1]), count - len(rows), size
            )
    if len(rows) < count:
        rest_after = ordering.key(rows[-1]) if rows else after
        rows += await fetch(page_statement, rest_after, count - len(rows), None)
    return rows


async def list_page(
    session: AsyncSession,
    flt: CatalogueFilter,
    ordering: Ordering,
    limit: int,
    after: dict[str, Any] | None,
) -> tuple[list[str], dict[str, Any] | None]:
    """One page of items, as JSON texts, and the key of the next page (None on the last)."""
    conn = await session.connection()

    async def fetch(
        build: Callable[..., Select[Any]],
        step_after: dict[str, Any] | None,
        count: int,
        window: int | None,
    ) -> list[Any]:
        return await compiled_pages.rows(conn, build, flt, ordering, step_after, count, window)

    async with timeout_as_503():
        if flt.q is not None and ordering.sort is CatalogueSort.newest:
            rows = await search_by_newest(fetch, ordering, after, limit + 1)
        else:
            rows = await fetch(page_statement, after, limit + 1, None)
    next_key = ordering.cursor(rows[limit - 1]) if len(rows) > limit else None
    return [r.item for r in rows[:limit]], next_key


async def get_detail(session: AsyncSession, award_id: uuid.UUID, on: date) -> dict[str, Any] | None:
    async with timeout_as_503():
        row = (await session.execute(select(*DETAIL_COLUMNS).where(E.award_id == award_id))).first()
    return detail(row, on) if row is not None else None


FACETS = {
    "fields": E.field,
    "levels": E.level,
    "product_types": E.product_type,
    "districts": E.district,
}
FACET_TERMS = {
    "fields": FIELD_TERMS,
    "levels": LEVEL_TERMS,
    "product_types": PRODUCT_TYPE_TERMS,
    "districts": DISTRICT_TERMS,
}


FACET_DIMENSIONS = [*FACETS.values(), E.year]
# The `dimension` of each of FACET_DIMENSIONS in the precomputed counts (api/models/award.py).
COUNTED_DIMENSIONS = ["field", "level", "product_type", "district", "year"]


def live_facets_statement(flt: CatalogueFilter) -> Select[Any]:
    """The facets counted from the entries themselves: any filter, one scan of what matches."""
    dims = FACET_DIMENSIONS
    flags = [func.grouping(d).label(f"g{i}") for i, d in enumerate(dims)]
    sets = func.grouping_sets(*[tuple_(d) for d in dims], text("()"))
    return (
        select(*dims, *flags, func.count().label("n"))
        .where(and_(true(), *flt.conditions()))
        .group_by(sets)
    )


def _scopes(flt: CatalogueFilter) -> dict[str, Any]:
    """The filter's attributes that the precomputed counts are scoped by, with their values."""
    return {
        "batch": flt.batch,
        "year": flt.year,
        "field": flt.field,
        "product_type": flt.product_type,
        "level": flt.level,
        "district": flt.district,
    }


def _counted(flt: CatalogueFilter) -> bool:
    """Whether the precomputed counts answer this filter: nothing but one scoped attribute,
    or a status, or one attribute and the revoked status."""
    scoped = {k: v for k, v in _scopes(flt).items() if v is not None}
    if flt.organisation is not None or flt.q is not None or len(scoped) > 1:
        return False
    return not scoped or flt.status in (None, EntryStatus.revoked)


def counted_facets_statement(flt: CatalogueFilter) -> Select[Any]:
    """The facets of a filter that `_counted` accepts, summed from the precomputed counts; rows
    of the same shape as `live_facets_statement`'s."""
    scoped = [(k, v) for k, v in _scopes(flt).items() if v is not None]
    table: Any = CatalogueFacetCount.__table__
    where: list[ColumnElement[bool]] = []
    if flt.status is None or flt.status is EntryStatus.revoked:
        scope, value = scoped[0] if scoped else ("", "")
        # A code or number as the trigger writes it (`::text`): enums by value, ids canonical.
        where += [table.c.scope == scope, table.c.scope_value == str(value)]
        if flt.status is EntryStatus.revoked:
            where.append(table.c.revoked)
    else:
        table = CatalogueFacetExpiry.__table__
        valid = flt.status is EntryStatus.valid
        where.append(table.c.valid_until >= flt.on if valid else table.c.valid_until < flt.on)
    c = table.c
    dims = [
        cast(case((c.dimension == name, c.value)), column.type).label(column.name)
        for name, column in zip(COUNTED_DIMENSIONS, FACET_DIMENSIONS, strict=True)
    ]
    flags = [
        case((c.dimension == name, 0), else_=1).label(f"g{i}")
        for i, name in enumerate(COUNTED_DIMENSIONS)
    ]
    n = func.sum(c.n)
    return (
        select(*dims, *flags, n.label("n"))
        .where(and_(true(), *where))
        .group_by(c.dimension, c.value)
        .having(n > 0)
    )


def facets_statement(flt: CatalogueFilter) -> Select[Any]:
    return counted_facets_statement(flt) if _counted(flt) else live_facets_statement(flt)


async def facets(
    session: AsyncSession, flt: CatalogueFilter, *, live: bool = False
) -> dict[str, Any]:
    """Counts per field, level, product type, district and year under the whole filter (the
    facet of a filtered dimension shows the chosen value only), and the total: from the
    precomputed counts when the filter allows, else one scan of the matching entries."""
    dims = FACET_DIMENSIONS
    stmt = live_facets_statement(flt) if live else facets_statement(flt)
    async with timeout_as_503():
        rows = (await session.execute(stmt)).all()
    result: dict[str, Any] = {name: [] for name in [*FACETS, "years"]}
    result["total"] = 0
    names = list(FACETS)
    for row in rows:
        grouped = [i for i in range(len(dims)) if row[len(dims) + i] == 0]
        if not grouped:
            result["total"] = row.n
            continue
        i = grouped[0]
        value = row[i]
        if value is None:
            continue  # entries without that attribute (e.g. no product type)
        if i == len(names):
            result["years"].append({"year": value, "count": row.n})
        else:
            label = term(FACET_TERMS[names[i]], value)
            assert label is not None
            result[names[i]].append({**label, "count": row.n})
    for name in names:
        order = list(FACET_TERMS[name])
        result[name].sort(
            key=lambda b: (order.index(b["code"]) if b["code"] in order else len(order), b["code"])
        )
    result["years"].sort(key=lambda b: -b["year"])
    return result


async def changes(
    session: AsyncSession, since: int, limit: int, on: date
) -> tuple[list[dict[str, Any]], bool]:
    """Changes after `since` in feed order, with what the entry says now."""
    stmt = (
        select(
            C.id,
            C.kind,
            C.occurred_at,
            C.award_id,
            E.certificate_number,
            E.product_name_zh,
            E.valid_until,
            E.revoked_at,
        )
        .select_from(
            CatalogueChange.__table__.outerjoin(CatalogueEntry.__table__, E.award_id == C.award_id)
        )
        .where(C.id > since)
        .order_by(C.id)
        .limit(limit + 1)
    )
    async with timeout_as_503():
        rows = (await session.execute(stmt)).all()
    items = [
        {
            "id": r.id,
            "kind": r.kind,
            "occurred_at": r.occurred_at,
            "award_id": r.award_id,
            "certificate_number": r.certificate_number,
            "product_name_zh": r.product_name_zh,
            "status": entry_status(r.valid_until, r.revoked_at, on).value
            if r.valid_until is not None
            else None,
        }
        for r in rows[:limit]
    ]
    return items, len(rows) > limit
