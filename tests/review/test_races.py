"""Races across real connections (committing app): the last two submissions of an application
arriving together, and two first reads of a review."""

from __future__ import annotations

import asyncio
import itertools

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.models import Application, ApplicationStatus, AuditEvent, Review
from tests.factories.identity import login
from tests.review.helpers import (
    criteria_scores,
    make_panel,
    make_review_batch,
    review_url,
    save,
)

_ports = itertools.count(54000)


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", next(_ports)))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_simultaneous_last_submissions_complete_the_application_once(
    committing_app: tuple[FastAPI, async_sessionmaker[AsyncSession]],
) -> None:
    app, sessions = committing_app
    async with sessions() as db, db.begin():
        batch, criteria = await make_review_batch(db)
        panel = await make_panel(db, batch, experts=3)
    clients = [_client(app) for _ in panel.experts]
    try:
        for client, expert, assignment in zip(
            clients, panel.experts, panel.assignments, strict=True
        ):
            assert (await login(client, expert.email)).status_code == 200
            saved = await save(
                client,
                assignment,
                {"scores": criteria_scores(criteria, [5, 5]), "recommendation": "recommend"},
            )
            assert saved.status_code == 200, saved.text
        # two first reads of the same review at once make one review, not a 500
        reads = await asyncio.gather(
            *(clients[0].get(review_url(panel.assignments[0])) for _ in range(5))
        )
        assert {r.status_code for r in reads} == {200}
        assert len({r.json()["id"] for r in reads}) == 1

        results = await asyncio.gather(
            *(
                client.post(review_url(assignment) + "/submit")
                for client, assignment in zip(clients, panel.assignments, strict=True)
            )
        )
        assert [r.status_code for r in results] == [200, 200, 200], [r.text for r in results]
    finally:
        for client in clients:
            await client.aclose()

    async with sessions() as db:
        status = await db.scalar(
            select(Application.status).where(Application.id == panel.application.id)
        )
        assert status == ApplicationStatus.reviewed
        completions = await db.scalar(
            select(func.count()).where(
                AuditEvent.action == "application.review_complete",
                AuditEvent.object_id == str(panel.application.id),
            )
        )
        assert completions == 1
        reviews = await db.scalar(
            select(func.count()).where(Review.application_id == panel.application.id)
        )
        assert reviews == 3
