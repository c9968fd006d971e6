"""The documented demo client (README, docs/integration.md) — demo data, never in production."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import hash_secret
from api.config import get_settings
from api.models import AgencyClient, ClientSecret, Organization, Scope

DEMO_CLIENT_ID = "demo-agency"
DEMO_CLIENT_SECRET = "demo-agency-secret-FirstSet-2021"  # noqa: S105 - documented demo data


async def load_demo_client(session: AsyncSession, organization: Organization) -> bool:
    """Add the demo client with every scope, unless present; True when added. Refused in
    production whatever `load_demo_in_production` says: its secret is public."""
    if get_settings().is_production:
        return False
    exists = await session.scalar(
        select(AgencyClient.id).where(AgencyClient.client_id == DEMO_CLIENT_ID)
    )
    if exists is not None:
        return False
    client = AgencyClient(
        client_id=DEMO_CLIENT_ID,
        name="市经信局数据平台(演示) EIT data platform (demo)",
        organization_id=organization.id,
        scopes=[s.value for s in Scope],
        allowed_networks=[],
        rate_limit_per_minute=600,
    )
    session.add(client)
    await session.flush()
    session.add(
        ClientSecret(
            client_id=client.id,
            secret_hash=hash_secret(DEMO_CLIENT_SECRET),
            hint=DEMO_CLIENT_SECRET[:6],
        )
    )
    await session.flush()
    return True
