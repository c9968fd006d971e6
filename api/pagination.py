"""Keyset pagination: opaque cursors, `{items, next}` bodies and a `Link` header."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from api.errors import field_error
from api.http_cache import PRIVATE_NO_STORE

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")

MAX_LIMIT = 100

# The largest id a PostgreSQL bigint holds: a larger one in a path is a 422, not a driver error.
BIGINT_MAX = 2**63 - 1
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (≤ 100).")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="The `next` value of the previous page."),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(None, description="Cursor of the next page; null on the last page.")


def encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise field_error("cursor", "The cursor is not valid.", "invalid_cursor") from exc
    if not isinstance(value, dict):
        raise field_error("cursor", "The cursor is not valid.", "invalid_cursor")
    return value


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    if next_cursor:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'


def created_key(row: Sequence[Any]) -> dict[str, Any]:
    """The cursor key of a row whose first element is ordered by (created_at, id)."""
    return {"c": row[0].created_at.isoformat(), "id": row[0].id}


def parse_created_key(key: dict[str, Any]) -> tuple[datetime, uuid.UUID]:
    return datetime.fromisoformat(str(key["c"])), uuid.UUID(str(key["id"]))


def keyset_after(cursor: str | None, parse: Callable[[dict[str, Any]], K]) -> K | None:
    """The sort key a cursor carries, parsed; a tampered cursor is a 422, never a 500."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        return parse(key)
    except (KeyError, TypeError, ValueError) as exc:
        raise field_error("cursor", "The cursor is not valid.", "invalid_cursor") from exc


def build_page(
    request: Request,
    response: Response,
    rows: Sequence[R],
    limit: int,
    item: Callable[[R], T],
    key: Callable[[R], dict[str, Any]],
) -> Page[T]:
    """`rows` was fetched with `limit + 1`: the extra row only tells that a next page exists."""
    items = [item(r) for r in rows[:limit]]
    next_cursor = encode_cursor(key(rows[limit - 1])) if len(rows) > limit else None
    link_next(request, response, next_cursor)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return Page(items=items, next=next_cursor)
