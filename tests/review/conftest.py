from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import User
from tests.factories.identity import login

_ports = itertools.count(53000)

LoginAs = Callable[[User], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def login_as(app: FastAPI, db: AsyncSession) -> AsyncIterator[LoginAs]:
    """A logged-in client of its own per user, as several people use the system at once."""
    clients: list[httpx.AsyncClient] = []

    async def open_client(user: User) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", next(_ports)))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        response = await login(client, user.email)
        assert response.status_code == 200, response.text
        return client

    yield open_client
    for client in clients:
        await client.aclose()
