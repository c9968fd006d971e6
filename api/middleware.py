"""Pure-ASGI middleware for what every request needs: request id, client IP, security headers,
access log, metrics, a problem+json answer for anything unhandled, and bounds on request bodies."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics, request_context
from api.errors import problem_response, unexpected_error_response

log = structlog.get_logger("api.access")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Element Plus sets inline style attributes, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
# The docs pages run Swagger UI / ReDoc bootstrapping inline scripts.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; object-src 'none'"
)


def _raw(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())


# The headers every answer gets unless it set its own, by (docs page?, https?).
_DEFAULT_HEADERS = {
    (docs, https): _raw(
        {
            **SECURITY_HEADERS,
            "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY
            if docs
            else CONTENT_SECURITY_POLICY,
            **({"Strict-Transport-Security": HSTS} if https else {}),
        }
    )
    for docs in (False, True)
    for https in (False, True)
}


@functools.lru_cache(maxsize=4096)
def _canonical_ip(ip: str) -> str | None:
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None  # e.g. the test client's "testclient"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, trusted_proxies: list[str] | None = None) -> None:
        self.app = app
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies or []]

    def _client_ip(self, scope: Scope, headers: Headers) -> str | None:
        peer = scope.get("client")
        ip = peer[0] if peer else None
        forwarded = headers.get("x-forwarded-for")
        if ip and forwarded and self.trusted:
            try:
                if any(ipaddress.ip_address(ip) in net for net in self.trusted):
                    ip = forwarded.split(",")[0].strip()
            except ValueError:
                pass
        return _canonical_ip(ip) if ip else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        client_ip = self._client_ip(scope, headers)
        request_context.bind(request_id, client_ip)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        path: str = scope["path"]
        is_docs = path.startswith("/api/docs") or path.startswith("/api/redoc")
        started = time.perf_counter()
        status_holder = {"status": 500, "sent": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["sent"] = True
                # Raw header pairs, one pass: this runs on every answer, the cached ones too.
                headers = [(k, v) for k, v in message.get("headers", ()) if k != b"x-request-id"]
                present = {k.lower() for k, _ in headers}
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                # Only over https (uvicorn --proxy-headers sets the scheme behind a proxy):
                # sent over plain http it would be ignored, or pin a development host.
                defaults = _DEFAULT_HEADERS[(is_docs, scope.get("scheme") == "https")]
                headers += [(k, v) for k, v in defaults if k not in present]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if status_holder["sent"]:
                raise
            response = unexpected_error_response(exc, path)
            await response(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            template = metrics.route_template(scope)
            metrics.observe(scope["method"], template, int(status_holder["status"]), elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=path,
                status=status_holder["status"],
                duration_ms=round(elapsed * 1000, 1),
                client_ip=client_ip,
            )


CLOSE = {"Connection": "close"}


class RequestBodyGuard:
    """Bounds request bodies before the application spends memory or a database connection on
    them: past its size limit a body is refused (413), and one that stalls for `idle_timeout_s`
    between two chunks is cut off (408); either way the connection is then closed.

    A file upload (multipart/form-data) may be as large as `upload_max_bytes`; the routes that
    take files check their own, exact limits as the bytes stream in. Any other body (JSON, a
    plain form) may be `body_max_bytes`. FastAPI's own `max_body_size` is not used: it refuses in
    plain text rather than problem+json, and fixes per-route limits when the routes are made.
    """

    def __init__(
        self, app: ASGIApp, body_max_bytes: int, upload_max_bytes: int, idle_timeout_s: float
    ) -> None:
        self.app = app
        self.body_max_bytes = body_max_bytes
        self.upload_max_bytes = upload_max_bytes
        self.idle_timeout_s = idle_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = self.upload_max_bytes if upload else self.body_max_bytes
        too_large = f"The request body may be at most {limit:,} bytes."
        try:
            declared = int(headers.get("content-length", ""))
        except ValueError:
            declared = None
        if declared is not None and declared > limit:
            response = problem_response(
                413,
                "payload_too_large",
                "Payload too large",
                too_large,
                headers=dict(CLOSE),
                extra={"max_bytes": limit},
            )
            await response(scope, receive, send)
            return

        received = 0
        body_done = False
        cut_off = False

        async def guarded_receive() -> Message:
            nonlocal received, body_done, cut_off
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout(self.idle_timeout_s):
                    message = await receive()
            except TimeoutError:
                cut_off = True
                # An HTTPException passes FastAPI's body reading unchanged (any other error
                # becomes a 400 there); the app's handler renders it as a problem.
                raise HTTPException(
                    408, f"The request body stalled for {self.idle_timeout_s:g} s.", CLOSE
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut_off = True
                    raise HTTPException(413, too_large, CLOSE)
                body_done = not message.get("more_body", False)
            else:  # http.disconnect
                body_done = True
            return message

        async def closing_send(message: Message) -> None:
            if cut_off and message["type"] == "http.response.start":
                # The rest of the body is never read: the connection cannot carry another request.
                MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        await self.app(scope, guarded_receive, closing_send)
