"""The batch moves into and out of publicity: start-publicity and announce, over HTTP."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.batches import lifecycle
from api.batches.service import BatchAction
from api.calendar import service as calendar
from api.models import (
    ApplicationStatus,
    AuditEvent,
    Batch,
    BatchStatus,
    CalendarDay,
    CalendarSource,
    Objection,
    ObjectionStatus,
    OutboxEvent,
    Role,
)
from api.permissions import Principal, load_grants
from tests.auth.test_router import assert_problem
from tests.factories.applications import make_application
from tests.factories.identity import make_user
from tests.publicity.helpers import Publicity, make_publicity, status_of

S = ApplicationStatus


def transition(batch: Batch, action: str) -> str:
    return f"/api/v1/batches/{batch.id}/transitions/{action}"


async def set_days(db: AsyncSession, days: dict[date, bool]) -> None:
    """Amend the calendar as an admin would: these days work (or not) whatever their weekday."""
    for day, working in days.items():
        await db.execute(
            insert(CalendarDay)
            .values(day=day, working=working, name_zh="测试", source=CalendarSource.admin)
            .on_conflict_do_update(index_elements=[CalendarDay.day], set_={"working": working})
        )
    await db.flush()


async def events_of(db: AsyncSession, event_type: str, object_ids: list[str]) -> list[OutboxEvent]:
    return list(
        (
            await db.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.event_type == event_type, OutboxEvent.object_id.in_(object_ids))
                .order_by(OutboxEvent.id)
            )
        ).all()
    )


async def file_objection_row(
    db: AsyncSession, p: Publicity, status: ObjectionStatus, n: int = 1
) -> Objection:
    objection = Objection(
        reference=f"YY-{p.batch.year}-{p.batch.sequence:02d}-{n:04d}",
        batch_id=p.batch.id,
        application_id=p.shortlisted[0].id,
        status=status,
        objector_name="王五",
        objector_email="wangwu@example.cn",
        statement="该产品的销售记录与事实不符，请核查。",
    )
    db.add(objection)
    await db.flush()
    return objection


class TestStartPublicity:
    async def test_window_follows_the_amended_calendar(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        # Today and the next two days off, the two after working, whatever weekdays they are:
        # the window opens on the first working day and lasts two working days.
        on = today()
        await set_days(db, {on + timedelta(days=i): i >= 3 for i in range(5)})
        p = await make_publicity(db, status=BatchStatus.deliberation, publicity_working_days=2)
        response = await admin.post(transition(p.batch, "start-publicity"))
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "publicity"
        await db.refresh(p.batch)
        assert p.batch.publicity_starts_on == on + timedelta(days=3)
        assert p.batch.publicity_ends_on == on + timedelta(days=4)

        [event] = await events_of(db, "publicity.started", [str(p.batch.id)])
        assert event.payload["starts_on"] == (on + timedelta(days=3)).isoformat()
        assert event.payload["ends_on"] == (on + timedelta(days=4)).isoformat()
        assert event.payload["shortlisted"] == 2
        audit = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "batch.publicity_window",
                AuditEvent.object_id == str(p.batch.id),
            )
        )
        assert audit is not None
        assert audit.changes["publicity_ends_on"] == {
            "before": None,
            "after": (on + timedelta(days=4)).isoformat(),
        }
        # the shortlist is untouched: publicity freezes it, it does not change it
        assert [await status_of(db, a) for a in p.shortlisted] == [S.shortlisted] * 2

    async def test_window_counts_working_days_from_today(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db, status=BatchStatus.deliberation, publicity_working_days=5)
        assert (await admin.post(transition(p.batch, "start-publicity"))).status_code == 200
        await db.refresh(p.batch)
        starts, ends = p.batch.publicity_starts_on, p.batch.publicity_ends_on
        assert starts is not None
        assert ends is not None
        # starts on the first working day from today on
        day = today()
        while not await calendar.is_working_day(db, day):
            day += timedelta(days=1)
        assert starts == day
        # and ends on the fifth working day, counting the first
        days = [starts + timedelta(days=i) for i in range((ends - starts).days + 1)]
        working = [d for d in days if await calendar.is_working_day(db, d)]
        assert len(working) == 5
        assert working[-1] == ends

    async def test_refused_while_a_reviewed_application_is_undecided(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db, status=BatchStatus.deliberation)
        await make_application(db, p.org, p.batch, status=S.reviewed)
        body = assert_problem(
            await admin.post(transition(p.batch, "start-publicity")),
            409,
            "undecided_applications",
        )
        assert body["undecided"] == 1
        assert body["current_state"] == "deliberation"
        await db.refresh(p.batch)
        assert p.batch.status == BatchStatus.deliberation
        assert p.batch.publicity_starts_on is None
        assert await events_of(db, "publicity.started", [str(p.batch.id)]) == []

    async def test_refused_without_a_shortlisted_application(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db, status=BatchStatus.deliberation, shortlisted=0)
        assert_problem(
            await admin.post(transition(p.batch, "start-publicity")), 409, "nothing_shortlisted"
        )

    async def test_only_from_deliberation(self, db: AsyncSession, admin: httpx.AsyncClient) -> None:
        p = await make_publicity(db, status=BatchStatus.reviewing)
        body = assert_problem(
            await admin.post(transition(p.batch, "start-publicity")), 409, "invalid_transition"
        )
        assert body["current_state"] == "reviewing"


class TestAnnounce:
    async def test_refused_before_the_window_is_over(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        # the window's last day is today: objections are still accepted until midnight
        p = await make_publicity(db, ends_on=today())
        body = assert_problem(
            await admin.post(transition(p.batch, "announce")), 409, "publicity_not_over"
        )
        assert body["publicity_ends_on"] == today().isoformat()
        assert body["current_state"] == "publicity"

    async def test_refused_while_objections_are_open(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db, ends_on=today() - timedelta(days=1))
        await file_objection_row(db, p, ObjectionStatus.filed, 1)
        await file_objection_row(db, p, ObjectionStatus.under_review, 2)
        await file_objection_row(db, p, ObjectionStatus.dismissed, 3)
        body = assert_problem(
            await admin.post(transition(p.batch, "announce")), 409, "objections_open"
        )
        assert body["open_objections"] == 2
        # nothing was awarded and no award event left the refused request
        assert [await status_of(db, a) for a in p.shortlisted] == [S.shortlisted] * 2
        ids = [str(a.id) for a in p.shortlisted]
        assert await events_of(db, "award.granted", ids) == []

    async def test_awards_every_shortlisted_application(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db, ends_on=today() - timedelta(days=1), shortlisted=3)
        await file_objection_row(db, p, ObjectionStatus.dismissed)
        response = await admin.post(transition(p.batch, "announce"))
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "announced"
        assert [await status_of(db, a) for a in p.shortlisted] == [S.awarded] * 3
        assert await status_of(db, p.not_selected) == S.not_selected

        ids = [str(a.id) for a in p.shortlisted]
        events = await events_of(db, "award.granted", ids)
        assert sorted(e.object_id for e in events) == sorted(ids)  # one per application
        first = next(e for e in events if e.object_id == ids[0])
        application = p.shortlisted[0]
        assert first.object_type == "application"
        assert first.payload == {
            "application_id": ids[0],
            "batch_id": str(p.batch.id),
            "organization_id": str(p.org.id),
            "product_name_zh": application.product_name_zh,
            "product_name_en": application.product_name_en,
            "model_spec": application.model_spec,
            "field": "integrated_circuits",
            "product_type": None,
            "claimed_level": "domestic_leading",
            "batch_year": p.batch.year,
            "batch_sequence": p.batch.sequence,
            "awarded_on": today().isoformat(),
        }
        # each award is an audited status change too
        changes = await events_of(db, "application.status_changed", ids)
        assert {(e.payload["from"], e.payload["to"]) for e in changes} == {
            ("shortlisted", "awarded")
        }
        audited = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "application.award", AuditEvent.object_id.in_(ids))
        )
        assert audited == 3

    async def test_a_rolled_back_announce_emits_nothing(self, db: AsyncSession) -> None:
        p = await make_publicity(db, ends_on=today() - timedelta(days=1))
        user = await make_user(db, Role.admin)
        actor = Principal(
            user_id=user.id,
            email=user.email,
            display_name=user.display_name,
            locale="zh-CN",
            session_id=uuid.uuid4(),
            grants=await load_grants(db, user.id),
        )
        app_ids = [a.id for a in p.shortlisted]
        ids = [str(i) for i in app_ids]
        savepoint = await db.begin_nested()
        await lifecycle.transition(db, actor, p.batch.id, BatchAction.announce)
        assert len(await events_of(db, "award.granted", ids)) == 2  # written, not yet committed
        await savepoint.rollback()
        assert await events_of(db, "award.granted", ids) == []
        assert [await status_of(db, i) for i in app_ids] == [S.shortlisted] * 2
