"""Agency callers: OAuth2 bearer tokens and the scopes they carry.

The interface other domains build on (the implementation is the agency domain's):
- `ClientPrincipal`: who is calling, with its granted scopes;
- `require_scope(scope)`: a dependency for routes only agency clients call — 401 without a
  valid token, 403 naming the scope when the token lacks it;
- `agency_scope(scope)`: for routes the public or staff call too — no bearer token, nothing is
  checked; a bearer token must be valid and carry the scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from api.models import Scope


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    id: uuid.UUID  # agency_client.id
    client_id: str  # the public OAuth2 client_id
    name: str
    organization_id: uuid.UUID
    scopes: frozenset[str]
    rate_limit_per_minute: int


def require_scope(scope: Scope) -> Callable[..., Awaitable[ClientPrincipal]]:
    raise NotImplementedError


def agency_scope(scope: Scope) -> Callable[..., Awaitable[ClientPrincipal | None]]:
    raise NotImplementedError
