"""Bearer tokens on the routes agencies call: validity, scopes and the per-client rate limit."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Scope
from tests.agency.factories import bearer, make_client, make_token

ROUTES = [
    ("/api/v1/catalogue/products", Scope.catalogue_read),
    ("/api/v1/catalogue/facets", Scope.catalogue_read),
    ("/api/v1/catalogue/changes", Scope.catalogue_read),
    ("/api/v1/statistics", Scope.statistics_read),
]


@pytest.mark.parametrize(("path", "scope"), ROUTES)
class TestPublicRoutes:
    async def test_without_token_unaffected(
        self, client: httpx.AsyncClient, path: str, scope: Scope
    ) -> None:
        response = await client.get(path)
        assert response.status_code == 200
        assert "ratelimit-limit" not in response.headers

    async def test_with_scope(
        self, db: AsyncSession, client: httpx.AsyncClient, path: str, scope: Scope
    ) -> None:
        agency, _ = await make_client(db, scopes=[scope], rate=50)
        response = await client.get(path, headers=bearer(await make_token(db, agency)))
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "50"
        assert response.headers["ratelimit-remaining"] == "49"
        assert 1 <= int(response.headers["ratelimit-reset"]) <= 60

    async def test_insufficient_scope(
        self, db: AsyncSession, client: httpx.AsyncClient, path: str, scope: Scope
    ) -> None:
        others = [s for s in Scope if s != scope]
        agency, _ = await make_client(db, scopes=others)
        response = await client.get(path, headers=bearer(await make_token(db, agency)))
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"
        assert scope.value in response.json()["detail"]
        assert response.json()["scope"] == scope.value

    async def test_invalid_token(self, client: httpx.AsyncClient, path: str, scope: Scope) -> None:
        response = await client.get(path, headers=bearer("not-a-token"))
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_expired_token(db: AsyncSession, client: httpx.AsyncClient) -> None:
    agency, _ = await make_client(db)
    token = await make_token(db, agency, expires_in=timedelta(seconds=-1))
    response = await client.get("/api/v1/statistics", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_revoked_client_token(db: AsyncSession, client: httpx.AsyncClient) -> None:
    agency, _ = await make_client(db, revoked=True)
    response = await client.get("/api/v1/statistics", headers=bearer(await make_token(db, agency)))
    assert response.status_code == 401


async def test_scope_removed_from_client_after_issue(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    agency, _ = await make_client(db)
    token = await make_token(db, agency)
    agency.scopes = [Scope.catalogue_read.value]
    await db.flush()
    response = await client.get("/api/v1/statistics", headers=bearer(token))
    assert response.status_code == 403


async def test_basic_authorization_on_public_route_ignored(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/statistics", headers={"Authorization": "Basic eDp5"})
    assert response.status_code == 200


class TestRateLimit:
    async def test_limit_per_client(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, _ = await make_client(db, rate=3)
        # the limit is the client's, across its tokens
        tokens = [await make_token(db, agency), await make_token(db, agency)]
        for i in range(3):
            response = await client.get("/api/v1/statistics", headers=bearer(tokens[i % 2]))
            assert response.status_code == 200
            assert response.headers["ratelimit-remaining"] == str(2 - i)
        limited = await client.get("/api/v1/statistics", headers=bearer(tokens[0]))
        assert limited.status_code == 429
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["ratelimit-limit"] == "3"
        assert limited.headers["ratelimit-remaining"] == "0"
        assert int(limited.headers["ratelimit-reset"]) >= 1
        # another client is unaffected, and so is the public
        other, _ = await make_client(db, rate=3)
        fine = await client.get("/api/v1/statistics", headers=bearer(await make_token(db, other)))
        assert fine.status_code == 200
        assert (await client.get("/api/v1/statistics")).status_code == 200
