"""Races across real connections: every request of these tests runs in a transaction of its own
that really commits (the `committing_app` fixture), so locks, constraints and isolation levels
decide the outcome as they would in production."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories.identity import login

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]
ClientFor = Callable[..., Awaitable[httpx.AsyncClient]]

_ports = itertools.count(57000)


@pytest.fixture
async def client_for(committing_app: Committing) -> AsyncIterator[ClientFor]:
    """`await client_for(email)`: a client of the committing app, logged in as `email` (anonymous
    when None), from `address` (127.0.0.1 unless given)."""
    app = committing_app[0]
    clients: list[httpx.AsyncClient] = []

    async def make(email: str | None = None, address: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, next(_ports) % 65000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60)
        clients.append(client)
        if email is not None:
            response = await login(client, email)
            assert response.status_code == 200, response.text
        return client

    yield make
    for client in clients:
        await client.aclose()


def is_problem(response: httpx.Response, status: int, code: str) -> bool:
    """The answer is an RFC 9457 problem document with this status and code."""
    return (
        response.status_code == status
        and response.headers.get("content-type", "").startswith("application/problem+json")
        and response.json().get("code") == code
        and response.json().get("status") == status
    )
