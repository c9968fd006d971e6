"""The public sees verified projects the enterprise agreed to publish, without money or notes."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.followup.helpers import BASE, as_user, awarded, create, project


async def test_only_verified_public_projects_without_money(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    s = await awarded(db)
    await as_user(client, s.applicant)
    shown = (await create(client, s.award, "projects", project(site="亦庄"))).json()
    private = (await create(client, s.award, "projects", project(public=False))).json()
    await create(client, s.award, "projects", project(site="未核实"))
    await as_user(client, s.admin)
    for record in (shown, private):
        response = await client.post(
            f"{BASE}/projects/{record['id']}/verify", headers={"If-Match": record["etag"]}
        )
        assert response.status_code == 200
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)

    response = await client.get(f"{BASE}/public/projects", params={"award_id": str(s.award.id)})
    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body] == [shown["id"]]
    assert set(body[0]) == {
        "id",
        "award_id",
        "user_enterprise",
        "site",
        "stage",
        "starts_on",
        "ends_on",
    }
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    cached = await client.get(
        f"{BASE}/public/projects",
        params={"award_id": str(s.award.id)},
        headers={"If-None-Match": etag},
    )
    assert cached.status_code == 304
    assert (await client.get(f"{BASE}/public/projects")).status_code == 422
