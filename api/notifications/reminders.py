"""Notices that come from dates rather than events: a correction deadline drawing near or gone
by, a scoring deadline drawing near, district checks left waiting too long.

Each reminder has a key of its own — its kind, its subject and the day it is about — that stands
in for the outbox event id (negative, so never a real one): the unique (user, kind, event) of
inbox entries and e-mails then keeps it sent once however often the worker looks.

A reminder is due on its day and, should the worker not run that day, a few days later still;
older ones are let go rather than sent all at once."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import BEIJING
from api.calendar import service as calendar
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Organization,
    Review,
    ReviewAssignment,
    ReviewStatus,
    User,
)
from api.notifications import recipients
from api.notifications.kinds import SPECS, Kind
from api.notifications.recipients import Delivery

S = ApplicationStatus
# The applicant hears of a correction deadline, an expert of a scoring deadline, this many
# working days before it.
DEADLINE_NOTICE_WORKING_DAYS = 2
# No rule of the district check's length exists elsewhere: what admins hold districts to.
DISTRICT_CHECK_WORKING_DAYS = 10
CATCH_UP = timedelta(days=7)
ONE_DAY = timedelta(days=1)


def reminder_key(*parts: object) -> int:
    """A stable negative bigint for a reminder's identity."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return -(int.from_bytes(digest[:8]) >> 1) - 1


async def _working_days_ahead(session: AsyncSession, today: date, days: int) -> date:
    """The `days`-th working day after `today`; plain days for a year the calendar lacks, since
    a reminder a day off beats none."""
    try:
        return await calendar.add_working_days(session, today + ONE_DAY, days)
    except calendar.CalendarYearUnknown:
        return today + timedelta(days=days)


async def correction_deadlines(session: AsyncSession, today: date) -> list[Delivery]:
    """Applicants of applications still returned whose deadline is near or has passed."""
    soon_through = await _working_days_ahead(session, today, DEADLINE_NOTICE_WORKING_DAYS)
    rows = await session.execute(
        select(Application).where(
            Application.status == S.returned,
            Application.return_deadline_on.between(today - CATCH_UP, soon_through),
            Application.return_deadline_on != today,
        )
    )
    deliveries: list[Delivery] = []
    for application in rows.scalars():
        deadline = application.return_deadline_on
        assert deadline is not None
        kind = (
            Kind.correction_deadline_soon if deadline > today else Kind.correction_deadline_passed
        )
        item = {
            "application_id": str(application.id),
            "product_zh": application.product_name_zh,
            "product_en": application.product_name_en,
            "deadline": deadline,
        }
        key = reminder_key(kind, application.id, deadline)
        path = f"/applications/{application.id}"
        deliveries += [
            Delivery(kind, r, item, path, key)
            for r in await recipients.applicants(session, application.organization_id)
        ]
    return deliveries


async def scoring_deadlines(session: AsyncSession, today: date) -> list[Delivery]:
    """Experts with assignments still unscored in a batch whose scoring deadline is near."""
    soon_through = await _working_days_ahead(session, today, DEADLINE_NOTICE_WORKING_DAYS)
    done = exists().where(
        Review.assignment_id == ReviewAssignment.id,
        Review.status.in_((ReviewStatus.submitted, ReviewStatus.waived)),
    )
    rows = await session.execute(
        select(ReviewAssignment, Application, Batch, User)
        .join(Batch, Batch.id == ReviewAssignment.batch_id)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(User, User.id == ReviewAssignment.expert_id)
        .where(
            Batch.status == BatchStatus.reviewing,
            Batch.review_due_on > today,
            Batch.review_due_on <= soon_through,
            ReviewAssignment.status == AssignmentStatus.active,
            User.is_active.is_(True),
            ~done,
        )
        .order_by(ReviewAssignment.id)
    )
    kind = Kind.scoring_deadline_soon
    deliveries = []
    for assignment, application, batch, user in rows:
        item = {
            "assignment_id": str(assignment.id),
            "product_zh": application.product_name_zh,
            "product_en": application.product_name_en,
            "deadline": batch.review_due_on,
        }
        key = reminder_key(kind, batch.id, batch.review_due_on)
        path = f"/expert/assignments/{assignment.id}"
        deliveries.append(Delivery(kind, recipients.of_user(user), item, path, key))
    return deliveries


def _beijing_day(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


async def overdue_district_checks(session: AsyncSession, today: date) -> list[Delivery]:
    """One list a day for every admin: the applications waiting for their district check longer
    than `DISTRICT_CHECK_WORKING_DAYS` working days after the day they were submitted."""
    # n working days span at least n plain days: anything newer cannot be overdue.
    newest = datetime.combine(
        today - timedelta(days=DISTRICT_CHECK_WORKING_DAYS), datetime.min.time(), BEIJING
    )
    rows = await session.execute(
        select(Application, Organization)
        .join(Organization, Organization.id == Application.organization_id)
        .where(Application.status == S.submitted, Application.submitted_at < newest)
        .order_by(Application.submitted_at)
    )
    waited: dict[date, int] = {}
    items = []
    for application, organization in rows:
        assert application.submitted_at is not None
        submitted_on = _beijing_day(application.submitted_at)
        if submitted_on not in waited:
            # Plain weekdays count for a year the calendar lacks (count_working_days' rule).
            waited[submitted_on] = await calendar.count_working_days(
                session, submitted_on + ONE_DAY, today
            )
        if waited[submitted_on] > DISTRICT_CHECK_WORKING_DAYS:
            items.append(
                {
                    "application_id": str(application.id),
                    "product_zh": application.product_name_zh,
                    "product_en": application.product_name_en,
                    "organization_zh": organization.name_zh,
                    "organization_en": organization.name_en,
                    "submitted_on": submitted_on,
                    "working_days": waited[submitted_on],
                }
            )
    if not items:
        return []
    kind = Kind.district_check_overdue
    key = reminder_key(kind, today)
    path = SPECS[kind].list_path  # no page of its own shows an admin one application
    return [
        Delivery(kind, r, item, path, key)
        for r in await recipients.admins(session)
        for item in items
    ]


async def due(
    session: AsyncSession, today: date
) -> list[tuple[Kind, recipients.Recipient, list[Delivery]]]:
    """Every reminder due `today`, grouped as one message per recipient, kind and key."""
    groups: dict[tuple[str, Kind, int], list[Delivery]] = defaultdict(list)
    found = (
        await correction_deadlines(session, today)
        + await scoring_deadlines(session, today)
        + await overdue_district_checks(session, today)
    )
    for d in found:
        groups[(d.recipient.key, d.kind, d.event_id)].append(d)
    return [(kind, ds[0].recipient, ds) for (_, kind, _), ds in groups.items()]
