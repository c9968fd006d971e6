from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.batches.service import TRANSITIONS, BatchAction
from api.models import AuditEvent, BatchStatus, Role
from tests.auth.test_router import assert_problem
from tests.factories.identity import logged_in
from tests.publicity.helpers import meet_publicity_guards

BATCH = {
    "year": 2031,
    "sequence": 1,
    "title_zh": "2031年第一批首台(套)重大技术装备",
    "title_en": "2031 first batch",
    "opens_at": "2031-03-01T00:00:00+08:00",
    "closes_at": "2031-04-30T17:00:00+08:00",
}


@pytest.fixture
async def admin(db: AsyncSession, client: httpx.AsyncClient) -> httpx.AsyncClient:
    await logged_in(db, client, Role.admin)
    return client


async def test_create_with_defaults(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/api/v1/batches", json=BATCH)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert body["publicity_working_days"] == 5
    assert body["reviewers_per_application"] == 5
    assert "integrated_circuits" in body["fields"]
    assert "new_infrastructure" not in body["fields"]
    assert body["accepting_applications"] is False
    duplicate = await admin.post("/api/v1/batches", json=BATCH)
    assert assert_problem(duplicate, 422, "validation_error")["errors"][0]["code"] == "batch_exists"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"closes_at": "2031-02-01T00:00:00+08:00"}, "body"),
        ({"fields": ["underwater"]}, "fields.0"),
        ({"fields": []}, "fields"),
        ({"publicity_working_days": 0}, "publicity_working_days"),
    ],
)
async def test_invalid_batches(admin: httpx.AsyncClient, change: dict, field: str) -> None:
    body = assert_problem(
        await admin.post("/api/v1/batches", json={**BATCH, **change}), 422, "validation_error"
    )
    assert body["errors"][0]["field"].startswith(field.split(".")[0])


async def test_walk_the_whole_lifecycle(db: AsyncSession, admin: httpx.AsyncClient) -> None:
    batch_id = (await admin.post("/api/v1/batches", json=BATCH)).json()["id"]
    for action in BatchAction:
        await meet_publicity_guards(db, batch_id, action)
        _source, target = TRANSITIONS[action]
        response = await admin.post(f"/api/v1/batches/{batch_id}/transitions/{action.value}")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target.value
    assert response.json()["status"] == BatchStatus.archived
    actions = (
        await db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == batch_id)
            .order_by(AuditEvent.id)
        )
    ).all()
    moves = ["batch.create"] + [f"batch.{a.value}" for a in BatchAction]
    # the moves' hooks audit their own work on the batch (rubric, publicity window) in between
    assert [a for a in actions if a in moves] == moves


@pytest.mark.parametrize("action", [a for a in BatchAction if a is not BatchAction.open])
async def test_illegal_transitions_name_the_current_state(
    admin: httpx.AsyncClient, action: BatchAction
) -> None:
    batch_id = (await admin.post("/api/v1/batches", json=BATCH)).json()["id"]
    response = await admin.post(f"/api/v1/batches/{batch_id}/transitions/{action.value}")
    body = assert_problem(response, 409, "invalid_transition")
    assert body["current_state"] == "draft"
    assert "draft" in body["detail"]


async def test_edit_only_while_draft_or_open(admin: httpx.AsyncClient) -> None:
    batch_id = (await admin.post("/api/v1/batches", json=BATCH)).json()["id"]
    url = f"/api/v1/batches/{batch_id}"
    assert (await admin.patch(url, json={"title_en": "Renamed"})).json()["title_en"] == "Renamed"
    body = assert_problem(
        await admin.patch(url, json={"closes_at": "2031-01-01T00:00:00Z"}), 422, "validation_error"
    )
    assert body["errors"][0]["field"] == "closes_at"
    await admin.post(f"{url}/transitions/open")
    await admin.post(f"{url}/transitions/close")
    assert_problem(await admin.patch(url, json={"title_en": "Late"}), 409, "invalid_state")


async def test_public_list_hides_drafts(db: AsyncSession, admin: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    draft = (await admin.post("/api/v1/batches", json=BATCH)).json()
    opened = (await admin.post("/api/v1/batches", json={**BATCH, "sequence": 2})).json()
    await admin.post(f"/api/v1/batches/{opened['id']}/transitions/open")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50100))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as public:
        listed = await public.get("/api/v1/batches")
        ids = [b["id"] for b in listed.json()["items"]]
        assert opened["id"] in ids
        assert draft["id"] not in ids
        assert listed.headers["cache-control"].startswith("public")
        assert (await public.get(f"/api/v1/batches/{draft['id']}")).status_code == 404
        assert_problem(
            await public.get("/api/v1/batches", params={"include_drafts": True}), 403, "forbidden"
        )
    with_drafts = (await admin.get("/api/v1/batches", params={"include_drafts": True})).json()
    assert draft["id"] in [b["id"] for b in with_drafts["items"]]
