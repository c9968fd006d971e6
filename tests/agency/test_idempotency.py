"""Idempotency-Key on agency POSTs, on a database whose requests really commit: 50 parallel
POSTs with one key take effect once; a repeat replays the stored answer; the key with another
body is a 422; a failed request frees its key; callers without an agency token are unaffected."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.agency.idempotency import IdempotentRoute
from api.audit import service as audit
from api.db import SessionDep
from api.errors import Conflict
from api.models import AccessToken, AgencyClient, AuditEvent, IdempotencyRecord
from tests.factories.identity import make_org

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]
URL = "/api/v1/test-idempotency/effects"


class Effect(BaseModel):
    note: str


# A stand-in for an agency POST route: each effect is one audit row.
router = APIRouter(route_class=IdempotentRoute)


@router.post(URL, status_code=201)
async def make_effect(data: Effect, session: SessionDep) -> dict[str, str]:
    if data.note == "refuse":
        raise Conflict("Refused on purpose.", code="refused")
    effect_id = str(uuid.uuid4())
    await asyncio.sleep(0.05)  # long enough for the parallel repeats to arrive while in flight
    await audit.record(
        session,
        actor=None,
        action="test.effect",
        object_type="effect",
        object_id=effect_id,
        after=data.model_dump(),
    )
    return {"id": effect_id, "note": data.note}


@pytest.fixture(scope="module")
async def app(committing_app: Committing) -> FastAPI:
    committing_app[0].include_router(router)
    return committing_app[0]


async def bearer(sessions: async_sessionmaker[AsyncSession]) -> str:
    token = secrets.token_urlsafe(32)
    async with sessions() as session, session.begin():
        org = await make_org(session)
        client = AgencyClient(
            client_id=f"test-{uuid.uuid4().hex[:8]}",
            name="测试接入单位",
            organization_id=org.id,
            scopes=["webhooks:manage"],
        )
        session.add(client)
        await session.flush()
        session.add(
            AccessToken(
                client_id=client.id,
                token_hash=hashlib.sha256(token.encode()).digest(),
                scopes=["webhooks:manage"],
                expires_at=datetime.now(UTC) + timedelta(minutes=15),
            )
        )
    return token


@pytest.fixture
async def agency(app: FastAPI, committing_app: Committing) -> AsyncIterator[httpx.AsyncClient]:
    token = await bearer(committing_app[1])
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50400))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c


async def effects(sessions: async_sessionmaker[AsyncSession], note: str) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "test.effect",
                    AuditEvent.changes["note"]["after"].astext == note,
                )
            )
            or 0
        )


async def test_fifty_parallel_posts_with_one_key_take_effect_once(
    agency: httpx.AsyncClient, committing_app: Committing
) -> None:
    key = str(uuid.uuid4())
    note = f"parallel-{key}"
    responses = await asyncio.gather(
        *(
            agency.post(URL, json={"note": note}, headers={"Idempotency-Key": key})
            for _ in range(50)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 409}, codes
    assert await effects(committing_app[1], note) == 1
    created = [r for r in responses if r.status_code == 201]
    # The first answer, and any repeat that came after it finished, carry the same effect.
    assert len({r.json()["id"] for r in created}) == 1
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["code"] == "idempotency_in_flight"
        assert refused.headers["Retry-After"] == "1"
    # Once finished, every repeat is the stored answer.
    again = await agency.post(URL, json={"note": note}, headers={"Idempotency-Key": key})
    assert again.status_code == 201
    assert again.json() == created[0].json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await effects(committing_app[1], note) == 1


async def test_the_same_key_with_another_body_is_refused(agency: httpx.AsyncClient) -> None:
    key = str(uuid.uuid4())
    first = await agency.post(URL, json={"note": "one"}, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    other = await agency.post(URL, json={"note": "two"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422
    assert other.json()["code"] == "validation_error"
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"


async def test_a_failed_request_frees_its_key(
    agency: httpx.AsyncClient, committing_app: Committing
) -> None:
    key = str(uuid.uuid4())
    refused = await agency.post(URL, json={"note": "refuse"}, headers={"Idempotency-Key": key})
    assert refused.status_code == 409
    assert refused.json()["code"] == "refused"
    async with committing_app[1]() as session:
        assert (
            await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
            is None
        )
    # Retried with a valid request under the same key, it runs.
    retried = await agency.post(URL, json={"note": "refuse"}, headers={"Idempotency-Key": key})
    assert retried.status_code == 409  # ran again (not replayed): failures are not stored
    assert "Idempotent-Replayed" not in retried.headers


@pytest.mark.parametrize("key", ["", "has space", "x" * 201, b"caf\xe9"])
async def test_malformed_keys_are_422(agency: httpx.AsyncClient, key: str | bytes) -> None:
    response = await agency.post(URL, json={"note": "bad key"}, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"


async def test_without_an_agency_token_the_key_is_ignored(
    app: FastAPI, committing_app: Committing
) -> None:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50401))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        key = str(uuid.uuid4())
        note = f"anonymous-{key}"
        for _ in range(2):
            response = await anonymous.post(
                URL, json={"note": note}, headers={"Idempotency-Key": key}
            )
            assert response.status_code == 201
    assert await effects(committing_app[1], note) == 2
