"""Prometheus metrics."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter("firstset_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "firstset_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's full path template (`/api/v1/users/{user_id}`), keeping label
    cardinality bounded; included routers only know their own, unprefixed path."""
    route, app = scope.get("route"), scope.get("app")
    if route is None or app is None:
        return "unmatched"
    templates: dict[int, str] | None = getattr(app.state, "route_templates", None)
    if templates is None:
        templates = {
            id(ctx.original_route): ctx.path_format or "" for ctx in iter_route_contexts(app.routes)
        }
        app.state.route_templates = templates
    return templates.get(id(route)) or str(getattr(route, "path", "unmatched"))
