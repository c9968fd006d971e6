"""The public catalogue: list and search, facets, detail, open-data exports and the change feed.

Every response is public and cacheable. Its ETag is derived from the catalogue version (which
moves on every award, revocation or update), Beijing's date (validity ends at midnight there)
and the query, so that a matching `If-None-Match` is answered 304 before any page query runs.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import AGENCY_SCOPE_RESPONSES, AgencyRoute, agency_scope
from api.catalogue import cache, export, fastpath, items, queries
from api.catalogue.schemas import (
    CatalogueDetail,
    CataloguePage,
    CatalogueSort,
    ChangeFeed,
    EntryStatus,
    Facets,
)
from api.catalogue.search import EmptyQuery, parse_query
from api.db import ReadSessionDep, SessionDep, get_session
from api.errors import NotFound, Unprocessable, field_error, problem_responses
from api.http_cache import PUBLIC_CACHE, not_modified
from api.models import District, ProductType, Scope, TechnicalLevel
from api.pagination import Cursor, Limit, encode_cursor, keyset_after, link_next
from api.taxonomy.data import FIELD_LABELS

router = APIRouter(
    prefix="/catalogue",
    tags=["catalogue"],
    dependencies=[Depends(agency_scope(Scope.catalogue_read))],
    route_class=AgencyRoute,
    responses=AGENCY_SCOPE_RESPONSES,
)

# A streamed export reads from the database while the body is sent: its session must outlive
# the route function (request scope), unlike `SessionDep`, which commits before the response.
StreamingSessionDep = Annotated[AsyncSession, Depends(get_session)]

READ_ERRORS = problem_responses(422, 503)


# Async, as every dependency of the hot list path: a plain `def` would hop to the thread pool
# on each request, which costs more than the whole cached answer.
async def catalogue_filter(
    batch: Annotated[uuid.UUID | None, Query(description="A batch's id.")] = None,
    year: Annotated[int | None, Query(ge=1900, le=9999, description="The batch's year.")] = None,
    field: Annotated[
        str | None, Query(max_length=60, description="A field code (see /taxonomy).")
    ] = None,
    product_type: ProductType | None = None,
    level: TechnicalLevel | None = None,
    district: District | None = None,
    organisation: Annotated[
        uuid.UUID | None, Query(description="The awarded organisation's id.")
    ] = None,
    status: Annotated[
        EntryStatus | None,
        Query(
            description="valid, expired (past its validity, Beijing time) or revoked; absent: all."
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Words or characters found anywhere in the product's names, model, "
            "summaries or the organisation's names (a case-insensitive substring match, "
            "full-width forms folded).",
        ),
    ] = None,
) -> queries.CatalogueFilter:
    if field is not None and field not in FIELD_LABELS:
        raise field_error(
            "field", f"Unknown field code {field!r}; see /api/v1/taxonomy.", "unknown_field"
        )
    search = None
    if q is not None:
        try:
            search = parse_query(q)
        except EmptyQuery:
            raise field_error("q", "The search text is blank.", "blank_query") from None
    return queries.CatalogueFilter(
        batch=batch,
        year=year,
        field=field,
        product_type=product_type,
        level=level,
        district=district,
        organisation=organisation,
        status=status,
        q=search,
    )


FilterDep = Annotated[queries.CatalogueFilter, Depends(catalogue_filter)]
SortParam = Annotated[
    CatalogueSort,
    Query(description="newest (default), name (pinyin order) or relevance (needs `q`)."),
]


def _check_sort(sort: CatalogueSort, flt: queries.CatalogueFilter) -> None:
    if sort is CatalogueSort.relevance and flt.q is None:
        raise field_error(
            "sort", "Sorting by relevance needs a search text `q`.", "relevance_needs_q"
        )


def _etag(*parts: object) -> str:
    key = "\x1f".join("" if p is None else str(p) for p in parts)
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _bytes(body: bytes, etag: str) -> Response:
    return Response(
        body, media_type="application/json", headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE}
    )


def _json(body: Any, etag: str) -> Response:
    return _bytes(items.json_dumps(body), etag)


async def _version(session: AsyncSession) -> int:
    """The catalogue version (see api/catalogue/cache.py for how stale it may be)."""
    version, _ = await cache.current_version(lambda: queries.public_read(session))
    return version


@router.get(
    "/products",
    response_model=CataloguePage,
    responses=READ_ERRORS,
    summary="Awarded products: filter, search and sort, a page at a time (public)",
    description="Keyset pagination: pass `next_cursor` back as `cursor` (also in the `Link` "
    "header). `q` matches exactly the entries whose names, model, summaries or organisation "
    "names contain it, ignoring case and character width.",
)
async def list_products(
    request: Request,
    session: ReadSessionDep,
    flt: FilterDep,
    sort: SortParam = CatalogueSort.newest,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Response:
    _check_sort(sort, flt)
    version = await _version(session)
    etag = _etag("list", version, flt.cache_key(), sort.value, limit, cursor)
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    if (hit := cache.responses.get(etag)) is not None:
        fastpath.remember(request.scope, version, etag, hit[0], hit[1])
        response = _bytes(hit[0], etag)
        link_next(request, response, hit[1])
        return response
    ordering = queries.Ordering(sort)
    after = keyset_after(cursor, ordering.parse)
    page, next_key = await queries.list_page(session, flt, ordering, limit, after)
    next_cursor = encode_cursor(next_key) if next_key else None
    cursor_json = items.json_dumps(next_cursor)
    # The items come as JSON texts from PostgreSQL; only the envelope is written here.
    body = b"".join(
        [
            b'{"items":[',
            ",".join(page).encode(),
            b'],"next":',
            cursor_json,
            b',"next_cursor":',
            cursor_json,
            b"}",
        ]
    )
    cache.responses.put(etag, body, next_cursor)
    fastpath.remember(request.scope, version, etag, body, next_cursor)
    response = _bytes(body, etag)
    link_next(request, response, next_cursor)
    return response


@router.get(
    "/facets",
    response_model=Facets,
    responses=READ_ERRORS,
    summary="Counts per field, level, product type, district and year for a filter (public)",
)
async def product_facets(request: Request, session: ReadSessionDep, flt: FilterDep) -> Response:
    version = await _version(session)
    etag = _etag("facets", version, flt.cache_key())
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    if (hit := cache.responses.get(etag)) is not None:
        fastpath.remember(request.scope, version, etag, hit[0])
        return _bytes(hit[0], etag)
    body = items.json_dumps(await queries.facets(session, flt))
    cache.responses.put(etag, body)
    fastpath.remember(request.scope, version, etag, body)
    return _bytes(body, etag)


@router.get(
    "/products/{award_id}",
    response_model=CatalogueDetail,
    responses=problem_responses(404, 422, 503),
    summary="One awarded product with its indicators and certificate number (public)",
)
async def get_product(award_id: uuid.UUID, request: Request, session: ReadSessionDep) -> Response:
    version = await _version(session)
    on = items.today()
    etag = _etag("detail", version, on, award_id)
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    if (hit := cache.responses.get(etag)) is not None:
        fastpath.remember(request.scope, version, etag, hit[0])
        return _bytes(hit[0], etag)
    found = await queries.get_detail(session, award_id, on)
    if found is None:
        raise NotFound("No catalogue entry has this id.", code="catalogue_entry_not_found")
    body = items.json_dumps(found)
    cache.responses.put(etag, body)
    fastpath.remember(request.scope, version, etag, body)
    return _bytes(body, etag)


def _export_route(media_type: str, description: str) -> dict[str, Any]:
    # The JSON export is an array of entries; the others are files.
    schema = (
        {"type": "array", "items": {"type": "object"}}
        if media_type == "application/json"
        else {"type": "string", "format": "binary"}
    )
    return {
        "response_class": StreamingResponse,
        "responses": {
            200: {"description": description, "content": {media_type: {"schema": schema}}},
            **READ_ERRORS,
        },
    }


async def _export(
    request: Request,
    session: AsyncSession,
    flt: queries.CatalogueFilter,
    sort: CatalogueSort,
    fmt: export.Format,
    lang: export.Lang,
) -> Response:
    _check_sort(sort, flt)
    version = await queries.public_read(session, queries.EXPORT_TIMEOUT_MS)
    etag = _etag("export", fmt, lang, version, flt.cache_key(), sort.value)
    if (cached := not_modified(request, etag)) is not None:
        return cached
    ordering = queries.Ordering(sort)
    chunks: AsyncIterator[bytes] = export.stream(session, flt, ordering, fmt, lang)
    return StreamingResponse(
        chunks,
        media_type=export.MEDIA_TYPES[fmt],
        headers={
            "ETag": etag,
            "Cache-Control": PUBLIC_CACHE,
            "Content-Disposition": f'attachment; filename="firstset-catalogue-v{version}.{fmt}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


LangParam = Annotated[
    export.Lang, Query(description="Language of the header row and of the labels.")
]


@router.get(
    "/export.csv",
    summary="The catalogue as CSV, UTF-8 with a BOM, streamed (public)",
    description="Honours the list's filters and sort. Cells that a spreadsheet would run as a "
    "formula (starting with = + - @, a tab or a carriage return) are prefixed with an "
    "apostrophe.",
    **_export_route("text/csv", "CSV with a header row."),
)
async def export_csv(
    request: Request,
    session: StreamingSessionDep,
    flt: FilterDep,
    sort: SortParam = CatalogueSort.newest,
    lang: LangParam = "zh",
) -> Response:
    return await _export(request, session, flt, sort, "csv", lang)


@router.get(
    "/export.xlsx",
    summary="The catalogue as an Excel workbook (public)",
    description="Honours the list's filters and sort; written in openpyxl's write-only mode.",
    **_export_route(export.MEDIA_TYPES["xlsx"], "An XLSX workbook with one sheet."),
)
async def export_xlsx(
    request: Request,
    session: StreamingSessionDep,
    flt: FilterDep,
    sort: SortParam = CatalogueSort.newest,
    lang: LangParam = "zh",
) -> Response:
    return await _export(request, session, flt, sort, "xlsx", lang)


@router.get(
    "/export.json",
    summary="The catalogue as a JSON array of product details, streamed (public)",
    description="Honours the list's filters and sort. Each element has the shape of "
    "`GET /catalogue/products/{id}`.",
    **_export_route("application/json", "A JSON array."),
)
async def export_json(
    request: Request,
    session: StreamingSessionDep,
    flt: FilterDep,
    sort: SortParam = CatalogueSort.newest,
) -> Response:
    return await _export(request, session, flt, sort, "json", "zh")


def _since(key: dict[str, Any]) -> int:
    value = key["c"]
    if type(value) is not int or value < 0:
        raise ValueError("change id")
    return value


@router.get(
    "/changes",
    response_model=ChangeFeed,
    responses=READ_ERRORS,
    summary="Catalogue changes (awarded, revoked, updated) after a cursor, oldest first (public)",
    description="For integrators: start without `since`, then pass each answer's `next_cursor` "
    "as `since`. Changes become visible in feed order, so polling never skips one.",
)
async def list_changes(
    request: Request,
    session: SessionDep,
    since: Annotated[
        str | None,
        Query(max_length=200, description="The `next_cursor` of the previous answer."),
    ] = None,
    limit: Limit = 100,
) -> Response:
    try:
        after = keyset_after(since, _since) or 0
    except Unprocessable:
        raise field_error("since", "The cursor is not valid.", "invalid_cursor") from None
    version = await queries.public_read(session)
    on = items.today()
    etag = _etag("changes", version, on, after, limit)
    if (cached := not_modified(request, etag)) is not None:
        return cached
    changed, has_more = await queries.changes(session, after, limit, on)
    last = changed[-1]["id"] if changed else after
    body = {
        "items": changed,
        "next_cursor": encode_cursor({"c": last}),
        "has_more": has_more,
        "version": version,
    }
    return _json(body, etag)
