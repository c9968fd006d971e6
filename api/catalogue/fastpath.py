"""Anonymous catalogue reads answered from memory before routing.

A page's ETag already carries everything its body depends on, and the router keeps recent
bodies by ETag (api/catalogue/cache.py). What still costs, on a hit, is reaching that point:
routing through every API route, validating a dozen query parameters, solving dependencies.
This middleware keeps, per exact path and query string, the last answer the router gave an
anonymous caller, together with the catalogue version and Beijing date it was made for, and
serves it again while both still hold. The version is the same short-lived reading the router
uses, so a change shows here exactly when it shows through the router.

Only plain anonymous GETs qualify: a bearer token means an agency client, whose scopes and rate
limit the route must check, and an answer other than 200 is never kept."""

from __future__ import annotations

from starlette.datastructures import URL, Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.catalogue import cache
from api.catalogue.items import today
from api.http_cache import PUBLIC_CACHE, etag_matches

PREFIX = "/api/v1/catalogue/"
# The reads that qualify: list, facets, one product (not the streamed exports or the feed).
CACHED_PATHS = ("/api/v1/catalogue/products", "/api/v1/catalogue/facets")


def qualifies(scope: Scope) -> bool:
    path: str = scope["path"]
    if scope["method"] != "GET" or not path.startswith(PREFIX):
        return False
    if not (path in CACHED_PATHS or path.startswith("/api/v1/catalogue/products/")):
        return False
    return not any(name == b"authorization" for name, _ in scope["headers"])


def remember(
    scope: Scope, version: int, etag: str, body: bytes, next_cursor: str | None = None
) -> None:
    """Called by the routes once they have answered an anonymous caller with 200; `version`
    is the one the answer was made for (the clock may have moved on since)."""
    if not qualifies(scope):
        return
    key = (scope["path"], scope.get("query_string", b""))
    entry = cache.Entry(version, today(), etag, body, next_cursor, scope.get("route"))
    cache.answers.put(key, entry)


def _headers(etag: str, extra: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [
        (b"etag", etag.encode()),
        (b"cache-control", PUBLIC_CACHE.encode()),
        *extra,
    ]


class CatalogueFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and qualifies(scope):
            entry = cache.answers.get((scope["path"], scope.get("query_string", b"")))
            version = cache.version_clock.fresh()
            if entry is not None and entry.version == version and entry.day == today():
                await self._answer(scope, send, entry)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(scope: Scope, send: Send, entry: cache.Entry) -> None:
        if entry.route is not None:
            scope["route"] = entry.route
        if etag_matches(Headers(scope=scope).get("if-none-match", ""), entry.etag):
            await send(
                {"type": "http.response.start", "status": 304, "headers": _headers(entry.etag, [])}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        extra = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(entry.body)).encode()),
        ]
        if entry.next_cursor:
            url = URL(scope=scope).include_query_params(cursor=entry.next_cursor)
            extra.append((b"link", f'<{url}>; rel="next"'.encode()))
        await send(
            {"type": "http.response.start", "status": 200, "headers": _headers(entry.etag, extra)}
        )
        await send({"type": "http.response.body", "body": entry.body})
