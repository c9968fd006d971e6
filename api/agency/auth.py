"""Agency callers: OAuth2 bearer tokens and the scopes they carry.

The interface other domains build on (the implementation is the agency domain's):
- `ClientPrincipal`: who is calling, with its granted scopes;
- `require_scope(scope)`: a dependency for routes only agency clients call — 401 without a
  valid token, 403 naming the scope when the token lacks it;
- `agency_scope(scope)`: for routes the public or staff call too — no bearer token, nothing is
  checked; a bearer token must be valid and carry the scope.

Routers whose routes agency clients call use `route_class=AgencyRoute`, which puts the
client's `RateLimit-*` headers on every answer, also on those a route builds itself.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from limits import RateLimitItemPerMinute
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import ratelimit
from api.db import get_session
from api.errors import AppError, Forbidden, NotAuthenticated, RateLimited, problem_responses
from api.models import AccessToken, AgencyClient, Scope
from api.request_context import current_client_ip

BEARER_CHALLENGE = 'Bearer realm="FirstSet"'
# What a route that also takes a bearer token (`agency_scope`) may answer besides its own: a
# token not valid (401), one lacking the scope or sent from a network the client may not use
# (403), a client over its rate limit (429).
AGENCY_SCOPE_RESPONSES = problem_responses(401, 403, 429)

# Request-scoped, as a streamed export's session is: a function-scoped session opened by a
# router-level dependency would end before the route's own and cut it short. Unused (no
# connection taken) when no bearer token is sent.
AuthSessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    id: uuid.UUID  # agency_client.id
    client_id: str  # the public OAuth2 client_id
    name: str
    organization_id: uuid.UUID
    scopes: frozenset[str]
    rate_limit_per_minute: int


@dataclass(frozen=True, slots=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }


def hash_secret(value: str) -> bytes:
    """Secrets and tokens are 256 random bits: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(value.encode()).digest()


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header; None for no header or another scheme."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def network_allowed(networks: Iterable[object], ip: str | None) -> bool:
    """An empty list allows every address; otherwise the caller's must be in one of them."""
    nets = [ipaddress.ip_network(str(n), strict=False) for n in networks]
    if not nets:
        return True
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    return any(address.version == net.version and address in net for net in nets)


def _invalid_token(detail: str) -> NotAuthenticated:
    return NotAuthenticated(
        detail,
        code="invalid_token",
        headers={"WWW-Authenticate": f'{BEARER_CHALLENGE}, error="invalid_token"'},
    )


async def _count_request(request: Request, principal: ClientPrincipal) -> None:
    """One hit on the client's per-minute window, shared by all its tokens (and, with Redis,
    by every API process)."""
    item = RateLimitItemPerMinute(principal.rate_limit_per_minute)
    key = ("agency", principal.client_id)
    allowed = await ratelimit.limiter().hit(item, *key)
    stats = await ratelimit.limiter().get_window_stats(item, *key)
    reset_s = max(1, math.ceil(stats.reset_time - time.time()))
    state = RateLimitState(principal.rate_limit_per_minute, stats.remaining, reset_s)
    request.state.agency_rate_limit = state
    if not allowed:
        error = RateLimited(
            reset_s,
            f"Client {principal.client_id} may make {principal.rate_limit_per_minute} "
            "requests per minute; try again later.",
        )
        error.headers.update(state.headers())
        raise error


async def authenticate(request: Request, session: AuthSessionDep, token: str) -> ClientPrincipal:
    """The client a bearer token belongs to, checked and counted once per request."""
    cached: ClientPrincipal | None = getattr(request.state, "agency_client", None)
    if cached is not None:
        return cached
    now = datetime.now(UTC)
    row = (
        await session.execute(
            select(AccessToken.scopes, AccessToken.expires_at, AgencyClient)
            .join(AgencyClient, AgencyClient.id == AccessToken.client_id)
            .where(
                AccessToken.token_hash == hash_secret(token),
                AgencyClient.revoked_at.is_(None),
            )
        )
    ).first()
    if row is None:
        raise _invalid_token("The bearer token is not valid.")
    scopes, expires_at, client = row
    if expires_at <= now:
        raise _invalid_token("The bearer token has expired; request a new one.")
    if not network_allowed(client.allowed_networks, current_client_ip()):
        raise Forbidden(
            "This client may not call the API from this address.", code="network_not_allowed"
        )
    principal = ClientPrincipal(
        id=client.id,
        client_id=client.client_id,
        name=client.name,
        organization_id=client.organization_id,
        # A scope taken from the client after the token was issued no longer counts.
        scopes=frozenset(scopes) & frozenset(client.scopes),
        rate_limit_per_minute=client.rate_limit_per_minute,
    )
    await _count_request(request, principal)
    request.state.agency_client = principal
    return principal


def _check_scope(principal: ClientPrincipal, scope: Scope) -> None:
    if scope.value not in principal.scopes:
        raise Forbidden(
            f"This token lacks the scope {scope.value}.",
            code="insufficient_scope",
            headers={
                "WWW-Authenticate": f'{BEARER_CHALLENGE}, error="insufficient_scope", '
                f'scope="{scope.value}"'
            },
            extra={"scope": scope.value},
        )


def require_scope(scope: Scope) -> Callable[..., Awaitable[ClientPrincipal]]:
    async def dependency(request: Request, session: AuthSessionDep) -> ClientPrincipal:
        token = bearer_token(request)
        if not token:
            raise NotAuthenticated(
                "Send an agency bearer token (see /api/v1/oauth/token).",
                headers={"WWW-Authenticate": BEARER_CHALLENGE},
            )
        principal = await authenticate(request, session, token)
        _check_scope(principal, scope)
        return principal

    dependency.__name__ = f"require_scope_{scope.name}"
    return dependency


def agency_scope(scope: Scope) -> Callable[..., Awaitable[ClientPrincipal | None]]:
    async def dependency(request: Request, session: AuthSessionDep) -> ClientPrincipal | None:
        token = bearer_token(request)
        if token is None:
            return None
        principal = await authenticate(request, session, token)
        _check_scope(principal, scope)
        return principal

    dependency.__name__ = f"agency_scope_{scope.name}"
    return dependency


class AgencyRoute(APIRoute):
    """Adds the calling client's `RateLimit-*` headers to the answer, whatever its kind."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except AppError as exc:
                _add_headers(request, exc.headers)
                raise
            _add_headers(request, response.headers)
            return response

        return route_handler


def _add_headers(request: Request, headers: Any) -> None:
    state: RateLimitState | None = getattr(request.state, "agency_rate_limit", None)
    if state is not None:
        for name, value in state.headers().items():
            headers[name] = value
