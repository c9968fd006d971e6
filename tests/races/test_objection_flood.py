"""A flood of objections to one shortlisted product during publicity: each stored exactly once
with its own reference, the counts agreeing everywhere, and the per-address quota holding even
when every request of a burst arrives before any has finished."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import String, cast, func, select

from api.config import get_settings
from api.models import AuditEvent, Objection, OutboxEvent, Role
from tests.factories.identity import make_user
from tests.publicity.helpers import Publicity, know_calendar_years, make_publicity
from tests.races.conftest import ClientFor, Committing, is_problem

CITIZENS = 60
BURST = 30


def _form(p: Publicity, n: int) -> dict[str, Any]:
    return {
        "application_id": str(p.shortlisted[0].id),
        "objector_name": f"市民{n}",
        "objector_phone": f"+86 138-0000-{n:04d}",
        "statement": f"第{n}份异议：该装备的核心部件系进口产品，不符合自主知识产权要求。",
    }


async def _publicity(committing_app: Committing) -> Publicity:
    async with committing_app[1]() as db, db.begin():
        await know_calendar_years(db)
        return await make_publicity(db)


async def _stored(committing_app: Committing, p: Publicity) -> dict[str, int]:
    """Objections of the batch, their distinct references, and their audit records and events."""
    ids = select(cast(Objection.id, String)).where(Objection.batch_id == p.batch.id)
    async with committing_app[1]() as db:
        objections = await db.scalar(
            select(func.count()).select_from(Objection).where(Objection.batch_id == p.batch.id)
        )
        references = await db.scalar(
            select(func.count(func.distinct(Objection.reference))).where(
                Objection.batch_id == p.batch.id
            )
        )
        audited = await db.scalar(
            select(func.count()).where(
                AuditEvent.action == "objection.file", AuditEvent.object_id.in_(ids)
            )
        )
        events = await db.scalar(
            select(func.count()).where(
                OutboxEvent.event_type == "objection.filed", OutboxEvent.object_id.in_(ids)
            )
        )
    return {
        "objections": objections or 0,
        "references": references or 0,
        "audited": audited or 0,
        "events": events or 0,
    }


async def test_a_flood_from_many_citizens_is_stored_exactly_once_each(
    committing_app: Committing, client_for: ClientFor
) -> None:
    p = await _publicity(committing_app)
    url = f"/api/v1/publicity/{p.batch.id}/objections"
    clients = [await client_for(address=f"10.20.{n // 200}.{n % 200 + 1}") for n in range(CITIZENS)]

    responses = await asyncio.gather(
        *(c.post(url, data=_form(p, n)) for n, c in enumerate(clients))
    )

    assert [r.status_code for r in responses] == [201] * CITIZENS, [
        r.text for r in responses if r.status_code != 201
    ][:3]
    prefix = f"YY-{p.batch.year}-{p.batch.sequence:02d}-"
    references = sorted(r.json()["reference"] for r in responses)
    assert references == [f"{prefix}{n:04d}" for n in range(1, CITIZENS + 1)]
    assert await _stored(committing_app, p) == dict.fromkeys(
        ("objections", "references", "audited", "events"), CITIZENS
    )

    # the admin's list pages through every one of them, once
    async with committing_app[1]() as db, db.begin():
        admin_user = await make_user(db, Role.admin)
    admin = await client_for(admin_user.email)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"batch_id": str(p.batch.id), "limit": 25}
        if cursor:
            params["cursor"] = cursor
        page = await admin.get("/api/v1/objections", params=params)
        assert page.status_code == 200, page.text
        seen += [o["reference"] for o in page.json()["items"]]
        cursor = page.json().get("next")
        if not cursor:
            break
    assert sorted(seen) == references


async def test_a_burst_from_one_address_gets_its_quota_and_then_429s(
    committing_app: Committing, client_for: ClientFor
) -> None:
    """Every request of the burst passes the quota check before any is counted, unless filing
    itself is ordered per address: the quota must hold all the same."""
    quota = get_settings().objection_limit_per_ip
    allowed = int(quota.split("/")[0])
    p = await _publicity(committing_app)
    url = f"/api/v1/publicity/{p.batch.id}/objections"
    clients = [await client_for(address="10.30.0.7") for _ in range(BURST)]

    responses = await asyncio.gather(
        *(c.post(url, data=_form(p, n)) for n, c in enumerate(clients))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * allowed + [429] * (BURST - allowed), statuses
    for refused in (r for r in responses if r.status_code == 429):
        assert is_problem(refused, 429, "rate_limited"), refused.text
        assert int(refused.headers["retry-after"]) > 0
    counts = await _stored(committing_app, p)
    assert counts == dict.fromkeys(("objections", "references", "audited", "events"), allowed)

    # another address is not affected by this one's quota
    other = await client_for(address="10.30.0.8")
    response = await other.post(url, data=_form(p, 999))
    assert response.status_code == 201, response.text
