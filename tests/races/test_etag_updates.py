"""Optimistic concurrency under load: many edits of one application draft at once, all sent
with If-Match. The ETag must let exactly one edit of each version through and lose none."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from api.models import Application, AuditEvent, Role
from tests.applications.helpers import create_draft, make_open_batch
from tests.factories.identity import make_user
from tests.races.conftest import ClientFor, Committing, is_problem

EDITORS = 100


async def _draft(
    committing_app: Committing, client_for: ClientFor
) -> tuple[httpx.AsyncClient, str]:
    _, sessions = committing_app
    async with sessions() as db, db.begin():
        applicant = await make_user(db, Role.applicant)
        batch = await make_open_batch(db)
    client = await client_for(applicant.email)
    draft = await create_draft(client, batch)
    assert draft.status_code == 201, draft.text
    return client, draft.json()["id"]


async def _audited_updates(committing_app: Committing, application_id: str) -> int:
    async with committing_app[1]() as db:
        count = await db.scalar(
            select(func.count()).where(
                AuditEvent.action == "application.update", AuditEvent.object_id == application_id
            )
        )
    return count or 0


async def test_a_hundred_edits_with_one_etag_let_exactly_one_through(
    committing_app: Committing, client_for: ClientFor
) -> None:
    client, application_id = await _draft(committing_app, client_for)
    url = f"/api/v1/applications/{application_id}"
    etag = (await client.get(url)).headers["etag"]

    responses = await asyncio.gather(
        *(
            client.patch(url, json={"summary_zh": f"第{i}版简介"}, headers={"If-Match": etag})
            for i in range(EDITORS)
        )
    )

    won = [r for r in responses if r.status_code == 200]
    lost = [r for r in responses if r.status_code != 200]
    assert len(won) == 1, sorted(r.status_code for r in responses)
    assert len(lost) == EDITORS - 1
    assert all(is_problem(r, 412, "precondition_failed") for r in lost), lost[0].text
    # every loser is told which version to reload: the winner's
    assert {r.json()["current_etag"] for r in lost} == {won[0].headers["etag"]}

    async with committing_app[1]() as db:
        stored = await db.get(Application, uuid.UUID(application_id))
        assert stored is not None
        assert stored.summary_zh == won[0].json()["summary_zh"]
        assert stored.version == 2
    assert await _audited_updates(committing_app, application_id) == 1


async def test_read_modify_write_loops_lose_no_update(
    committing_app: Committing, client_for: ClientFor
) -> None:
    """Writers that each append indicators, re-reading and retrying on 412 as a careful client
    does: the final list holds every writer's rows, and every version is one audited edit."""
    client, application_id = await _draft(committing_app, client_for)
    url = f"/api/v1/applications/{application_id}"
    writers, rows_each = 8, 4
    refusals = 0

    async def append(writer: int) -> None:
        nonlocal refusals
        for n in range(rows_each):
            row = {"indicator": f"指标{writer}-{n}", "unit": "%", "own_value": str(n)}
            while True:
                current = await client.get(url)
                assert current.status_code == 200, current.text
                indicators: list[dict[str, Any]] = current.json()["indicators"]
                response = await client.patch(
                    url,
                    json={"indicators": [*indicators, row]},
                    headers={"If-Match": current.headers["etag"]},
                )
                if response.status_code == 200:
                    break
                assert is_problem(response, 412, "precondition_failed"), response.text
                refusals += 1

    await asyncio.gather(*(append(w) for w in range(writers)))

    final = (await client.get(url)).json()
    names = [i["indicator"] for i in final["indicators"]]
    expected = {f"指标{w}-{n}" for w in range(writers) for n in range(rows_each)}
    assert expected <= set(names)
    assert len(names) == len(set(names)) == len(expected) + 1  # the draft's own row
    assert final["version"] == 1 + writers * rows_each
    assert await _audited_updates(committing_app, application_id) == writers * rows_each
    # the writers did collide: the test exercised the 412 path, not a polite queue
    assert refusals > 0
