"""`POST /api/v1/auth/password`: a logged-in user changes their own password."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AuditEvent, Role, User, UserSession
from tests.auth.test_router import assert_problem
from tests.factories.identity import PASSWORD, logged_in, login

URL = "/api/v1/auth/password"
NEW_PASSWORD = "Quiet-Lathe-Harbour-42"
WRONG = "Not-my-password-77"


def change(current: str = PASSWORD, new: str = NEW_PASSWORD) -> dict[str, str]:
    return {"current_password": current, "new_password": new}


@pytest.fixture
async def other_client(app: FastAPI, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, from an address of its own."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def password_hash_of(db: AsyncSession, user: User) -> str:
    stored = await db.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored is not None
    return stored


class TestChangePassword:
    async def test_new_password_replaces_old_and_other_sessions_end(
        self,
        app: FastAPI,
        db: AsyncSession,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        assert (await login(other_client, user.email)).status_code == 200
        assert (await other_client.get("/api/v1/auth/me")).status_code == 200

        response = await client.post(URL, json=change())
        assert response.status_code == 204, response.text
        assert response.content == b""

        # this browser goes on; the other one is signed out
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        assert_problem(await other_client.get("/api/v1/auth/me"), 401, "session_expired")
        live = (
            await db.scalars(
                select(UserSession.id).where(
                    UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
                )
            )
        ).all()
        assert len(live) == 1

        transport = httpx.ASGITransport(app=app, client=("127.0.0.3", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
            assert_problem(await login(fresh, user.email, PASSWORD), 401, "invalid_credentials")
            assert (await login(fresh, user.email, NEW_PASSWORD)).status_code == 200

    async def test_audited_without_the_password(
        self, db: AsyncSession, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await logged_in(db, client, Role.expert)
        await login(other_client, user.email)
        response = await client.post(URL, json=change())
        assert response.status_code == 204, response.text
        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "auth.change_password",
                AuditEvent.request_id == response.headers["x-request-id"],
            )
        )
        assert event is not None
        assert event.actor_id == user.id
        assert event.object_type == "user"
        assert event.object_id == str(user.id)
        assert event.changes == {"note": "1 other session(s) ended"}
        assert PASSWORD not in str(event.changes)
        assert NEW_PASSWORD not in str(event.changes)

    async def test_wrong_current_password_changes_nothing(
        self, db: AsyncSession, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        await login(other_client, user.email)
        before = await password_hash_of(db, user)

        body = assert_problem(
            await client.post(URL, json=change(current=WRONG)), 422, "wrong_password"
        )
        assert body["errors"] == [
            {
                "field": "current_password",
                "message": "The current password is wrong.",
                "code": "wrong_password",
            }
        ]
        assert await password_hash_of(db, user) == before
        # no session ended: neither this one nor the other
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        assert (await other_client.get("/api/v1/auth/me")).status_code == 200
        assert (
            await db.scalar(
                select(AuditEvent.id).where(AuditEvent.action == "auth.change_password")
            )
            is None
        )

    @pytest.mark.parametrize(
        "password", ["short-1", "password1234", "1234567890", "qwertyuiopasdf"]
    )
    async def test_weak_new_password_names_the_field(
        self, db: AsyncSession, client: httpx.AsyncClient, password: str
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        before = await password_hash_of(db, user)
        body = assert_problem(
            await client.post(URL, json=change(new=password)), 422, "validation_error"
        )
        assert [(e["field"], e["code"]) for e in body["errors"]] == [
            ("new_password", "weak_password")
        ]
        assert await password_hash_of(db, user) == before

    async def test_the_policy_knows_the_account(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        """The same context words as at registration: the e-mail makes a password guessable."""
        user = await logged_in(db, client, Role.applicant)
        local_part = user.email.split("@")[0]
        body = assert_problem(
            await client.post(URL, json=change(new=f"{local_part}{local_part}")),
            422,
            "validation_error",
        )
        assert body["errors"][0]["field"] == "new_password"
        assert body["errors"][0]["code"] == "weak_password"

    async def test_same_password_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        body = assert_problem(
            await client.post(URL, json=change(new=PASSWORD)), 422, "validation_error"
        )
        assert [(e["field"], e["code"]) for e in body["errors"]] == [
            ("new_password", "password_unchanged")
        ]

    async def test_missing_fields_are_named(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        body = assert_problem(
            await client.post(URL, json={"new_password": NEW_PASSWORD, "user_id": "x"}),
            422,
            "validation_error",
        )
        assert {e["field"] for e in body["errors"]} == {"current_password", "user_id"}

    async def test_anonymous_is_refused(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post(URL, json=change()), 401, "not_authenticated")

    async def test_without_csrf_header_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        before = await password_hash_of(db, user)
        del client.headers["X-CSRF-Token"]
        assert_problem(await client.post(URL, json=change()), 403, "csrf_failed")
        assert await password_hash_of(db, user) == before


class TestGuessingLimit:
    async def test_eighth_wrong_current_password_is_rate_limited(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        before = await password_hash_of(db, user)
        for _ in range(7):
            assert_problem(
                await client.post(URL, json=change(current=WRONG)), 422, "wrong_password"
            )
        response = await client.post(URL, json=change(current=WRONG))
        assert_problem(response, 429, "rate_limited")
        assert 0 < int(response.headers["retry-after"]) <= 15 * 60
        # the right password does not bypass the lock, and nothing changed
        assert_problem(await client.post(URL, json=change()), 429, "rate_limited")
        assert await password_hash_of(db, user) == before

    async def test_wrong_passwords_count_with_failed_logins(
        self, db: AsyncSession, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        """One budget per account: guesses through this form and at the login share it."""
        user = await logged_in(db, client, Role.applicant)
        for _ in range(4):
            await client.post(URL, json=change(current=WRONG))
        for _ in range(3):
            assert_problem(await login(other_client, user.email, WRONG), 401, "invalid_credentials")
        assert_problem(await login(other_client, user.email), 429, "rate_limited")
        assert_problem(await client.post(URL, json=change()), 429, "rate_limited")

    async def test_a_right_current_password_resets_the_count(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        for _ in range(6):
            await client.post(URL, json=change(current=WRONG))
        assert (await client.post(URL, json=change())).status_code == 204
        for _ in range(6):
            assert_problem(
                await client.post(URL, json=change(current=WRONG, new="Another-Quiet-Kettle-8")),
                422,
                "wrong_password",
            )
