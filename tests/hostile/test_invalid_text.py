"""The NUL character (U+0000) in free text: valid in JSON and in forms, impossible to store in
PostgreSQL. Every write carrying one is refused with a 422 problem and leaves nothing behind.

These requests really commit or roll back (the committing app), as in production: the refusal
comes from the database, and the rolled-back test transaction would hide what is left."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.models import Application, Objection, Role, User
from tests.applications.helpers import complete_content, make_open_batch
from tests.auth.test_router import registration
from tests.factories.applications import make_application
from tests.factories.identity import login, make_org, make_user
from tests.hostile.conftest import assert_problem
from tests.publicity.helpers import know_calendar_years, make_publicity

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]
_ports = itertools.count(58000)


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", next(_ports)))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_nul_character_in_application_text(committing_app: Committing) -> None:
    app, sessions = committing_app
    async with sessions() as db, db.begin():
        org = await make_org(db)
        user = await make_user(db, Role.applicant, org=org)
        application = await make_application(db, org, await make_open_batch(db))
    async with _client(app) as client:
        assert (await login(client, user.email)).status_code == 200
        created = await client.post(
            "/api/v1/applications",
            json={
                "batch_id": str(application.batch_id),
                **complete_content(summary_zh="简介\x00"),
            },
        )
        assert assert_problem(created, 422)["code"] == "invalid_text"
        etag = (await client.get(f"/api/v1/applications/{application.id}")).headers["etag"]
        patched = await client.patch(
            f"/api/v1/applications/{application.id}",
            json={
                "product_name_zh": "装备\x00名称",
                "indicators": [{"indicator": "精度\x00", "own_value": "1"}],
            },
            headers={"If-Match": etag},
        )
        assert assert_problem(patched, 422)["code"] == "invalid_text"
    async with sessions() as db:
        rows = (
            await db.scalars(select(Application).where(Application.organization_id == org.id))
        ).all()
        assert [(a.id, a.version) for a in rows] == [(application.id, 1)]


async def test_nul_character_in_a_registration(committing_app: Committing) -> None:
    app, sessions = committing_app
    body = registration(email=f"nul-{uuid.uuid4().hex[:8]}@example.cn", display_name="李\x00华")
    async with _client(app) as client:
        response = await client.post("/api/v1/auth/register", json=body)
    assert_problem(response, 422)
    async with sessions() as db:
        assert await db.scalar(select(func.count()).where(User.email == body["email"])) == 0


async def test_nul_character_in_an_objection(committing_app: Committing) -> None:
    app, sessions = committing_app
    async with sessions() as db, db.begin():
        await know_calendar_years(db)
        p = await make_publicity(db)
    form: dict[str, Any] = {
        "application_id": str(p.shortlisted[0].id),
        "objector_name": "钱\x00七",
        "objector_phone": "13800138000",
        "statement": "异议内容含有空字符\x00，不应导致服务器错误。该产品不符合要求。",
    }
    async with _client(app) as client:
        response = await client.post(f"/api/v1/publicity/{p.batch.id}/objections", data=form)
    assert_problem(response, 422)
    async with sessions() as db:
        stored = await db.scalar(
            select(func.count()).select_from(Objection).where(Objection.batch_id == p.batch.id)
        )
        assert stored == 0
