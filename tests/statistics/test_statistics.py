"""Public statistics: the funnel and the breakdowns equal direct counts, per published batch and
overall; batches still under review are not counted."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.generate import generate_catalogue
from api.models import (
    Application,
    ApplicationStatus,
    Award,
    BatchStatus,
    District,
    Objection,
    ObjectionStatus,
    Organization,
)
from tests.catalogue.helpers import make_entry, revoke
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org

URL = "/api/v1/statistics"
S = ApplicationStatus


async def populate(db: AsyncSession) -> dict[str, Any]:
    """An announced batch with an application in every state, and one batch in review."""
    batch = await make_batch(db, status=BatchStatus.announced)
    chaoyang = await make_org(db, district=District.chaoyang)
    haidian = await make_org(db, district=District.haidian)
    made: dict[str, Any] = {"batch": batch}
    plan = [
        (S.draft, chaoyang, "transport"),
        (S.submitted, chaoyang, "transport"),
        (S.returned, chaoyang, "transport"),
        (S.rejected, haidian, "aerospace"),
        (S.accepted, haidian, "aerospace"),
        (S.in_review, haidian, "aerospace"),
        (S.reviewed, haidian, "aerospace"),
        (S.not_selected, haidian, "aerospace"),
        (S.shortlisted, chaoyang, "aerospace"),
        (S.withdrawn, chaoyang, "transport"),
    ]
    for status, org, field in plan:
        await make_application(db, org, batch, status=status, field=field, claimed_level=None)
    # withdrawn before it was ever submitted: not an application in the funnel
    await make_application(db, chaoyang, batch, status=S.withdrawn, submitted_at=None)
    # taken off the shortlist by an upheld objection during publicity
    objected = await make_application(db, haidian, batch, status=S.not_selected, field="transport")
    db.add(
        Objection(
            reference=f"YY-{uuid.uuid4().hex[:8]}",
            batch_id=batch.id,
            application_id=objected.id,
            status=ObjectionStatus.upheld,
            objector_name="张三",
            objector_phone="13800000000",
            statement="材料不实",
        )
    )
    awarded = [
        await make_entry(db, org=haidian, batch=batch, field="aerospace"),
        await make_entry(db, org=haidian, batch=batch, field="transport"),
        await make_entry(db, org=chaoyang, batch=batch, field="aerospace"),
    ]
    await revoke(db, awarded[0])
    made["reviewing"] = await make_batch(db, status=BatchStatus.reviewing)
    await make_application(db, haidian, made["reviewing"], status=S.in_review)
    await db.flush()
    return made


def buckets(block: dict[str, Any], name: str) -> dict[str, tuple[int, int]]:
    return {b["code"]: (b["applications"], b["awards"]) for b in block[name]}


async def test_funnel_and_breakdowns_of_a_batch(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    made = await populate(db)
    response = await client.get(URL, params={"batch_id": str(made["batch"].id)})
    assert response.status_code == 200
    body = response.json()
    assert [b["batch"]["id"] for b in body["batches"]] == [str(made["batch"].id)]
    block = body["batches"][0]
    # every state but the draft and the withdrawal that was never submitted
    assert block["funnel"] == {
        "submitted": 13,
        "accepted": 9,  # accepted, in_review, reviewed, not_selected ×2, shortlisted, 3 awarded
        "reviewed": 7,
        "shortlisted": 5,  # shortlisted, the one an upheld objection removed, 3 awarded
        "awarded": 3,
        "revoked": 1,
    }
    assert body["overall"]["funnel"] == block["funnel"]
    assert buckets(block, "fields") == {"transport": (5, 1), "aerospace": (8, 2)}
    assert buckets(block, "districts") == {"chaoyang": (5, 1), "haidian": (8, 2)}
    aerospace = next(b for b in block["fields"] if b["code"] == "aerospace")
    assert aerospace["name_zh"] == "航空航天"
    assert aerospace["application_share"] == round(8 / 13, 4)
    assert aerospace["award_share"] == round(2 / 3, 4)
    # the make_entry awards carry a level and a product type, the others none
    assert buckets(block, "levels") == {"international_advanced": (3, 3)}
    assert buckets(block, "product_types") == {"complete_machine": (3, 3)}


async def test_unpublished_batches_are_left_out(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    made = await populate(db)
    body = (await client.get(URL)).json()
    ids = {b["batch"]["id"] for b in body["batches"]}
    assert str(made["batch"].id) in ids
    assert str(made["reviewing"].id) not in ids
    hidden = await client.get(URL, params={"batch_id": str(made["reviewing"].id)})
    assert hidden.status_code == 404
    assert (await client.get(URL, params={"batch_id": str(uuid.uuid4())})).status_code == 404
    assert (await client.get(URL, params={"batch_id": "x"})).status_code == 422


async def test_overall_equals_direct_counts_on_a_generated_catalogue(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await generate_catalogue(db, 200, seed=8, other_applications=1.0)
    body = (await client.get(URL)).json()
    overall = body["overall"]
    submitted = await db.scalar(
        select(func.count()).select_from(Application).where(Application.submitted_at.is_not(None))
    )
    awards = await db.scalar(select(func.count()).select_from(Award))
    revoked = await db.scalar(
        select(func.count()).select_from(Award).where(Award.revoked_at.is_not(None))
    )
    assert overall["funnel"]["submitted"] == submitted == 400
    assert overall["funnel"]["awarded"] == awards == 200
    assert overall["funnel"]["revoked"] == revoked
    by_district = dict(
        (
            await db.execute(
                select(Organization.district, func.count())
                .select_from(Award)
                .join(Organization, Organization.id == Award.organization_id)
                .group_by(Organization.district)
            )
        ).all()
    )
    assert {code: n for code, (_, n) in buckets(overall, "districts").items() if n} == by_district
    assert sum(b["award_share"] for b in overall["fields"]) == pytest.approx(1.0, abs=0.001)
    per_batch = sum(b["funnel"]["awarded"] for b in body["batches"])
    assert per_batch == 200
    batch_counts = dict(
        (
            await db.execute(
                select(Application.batch_id, func.count())
                .where(Application.status == S.awarded)
                .group_by(Application.batch_id)
            )
        ).all()
    )
    assert {uuid.UUID(b["batch"]["id"]): b["funnel"]["awarded"] for b in body["batches"]} == (
        batch_counts
    )


async def test_public_and_cacheable(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await populate(db)
    first = await client.get(URL)
    assert first.headers["cache-control"].startswith("public")
    again = await client.get(URL, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
