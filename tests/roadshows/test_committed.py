"""Races that need real commits across connections: two admins adding slots at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.models import RoadshowSlot, Role
from tests.factories.identity import login, make_org, make_user
from tests.roadshows.helpers import BASE, EVENT, slot_body

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]


@asynccontextmanager
async def admin_client(committing_app: Committing, email: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=committing_app[0], client=("127.0.0.1", 50300))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await login(client, email)).status_code == 200
        yield client


async def setup(committing_app: Committing) -> tuple[str, str, str]:
    """An admin's e-mail, an organisation and a fresh roadshow's id."""
    async with committing_app[1]() as session, session.begin():
        user = await make_user(session, Role.admin)
        org = await make_org(session)
    async with admin_client(committing_app, user.email) as client:
        created = await client.post(BASE, json=EVENT)
        assert created.status_code == 201, created.text
    return user.email, str(org.id), str(created.json()["id"])


async def slot_count(committing_app: Committing, roadshow_id: str) -> int:
    async with committing_app[1]() as session:
        return (
            await session.scalar(
                select(func.count())
                .select_from(RoadshowSlot)
                .where(RoadshowSlot.roadshow_id == roadshow_id)
            )
            or 0
        )


async def race(
    committing_app: Committing, email: str, roadshow_id: str, bodies: list[dict], if_match: str
) -> list[httpx.Response]:
    async with (
        admin_client(committing_app, email) as one,
        admin_client(committing_app, email) as two,
    ):
        return list(
            await asyncio.gather(
                *(
                    c.post(f"{BASE}/{roadshow_id}/slots", json=b, headers={"If-Match": if_match})
                    for c, b in zip((one, two), bodies, strict=True)
                )
            )
        )


async def test_overlapping_inserts_at_once_one_wins(committing_app: Committing) -> None:
    email, org, rid = await setup(committing_app)
    # "*" passes the version check, so only the lock on the roadshow keeps them apart
    responses = await race(
        committing_app,
        email,
        rid,
        [slot_body(org, "14:00", "14:30"), slot_body(org, "14:15", "14:45")],
        "*",
    )
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "slot_overlap"
    assert await slot_count(committing_app, rid) == 1


async def test_inserts_on_the_same_version_one_wins(committing_app: Committing) -> None:
    email, org, rid = await setup(committing_app)
    responses = await race(
        committing_app,
        email,
        rid,
        [slot_body(org, "14:00", "14:30"), slot_body(org, "15:00", "15:30")],
        f'"{rid}-v1"',
    )
    assert sorted(r.status_code for r in responses) == [201, 412], [r.text for r in responses]
    assert await slot_count(committing_app, rid) == 1


async def test_disjoint_inserts_at_once_both_land(committing_app: Committing) -> None:
    email, org, rid = await setup(committing_app)
    responses = await race(
        committing_app,
        email,
        rid,
        [slot_body(org, "14:00", "14:30"), slot_body(org, "14:30", "15:00")],
        "*",
    )
    assert [r.status_code for r in responses] == [201, 201]
    versions = sorted(r.json()["version"] for r in responses)
    assert versions == [2, 3]
    assert await slot_count(committing_app, rid) == 2
