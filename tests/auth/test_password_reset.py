"""`POST /api/v1/auth/password-reset` and `/confirm`: a forgotten password, reset by e-mail."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.policy import default
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth import reset
from api.config import get_settings
from api.models import AuditEvent, Locale, MailMessage, PasswordReset, Role, User, UserSession
from api.notifications import kinds, mail
from api.permissions import hash_token
from tests.auth.test_password import password_hash_of
from tests.auth.test_router import assert_problem
from tests.factories.identity import (
    PASSWORD,
    logged_in,
    login,
    make_password_reset,
    make_user,
)

REQUEST = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "Quiet-Lathe-Harbour-42"
LINK = re.compile(r"/reset-password\?token=([A-Za-z0-9_-]+)")
ACCEPTED = {"detail": "If an active account has this address, a reset link was sent to it."}


@pytest.fixture
async def other_client(app: FastAPI, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, from an address of its own."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def reset_mails(db: AsyncSession, address: str) -> list[MailMessage]:
    rows = await db.scalars(
        select(MailMessage)
        .where(MailMessage.to_address == address, MailMessage.kind == reset.MAIL_KIND)
        .order_by(MailMessage.id)
    )
    return list(rows.all())


def token_in(message: MailMessage) -> str:
    found = LINK.findall(message.text)
    assert len(set(found)) == 1, message.text
    return found[0]


async def request_link(client: httpx.AsyncClient, db: AsyncSession, user: User) -> str:
    response = await client.post(REQUEST, json={"email": user.email.upper()})
    assert response.status_code == 202, response.text
    return token_in((await reset_mails(db, user.email))[-1])


def confirm(token: str, new: str = NEW_PASSWORD) -> dict[str, str]:
    return {"token": token, "new_password": new}


class TestRequest:
    async def test_active_account_gets_a_bilingual_link(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        response = await client.post(REQUEST, json={"email": f"  {user.email.upper()} "})
        assert response.status_code == 202, response.text
        assert response.json() == ACCEPTED

        [message] = await reset_mails(db, user.email)
        assert message.status == "pending"  # the worker sends it
        assert message.user_id == user.id
        assert "重置密码" in message.subject
        assert "Reset your password" in message.subject
        assert "请在 30 分钟内" in message.text
        assert "within 30 minutes" in message.text
        base = get_settings().public_base_url.rstrip("/")
        assert f"{base}/reset-password?token=" in message.text
        token = token_in(message)
        assert len(token) >= 43  # 256 bits

        # Only the token's hash is stored, and the audit log has neither.
        row = await db.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
        assert row is not None
        assert row.token_hash == hash_token(token)
        assert token.encode() not in row.token_hash
        assert row.used_at is None
        assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=31)
        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "auth.request_password_reset",
                AuditEvent.request_id == response.headers["x-request-id"],
            )
        )
        assert event is not None
        assert event.object_id == str(user.id)
        assert event.actor_id is None
        assert token not in str(event.changes)

    async def test_the_account_language_comes_first(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.expert)
        user.locale = Locale.en
        await db.flush()
        await request_link(client, db, user)
        [message] = await reset_mails(db, user.email)
        assert message.text.index("Dear") < message.text.index("您好")

    async def test_unknown_address_same_answer_and_no_mail(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        known = await client.post(REQUEST, json={"email": user.email})
        unknown = await client.post(REQUEST, json={"email": "nobody-here@example.cn"})
        assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
        assert await reset_mails(db, "nobody-here@example.cn") == []
        assert (await db.scalars(select(PasswordReset))).all() != []
        assert len((await db.scalars(select(PasswordReset))).all()) == 1

    async def test_inactive_account_gets_nothing(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        user.is_active = False
        await db.flush()
        response = await client.post(REQUEST, json={"email": user.email})
        assert (response.status_code, response.json()) == (202, ACCEPTED)
        assert await reset_mails(db, user.email) == []
        assert await db.scalar(select(PasswordReset.id)) is None

    async def test_limited_per_address(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await make_user(db, Role.applicant)
        for _ in range(3):  # the default: 3 an hour
            assert (await client.post(REQUEST, json={"email": user.email})).status_code == 202
        response = await client.post(REQUEST, json={"email": user.email})
        assert_problem(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) > 0
        assert len(await reset_mails(db, user.email)) == 3
        # an unknown address is limited alike, or the limit would tell
        for _ in range(3):
            await client.post(REQUEST, json={"email": "ghost@example.cn"})
        response = await client.post(REQUEST, json={"email": "ghost@example.cn"})
        assert_problem(response, 429, "rate_limited")

    async def test_limited_per_client_ip(
        self,
        db: AsyncSession,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(get_settings(), "password_reset_limit_per_ip", "2/hour")
        for n in range(2):
            response = await client.post(REQUEST, json={"email": f"a{n}@example.cn"})
            assert response.status_code == 202
        response = await client.post(REQUEST, json={"email": "a9@example.cn"})
        assert_problem(response, 429, "rate_limited")
        assert "retry-after" in response.headers
        # another address is not held up
        response = await other_client.post(REQUEST, json={"email": "a9@example.cn"})
        assert response.status_code == 202

    async def test_no_session_and_no_csrf_needed(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(REQUEST, json={"email": "x@example.cn"})
        assert response.status_code == 202
        assert "set-cookie" not in response.headers

    async def test_not_even_an_admin_reads_a_queued_link(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        assert (await client.post(REQUEST, json={"email": user.email})).status_code == 202
        [message] = await reset_mails(db, user.email)
        assert token_in(message)  # the queued copy holds the link until it is sent
        await logged_in(db, client, Role.admin)
        client.headers["X-CSRF-Token"] = client.cookies["csrf_token"]
        response = await client.get(f"/api/v1/admin/mail/{message.id}")
        assert response.status_code == 200, response.text
        assert response.json()["text"] == kinds.LINK_TEXT_REMOVED


class TestConfirm:
    async def test_full_flow(
        self,
        app: FastAPI,
        db: AsyncSession,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
    ) -> None:
        user = await make_user(db, Role.applicant)
        assert (await login(other_client, user.email)).status_code == 200
        assert (await other_client.get("/api/v1/auth/me")).status_code == 200

        token = await request_link(client, db, user)
        response = await client.post(CONFIRM, json=confirm(token))
        assert response.status_code == 204, response.text
        assert response.content == b""

        # every session ends, and only the new password logs in
        assert_problem(await other_client.get("/api/v1/auth/me"), 401, "session_expired")
        live = await db.scalar(
            select(UserSession.id).where(
                UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
            )
        )
        assert live is None
        transport = httpx.ASGITransport(app=app, client=("127.0.0.3", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
            assert_problem(await login(fresh, user.email, PASSWORD), 401, "invalid_credentials")
            assert (await login(fresh, user.email, NEW_PASSWORD)).status_code == 200

        row = await db.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
        assert row is not None
        assert row.used_at is not None
        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "auth.reset_password",
                AuditEvent.request_id == response.headers["x-request-id"],
            )
        )
        assert event is not None
        assert event.actor_id == user.id
        assert event.object_id == str(user.id)
        assert "1 session(s) ended" in event.changes["note"]
        assert token not in str(event.changes)
        assert NEW_PASSWORD not in str(event.changes)

    async def test_token_works_once(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await make_user(db, Role.applicant)
        token = await request_link(client, db, user)
        assert (await client.post(CONFIRM, json=confirm(token))).status_code == 204
        after = await password_hash_of(db, user)
        assert_problem(
            await client.post(CONFIRM, json=confirm(token, "Other-Brass-Anchor-93")),
            422,
            "reset_token_invalid",
        )
        assert await password_hash_of(db, user) == after

    async def test_expired_token_refused(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await make_user(db, Role.applicant)
        token = await make_password_reset(db, user, valid_for=timedelta(seconds=-1))
        before = await password_hash_of(db, user)
        assert_problem(await client.post(CONFIRM, json=confirm(token)), 422, "reset_token_invalid")
        assert await password_hash_of(db, user) == before

    async def test_unknown_used_and_expired_answer_alike(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        expired = await make_password_reset(db, user, valid_for=timedelta(seconds=-1))
        used = await make_password_reset(db, user)
        assert (await client.post(CONFIRM, json=confirm(used))).status_code == 204
        bodies = []
        for token in ("not-a-token", expired, used):
            body = assert_problem(
                await client.post(CONFIRM, json=confirm(token)), 422, "reset_token_invalid"
            )
            bodies.append((body["detail"], body.get("errors")))
        assert len(set(map(str, bodies))) == 1

    async def test_new_link_ends_the_old(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await make_user(db, Role.applicant)
        first = await request_link(client, db, user)
        second = await request_link(client, db, user)
        assert first != second
        assert_problem(await client.post(CONFIRM, json=confirm(first)), 422, "reset_token_invalid")
        assert (await client.post(CONFIRM, json=confirm(second))).status_code == 204

    async def test_inactive_account_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        token = await make_password_reset(db, user)
        user.is_active = False
        await db.flush()
        assert_problem(await client.post(CONFIRM, json=confirm(token)), 422, "reset_token_invalid")

    @pytest.mark.parametrize("password", ["short-1", "password1234", "qwertyuiopasdf"])
    async def test_weak_password_changes_nothing(
        self,
        db: AsyncSession,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        password: str,
    ) -> None:
        user = await make_user(db, Role.applicant)
        await login(other_client, user.email)
        token = await make_password_reset(db, user)
        before = await password_hash_of(db, user)
        body = assert_problem(
            await client.post(CONFIRM, json=confirm(token, password)), 422, "validation_error"
        )
        assert [(e["field"], e["code"]) for e in body["errors"]] == [
            ("new_password", "weak_password")
        ]
        assert await password_hash_of(db, user) == before
        assert (await other_client.get("/api/v1/auth/me")).status_code == 200
        # the link still works for a good password
        assert (await client.post(CONFIRM, json=confirm(token))).status_code == 204

    async def test_failed_logins_forgiven(
        self, db: AsyncSession, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "login_limit_per_account", "2/hour")
        user = await make_user(db, Role.applicant)
        for _ in range(2):
            await login(client, user.email, "Wrong-Guess-Number-11")
        assert_problem(await login(client, user.email), 429, "rate_limited")
        token = await make_password_reset(db, user)
        assert (await client.post(CONFIRM, json=confirm(token))).status_code == 204
        assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200


class TestDelivery:
    async def test_written_to_var_dir_and_link_dropped_from_the_queue(
        self,
        db: AsyncSession,
        client: httpx.AsyncClient,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        settings = get_settings()
        monkeypatch.setattr(settings, "var_dir", tmp_path)
        monkeypatch.setattr(settings, "smtp_host", None)
        user = await make_user(db, Role.applicant)
        token = await request_link(client, db, user)
        [message] = await reset_mails(db, user.email)

        outcome = await mail.send(message, settings)
        mail.record(message, outcome, settings)
        assert outcome.eml_path is not None
        raw = await anyio.Path(outcome.eml_path).read_bytes()
        parsed = email.message_from_bytes(raw, policy=default)
        body = parsed.get_body()
        assert body is not None
        assert f"/reset-password?token={token}" in body.get_content()
        assert message.status == "sent"
        assert message.text == kinds.LINK_TEXT_REMOVED
        assert token not in message.text


async def test_two_confirmations_with_one_token_one_wins(
    committing_app: tuple[FastAPI, async_sessionmaker[AsyncSession]],
) -> None:
    app, sessions = committing_app
    async with sessions() as db, db.begin():
        user = await make_user(db, Role.applicant)
        token = await make_password_reset(db, user)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.4", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        responses = await asyncio.gather(
            c.post(CONFIRM, json=confirm(token, "First-Copper-Meadow-61")),
            c.post(CONFIRM, json=confirm(token, "Second-Silver-Valley-73")),
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [204, 422], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 422)
    assert loser.json()["code"] == "reset_token_invalid"
    async with sessions() as db:
        events = await db.scalars(
            select(AuditEvent.id).where(
                AuditEvent.action == "auth.reset_password", AuditEvent.object_id == str(user.id)
            )
        )
        assert len(events.all()) == 1
