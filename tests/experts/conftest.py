from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from api.models import User
from tests.factories.identity import login

LoginAs = Callable[[User], Awaitable[httpx.AsyncClient]]
_ports = itertools.count(52000)


@pytest.fixture
async def login_as(app: FastAPI) -> AsyncIterator[LoginAs]:
    """A logged-in client of its own per user, for tests with several actors."""
    clients: list[httpx.AsyncClient] = []

    async def make(user: User) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", next(_ports) % 60000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        response = await login(client, user.email)
        assert response.status_code == 200, response.text
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
