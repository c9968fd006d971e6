"""The route class of the public objection form: it refuses what it can before FastAPI reads the
multipart body into temporary files, so an anonymous caller cannot make the server spool
uploads it is going to refuse anyway."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive

from api.config import get_settings
from api.publicity import objections

# A 5000-character statement is up to 20 KB of UTF-8, and 45 KB once percent-encoded in a
# form sent without a file (application/x-www-form-urlencoded).
MAX_TEXT_PART_BYTES = 64 * 1024
# Room for the boundaries, the part headers and the text fields around the evidence itself.
FORM_OVERHEAD_BYTES = 2 * MAX_TEXT_PART_BYTES


def _declared_length(request: Request) -> int | None:
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _capped(receive: Receive, limit: int, max_bytes: int) -> Receive:
    """`receive` that stops a body without a Content-Length (chunked) once it passes `limit`."""
    received = 0

    async def capped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                # An HTTPException passes FastAPI's body reader unchanged (an AppError would be
                # turned into a 400 there); the app's handler still renders it as a problem.
                raise HTTPException(413, objections.too_large(max_bytes).detail)
        return message

    return capped


class ObjectionFormRoute(APIRoute):
    """Checks the caller's filing quota and the body's size, then lets FastAPI parse the form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            await objections.ensure_rate_allowed()
            max_bytes = get_settings().attachment_max_bytes
            limit = max_bytes + FORM_OVERHEAD_BYTES
            declared = _declared_length(request)
            if declared is not None and declared > limit:
                raise objections.too_large(max_bytes)
            return await handler(Request(request.scope, _capped(request.receive, limit, max_bytes)))

        return guarded
