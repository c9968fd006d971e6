"""The daily digest: e-mails of those who chose it wait, then go out as one message a day;
required notices never wait; choosing immediate e-mail again releases what waited."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import BEIJING
from api.config import get_settings
from api.models import (
    ApplicationStatus,
    EmailDelivery,
    MailMessage,
    MailStatus,
    Notification,
    Role,
    User,
)
from api.notifications import mail, service
from api.notifications.kinds import DAILY_DIGEST, Kind
from tests.factories.applications import make_application
from tests.notifications.helpers import World, consume, emit, make_world, status_changed

S = ApplicationStatus


@pytest.fixture
async def world(db: AsyncSession) -> World:
    return await make_world(db)


async def choose(db: AsyncSession, user: User, roles: set[Role], delivery: EmailDelivery) -> None:
    await service.set_preferences(db, user.id, roles, [], delivery)


async def mails_of(db: AsyncSession, user: User) -> list[MailMessage]:
    rows = await db.scalars(
        select(MailMessage)
        .where(MailMessage.user_id == user.id)
        .order_by(MailMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(BEIJING).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BEIJING)


async def submit_another(db: AsyncSession, world: World) -> None:
    """A second submission in the officer's district, as its own action."""
    other = await make_application(db, world.enterprise, world.batch, status=S.draft)
    await status_changed(db, other, "draft", S.submitted)
    await consume(db)


async def test_held_until_the_digest_hour_then_one_message_each(
    db: AsyncSession, world: World
) -> None:
    await choose(db, world.officer, {Role.district_officer}, EmailDelivery.daily)
    await status_changed(db, world.application, "draft", S.submitted)
    await consume(db)
    await submit_another(db, world)

    held = await mails_of(db, world.officer)
    waiting = (Kind.application_submitted, MailStatus.held)
    assert [(m.kind, m.status) for m in held] == [waiting] * 2
    assert all(m.next_attempt_at is None for m in held)
    # The inbox does not wait.
    entries = await db.scalars(select(Notification).where(Notification.user_id == world.officer.id))
    assert len(entries.all()) == 2
    # Nothing held is due for sending.
    assert set(await mail.lease_due(db)).isdisjoint({m.id for m in held})

    hour = get_settings().mail_digest_hour
    assert await service.collect_digests(db, tomorrow_at(hour) - timedelta(minutes=1)) == 0
    assert await service.collect_digests(db, tomorrow_at(hour, 5)) == 1
    assert await service.collect_digests(db, tomorrow_at(hour, 15)) == 0

    rows = await mails_of(db, world.officer)
    digest = rows[-1]
    assert digest.kind == DAILY_DIGEST
    assert digest.status == MailStatus.pending
    assert digest.to_address == world.officer.email
    assert [(m.status, m.digest_id) for m in rows[:2]] == [(MailStatus.digested, digest.id)] * 2
    assert digest.subject == f"每日通知摘要（{tomorrow_at(0).date().isoformat()}）：2 条"
    assert digest.text.count("【新的申报待区级审核】") == 2
    for held_message in held:
        assert held_message.link is not None
        assert held_message.link in digest.text
    base = get_settings().public_base_url.rstrip("/")
    assert f"更改邮件接收方式：{base}/notifications/preferences" in digest.text

    # The digest is a well-formed UTF-8 message like any other.
    built = mail.build(digest, get_settings(), datetime.now(UTC))
    parsed = email.message_from_bytes(built.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == digest.subject
    body = parsed.get_body(("plain",))
    assert body is not None
    assert world.application.product_name_zh in body.get_content()


async def test_required_notices_and_other_people_do_not_wait(
    db: AsyncSession, world: World
) -> None:
    daily, immediate = world.applicants
    await choose(db, daily, {Role.applicant}, EmailDelivery.daily)
    await status_changed(db, world.application, "in_review", S.returned)
    await consume(db)
    await emit(
        db,
        "certificate.issued",
        {"application_id": world.application.id, "number": "BJSTT-3000-01-0009"},
    )
    await consume(db)
    by_kind = {m.kind: m.status for m in await mails_of(db, daily)}
    assert by_kind == {
        Kind.application_returned: MailStatus.pending,  # required: it carries a deadline
        Kind.certificate_issued: MailStatus.held,
    }
    assert {m.status for m in await mails_of(db, immediate)} == {MailStatus.pending}


async def test_a_digest_in_the_recipients_language(db: AsyncSession, world: World) -> None:
    english = world.applicants[1]
    await choose(db, english, {Role.applicant}, EmailDelivery.daily)
    await emit(
        db,
        "certificate.issued",
        {"application_id": world.application.id, "number": "BJSTT-3000-01-0010"},
    )
    await consume(db)
    assert await service.collect_digests(db, tomorrow_at(23)) == 1
    digest = (await mails_of(db, english))[-1]
    assert digest.locale == "en"
    assert digest.subject.startswith("Daily digest for ")
    assert digest.subject.endswith(": 1 notices")
    assert digest.text.startswith(f"Dear {english.display_name},")
    assert "BJSTT-3000-01-0010" in digest.text


async def test_choosing_immediate_again_releases_what_waited(
    db: AsyncSession, world: World
) -> None:
    await choose(db, world.officer, {Role.district_officer}, EmailDelivery.daily)
    await status_changed(db, world.application, "draft", S.submitted)
    await consume(db)
    (held,) = await mails_of(db, world.officer)
    assert held.status == MailStatus.held
    await choose(db, world.officer, {Role.district_officer}, EmailDelivery.immediate)
    await db.refresh(held)
    assert held.status == MailStatus.pending
    assert held.next_attempt_at is not None
    assert held.id in await mail.lease_due(db)
    # Nothing is left for a digest.
    assert await service.collect_digests(db, tomorrow_at(23)) == 0
