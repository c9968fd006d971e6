"""Anonymous catalogue reads answered from memory before routing.

A page's ETag already carries everything its body depends on, and the router keeps recent
bodies by ETag (api/catalogue/cache.py). What still costs, on a hit, is reaching that point:
routing through every API route, validating a dozen query parameters, solving dependencies.
This middleware keeps, per exact path and query string, the last answer the router gave an
anonymous caller, together with the catalogue version and Beijing date it was made for, and
serves it again while both still hold. The version is the same short-lived reading the router
uses, so a change shows here exactly when it shows through the router.

Only plain anonymous GETs qualify: a bearer token means an agency client, whose scopes and rate
limit the route must check, and an answer other than 200 is never kept.

A list page not in memory is still answered here, by calling the list route's own function
directly (`DirectList`): its query parameters are validated by one model derived from the
route's own signature, and its read session comes from the same provider (overrides included).
That skips routing and FastAPI's per-parameter work, which cost as much as the page's query.
Anything unusual — a parameter the model refuses, a filter error, any exception before an answer
exists — goes on to the router, which answers it (and its errors) the ordinary way."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any, get_type_hints

from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from starlette.datastructures import URL, Headers, QueryParams
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.catalogue import cache
from api.catalogue.items import today
from api.db import get_read_session
from api.http_cache import PUBLIC_CACHE, etag_matches

log = logging.getLogger(__name__)

PREFIX = "/api/v1/catalogue/"
LIST_PATH = "/api/v1/catalogue/products"
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


def _query_fields(
    function: Callable[..., Any], names: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """`function`'s query parameters as pydantic fields: their annotations (with the `Query`
    constraints inside) and defaults."""
    hints = get_type_hints(function, include_extras=True)
    return {
        name: (hints[name], parameter.default)
        for name, parameter in inspect.signature(function).parameters.items()
        if (names is None or name in names) and parameter.default is not inspect.Parameter.empty
    }


class DirectList:
    """The list route's function called without the router (see the module's docstring)."""

    PAGE_PARAMETERS = ("sort", "limit", "cursor")

    def __init__(self) -> None:
        from api.catalogue import router as routes  # the routes import this module

        self.make_filter = routes.catalogue_filter
        self.endpoint = routes.list_products
        filters = _query_fields(routes.catalogue_filter)
        self.filter_names = list(filters)
        self.query: type[BaseModel] = create_model(
            "CatalogueListQuery",
            __config__=ConfigDict(extra="ignore", arbitrary_types_allowed=True),
            **filters,
            **_query_fields(routes.list_products, self.PAGE_PARAMETERS),
        )

    @staticmethod
    def _route(scope: Scope) -> APIRoute | None:
        app = scope["app"]
        route: APIRoute | None = getattr(app.state, "catalogue_list_route", None)
        if route is None:
            for context in iter_route_contexts(app.routes):
                found = context.original_route
                if (
                    context.path_format == LIST_PATH
                    and isinstance(found, APIRoute)
                    and "GET" in (found.methods or ())
                ):
                    route = app.state.catalogue_list_route = found
                    break
        return route

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer a list page; False (nothing sent) leaves the request to the router."""
        route = self._route(scope)
        if route is None:
            return False
        try:
            query = self.query.model_validate(dict(QueryParams(scope.get("query_string", b""))))
            values = {name: getattr(query, name) for name in self.filter_names}
            flt = await self.make_filter(**values)
            provider = scope["app"].dependency_overrides.get(get_read_session, get_read_session)
            async with asynccontextmanager(provider)() as session:
                page = (getattr(query, name) for name in self.PAGE_PARAMETERS)
                response = await self.endpoint(Request(scope, receive), session, flt, *page)
        except ValidationError:
            return False
        except Exception:
            # The router answers it again, with the application's own error handling.
            log.debug("catalogue list left to the router", exc_info=True)
            return False
        scope["route"] = route
        await response(scope, receive, send)
        return True


_direct_list: DirectList | None = None


def direct_list() -> DirectList:
    global _direct_list
    if _direct_list is None:
        _direct_list = DirectList()
    return _direct_list


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
            if scope["path"] == LIST_PATH and await direct_list().answer(scope, receive, send):
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
