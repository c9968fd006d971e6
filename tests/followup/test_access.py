"""Object-level access: the award's own applicants and admins; another enterprise's applicant
is told nothing exists; other staff are refused."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Role
from tests.catalogue.helpers import make_entry
from tests.factories.identity import make_org, make_user
from tests.followup.helpers import BASE, Setting, as_user, awarded, create, intention, project


@pytest.fixture
async def s(db: AsyncSession, client: httpx.AsyncClient) -> Setting:
    setting = await awarded(db)
    await as_user(client, setting.applicant)
    return setting


async def test_another_enterprise_is_told_nothing_exists(
    s: Setting, db: AsyncSession, client: httpx.AsyncClient
) -> None:
    record = (await create(client, s.award, "projects", project())).json()
    stranger = await make_user(db, Role.applicant)
    await as_user(client, stranger)
    missing_award = await client.get(f"{BASE}/awards/{uuid.uuid4()}")
    hidden_award = await client.get(f"{BASE}/awards/{s.award.id}")
    assert hidden_award.status_code == missing_award.status_code == 404
    assert hidden_award.json()["detail"] == missing_award.json()["detail"]
    assert (await create(client, s.award, "intentions", intention())).status_code == 404
    url = f"{BASE}/projects/{record['id']}"
    missing = await client.patch(
        f"{BASE}/projects/{uuid.uuid4()}", json={"site": "x"}, headers={"If-Match": "*"}
    )
    hidden = await client.patch(url, json={"site": "x"}, headers={"If-Match": record["etag"]})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"]
    assert (await client.delete(url)).status_code == 404
    listed = (await client.get(f"{BASE}/awards")).json()
    assert listed["items"] == []


@pytest.mark.parametrize("role", [Role.district_officer, Role.expert])
async def test_other_staff_are_refused(
    s: Setting, db: AsyncSession, client: httpx.AsyncClient, role: Role
) -> None:
    record = (await create(client, s.award, "projects", project())).json()
    await as_user(client, await make_user(db, role))
    assert (await client.get(f"{BASE}/awards/{s.award.id}")).status_code == 403
    edit = await client.patch(
        f"{BASE}/projects/{record['id']}", json={"site": "x"}, headers={"If-Match": record["etag"]}
    )
    assert edit.status_code == 403
    assert (await client.delete(f"{BASE}/projects/{record['id']}")).status_code == 403
    assert (await create(client, s.award, "projects", project())).status_code == 403
    assert (await client.get(f"{BASE}/awards")).status_code == 403


async def test_admins_read_and_correct_but_do_not_declare(
    s: Setting, client: httpx.AsyncClient
) -> None:
    record = (await create(client, s.award, "projects", project())).json()
    await as_user(client, s.admin)
    assert (await client.get(f"{BASE}/awards/{s.award.id}")).status_code == 200
    assert (await create(client, s.award, "projects", project())).status_code == 403
    edit = await client.patch(
        f"{BASE}/projects/{record['id']}",
        json={"site": "亦庄"},
        headers={"If-Match": record["etag"]},
    )
    assert edit.status_code == 200
    assert (await client.delete(f"{BASE}/projects/{record['id']}")).status_code == 403


async def test_award_list_scoped_with_counts(
    s: Setting, db: AsyncSession, client: httpx.AsyncClient
) -> None:
    second = await make_entry(db, org=s.org)
    elsewhere = await make_entry(db, org=await make_org(db))
    await create(client, s.award, "projects", project())
    await create(client, s.award, "intentions", intention())
    await create(client, s.award, "intentions", intention(buyer="另一买方"))
    body = (await client.get(f"{BASE}/awards")).json()
    by_id = {a["id"]: a for a in body["items"]}
    assert set(by_id) == {str(s.award.id), str(second.id)}
    first = by_id[str(s.award.id)]
    assert first["projects"] == {"total": 1, "unverified": 1}
    assert first["intentions"] == {"total": 2, "unverified": 2}
    assert first["policies"] == {"total": 0, "unverified": 0}
    assert first["product_name_zh"].startswith("目录测试装备")
    assert first["organization_name_zh"] == s.org.name_zh
    assert first["status"] == "valid"

    await as_user(client, s.admin)
    batch = await client.get(f"{BASE}/awards", params={"batch_id": str(elsewhere.batch_id)})
    assert [a["id"] for a in batch.json()["items"]] == [str(elsewhere.id)]
    page = await client.get(f"{BASE}/awards", params={"limit": 1})
    assert page.json()["next"]
    assert 'rel="next"' in page.headers["Link"]
    assert page.headers["Cache-Control"] == "private, no-store"
