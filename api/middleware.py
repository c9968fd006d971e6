"""One pure-ASGI middleware for what every request needs: request id, client IP, security
headers, access log, metrics, and a problem+json answer for anything unhandled."""

from __future__ import annotations

import functools
import ipaddress
import re
import time
import uuid

import structlog
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics, request_context
from api.errors import unexpected_error_response

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
