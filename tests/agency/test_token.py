"""POST /api/v1/oauth/token: the client credentials grant and its RFC 6749 §5.2 errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import hash_secret
from api.models import AccessToken, ClientSecret, Scope
from tests.agency.factories import basic, bearer, make_client, make_token

TOKEN = "/api/v1/oauth/token"
GRANT = {"grant_type": "client_credentials"}


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


class TestGrant:
    async def test_basic_credentials(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db, scopes=[Scope.catalogue_read, Scope.awards_read])
        response = await client.post(TOKEN, data=GRANT, headers=basic(agency.client_id, secret))
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 900
        assert body["scope"] == "catalogue:read awards:read"
        stored = await db.scalar(
            select(AccessToken).where(AccessToken.token_hash == hash_secret(body["access_token"]))
        )
        assert stored is not None
        assert stored.client_id == agency.id
        lifetime = stored.expires_at - datetime.now(UTC)
        assert timedelta(seconds=890) < lifetime <= timedelta(seconds=900)

    async def test_body_credentials(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db)
        response = await client.post(
            TOKEN, data={**GRANT, "client_id": agency.client_id, "client_secret": secret}
        )
        assert response.status_code == 200, response.text
        assert response.json()["scope"].split() == [s.value for s in Scope]

    async def test_narrower_scope(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db)
        response = await client.post(
            TOKEN,
            data={**GRANT, "scope": "statistics:read  catalogue:read"},
            headers=basic(agency.client_id, secret),
        )
        assert response.json()["scope"] == "catalogue:read statistics:read"
        narrow = await client.post(
            TOKEN,
            data={**GRANT, "scope": "catalogue:read"},
            headers=basic(agency.client_id, secret),
        )
        token = narrow.json()["access_token"]
        catalogue = await client.get("/api/v1/catalogue/products", headers=bearer(token))
        assert catalogue.status_code == 200
        stats = await client.get("/api/v1/statistics", headers=bearer(token))
        assert stats.status_code == 403
        assert stats.json()["code"] == "insufficient_scope"

    async def test_scope_not_granted(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db, scopes=[Scope.catalogue_read])
        response = await client.post(
            TOKEN,
            data={**GRANT, "scope": "catalogue:read statistics:read"},
            headers=basic(agency.client_id, secret),
        )
        assert_oauth_error(response, 400, "invalid_scope")
        assert "statistics:read" in response.json()["error_description"]

    async def test_basic_credentials_are_form_decoded(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        agency, secret = await make_client(db)
        # RFC 6749 §2.3.1: "-" and "_" survive form-encoding, "+" would not: encode explicitly
        response = await client.post(
            TOKEN, data=GRANT, headers=basic(agency.client_id.replace("-", "%2D"), secret)
        )
        assert response.status_code == 200


class TestErrors:
    async def test_wrong_secret_by_basic(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, _ = await make_client(db)
        response = await client.post(TOKEN, data=GRANT, headers=basic(agency.client_id, "wrong"))
        assert_oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"].startswith("Basic")

    async def test_wrong_secret_in_body(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, _ = await make_client(db)
        response = await client.post(
            TOKEN, data={**GRANT, "client_id": agency.client_id, "client_secret": "wrong"}
        )
        # Body credentials too: every failed client authentication is a 401 with a challenge.
        assert_oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"].startswith("Basic")

    async def test_unknown_client(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        response = await client.post(TOKEN, data=GRANT, headers=basic("nobody", "x"))
        assert_oauth_error(response, 401, "invalid_client")

    async def test_revoked_client(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db, revoked=True)
        response = await client.post(TOKEN, data=GRANT, headers=basic(agency.client_id, secret))
        assert_oauth_error(response, 401, "invalid_client")

    async def test_expired_secret(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db)
        old = await db.scalar(select(ClientSecret).where(ClientSecret.client_id == agency.id))
        assert old is not None
        old.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        await db.flush()
        response = await client.post(TOKEN, data=GRANT, headers=basic(agency.client_id, secret))
        assert_oauth_error(response, 401, "invalid_client")

    async def test_no_credentials(self, client: httpx.AsyncClient) -> None:
        response = await client.post(TOKEN, data=GRANT)
        assert_oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"].startswith("Basic")

    async def test_both_methods(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db)
        response = await client.post(
            TOKEN,
            data={**GRANT, "client_id": agency.client_id, "client_secret": secret},
            headers=basic(agency.client_id, secret),
        )
        assert_oauth_error(response, 400, "invalid_request")

    async def test_missing_grant_type(self, client: httpx.AsyncClient) -> None:
        assert_oauth_error(await client.post(TOKEN, data={}), 400, "invalid_request")
        assert_oauth_error(await client.post(TOKEN, json=GRANT), 400, "invalid_request")

    async def test_unsupported_grant_type(self, client: httpx.AsyncClient) -> None:
        response = await client.post(TOKEN, data={"grant_type": "password"})
        assert_oauth_error(response, 400, "unsupported_grant_type")

    async def test_network_not_allowed(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db, networks=["10.0.0.0/8"])
        response = await client.post(TOKEN, data=GRANT, headers=basic(agency.client_id, secret))
        assert_oauth_error(response, 401, "invalid_client")
        token = await make_token(db, agency)
        used = await client.get("/api/v1/catalogue/products", headers=bearer(token))
        assert used.status_code == 403
        assert used.json()["code"] == "network_not_allowed"

    async def test_network_allowed(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        agency, secret = await make_client(db, networks=["10.0.0.0/8", "127.0.0.0/24"])
        response = await client.post(TOKEN, data=GRANT, headers=basic(agency.client_id, secret))
        assert response.status_code == 200
