"""Who hears what: each event kind reaches exactly its recipients, preferences are respected,
and one action makes one message per recipient."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.experts import manual
from api.models import (
    ApplicationStatus,
    AssignmentDraw,
    AssignmentSource,
    AssignmentStatus,
    MailMessage,
    Notification,
    NotificationPreference,
    Objection,
    ObjectionStatus,
    ReviewAssignment,
)
from api.notifications.kinds import Kind
from tests.awards.helpers import admin_principal
from tests.experts.helpers import reviewing_world
from tests.factories.applications import make_application
from tests.notifications.helpers import (
    World,
    consume,
    emit,
    inbox,
    mails,
    make_world,
    status_changed,
)

S = ApplicationStatus


@pytest.fixture
async def world(db: AsyncSession) -> World:
    return await make_world(db)


def ids(*users: object) -> set[uuid.UUID]:
    return {u.id for u in users}  # type: ignore[attr-defined]


def addresses(*users: object) -> set[str]:
    return {u.email for u in users}  # type: ignore[attr-defined]


async def test_returned_reaches_the_applicant_members_with_reason_and_deadline(
    db: AsyncSession, world: World
) -> None:
    world.application.return_reason = "请补充检测报告"
    world.application.return_deadline_on = date(2031, 3, 14)
    await status_changed(db, world.application, "submitted", S.returned)
    await consume(db)
    assert await inbox(db) == {Kind.application_returned: ids(*world.applicants)}
    assert await mails(db) == {Kind.application_returned: addresses(*world.applicants)}
    zh = await db.scalar(select(Notification).where(Notification.user_id == world.applicants[0].id))
    assert zh is not None
    assert "请补充检测报告" in zh.body
    assert "2031-03-14" in zh.body
    assert zh.title == "申报已退回修改"
    assert zh.link.endswith(f"/applications/{world.application.id}")
    en = await db.scalar(
        select(MailMessage).where(MailMessage.to_address == world.applicants[1].email)
    )
    assert en is not None
    assert en.subject == "Application returned for correction"
    assert en.locale == "en"
    assert "resubmit by 2031-03-14" in en.text


@pytest.mark.parametrize(
    "decision",
    [S.recommended, S.accepted, S.rejected, S.shortlisted, S.not_selected, S.awarded],
)
async def test_decisions_reach_the_applicant_members(
    db: AsyncSession, world: World, decision: ApplicationStatus
) -> None:
    await status_changed(db, world.application, "submitted", decision)
    await consume(db)
    assert await inbox(db) == {Kind.application_decision: ids(*world.applicants)}
    assert await mails(db) == {Kind.application_decision: addresses(*world.applicants)}


@pytest.mark.parametrize(
    ("before", "kind"),
    [("draft", Kind.application_submitted), ("returned", Kind.application_resubmitted)],
)
async def test_submissions_reach_the_officers_of_the_district(
    db: AsyncSession, world: World, before: str, kind: Kind
) -> None:
    await status_changed(db, world.application, before, S.submitted)
    await consume(db)
    assert await inbox(db) == {kind: ids(world.officer)}
    assert await mails(db) == {kind: addresses(world.officer)}


@pytest.mark.parametrize("after", [S.in_review, S.reviewed, S.withdrawn])
async def test_other_moves_reach_nobody(
    db: AsyncSession, world: World, after: ApplicationStatus
) -> None:
    await status_changed(db, world.application, "submitted", after)
    for event_type in ("batch.status_changed", "publicity.started", "award.granted"):
        await emit(db, event_type, {"batch_id": world.batch.id})
    await consume(db)
    assert await inbox(db) == {}
    assert await mails(db) == {}


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("certificate.issued", Kind.certificate_issued),
        ("certificate.revoked", Kind.certificate_revoked),
    ],
)
async def test_certificates_reach_the_applicant_members(
    db: AsyncSession, world: World, event_type: str, kind: Kind
) -> None:
    await emit(
        db,
        event_type,
        {
            "application_id": world.application.id,
            "organization_id": world.enterprise.id,
            "number": "BJSTT-3000-01-0001",
            "valid_until": "3003-01-01",
            "reason": "以虚假材料取得",
        },
    )
    await consume(db)
    assert await inbox(db) == {kind: ids(*world.applicants)}
    row = await db.scalar(select(Notification).where(Notification.kind == kind))
    assert row is not None
    assert "BJSTT-3000-01-0001" in row.body


async def test_a_draw_reaches_the_experts_it_assigned(db: AsyncSession, world: World) -> None:
    draw = AssignmentDraw(
        batch_id=world.batch.id, seed=1, per_application=2, cap_per_expert=5, report={}
    )
    db.add(draw)
    await db.flush()
    for expert, status in zip(
        world.experts, (AssignmentStatus.active, AssignmentStatus.removed), strict=True
    ):
        db.add(
            ReviewAssignment(
                batch_id=world.batch.id,
                application_id=world.application.id,
                expert_id=expert.id,
                status=status,
                source=AssignmentSource.draw,
                draw_id=draw.id,
            )
        )
    await db.flush()
    await emit(db, "assignment.drawn", {"batch_id": world.batch.id, "draw_id": draw.id})
    await consume(db)
    assert await inbox(db) == {Kind.assignment_new: ids(world.experts[0])}


async def test_a_manual_assignment_reaches_its_expert_only(db: AsyncSession) -> None:
    """Through the admin's own action: `add_assignment` writes the event the consumer reads."""
    reviewing = await reviewing_world(db)
    admin = await admin_principal(db)
    expert = reviewing.experts["free1"]
    application = reviewing.apps["ic_b"]
    assignment = await manual.add_assignment(db, admin, application.id, expert.id, "补充评审")
    await consume(db)
    assert await inbox(db) == {Kind.assignment_new: {expert.id}}
    assert await mails(db) == {Kind.assignment_new: {expert.email}}
    entry = await db.scalar(select(Notification).where(Notification.user_id == expert.id))
    assert entry is not None
    assert entry.link.endswith(f"/expert/assignments/{assignment.id}")
    assert application.product_name_zh in entry.body


async def _objection(db: AsyncSession, world: World, email: str | None) -> Objection:
    objection = Objection(
        reference=f"YY-TEST-{uuid.uuid4().hex[:8]}",
        batch_id=world.batch.id,
        application_id=world.application.id,
        status=ObjectionStatus.filed,
        objector_name="李四",
        objector_email=email,
        statement="该产品并非首台。",
    )
    db.add(objection)
    await db.flush()
    return objection


async def test_an_objection_reaches_the_admins_and_its_objector(
    db: AsyncSession, world: World
) -> None:
    objection = await _objection(db, world, "objector@example.cn")
    await emit(db, "objection.filed", {"objection_id": objection.id})
    await consume(db)
    assert await inbox(db) == {Kind.objection_filed: ids(world.admin)}
    assert await mails(db) == {
        Kind.objection_filed: addresses(world.admin),
        Kind.objection_received: {"objector@example.cn"},
    }
    received = await db.scalar(
        select(MailMessage).where(MailMessage.kind == Kind.objection_received)
    )
    assert received is not None
    assert received.user_id is None
    assert objection.reference in received.text


async def test_a_resolution_reaches_the_objector_by_mail_only(
    db: AsyncSession, world: World
) -> None:
    objection = await _objection(db, world, "objector@example.cn")
    objection.status = ObjectionStatus.dismissed
    objection.resolution = "经核查，异议不成立。"
    without_email = await _objection(db, world, None)
    for row in (objection, without_email):
        await emit(
            db,
            "objection.status_changed",
            {"objection_id": row.id, "from": "filed", "to": "dismissed"},
        )
    await consume(db)
    assert await inbox(db) == {}
    assert await mails(db) == {Kind.objection_resolved: {"objector@example.cn"}}
    text = await db.scalar(select(MailMessage.text))
    assert text is not None
    assert "异议不成立" in text
    assert "经核查" in text


async def test_a_disabled_subscription_reaches_the_admins(db: AsyncSession, world: World) -> None:
    await emit(
        db,
        "webhook.subscription_disabled",
        {"url": "https://receiver.example.cn/hook", "reason": "failing for 24 h"},
    )
    await consume(db)
    assert await inbox(db) == {Kind.webhook_disabled: ids(world.admin)}


async def test_preferences_switch_channels_but_not_required_kinds(
    db: AsyncSession, world: World
) -> None:
    first, second = world.applicants
    db.add_all(
        [
            NotificationPreference(
                user_id=world.officer.id,
                kind=Kind.application_submitted,
                in_app=False,
                email=True,
            ),
            NotificationPreference(
                user_id=first.id, kind=Kind.certificate_issued, in_app=True, email=False
            ),
            # stored against the rules (the API refuses it): still delivered
            NotificationPreference(
                user_id=second.id, kind=Kind.application_returned, in_app=False, email=False
            ),
        ]
    )
    other = await make_application(db, world.enterprise, world.batch, status=S.submitted)
    await status_changed(db, world.application, "draft", S.submitted)
    await status_changed(db, other, "submitted", S.returned)
    await emit(
        db,
        "certificate.issued",
        {"application_id": world.application.id, "number": "BJSTT-3000-01-0002"},
    )
    await consume(db)
    assert await inbox(db) == {
        Kind.application_returned: ids(first, second),
        Kind.certificate_issued: ids(first, second),
    }
    assert await mails(db) == {
        Kind.application_submitted: addresses(world.officer),
        Kind.application_returned: addresses(first, second),
        Kind.certificate_issued: addresses(second),
    }


async def test_one_action_makes_one_message_per_recipient(db: AsyncSession, world: World) -> None:
    """An announcement of 40 awards: the events of one transaction become one message per
    applicant member, listing its products, with their certificates folded in."""
    products = [world.application]
    products += [
        await make_application(db, world.enterprise, world.batch, status=S.shortlisted)
        for _ in range(39)
    ]
    for application in products:
        await status_changed(db, application, "shortlisted", S.awarded)
        await emit(db, "award.granted", {"application_id": application.id})
    for n, application in enumerate(products, start=1):
        await emit(
            db,
            "certificate.issued",
            {"application_id": application.id, "number": f"BJSTT-3000-01-{n:04d}"},
        )
    await emit(db, "batch.status_changed", {"batch_id": world.batch.id, "to": "announced"})
    assert await consume(db) == (2, 2)
    assert await inbox(db) == {Kind.application_decision: ids(*world.applicants)}
    entry = await db.scalar(
        select(Notification).where(Notification.user_id == world.applicants[0].id)
    )
    assert entry is not None
    assert len(entry.data["items"]) == 40
    assert entry.body.count("\n- ") == 40
    assert "BJSTT-3000-01-0040" in entry.body
    assert entry.link.endswith("/applications")
    # Consuming again makes nothing new.
    assert await consume(db) == (0, 0)
    assert await db.scalar(select(func.count()).select_from(MailMessage)) == 2
