"""The admins' management of agency clients: create, read, edit, rotate, revoke."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import hash_secret
from api.models import AccessToken, AuditEvent, OrganizationKind, Role
from tests.agency.factories import basic, bearer, make_client, make_token
from tests.factories.identity import logged_in, make_org

CLIENTS = "/api/v1/agency/clients"
GRANT = {"grant_type": "client_credentials"}


async def admin(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await logged_in(db, client, Role.admin)


async def create(db: AsyncSession, client: httpx.AsyncClient, **extra: object) -> dict:
    org = await make_org(db, kind=OrganizationKind.agency, district=None)
    body = {
        "name": "统计局数据平台",
        "organization_id": str(org.id),
        "scopes": ["statistics:read", "catalogue:read", "catalogue:read"],
        **extra,
    }
    response = await client.post(CLIENTS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def audit_actions(db: AsyncSession, object_id: str) -> list[str]:
    rows = await db.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == object_id).order_by(AuditEvent.id)
    )
    return list(rows)


class TestCreate:
    async def test_secret_shown_once_and_stored_hashed(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await admin(db, client)
        created = await create(db, client, allowed_networks=["10.1.2.3", "10.2.0.0/16"])
        secret = created["client_secret"]
        agency = created["client"]
        assert agency["client_id"].startswith("fs-")
        assert agency["scopes"] == ["catalogue:read", "statistics:read"]
        assert agency["allowed_networks"] == ["10.1.2.3/32", "10.2.0.0/16"]
        assert agency["rate_limit_per_minute"] == 600
        assert [s["hint"] for s in agency["secrets"]] == [secret[:6]]
        read = await client.get(f"{CLIENTS}/{agency['id']}")
        assert read.status_code == 200
        assert secret not in read.text
        assert read.headers["cache-control"] == "private, no-store"
        assert read.headers["etag"] == f'"{agency["id"]}-v1"'
        listed = (await client.get(CLIENTS)).json()["items"]
        assert agency["id"] in [c["id"] for c in listed]
        assert await audit_actions(db, agency["id"]) == ["agency_client.create"]
        # the secret works from an allowed network only; the test client is 127.0.0.1
        token = await client.post(
            TOKEN_PATH, data=GRANT, headers=basic(agency["client_id"], secret)
        )
        assert token.json()["error"] == "invalid_client"
        assert hash_secret(secret) != secret.encode()

    async def test_secret_obtains_token(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await admin(db, client)
        created = await create(db, client)
        token = await client.post(
            TOKEN_PATH,
            data=GRANT,
            headers=basic(created["client"]["client_id"], created["client_secret"]),
        )
        assert token.status_code == 200
        assert token.json()["scope"] == "catalogue:read statistics:read"

    async def test_organisation_must_be_an_agency(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await admin(db, client)
        org = await make_org(db, kind=OrganizationKind.enterprise)
        response = await client.post(
            CLIENTS,
            json={"name": "x y", "organization_id": str(org.id), "scopes": ["catalogue:read"]},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "organization_id"

    async def test_invalid_input(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await admin(db, client)
        org = await make_org(db, kind=OrganizationKind.agency, district=None)
        base = {"name": "客户端", "organization_id": str(org.id), "scopes": ["catalogue:read"]}
        for bad in (
            {"scopes": []},
            {"scopes": ["everything"]},
            {"allowed_networks": ["not-a-network"]},
            {"rate_limit_per_minute": 0},
        ):
            response = await client.post(CLIENTS, json={**base, **bad})
            assert response.status_code == 422, bad


class TestUpdate:
    async def test_if_match(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await admin(db, client)
        agency = (await create(db, client))["client"]
        url = f"{CLIENTS}/{agency['id']}"
        patch = {"scopes": ["awards:read"], "rate_limit_per_minute": 30, "allowed_networks": []}
        assert (await client.patch(url, json=patch)).status_code == 428
        stale = await client.patch(url, json=patch, headers={"If-Match": '"x-v0"'})
        assert stale.status_code == 412
        etag = (await client.get(url)).headers["etag"]
        response = await client.patch(url, json=patch, headers={"If-Match": etag})
        assert response.status_code == 200, response.text
        assert response.json()["scopes"] == ["awards:read"]
        assert response.json()["rate_limit_per_minute"] == 30
        assert response.json()["version"] == 2
        assert response.headers["etag"] != etag
        assert await audit_actions(db, agency["id"]) == [
            "agency_client.create",
            "agency_client.update",
        ]

    async def test_revoked_client_cannot_be_edited(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await admin(db, client)
        agency, _ = await make_client(db, revoked=True)
        response = await client.patch(
            f"{CLIENTS}/{agency.id}", json={"name": "新名称"}, headers={"If-Match": "*"}
        )
        assert response.status_code == 409
        assert response.json()["code"] == "client_revoked"


class TestRotate:
    async def test_overlap(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await admin(db, client)
        created = await create(db, client)
        agency, old = created["client"], created["client_secret"]
        rotated = await client.post(
            f"{CLIENTS}/{agency['id']}/rotate-secret", json={"overlap_hours": 24}
        )
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["client_secret"]
        assert new != old
        secrets = rotated.json()["client"]["secrets"]
        assert [s["hint"] for s in secrets] == [new[:6], old[:6]]
        assert secrets[0]["expires_at"] is None
        assert secrets[1]["expires_at"] is not None
        for secret in (old, new):  # both work during the overlap
            token = await client.post(
                TOKEN_PATH, data=GRANT, headers=basic(agency["client_id"], secret)
            )
            assert token.status_code == 200
        assert "agency_client.rotate_secret" in await audit_actions(db, agency["id"])

    async def test_no_overlap(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await admin(db, client)
        created = await create(db, client)
        agency, old = created["client"], created["client_secret"]
        rotated = await client.post(
            f"{CLIENTS}/{agency['id']}/rotate-secret", json={"overlap_hours": 0}
        )
        assert len(rotated.json()["client"]["secrets"]) == 1
        token = await client.post(TOKEN_PATH, data=GRANT, headers=basic(agency["client_id"], old))
        assert token.status_code == 401


class TestRevoke:
    async def test_revoke(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await admin(db, client)
        agency, secret = await make_client(db)
        token = await make_token(db, agency)
        response = await client.post(f"{CLIENTS}/{agency.id}/revoke")
        assert response.status_code == 200
        assert response.json()["revoked_at"] is not None
        assert (await client.get("/api/v1/statistics", headers=bearer(token))).status_code == 401
        again = await client.post(TOKEN_PATH, data=GRANT, headers=basic(agency.client_id, secret))
        assert again.status_code == 401
        left = await db.scalars(select(AccessToken).where(AccessToken.client_id == agency.id))
        assert list(left) == []
        assert (await client.post(f"{CLIENTS}/{agency.id}/revoke")).status_code == 409
        assert await audit_actions(db, str(agency.id)) == ["agency_client.revoke"]

    async def test_missing(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await admin(db, client)
        response = await client.post(f"{CLIENTS}/{uuid.uuid4()}/revoke")
        assert response.status_code == 404


async def test_agency_token_is_not_an_admin(db: AsyncSession, client: httpx.AsyncClient) -> None:
    agency, _ = await make_client(db)
    response = await client.get(CLIENTS, headers=bearer(await make_token(db, agency)))
    assert response.status_code == 401


TOKEN_PATH = "/api/v1/oauth/token"
