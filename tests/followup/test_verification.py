"""Admins verify and unverify records (If-Match, audited); the enterprise's edit withdraws a
verification; the queue lists unverified records of every kind, oldest first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AuditEvent, DemonstrationProject, InsurancePolicy, PurchaseIntention
from tests.followup.helpers import (
    BASE,
    Setting,
    as_user,
    awarded,
    create,
    intention,
    policy,
    project,
)


@pytest.fixture
async def s(db: AsyncSession, client: httpx.AsyncClient) -> Setting:
    setting = await awarded(db)
    await as_user(client, setting.applicant)
    return setting


async def audit_actions(db: AsyncSession, object_id: str) -> list[AuditEvent]:
    return list(
        (
            await db.scalars(
                select(AuditEvent).where(AuditEvent.object_id == object_id).order_by(AuditEvent.id)
            )
        ).all()
    )


async def verify(client: httpx.AsyncClient, kind: str, record: dict[str, Any]) -> httpx.Response:
    return await client.post(
        f"{BASE}/{kind}/{record['id']}/verify", headers={"If-Match": record["etag"]}
    )


async def test_verify_unverify_and_the_edit_that_withdraws_it(
    s: Setting, db: AsyncSession, client: httpx.AsyncClient
) -> None:
    record = (await create(client, s.award, "projects", project())).json()
    assert record["verified"] is False
    await as_user(client, s.admin)
    url = f"{BASE}/projects/{record['id']}/verify"
    assert (await client.post(url)).status_code == 428
    assert (await client.post(url, headers={"If-Match": '"nope"'})).status_code == 412
    verified = await verify(client, "projects", record)
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["verified"] is True
    assert body["verified_by"] == str(s.admin.id)
    assert body["version"] == record["version"] + 1
    assert verified.headers["ETag"] == body["etag"]
    again = await verify(client, "projects", body)
    assert again.status_code == 409
    assert again.json()["code"] == "already_verified"

    short = await client.post(f"{BASE}/projects/{record['id']}/unverify", json={"reason": "x"})
    assert short.status_code == 422
    withdrawn = await client.post(
        f"{BASE}/projects/{record['id']}/unverify", json={"reason": "示范地点与合同不符"}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["verified"] is False
    not_verified = await client.post(
        f"{BASE}/projects/{record['id']}/unverify", json={"reason": "再次撤回核实"}
    )
    assert not_verified.json()["code"] == "not_verified"
    reverified = (await verify(client, "projects", withdrawn.json())).json()
    assert reverified["verified"] is True

    # the enterprise edits the verified record: the verification is withdrawn
    await as_user(client, s.applicant)
    edited = await client.patch(
        f"{BASE}/projects/{record['id']}",
        json={"stage": "completed"},
        headers={"If-Match": reverified["etag"]},
    )
    assert edited.status_code == 200
    assert edited.json()["verified"] is False
    assert edited.json()["verified_at"] is None

    events = await audit_actions(db, record["id"])
    assert [e.action for e in events] == [
        "demonstration_project.create",
        "demonstration_project.verify",
        "demonstration_project.unverify",
        "demonstration_project.verify",
        "demonstration_project.update",
    ]
    assert events[2].changes["note"] == "示范地点与合同不符"
    assert events[2].actor_id == s.admin.id
    last = events[-1]
    assert last.actor_id == s.applicant.id
    assert last.changes["stage"] == {"before": "in_demonstration", "after": "completed"}
    assert last.changes["verified_at"]["after"] is None
    assert "withdrawn" in last.changes["note"]


async def test_an_admin_correction_keeps_the_verification(
    s: Setting, db: AsyncSession, client: httpx.AsyncClient
) -> None:
    record = (await create(client, s.award, "intentions", intention())).json()
    await as_user(client, s.admin)
    verified = (await verify(client, "intentions", record)).json()
    corrected = await client.patch(
        f"{BASE}/intentions/{record['id']}",
        json={"amount_yuan": "12345678.00"},
        headers={"If-Match": verified["etag"]},
    )
    assert corrected.status_code == 200
    assert corrected.json()["verified"] is True
    assert corrected.json()["amount_yuan"] == "12345678.00"
    events = await audit_actions(db, record["id"])
    assert events[-1].action == "purchase_intention.update"
    assert events[-1].actor_id == s.admin.id
    assert events[-1].changes["amount_yuan"] == {"before": "12345678.90", "after": "12345678.00"}


async def test_delete_is_audited(s: Setting, db: AsyncSession, client: httpx.AsyncClient) -> None:
    record = (await create(client, s.award, "insurance-policies", policy())).json()
    await client.delete(f"{BASE}/insurance-policies/{record['id']}")
    events = await audit_actions(db, record["id"])
    assert [e.action for e in events] == ["insurance_policy.create", "insurance_policy.delete"]
    assert events[1].changes["policy_number"]["before"] == "PICC-2024-0001"


async def test_the_queue_lists_every_kind_oldest_first(
    s: Setting, db: AsyncSession, client: httpx.AsyncClient
) -> None:
    made = [
        (await create(client, s.award, "projects", project())).json(),
        (await create(client, s.award, "intentions", intention())).json(),
        (await create(client, s.award, "insurance-policies", policy())).json(),
        (await create(client, s.award, "intentions", intention(buyer="第二买方"))).json(),
    ]
    # one test transaction: now() is the same for every row, so spread them out
    for minutes, (model, m) in enumerate(
        zip(
            [DemonstrationProject, PurchaseIntention, InsurancePolicy, PurchaseIntention],
            made,
            strict=True,
        )
    ):
        await db.execute(
            update(model)
            .where(model.id == uuid.UUID(m["id"]))
            .values(created_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes))
        )
    await as_user(client, s.admin)
    await verify(client, "intentions", made[3])
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"{BASE}/queue", params=params)).json()
        seen.extend(page["items"])
        cursor = page["next"]
        if not cursor:
            break
    mine = [i for i in seen if i["award"]["id"] == str(s.award.id)]
    assert [i["record"]["id"] for i in mine] == [m["id"] for m in made[:3]]
    assert [i["record"]["kind"] for i in mine] == ["projects", "intentions", "insurance-policies"]
    first = mine[0]
    assert first["award"]["number"] == s.award.number
    assert first["award"]["organization_name_zh"] == s.org.name_zh
    assert first["record"]["expected_investment_yuan"] == "3500000.00"

    only = (await client.get(f"{BASE}/queue", params={"kind": "insurance-policies"})).json()
    assert {i["record"]["kind"] for i in only["items"]} == {"insurance-policies"}
    assert (await client.get(f"{BASE}/queue", params={"cursor": "%%%"})).status_code == 422


async def test_verify_route_checks_the_kind(s: Setting, client: httpx.AsyncClient) -> None:
    record = (await create(client, s.award, "projects", project())).json()
    await as_user(client, s.admin)
    wrong_kind = await client.post(
        f"{BASE}/intentions/{record['id']}/verify", headers={"If-Match": record["etag"]}
    )
    assert wrong_kind.status_code == 404
    unknown = await client.post(f"{BASE}/things/{record['id']}/verify", headers={"If-Match": "*"})
    assert unknown.status_code == 422
