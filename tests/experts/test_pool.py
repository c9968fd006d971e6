"""The expert pool: profiles, declared conflicts, availability per batch."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AuditEvent, BatchStatus, ExpertProfile, Role
from tests.experts.conftest import LoginAs
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import attest, make_assignment, make_expert
from tests.factories.identity import make_org, make_user


async def test_admin_creates_and_replaces_a_profile(db: AsyncSession, login_as: LoginAs) -> None:
    admin = await login_as(await make_user(db, Role.admin))
    employer = await make_org(db, name_zh="北京某研究院")
    user = await make_user(db, Role.expert)
    url = f"/api/v1/experts/{user.id}"
    created = await admin.put(
        url,
        json={
            "fields": ["integrated_circuits", "aerospace"],
            "employer_organization_id": str(employer.id),
            "title_zh": "研究员",
            "speciality": "刻蚀工艺",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["fields"] == ["integrated_circuits", "aerospace"]
    assert body["employer"]["name_zh"] == "北京某研究院"
    assert body["active"] is True
    assert body["active_load"] == 0
    assert body["conflicts"] == []

    replaced = await admin.put(url, json={"fields": ["transport"], "active": False})
    assert replaced.status_code == 200
    assert replaced.json()["fields"] == ["transport"]
    assert replaced.json()["employer"] is None
    assert replaced.json()["title_zh"] is None
    assert replaced.json()["active"] is False
    actions = (
        await db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "expert", AuditEvent.object_id == str(user.id))
            .order_by(AuditEvent.id)
        )
    ).all()
    assert actions == ["expert.create", "expert.update"]

    for bad in (
        {"fields": []},
        {"fields": ["astrology"]},
        {"fields": ["transport", "transport"]},
        {"fields": ["transport"], "employer_organization_id": str(uuid.uuid4())},
        {"fields": ["transport"], "unknown": True},
    ):
        assert (await admin.put(url, json=bad)).status_code == 422, bad

    applicant = await make_user(db, Role.applicant)
    not_expert = await admin.put(f"/api/v1/experts/{applicant.id}", json={"fields": ["transport"]})
    assert not_expert.status_code == 422
    assert not_expert.json()["errors"][0]["code"] == "not_expert"
    assert await db.get(ExpertProfile, applicant.id) is None
    missing = await admin.put(f"/api/v1/experts/{uuid.uuid4()}", json={"fields": ["transport"]})
    assert missing.status_code == 404


async def test_admin_lists_the_pool_with_loads(db: AsyncSession, login_as: LoginAs) -> None:
    admin = await login_as(await make_user(db, Role.admin))
    batch = await make_batch(db, status=BatchStatus.reviewing)
    org = await make_org(db)
    busy = await make_expert(db, fields=["aerospace"])
    idle = await make_expert(db, fields=["aerospace", "transport"])
    retired = await make_expert(db, fields=["aerospace"], active=False)
    for _ in range(2):
        application = await make_application(db, org, batch, field="aerospace")
        await make_assignment(db, application, busy)

    listed = await admin.get("/api/v1/experts", params={"field": "aerospace", "limit": 100})
    assert listed.status_code == 200
    by_id = {i["user_id"]: i for i in listed.json()["items"]}
    assert by_id[str(busy.id)]["active_load"] == 2
    assert by_id[str(idle.id)]["active_load"] == 0
    assert str(retired.id) in by_id
    active_only = await admin.get(
        "/api/v1/experts", params={"field": "transport", "active": "true", "limit": 100}
    )
    assert str(idle.id) in {i["user_id"] for i in active_only.json()["items"]}
    assert str(busy.id) not in {i["user_id"] for i in active_only.json()["items"]}
    inactive = await admin.get("/api/v1/experts", params={"active": "false", "limit": 100})
    assert str(retired.id) in {i["user_id"] for i in inactive.json()["items"]}
    assert str(idle.id) not in {i["user_id"] for i in inactive.json()["items"]}

    first = await admin.get("/api/v1/experts", params={"field": "aerospace", "limit": 1})
    second = await admin.get(
        "/api/v1/experts",
        params={"field": "aerospace", "limit": 1, "cursor": first.json()["next"]},
    )
    assert first.json()["items"][0]["user_id"] != second.json()["items"][0]["user_id"]
    detail = await admin.get(f"/api/v1/experts/{busy.id}")
    assert detail.json()["active_load"] == 2
    assert (await admin.get(f"/api/v1/experts/{uuid.uuid4()}")).status_code == 404


async def test_conflicts_by_admin_and_by_the_expert(db: AsyncSession, login_as: LoginAs) -> None:
    admin = await login_as(await make_user(db, Role.admin))
    former = await make_org(db)
    partner = await make_org(db)
    expert = await make_expert(db)
    client = await login_as(expert)

    own = await client.post(
        "/api/v1/experts/me/conflicts", json={"uscc": former.uscc, "reason": "原工作单位"}
    )
    assert own.status_code == 201, own.text
    assert own.json()["conflict"]["organization"]["id"] == str(former.id)
    assert own.json()["ended_assignments"] == 0
    both = await client.post(
        "/api/v1/experts/me/conflicts",
        json={"uscc": former.uscc, "organization_id": str(former.id), "reason": "x"},
    )
    assert both.status_code == 422
    unknown = await client.post(
        "/api/v1/experts/me/conflicts", json={"uscc": "9" * 18, "reason": "x"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "uscc"

    added = await admin.post(
        f"/api/v1/experts/{expert.id}/conflicts",
        json={"organization_id": str(partner.id), "reason": "合作研发"},
    )
    assert added.status_code == 201
    listed = (await admin.get(f"/api/v1/experts/{expert.id}/conflicts")).json()
    assert {c["organization"]["id"] for c in listed} == {str(former.id), str(partner.id)}
    me = (await client.get("/api/v1/experts/me")).json()
    assert {c["organization"]["id"] for c in me["conflicts"]} == {str(former.id), str(partner.id)}

    conflict_id = next(c["id"] for c in listed if c["organization"]["id"] == str(former.id))
    other = await make_expert(db)
    wrong_owner = await admin.delete(f"/api/v1/experts/{other.id}/conflicts/{conflict_id}")
    assert wrong_owner.status_code == 404
    deleted = await admin.delete(f"/api/v1/experts/{expert.id}/conflicts/{conflict_id}")
    assert deleted.status_code == 204
    remaining = (await admin.get(f"/api/v1/experts/{expert.id}/conflicts")).json()
    assert [c["organization"]["id"] for c in remaining] == [str(partner.id)]
    audit = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "expert.conflict_delete", AuditEvent.object_id == str(expert.id)
        )
    )
    assert audit is not None


async def test_an_expert_without_a_profile(db: AsyncSession, login_as: LoginAs) -> None:
    batch = await make_batch(db, status=BatchStatus.reviewing)
    client = await login_as(await make_user(db, Role.expert))
    me = await client.get("/api/v1/experts/me")
    assert me.status_code == 404
    assert me.json()["code"] == "no_expert_profile"
    sign = await client.post(f"/api/v1/batches/{batch.id}/attestation")
    assert sign.status_code == 404
    assert sign.json()["code"] == "no_expert_profile"


async def test_availability_and_the_batch_view_of_the_pool(
    db: AsyncSession, login_as: LoginAs
) -> None:
    admin = await login_as(await make_user(db, Role.admin))
    batch = await make_batch(db, status=BatchStatus.reviewing)
    away = await make_expert(db, fields=["frontier_equipment"])
    here = await make_expert(db, fields=["frontier_equipment"])
    await attest(db, batch, here)
    url = f"/api/v1/batches/{batch.id}/experts/{away.id}/availability"
    response = await admin.put(url, json={"available": False, "note": "出国访问"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "batch_id": str(batch.id),
        "expert_id": str(away.id),
        "available": False,
        "note": "出国访问",
    }
    pool = await admin.get(
        f"/api/v1/batches/{batch.id}/experts", params={"field": "frontier_equipment"}
    )
    by_id = {i["user_id"]: i for i in pool.json()["items"]}
    assert by_id[str(away.id)]["available"] is False
    assert by_id[str(away.id)]["availability_note"] == "出国访问"
    assert by_id[str(away.id)]["attested"] is False
    assert by_id[str(here.id)]["available"] is True
    assert by_id[str(here.id)]["attested"] is True
    assert by_id[str(here.id)]["signed_at"]
    unavailable = await admin.get(
        f"/api/v1/batches/{batch.id}/experts",
        params={"field": "frontier_equipment", "available": "false"},
    )
    assert [i["user_id"] for i in unavailable.json()["items"]] == [str(away.id)]

    back = await admin.put(url, json={"available": True})
    assert back.json()["available"] is True
    assert back.json()["note"] is None
    assert (
        await admin.put(
            f"/api/v1/batches/{batch.id}/experts/{uuid.uuid4()}/availability",
            json={"available": True},
        )
    ).status_code == 404
    batch.status = BatchStatus.announced
    await db.flush()
    late = await admin.put(url, json={"available": False})
    assert late.status_code == 409
    assert late.json()["current_state"] == "announced"
