"""The references every budget is a ratio against, served like the subject (uvicorn, as many
workers), on the same data, in the same run:

- `bytes`: a bare Starlette app answering pre-built bytes the size of a catalogue page (the
  ceiling of the HTTP stack);
- `fastapi-bytes`: the same bytes through a FastAPI route (what a warm cache can hope for);
- `list`: a minimal Starlette app running the catalogue's list query with raw asyncpg and the
  page's JSON built by PostgreSQL (`json_agg`) — the practical floor of a cold page;
- `search`: a search (`q`) on raw asyncpg, by the catalogue's own steps and statements
  (`search_by_newest`: the newest window, reading on for a middling term, the search index),
  the page's JSON joined from the items PostgreSQL built.

The SQL is compiled from the catalogue's own expressions, so a reference never runs an easier
query than the subject. `BENCH_REFERENCE` picks the app, `BENCH_BODY_FILE` holds the bytes,
`BENCH_DATABASE_URL` the database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PAGE = 20


def list_sql() -> tuple[str, list[str]]:
    """The list page query (items as JSON text and their keyset, one field filter) wrapped in
    `json_agg`, and the names of its positional parameters."""
    from api.catalogue import queries
    from api.catalogue.items import ITEM_JSON, E
    from api.catalogue.schemas import CatalogueSort

    ordering = queries.Ordering(CatalogueSort.newest)
    inner = (
        queries.entries([ITEM_JSON, *ordering.key_columns(None)], [E.field == bindparam("field")])
        .order_by(*ordering.keys(None))
        .limit(bindparam("fetch"))
    )
    compiled = inner.compile(dialect=asyncpg_dialect())
    return _json_agg(compiled.string), list(compiled.positiontup or [])


def _json_agg(compiled_sql: str) -> str:
    """A page query (items as JSON text and their keyset) wrapped so PostgreSQL builds the
    page's JSON."""
    # Compiled from the catalogue's expressions; no input reaches the text.
    return (
        "SELECT coalesce(json_agg(t.item::json ORDER BY t.rn) FILTER (WHERE t.rn <= "  # noqa: S608
        f"{PAGE}), '[]')::text, count(*) > {PAGE}, "
        f"(array_agg(t.k_issued) FILTER (WHERE t.rn = {PAGE}))[1], "
        f"(array_agg(t.k_id) FILTER (WHERE t.rn = {PAGE}))[1] "
        f"FROM (SELECT s.*, row_number() OVER () AS rn FROM ({compiled_sql}) s) t"
    )


def _bytes_app(fastapi: bool) -> Any:
    body = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
    headers = {"Cache-Control": "public, max-age=60", "ETag": '"reference"'}
    if fastapi:
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/api/v1/catalogue/products")
        async def products() -> Response:
            return Response(body, media_type="application/json", headers=headers)

        return app

    async def endpoint(request: Request) -> Response:
        return Response(body, media_type="application/json", headers=headers)

    return Starlette(routes=[Route("/api/v1/catalogue/products", endpoint)])


class _Row:
    """An asyncpg record read by attribute, as the catalogue's steps read rows."""

    def __init__(self, record: asyncpg.Record) -> None:
        self.item, self.k_issued, self.k_id = record["item"], record["k_issued"], record["k_id"]


async def _search_page(conn: asyncpg.Connection, q: str) -> tuple[str, bool, Any, Any]:
    """A search page by the catalogue's own steps (`search_by_newest`) and statements, run on
    raw asyncpg; the page's JSON joined from the items PostgreSQL built, as the subject does."""
    from api.catalogue import queries
    from api.catalogue.schemas import CatalogueSort
    from api.catalogue.search import parse_query

    ordering = queries.Ordering(CatalogueSort.newest)
    flt = queries.CatalogueFilter(q=parse_query(q))

    async def fetch(build: Any, after: Any, count: int, window: int | None) -> list[Any]:
        sql, values = queries.compiled_pages.prepared(
            _DIALECT, build, flt, ordering, after, count, window
        )
        return [_Row(r) for r in await conn.fetch(sql, *values)]

    rows = await queries.search_by_newest(fetch, ordering, None, PAGE + 1)
    items = "[" + ",".join(r.item for r in rows[:PAGE]) + "]"
    last = rows[PAGE - 1] if len(rows) > PAGE else None
    return items, last is not None, last and last.k_issued, last and last.k_id


_DIALECT = asyncpg_dialect()


def _database_app(search: bool) -> Starlette:
    from api.catalogue.items import SHANGHAI

    sql, names = list_sql()
    url = os.environ["BENCH_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    pool: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool["p"] = await asyncpg.create_pool(url, min_size=4, max_size=10)
        yield
        await pool["p"].close()

    async def endpoint(request: Request) -> Response:
        from datetime import datetime

        values: dict[str, Any] = {
            "today": datetime.now(SHANGHAI).date(),
            "fetch": PAGE + 1,
        }
        if not search:
            values["field"] = request.query_params["field"]
        async with pool["p"].acquire() as conn:
            if search:
                items, more, issued, key = await _search_page(conn, request.query_params["q"])
            else:
                found = await conn.fetchrow(sql, *[values[n] for n in names])
                items, more, issued, key = found
        cursor = orjson.dumps({"t": issued.isoformat(), "i": str(key)}) if more else b"null"
        body = b"".join([b'{"items":', items.encode(), b',"next":', cursor, b"}"])
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/api/v1/catalogue/products", endpoint)], lifespan=lifespan)


def create(kind: str) -> Any:
    if kind in ("bytes", "fastapi-bytes"):
        return _bytes_app(kind == "fastapi-bytes")
    if kind in ("list", "search"):
        return _database_app(kind == "search")
    raise ValueError(kind)


app = (
    create(os.environ.get("BENCH_REFERENCE", "bytes")) if "BENCH_REFERENCE" in os.environ else None
)
