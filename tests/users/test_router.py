from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AuditEvent, OrganizationKind, Role, UserSession
from tests.auth.test_router import assert_problem
from tests.factories.identity import PASSWORD, logged_in, login, make_org, make_user


async def admin_client(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await logged_in(db, client, Role.admin)


async def test_create_user_with_roles(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await admin_client(db, client)
    office = await make_org(db, kind=OrganizationKind.district_office)
    response = await client.post(
        "/api/v1/users",
        json={
            "email": "Officer@Example.cn",
            "display_name": "区审核员",
            "password": PASSWORD,
            "roles": [{"role": "district_officer", "organization_id": str(office.id)}],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "officer@example.cn"
    assert body["roles"] == [
        {
            "role": "district_officer",
            "organization_id": str(office.id),
            "organization_name_zh": office.name_zh,
            "organization_name_en": office.name_en,
            "district": "haidian",
        }
    ]
    event = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.object_id == body["id"]
        )
    )
    assert event is not None
    assert "password" not in str(event.changes)
    assert (await login(client, "officer@example.cn")).status_code == 200


async def test_role_must_fit_organisation_kind(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await admin_client(db, client)
    enterprise = await make_org(db)
    response = await client.post(
        "/api/v1/users",
        json={
            "email": "x@example.cn",
            "display_name": "X",
            "password": PASSWORD,
            "roles": [{"role": "district_officer", "organization_id": str(enterprise.id)}],
        },
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "roles.0.role"


async def test_list_search_and_pages(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await admin_client(db, client)
    for i in range(3):
        await make_user(db, Role.expert, email=f"pager{i}@example.cn")
    first = (await client.get("/api/v1/users", params={"q": "pager", "limit": 2})).json()
    assert [u["email"] for u in first["items"]] == ["pager0@example.cn", "pager1@example.cn"]
    second = (
        await client.get(
            "/api/v1/users", params={"q": "pager", "limit": 2, "cursor": first["next"]}
        )
    ).json()
    assert [u["email"] for u in second["items"]] == ["pager2@example.cn"]
    assert second["next"] is None
    experts = (await client.get("/api/v1/users", params={"role": "expert", "q": "pager"})).json()
    assert len(experts["items"]) == 3


async def test_deactivate_ends_sessions(db: AsyncSession, app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    target = await make_user(db, Role.applicant)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as victim:
        assert (await login(victim, target.email)).status_code == 200
        await admin_client(db, client)
        response = await client.post(f"/api/v1/users/{target.id}/deactivate")
        assert response.status_code == 200
        assert response.json()["is_active"] is False
        assert_problem(await victim.get("/api/v1/auth/me"), 401, "session_expired")
    revoked = (
        await db.scalars(select(UserSession.revoked_at).where(UserSession.user_id == target.id))
    ).all()
    assert revoked
    assert all(r is not None for r in revoked)


async def test_cannot_deactivate_self(db: AsyncSession, client: httpx.AsyncClient) -> None:
    admin = await logged_in(db, client, Role.admin)
    assert_problem(
        await client.post(f"/api/v1/users/{admin.id}/deactivate"), 422, "validation_error"
    )


async def test_revoke_sessions_and_set_roles(db: AsyncSession, client: httpx.AsyncClient) -> None:
    target = await make_user(db, Role.applicant)
    await admin_client(db, client)
    agency = await make_org(db, kind=OrganizationKind.agency, district=None)
    response = await client.put(
        f"/api/v1/users/{target.id}/roles",
        json=[
            {"role": "agency_officer", "organization_id": str(agency.id)},
        ],
    )
    assert response.status_code == 200, response.text
    assert [r["role"] for r in response.json()["roles"]] == ["agency_officer"]
    assert (await client.post(f"/api/v1/users/{target.id}/revoke-sessions")).status_code == 204
    actions = (
        await db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(target.id)))
    ).all()
    assert {"user.set_roles", "user.revoke_sessions"} <= set(actions)


async def test_unknown_user_is_404(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await admin_client(db, client)
    assert_problem(
        await client.get("/api/v1/users/00000000-0000-4000-8000-000000000000"), 404, "not_found"
    )
    assert_problem(await client.get("/api/v1/users/not-a-uuid"), 422, "validation_error")
