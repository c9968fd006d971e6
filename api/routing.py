"""What the route table says about a path, for answers that speak of more than one route."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp

# The SPA's history fallback answers GET on any path; it says nothing about the API's methods.
SPA_ROUTE_NAME = "spa"


def _matches(regex: re.Pattern[str], convertors: dict[str, Any], path: str) -> bool:
    match = regex.match(path)
    if match is None:
        return False
    try:
        for name, convertor in convertors.items():
            convertor.convert(match.group(name))
    except (ValueError, IndexError):
        return False
    return True


def allowed_methods(app: ASGIApp, path: str) -> list[str]:
    """Every method some route serves at `path` (RFC 9110 §15.5.6: a 405's `Allow` lists them
    all, not just those of the first route whose path matched)."""
    methods: set[str] = set()
    for ctx in iter_route_contexts(getattr(app, "routes", [])):
        if ctx.name == SPA_ROUTE_NAME or not ctx.methods:
            continue
        regex = getattr(ctx, "path_regex", None)
        if regex is not None and _matches(regex, getattr(ctx, "param_convertors", {}), path):
            methods |= ctx.methods
    return sorted(methods)
