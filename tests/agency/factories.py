"""Agency clients and their tokens, made directly in the database."""

from __future__ import annotations

import base64
import itertools
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import hash_secret
from api.models import AccessToken, AgencyClient, ClientSecret, OrganizationKind, Scope
from tests.factories.identity import make_org

_serial = itertools.count(1)


async def make_client(
    db: AsyncSession,
    *,
    scopes: list[Scope] | None = None,
    networks: list[str] | None = None,
    rate: int = 600,
    revoked: bool = False,
) -> tuple[AgencyClient, str]:
    """A client and its secret."""
    org = await make_org(db, kind=OrganizationKind.agency, district=None)
    client = AgencyClient(
        client_id=f"test-client-{next(_serial)}-{secrets.token_hex(3)}",
        name="测试客户端 Test client",
        organization_id=org.id,
        scopes=[s.value for s in (scopes if scopes is not None else list(Scope))],
        allowed_networks=networks or [],
        rate_limit_per_minute=rate,
        revoked_at=datetime.now(UTC) if revoked else None,
    )
    db.add(client)
    await db.flush()
    secret = secrets.token_urlsafe(32)
    db.add(ClientSecret(client_id=client.id, secret_hash=hash_secret(secret), hint=secret[:6]))
    await db.flush()
    return client, secret


async def make_token(
    db: AsyncSession,
    client: AgencyClient,
    *,
    scopes: list[Scope] | None = None,
    expires_in: timedelta = timedelta(minutes=15),
) -> str:
    token = secrets.token_urlsafe(32)
    db.add(
        AccessToken(
            client_id=client.id,
            token_hash=hash_secret(token),
            scopes=[s.value for s in scopes] if scopes is not None else list(client.scopes),
            expires_at=datetime.now(UTC) + expires_in,
        )
    )
    await db.flush()
    return token


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
