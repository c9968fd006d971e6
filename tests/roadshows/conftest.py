"""Fixtures of the roadshow tests: an admin client of its own (the `client` fixture stays
anonymous, as the public is)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Role
from tests.factories.identity import login, make_user


@pytest.fixture
async def admin(app: FastAPI, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    user = await make_user(db, Role.admin)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50200))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await login(client, user.email)).status_code == 200
        yield client
