"""Cache-Control values of the API conventions, and ETag/304 for public reads."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

PUBLIC_CACHE = "public, max-age=60, stale-while-revalidate=300"
PRIVATE_NO_STORE = "private, no-store"


def private_no_store(response: Response, etag: str | None = None) -> None:
    """Marks a caller's own data as uncacheable by shared caches, with its version if given."""
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    if etag is not None:
        response.headers["ETag"] = etag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an `If-None-Match` value names `etag` (weakly or strongly) or is `*`."""
    presented = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in presented or "*" in presented


def not_modified(request: Request, etag: str) -> Response | None:
    """The bodiless 304 when `If-None-Match` names `etag` (weak or strong) or `*`; else None."""
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE})
    return None


def public_response(
    request: Request, body: BaseModel | list[BaseModel], headers: dict[str, str] | None = None
) -> Response:
    """JSON with a content ETag; `If-None-Match` with that ETag answers 304 without a body."""
    response = JSONResponse(jsonable_encoder(body), headers=headers)
    etag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    response.headers.update({"ETag": etag, "Cache-Control": PUBLIC_CACHE})
    return response
