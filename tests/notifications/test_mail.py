"""E-mail end to end on a database whose requests really commit: an action writes only its
outbox event; the worker's step makes the inbox entries and sends the e-mail — to a real SMTP
server, to nothing (the message waits for a retry), or to var/mail as `.eml` files."""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.applications.service import today
from api.config import get_settings
from api.models import ApplicationStatus, Locale, MailMessage, MailStatus, Notification, User
from api.notifications import service
from tests.calendar.helpers import ensure_years
from tests.factories.identity import login
from tests.notifications.helpers import World, make_world, status_changed

Sessions = async_sessionmaker[AsyncSession]
_ports = itertools.count(55000)


class Inbox:
    """An aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    settings = get_settings()
    monkeypatch.setattr(settings, "var_dir", tmp_path)
    monkeypatch.setattr(settings, "smtp_tls", "none")
    monkeypatch.setattr(settings, "smtp_timeout_s", 5.0)

    def point(port: int | None) -> None:
        monkeypatch.setattr(settings, "smtp_host", "127.0.0.1" if port else None)
        monkeypatch.setattr(settings, "smtp_port", port or 25)

    return point


@pytest.fixture
async def world(committing_app: tuple[FastAPI, Sessions]) -> AsyncIterator[World]:
    _, sessions = committing_app
    # What earlier tests left is handled first, so each test sees its own messages only.
    await _drain(sessions)
    async with sessions() as db, db.begin():
        await ensure_years(db, today().year, today().year + 1)
        world = await make_world(db)
    return world


async def _drain(sessions: Sessions) -> None:
    async with sessions() as db, db.begin():
        await service.fan_out(db)
        await db.execute(
            MailMessage.__table__.update()
            .where(MailMessage.status == MailStatus.pending)
            .values(status=MailStatus.failed)
        )


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", next(_ports)))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _return_by_officer(app: FastAPI, world: World) -> None:
    """The district officer returns the application, as in the demo."""
    async with _client(app) as officer:
        assert (await login(officer, world.officer.email)).status_code == 200
        returned = await officer.post(
            f"/api/v1/applications/{world.application.id}/district/return",
            json={"reason": "请补充第三方检测报告", "deadline_working_days": 5},
        )
        assert returned.status_code == 200, returned.text


async def _mail_to(sessions: Sessions, user: User) -> MailMessage:
    async with sessions() as db:
        row = await db.scalar(select(MailMessage).where(MailMessage.to_address == user.email))
    assert row is not None
    return row


def _parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


async def test_a_return_reaches_the_applicants_over_smtp(
    committing_app: tuple[FastAPI, Sessions],
    world: World,
    smtp_server: tuple[Inbox, int],
    smtp_at: Any,
) -> None:
    app, sessions = committing_app
    received, port = smtp_server
    smtp_at(port)
    zh_user, en_user = world.applicants
    async with sessions() as db, db.begin():
        await db.execute(User.__table__.update().where(User.id == en_user.id).values(locale="en"))
    en_user.locale = Locale.en
    await _return_by_officer(app, world)

    assert received.received == []  # the action only wrote its event
    await service.run_once(sessions)

    by_rcpt = {rcpt[0]: (sender, raw) for sender, rcpt, raw in received.received}
    assert set(by_rcpt) == {zh_user.email, en_user.email}
    expected_subject = {zh_user.email: "申报已退回修改", en_user.email: "Application returned"}
    link = f"{get_settings().public_base_url}/applications/{world.application.id}"
    for user in (zh_user, en_user):
        sender, raw = by_rcpt[user.email]
        assert sender == "no-reply@firstset.localhost"
        raw.decode("ascii")  # 7-bit on the wire: encoded words and quoted-printable
        message = _parse(raw)
        assert str(message["Subject"]).startswith(expected_subject[user.email])
        assert message["From"].addresses[0].display_name == "北京市首台套 FirstSet"
        assert message["To"].addresses[0].addr_spec == user.email
        assert message["To"].addresses[0].display_name == user.display_name
        assert message["Message-ID"].startswith("<")
        assert message["Date"]
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Content-Language"] == ("en" if user is en_user else "zh-CN")
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        assert part.get_content_charset() == "utf-8"
        text = part.get_content()
        assert "请补充第三方检测报告" in text
        assert link in text
        logged = await _mail_to(sessions, user)
        assert logged.status == MailStatus.sent
        assert logged.attempts == 1
        assert logged.message_id == message["Message-ID"]
        assert logged.eml_path is None

    # and each applicant has an inbox entry, in their own language
    async with _client(app) as applicant:
        assert (await login(applicant, en_user.email)).status_code == 200
        inbox = (await applicant.get("/api/v1/notifications")).json()
        assert inbox["unread"] == 1
        assert inbox["items"][0]["title"] == "Application returned for correction"
        assert inbox["items"][0]["link"] == link


async def test_smtp_down_keeps_the_message_for_later(
    committing_app: tuple[FastAPI, Sessions], world: World, smtp_at: Any
) -> None:
    app, sessions = committing_app
    smtp_at(_free_port())  # nothing listens there
    await _return_by_officer(app, world)  # succeeds whatever the mail server does
    started = datetime.now(UTC)
    await service.run_once(sessions)
    for user in world.applicants:
        row = await _mail_to(sessions, user)
        assert row.status == MailStatus.pending
        assert row.attempts == 1
        assert row.last_error
        assert row.next_attempt_at is not None
        assert row.next_attempt_at > started
    async with sessions() as db:
        entries = await db.scalar(
            select(Notification).where(Notification.user_id == world.applicants[0].id)
        )
    assert entries is not None  # the inbox does not wait for the mail server


async def test_a_rolled_back_action_sends_nothing(
    committing_app: tuple[FastAPI, Sessions], world: World, smtp_at: Any
) -> None:
    _, sessions = committing_app
    smtp_at(None)
    async with sessions() as db, db.begin():
        application = await db.merge(world.application)
        await status_changed(db, application, "submitted", ApplicationStatus.rejected)
        await db.rollback()
    assert await service.run_once(sessions) == (0, 0, 0)


async def test_without_smtp_the_mail_is_written_to_var_mail(
    committing_app: tuple[FastAPI, Sessions], world: World, smtp_at: Any, tmp_path: Path
) -> None:
    app, sessions = committing_app
    smtp_at(None)
    await _return_by_officer(app, world)
    await service.run_once(sessions)
    row = await _mail_to(sessions, world.applicants[0])
    assert row.status == MailStatus.sent
    assert row.eml_path
    path = Path(row.eml_path)
    assert path.parent == tmp_path / "mail"
    assert path.suffix == ".eml"
    message = _parse(await anyio.Path(path).read_bytes())
    assert str(message["Subject"]) == "申报已退回修改"
    assert message["To"].addresses[0].addr_spec == world.applicants[0].email
