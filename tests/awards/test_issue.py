"""Issuing: the consumer of `award.granted`, certificate numbers, validity, and what an issue
writes beside the award (audit, outbox, catalogue); the admin's list, read and issue-now routes."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import BEIJING, today
from api.awards import service, signing
from api.models import (
    ApplicationStatus,
    AuditEvent,
    Award,
    CatalogueChange,
    CatalogueChangeKind,
    CatalogueEntry,
    OutboxCursor,
    OutboxEvent,
    SigningKey,
)
from tests.auth.test_router import assert_problem
from tests.awards.helpers import ORG_NAME, admin_principal, announced, awards_of, grant
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org

PAYLOAD_KEYS = {
    "number",
    "organization",
    "uscc",
    "product",
    "model",
    "level",
    "batch",
    "issued_at",
    "valid_until",
}


class TestValidity:
    def test_three_years_from_the_issue_date(self) -> None:
        assert service.valid_until_for(date(2025, 6, 30)) == date(2028, 6, 30)
        assert service.valid_until_for(date(2023, 2, 28)) == date(2026, 2, 28)

    def test_29_february_becomes_28_february(self) -> None:
        assert service.valid_until_for(date(2024, 2, 29)) == date(2027, 2, 28)
        assert service.valid_until_for(date(2024, 3, 1)) == date(2027, 3, 1)

    def test_number_format(self) -> None:
        assert service.certificate_number(2021, 1, 7) == "BJSTT-2021-01-0007"
        assert service.certificate_number(2025, 12, 1234) == "BJSTT-2025-12-1234"


class TestConsumer:
    async def test_the_announcement_issues_a_certificate_per_award(self, db: AsyncSession) -> None:
        p = await announced(db, shortlisted=3)
        awards = await awards_of(db, p.batch.id)
        year, seq = p.batch.year, p.batch.sequence
        assert [a.number for a in awards] == [f"BJSTT-{year}-{seq:02d}-{n:04d}" for n in (1, 2, 3)]
        assert [a.sequence for a in awards] == [1, 2, 3]
        assert {a.application_id for a in awards} == {a.id for a in p.shortlisted}
        assert p.not_selected.id not in {a.application_id for a in awards}

        by_application = {a.application_id: a for a in awards}
        for application in p.shortlisted:
            award = by_application[application.id]
            issued_on = award.issued_at.astimezone(BEIJING).date()
            assert issued_on == today()
            assert award.valid_until == service.valid_until_for(issued_on)
            assert set(award.payload) == PAYLOAD_KEYS
            assert award.payload == {
                "number": award.number,
                "organization": ORG_NAME,
                "uscc": p.org.uscc,
                "product": application.product_name_zh,
                "model": application.model_spec,
                "level": "domestic_leading",
                "batch": f"{year}-{seq:02d}",
                "issued_at": award.issued_at.astimezone(BEIJING).isoformat(),
                "valid_until": award.valid_until.isoformat(),
            }
            key = await db.get(SigningKey, award.key_id)
            assert key is not None
            assert signing.verify(key.public_key, award.payload, award.signature)

    async def test_running_again_issues_nothing(self, db: AsyncSession) -> None:
        p = await announced(db, shortlisted=2)
        assert await service.process_award_events(db) == 0
        assert await service.process_award_events(db, await admin_principal(db)) == 0
        assert len(await awards_of(db, p.batch.id)) == 2

    async def test_sequences_continue_per_batch(self, db: AsyncSession) -> None:
        org = await make_org(db)
        first, second = await make_batch(db), await make_batch(db)
        a1 = await make_application(db, org, first, status=ApplicationStatus.shortlisted)
        await grant(db, a1, first)
        assert await service.process_award_events(db) == 1

        later = [
            await make_application(db, org, first, status=ApplicationStatus.shortlisted)
            for _ in range(2)
        ]
        b1 = await make_application(db, org, second, status=ApplicationStatus.shortlisted)
        for application in later:
            await grant(db, application, first)
        await grant(db, b1, second)
        assert await service.process_award_events(db) == 3

        assert [a.sequence for a in await awards_of(db, first.id)] == [1, 2, 3]
        assert [(a.sequence, a.application_id) for a in await awards_of(db, second.id)] == [
            (1, b1.id)
        ]
        # issued in event order
        assert [a.application_id for a in await awards_of(db, first.id)] == [
            a1.id,
            *(a.id for a in later),
        ]

    async def test_an_event_committed_behind_the_cursor_is_still_issued(
        self, db: AsyncSession
    ) -> None:
        org = await make_org(db)
        batch = await make_batch(db)
        application = await make_application(db, org, batch, status=ApplicationStatus.shortlisted)
        await grant(db, application, batch)
        event_id = await db.scalar(select(func.max(OutboxEvent.id)))
        assert event_id is not None
        # As if a transaction holding later ids had committed first and been consumed.
        await db.execute(
            update(OutboxCursor)
            .where(OutboxCursor.consumer == "awards")
            .values(last_event_id=event_id + 100)
        )
        assert await service.process_award_events(db) == 1
        assert [a.application_id for a in await awards_of(db, batch.id)] == [application.id]
        cursor = await db.get(OutboxCursor, "awards", populate_existing=True)
        assert cursor is not None
        assert cursor.last_event_id == event_id + 100  # never moves back

    async def test_the_cursor_moves_to_the_newest_event(self, db: AsyncSession) -> None:
        p = await announced(db, shortlisted=2)
        newest = await db.scalar(
            select(func.max(OutboxEvent.id)).where(OutboxEvent.event_type == "award.granted")
        )
        cursor = await db.get(OutboxCursor, "awards", populate_existing=True)
        assert cursor is not None
        assert cursor.last_event_id == newest
        assert len(await awards_of(db, p.batch.id)) == 2

    async def test_an_issue_is_audited_announced_and_catalogued(self, db: AsyncSession) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        audit = (
            await db.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "award.issue", AuditEvent.object_id == str(award.id)
                )
            )
        ).one()
        assert audit.actor_id is not None  # the admin who announced
        assert audit.changes["number"] == {"before": None, "after": award.number}

        issued = (
            await db.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.event_type == "certificate.issued",
                    OutboxEvent.object_id == str(award.id),
                )
            )
        ).one()
        assert issued.payload["number"] == award.number
        assert issued.payload["verify_url"].endswith(f"/verify/{award.number}")

        entry = await db.get(CatalogueEntry, award.id)
        assert entry is not None
        assert entry.certificate_number == award.number
        assert entry.revoked_at is None
        kinds = list(
            await db.scalars(
                select(CatalogueChange.kind).where(CatalogueChange.award_id == award.id)
            )
        )
        assert kinds == [CatalogueChangeKind.awarded]


class TestAdminRoutes:
    async def test_issue_now(self, db: AsyncSession, admin: httpx.AsyncClient) -> None:
        org = await make_org(db)
        batch = await make_batch(db)
        for _ in range(2):
            application = await make_application(
                db, org, batch, status=ApplicationStatus.shortlisted
            )
            await grant(db, application, batch)
        response = await admin.post("/api/v1/awards/issue")
        assert response.status_code == 200, response.text
        assert response.json() == {"issued": 2}
        assert (await admin.post("/api/v1/awards/issue")).json() == {"issued": 0}
        actors = set(
            await db.scalars(
                select(AuditEvent.actor_label).where(AuditEvent.action == "award.issue")
            )
        )
        assert len(actors) == 1
        assert None not in actors

    async def test_list_by_batch_and_status_with_keyset_pages(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=3)
        other = await announced(db, shortlisted=1)
        awards = await awards_of(db, p.batch.id)
        await db.execute(
            update(Award).where(Award.id == awards[1].id).values(revoked_at=func.now())
        )
        await db.execute(
            update(Award).where(Award.id == awards[2].id).values(valid_until=date(2000, 1, 1))
        )

        url = f"/api/v1/awards?batch_id={p.batch.id}&limit=2"
        first = await admin.get(url)
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "private, no-store"
        body = first.json()
        assert [i["number"] for i in body["items"]] == [a.number for a in awards[:2]]
        assert body["next"]
        assert 'rel="next"' in first.headers["link"]
        rest = (await admin.get(url + f"&cursor={body['next']}")).json()
        assert [i["number"] for i in rest["items"]] == [awards[2].number]
        assert rest["next"] is None

        def numbers(response: httpx.Response) -> list[str]:
            assert response.status_code == 200, response.text
            return [i["number"] for i in response.json()["items"]]

        base = f"/api/v1/awards?batch_id={p.batch.id}"
        assert numbers(await admin.get(base + "&status=valid")) == [awards[0].number]
        assert numbers(await admin.get(base + "&status=revoked")) == [awards[1].number]
        assert numbers(await admin.get(base + "&status=expired")) == [awards[2].number]
        assert numbers(await admin.get(base + "&status=valid&status=expired")) == [
            awards[0].number,
            awards[2].number,
        ]
        everything = numbers(await admin.get("/api/v1/awards?limit=100"))
        assert {a.number for a in awards} | {
            a.number for a in await awards_of(db, other.batch.id)
        } <= set(everything)
        assert everything == sorted(everything)

        item = (await admin.get(base + "&status=revoked")).json()["items"][0]
        assert item["status"] == "revoked"
        assert item["status_label"] == {
            "code": "revoked",
            "name_zh": "已撤销",
            "name_en": "Revoked",
        }
        assert item["organization_name_zh"] == ORG_NAME
        # The English names come from the catalogue (they are not part of the signed payload).
        assert item["product_name_en"].startswith("Test equipment")
        assert item["organization_name_en"].startswith("Test Organisation")

    async def test_bad_filters_and_cursors_are_422(self, admin: httpx.AsyncClient) -> None:
        assert_problem(await admin.get("/api/v1/awards?status=lost"), 422, "validation_error")
        assert_problem(await admin.get("/api/v1/awards?cursor=%%%"), 422, "validation_error")
        assert_problem(await admin.get("/api/v1/awards?batch_id=nope"), 422, "validation_error")

    async def test_read_one(self, db: AsyncSession, admin: httpx.AsyncClient) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        response = await admin.get(f"/api/v1/awards/{award.id}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["number"] == award.number
        assert body["payload"] == award.payload
        assert body["signature"] == award.signature
        assert body["key_id"] == award.key_id
        assert body["status"] == "valid"
        assert body["pdf_rendered"] is False
        assert body["verify_url"].endswith(f"/verify/{award.number}")
        assert body["pdf_url"].endswith(f"/api/v1/certificates/{award.number}/pdf")
        assert body["product_name_en"].startswith("Test equipment")

        missing = await admin.get(f"/api/v1/awards/{p.batch.id}")
        assert_problem(missing, 404, "award_not_found")
