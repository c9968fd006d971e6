"""Per-request facts (request id, client IP) that deep layers such as the audit log need."""

from __future__ import annotations

from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def current_client_ip() -> str | None:
    return _client_ip.get()


def bind(request_id: str | None, client_ip: str | None) -> None:
    _request_id.set(request_id)
    _client_ip.set(client_ip)
