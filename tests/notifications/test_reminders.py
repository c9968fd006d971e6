"""Reminders from dates: each reaches exactly its recipients on its day, once, as they prefer."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import BEIJING
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    BatchStatus,
    CalendarDay,
    CalendarSource,
    CalendarYear,
    MailMessage,
    Notification,
    NotificationPreference,
    Review,
    ReviewAssignment,
    ReviewStatus,
    Role,
)
from api.notifications import service
from api.notifications.kinds import Kind
from tests.factories.applications import make_application
from tests.factories.experts import make_assignment, make_expert
from tests.factories.identity import make_user
from tests.notifications.helpers import World, inbox, mails, make_world

S = ApplicationStatus
WEDNESDAY = date(2031, 3, 12)
ONE_DAY = timedelta(days=1)


@pytest.fixture
async def world(db: AsyncSession) -> World:
    world = await make_world(db)
    if await db.get(CalendarYear, 2031) is None:
        db.add(CalendarYear(year=2031, source=CalendarSource.admin))
    await db.flush()
    return world


def ids(*users: object) -> set[uuid.UUID]:
    return {u.id for u in users}


def addresses(*users: object) -> set[str]:
    return {u.email for u in users}


async def returned(db: AsyncSession, application: Application, deadline: date) -> None:
    application.status = S.returned
    application.return_deadline_on = deadline
    await db.flush()


async def remind(db: AsyncSession, today: date) -> tuple[int, int]:
    return await service.remind(db, today)


class TestCorrectionDeadlineSoon:
    async def test_reaches_the_applicants_two_working_days_before_once(
        self, db: AsyncSession, world: World
    ) -> None:
        await returned(db, world.application, date(2031, 3, 14))  # Friday
        assert await remind(db, WEDNESDAY - ONE_DAY) == (0, 0)  # three working days before
        assert await remind(db, WEDNESDAY) == (2, 2)
        assert await inbox(db) == {Kind.correction_deadline_soon: ids(*world.applicants)}
        assert await mails(db) == {Kind.correction_deadline_soon: addresses(*world.applicants)}
        assert await remind(db, WEDNESDAY) == (0, 0)
        # Still within two working days the next day: already reminded.
        assert await remind(db, WEDNESDAY + ONE_DAY) == (0, 0)
        entry = await db.scalar(
            select(Notification).where(Notification.user_id == world.applicants[0].id)
        )
        assert entry is not None
        assert entry.title == "退回修改即将截止"
        assert "2031-03-14" in entry.body
        assert entry.link.endswith(f"/applications/{world.application.id}")
        english = await db.scalar(
            select(MailMessage).where(MailMessage.to_address == world.applicants[1].email)
        )
        assert english is not None
        assert "resubmit by 2031-03-14" in english.text

    async def test_counts_working_days_on_the_calendar(
        self, db: AsyncSession, world: World
    ) -> None:
        db.add(
            CalendarDay(
                day=date(2031, 3, 13), working=False, name_zh="假日", source=CalendarSource.admin
            )
        )
        # Thursday off: the Monday after is two working days from Wednesday.
        await returned(db, world.application, date(2031, 3, 17))
        assert await remind(db, WEDNESDAY) == (2, 2)

    async def test_a_year_the_calendar_lacks_counts_plain_days(
        self, db: AsyncSession, world: World
    ) -> None:
        await db.execute(delete(CalendarDay).where(CalendarDay.day >= date(2099, 1, 1)))
        await db.execute(delete(CalendarYear).where(CalendarYear.year == 2099))
        today = date(2099, 6, 10)
        await returned(db, world.application, today + 3 * ONE_DAY)
        assert await remind(db, today) == (0, 0)
        await returned(db, world.application, today + 2 * ONE_DAY)
        assert await remind(db, today) == (2, 2)

    async def test_preferences_are_respected(self, db: AsyncSession, world: World) -> None:
        kind = Kind.correction_deadline_soon.value
        db.add_all(
            [
                NotificationPreference(
                    user_id=world.applicants[0].id, kind=kind, in_app=False, email=True
                ),
                NotificationPreference(
                    user_id=world.applicants[1].id, kind=kind, in_app=True, email=False
                ),
            ]
        )
        await returned(db, world.application, date(2031, 3, 14))
        assert await remind(db, WEDNESDAY) == (1, 1)
        assert await inbox(db) == {kind: ids(world.applicants[1])}
        assert await mails(db) == {kind: addresses(world.applicants[0])}


class TestCorrectionDeadlinePassed:
    async def test_reaches_the_applicants_the_day_after_once(
        self, db: AsyncSession, world: World
    ) -> None:
        await returned(db, world.application, WEDNESDAY)
        assert await remind(db, WEDNESDAY) == (0, 0)
        assert await remind(db, WEDNESDAY + ONE_DAY) == (2, 2)
        assert await inbox(db) == {Kind.correction_deadline_passed: ids(*world.applicants)}
        assert await remind(db, WEDNESDAY + 2 * ONE_DAY) == (0, 0)

    async def test_not_once_resubmitted_nor_long_after(
        self, db: AsyncSession, world: World
    ) -> None:
        await returned(db, world.application, WEDNESDAY - ONE_DAY)
        world.application.status = S.submitted
        world.application.submitted_at = datetime(2031, 3, 11, 9, tzinfo=BEIJING)
        await make_application(
            db,
            world.enterprise,
            world.batch,
            status=S.returned,
            return_deadline_on=WEDNESDAY - 30 * ONE_DAY,
        )
        await db.flush()
        assert await remind(db, WEDNESDAY) == (0, 0)

    async def test_switched_off_entirely(self, db: AsyncSession, world: World) -> None:
        for user in world.applicants:
            db.add(
                NotificationPreference(
                    user_id=user.id,
                    kind=Kind.correction_deadline_passed.value,
                    in_app=False,
                    email=False,
                )
            )
        await returned(db, world.application, WEDNESDAY - ONE_DAY)
        assert await remind(db, WEDNESDAY) == (0, 0)


class TestDistrictCheckOverdue:
    async def test_one_list_a_day_for_each_admin(self, db: AsyncSession, world: World) -> None:
        second_admin = await make_user(db, Role.admin)
        # Eleven working days waited by Wednesday, then ten.
        world.application.submitted_at = datetime(2031, 2, 25, 18, tzinfo=BEIJING)
        waiting = await make_application(
            db,
            world.enterprise,
            world.batch,
            status=S.submitted,
            submitted_at=datetime(2031, 2, 26, 9, tzinfo=BEIJING),
        )
        await db.flush()
        assert await remind(db, WEDNESDAY - ONE_DAY) == (0, 0)
        assert await remind(db, WEDNESDAY) == (2, 2)
        assert await inbox(db) == {Kind.district_check_overdue: ids(world.admin, second_admin)}
        assert await mails(db) == {
            Kind.district_check_overdue: addresses(world.admin, second_admin)
        }
        entry = await db.scalar(select(Notification).where(Notification.user_id == world.admin.id))
        assert entry is not None
        assert world.application.product_name_zh in entry.body
        assert waiting.product_name_zh not in entry.body
        assert "2031-02-25" in entry.body
        assert "11" in entry.body
        assert await remind(db, WEDNESDAY) == (0, 0)
        # The next day both are overdue: a new list.
        assert await remind(db, WEDNESDAY + ONE_DAY) == (2, 2)
        latest = await db.scalar(
            select(Notification)
            .where(Notification.user_id == world.admin.id)
            .order_by(Notification.id.desc())
        )
        assert latest is not None
        assert waiting.product_name_zh in latest.body
        assert latest.link.endswith("/admin/batches")

    async def test_nothing_when_the_checks_are_in_time(
        self, db: AsyncSession, world: World
    ) -> None:
        world.application.submitted_at = datetime(2031, 2, 26, 9, tzinfo=BEIJING)
        await db.flush()
        assert await remind(db, WEDNESDAY) == (0, 0)


class TestScoringDeadlineSoon:
    async def _reviewing(
        self, db: AsyncSession, world: World, due: date | None
    ) -> list[ReviewAssignment]:
        world.batch.status = BatchStatus.reviewing
        world.batch.review_due_on = due
        world.application.status = S.in_review
        await db.flush()
        scored, unscored = world.experts
        return [
            await make_assignment(db, world.application, unscored),
            await make_assignment(db, world.application, scored),
        ]

    async def test_reaches_the_experts_yet_to_score_two_working_days_before_once(
        self, db: AsyncSession, world: World
    ) -> None:
        unscored_assignment, scored_assignment = await self._reviewing(db, world, date(2031, 3, 14))
        db.add(
            Review(
                assignment_id=scored_assignment.id,
                application_id=world.application.id,
                expert_id=world.experts[0].id,
                status=ReviewStatus.submitted,
            )
        )
        removed = await make_expert(db)
        await make_assignment(db, world.application, removed, status=AssignmentStatus.removed)
        assert await remind(db, WEDNESDAY - ONE_DAY) == (0, 0)
        assert await remind(db, WEDNESDAY) == (1, 1)
        assert await inbox(db) == {Kind.scoring_deadline_soon: ids(world.experts[1])}
        assert await mails(db) == {Kind.scoring_deadline_soon: addresses(world.experts[1])}
        entry = await db.scalar(select(Notification))
        assert entry is not None
        assert entry.title == "评审截止日期临近"
        assert world.application.product_name_zh in entry.body
        assert "2031-03-14" in entry.body
        assert entry.link.endswith(f"/expert/assignments/{unscored_assignment.id}")
        assert await remind(db, WEDNESDAY + ONE_DAY) == (0, 0)
        # The deadline moved: a new reminder for the new day.
        world.batch.review_due_on = date(2031, 3, 17)
        await db.flush()
        assert await remind(db, WEDNESDAY + ONE_DAY) == (1, 1)

    async def test_nothing_without_a_deadline_or_once_the_review_is_over(
        self, db: AsyncSession, world: World
    ) -> None:
        await self._reviewing(db, world, None)
        assert await remind(db, WEDNESDAY) == (0, 0)
        world.batch.review_due_on = date(2031, 3, 14)
        world.batch.status = BatchStatus.deliberation
        await db.flush()
        assert await remind(db, WEDNESDAY) == (0, 0)
