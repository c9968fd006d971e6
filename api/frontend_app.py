"""Serve the built SPA at / with history-mode fallback; /api stays the API's."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from api.errors import NotFound
from api.routing import SPA_ROUTE_NAME, allowed_methods

IMMUTABLE = "public, max-age=31536000, immutable"


class _ImmutableStaticFiles(StaticFiles):
    """Vite's hashed assets never change under the same name."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def mount_frontend(app: FastAPI, dist: Path) -> None:
    dist = dist.resolve()
    assets = dist / "assets"
    if assets.is_dir():
        app.mount("/assets", _ImmutableStaticFiles(directory=assets), name="assets")

    @app.get("/{path:path}", include_in_schema=False, name=SPA_ROUTE_NAME)
    async def spa(path: str, request: Request) -> Response:
        if path == "api" or path.startswith("api/"):
            # A GET on an API path that takes other methods is a wrong method, not a missing page.
            if allowed := allowed_methods(request.app, request.url.path):
                raise StarletteHTTPException(405, headers={"Allow": ", ".join(allowed)})
            raise NotFound(f"No resource at {request.url.path}.")
        index = dist / "index.html"
        if not index.is_file():
            raise NotFound("The frontend has not been built (run the README's run command).")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
