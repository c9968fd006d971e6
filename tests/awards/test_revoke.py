"""Revoking a certificate: the transition, its audit, outbox event and catalogue change, and the
answers to a second revocation and to bad input."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    AuditEvent,
    Award,
    CatalogueChange,
    CatalogueChangeKind,
    CatalogueEntry,
    OutboxEvent,
)
from tests.auth.test_router import assert_problem
from tests.awards.helpers import announced, awards_of

REASON = "经核查，申报材料中的销售合同不实，依规撤销认定。"


def revoke_url(award: Award | uuid.UUID) -> str:
    award_id = award.id if isinstance(award, Award) else award
    return f"/api/v1/awards/{award_id}/revoke"


async def test_revoke_writes_audit_outbox_and_catalogue(
    db: AsyncSession, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    p = await announced(db, shortlisted=2)
    award, untouched = await awards_of(db, p.batch.id)
    response = await admin.post(revoke_url(award), json={"reason": f"  {REASON} "})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "revoked"
    assert body["revoked_reason"] == REASON  # trimmed
    assert body["revoked_at"] is not None
    assert body["revoked_by"] is not None

    audit = (
        await db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "award.revoke", AuditEvent.object_id == str(award.id)
            )
        )
    ).one()
    assert audit.actor_id is not None
    assert audit.changes["revoked_reason"] == {"before": None, "after": REASON}

    event = (
        await db.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "certificate.revoked",
                OutboxEvent.object_id == str(award.id),
            )
        )
    ).one()
    assert event.payload["number"] == award.number
    assert event.payload["reason"] == REASON

    entry = await db.get(CatalogueEntry, award.id, populate_existing=True)
    assert entry is not None
    assert entry.revoked_at is not None
    kinds = list(
        await db.scalars(
            select(CatalogueChange.kind)
            .where(CatalogueChange.award_id == award.id)
            .order_by(CatalogueChange.id)
        )
    )
    assert kinds == [CatalogueChangeKind.awarded, CatalogueChangeKind.revoked]

    public = (await client.get(f"/api/v1/certificates/{award.number}")).json()
    assert public["status"] == "revoked"
    assert public["revoked_reason"] == REASON
    other = (await client.get(f"/api/v1/certificates/{untouched.number}")).json()
    assert other["status"] == "valid"


async def test_revoking_twice_is_409_naming_the_state(
    db: AsyncSession, admin: httpx.AsyncClient
) -> None:
    p = await announced(db, shortlisted=1)
    (award,) = await awards_of(db, p.batch.id)
    assert (await admin.post(revoke_url(award), json={"reason": REASON})).status_code == 200
    body = assert_problem(
        await admin.post(revoke_url(award), json={"reason": "再次撤销的理由说明文字。"}),
        409,
        "award_already_revoked",
    )
    assert body["current_state"] == "revoked"
    assert award.number in body["detail"]
    # the first revocation stands
    stored = await db.get(Award, award.id, populate_existing=True)
    assert stored is not None
    assert stored.revoked_reason == REASON
    revocations = await db.scalars(
        select(AuditEvent.id).where(
            AuditEvent.action == "award.revoke", AuditEvent.object_id == str(award.id)
        )
    )
    assert len(revocations.all()) == 1


async def test_bad_input_is_refused_without_a_write(
    db: AsyncSession, admin: httpx.AsyncClient
) -> None:
    p = await announced(db, shortlisted=1)
    (award,) = await awards_of(db, p.batch.id)
    for body in (
        {},
        {"reason": "太短"},
        {"reason": "          短          "},
        {"reason": "x" * 2001},
        {"reason": REASON, "revoked_at": "2020-01-01T00:00:00Z"},
    ):
        assert_problem(await admin.post(revoke_url(award), json=body), 422, "validation_error")
    assert_problem(
        await admin.post(revoke_url(uuid.uuid4()), json={"reason": REASON}),
        404,
        "award_not_found",
    )
    stored = await db.get(Award, award.id, populate_existing=True)
    assert stored is not None
    assert stored.revoked_at is None
    assert (await admin.post(revoke_url(award), json={"reason": "x" * 2000})).status_code == 200
