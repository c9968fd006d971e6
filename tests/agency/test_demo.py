from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, load_demo_client
from api.config import Environment, get_settings
from api.models import AgencyClient, OrganizationKind
from tests.agency.factories import basic
from tests.factories.identity import make_org


async def test_demo_client_is_idempotent(db: AsyncSession, client: httpx.AsyncClient) -> None:
    org = await make_org(db, kind=OrganizationKind.agency, district=None)
    await load_demo_client(db, org)
    assert not await load_demo_client(db, org)
    count = await db.scalar(select(func.count()).where(AgencyClient.client_id == DEMO_CLIENT_ID))
    assert count == 1
    response = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    )
    assert response.status_code == 200


async def test_never_in_production(db: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    org = await make_org(db, kind=OrganizationKind.agency, district=None)
    monkeypatch.setattr(get_settings(), "environment", Environment.production)
    monkeypatch.setattr(get_settings(), "load_demo_in_production", True)
    assert not await load_demo_client(db, org)
