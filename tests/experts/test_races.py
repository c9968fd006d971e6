"""Races across real connections (committing app): draws at once, first reads of a rubric and
double-clicked signatures."""

from __future__ import annotations

import asyncio
import itertools

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.models import (
    AssignmentStatus,
    ExpertAttestation,
    ReviewAssignment,
    Role,
    RubricCriterion,
)
from tests.experts.helpers import reviewing_world
from tests.factories.identity import login, make_user

_ports = itertools.count(56000)


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", next(_ports)))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_simultaneous_draws_rubric_reads_and_signatures(
    committing_app: tuple[FastAPI, async_sessionmaker[AsyncSession]],
) -> None:
    app, sessions = committing_app
    async with sessions() as db, db.begin():
        world = await reviewing_world(db)
        admin_user = await make_user(db, Role.admin)
    batch_id = world.batch.id
    expert = world.experts["free1"]
    admin, expert_client = _client(app), _client(app)
    try:
        assert (await login(admin, admin_user.email)).status_code == 200
        assert (await login(expert_client, expert.email)).status_code == 200
        draws = await asyncio.gather(
            *(admin.post(f"/api/v1/batches/{batch_id}/assignment-draws", json={}) for _ in range(3))
        )
        assert [r.status_code for r in draws] == [201, 201, 201], [r.text for r in draws]
        # the batch lock serialises them: one fills everything, the others find nothing to do
        assert sorted(r.json()["assigned"] for r in draws) == [0, 0, 6]

        reads = await asyncio.gather(
            *(admin.get(f"/api/v1/batches/{batch_id}/rubric") for _ in range(4))
        )
        assert {r.status_code for r in reads} == {200}
        assert len({tuple(c["id"] for c in r.json()["criteria"]) for r in reads}) == 1

        signs = await asyncio.gather(
            *(expert_client.post(f"/api/v1/batches/{batch_id}/attestation") for _ in range(3))
        )
        assert {r.status_code for r in signs} == {200}
        assert len({r.json()["signed_at"] for r in signs}) == 1
    finally:
        await admin.aclose()
        await expert_client.aclose()

    async with sessions() as db:
        active = await db.scalar(
            select(func.count()).where(
                ReviewAssignment.batch_id == batch_id,
                ReviewAssignment.status == AssignmentStatus.active,
            )
        )
        assert active == 6
        assert (
            await db.scalar(select(func.count()).where(RubricCriterion.batch_id == batch_id)) == 5
        )
        assert (
            await db.scalar(
                select(func.count()).where(
                    ExpertAttestation.batch_id == batch_id,
                    ExpertAttestation.expert_id == expert.id,
                )
            )
            == 1
        )
