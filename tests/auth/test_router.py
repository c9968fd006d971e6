from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import get_settings
from api.models import AuditEvent, Membership, Organization, Role, User, UserSession
from tests.factories.identity import PASSWORD, logged_in, login, make_user, valid_uscc


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert {"type", "title", "detail"} <= body.keys()
    return body


class TestLogin:
    async def test_login_sets_httponly_session_and_readable_csrf_cookie(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        response = await login(client, user.email.upper())  # e-mail is case-insensitive
        assert response.status_code == 200
        assert response.json()["email"] == user.email
        assert response.json()["roles"][0]["role"] == "applicant"
        cookies = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith("firstset_session="))
        csrf_cookie = next(c for c in cookies if c.startswith("csrf_token="))
        assert "HttpOnly" in session_cookie
        assert "samesite=lax" in session_cookie.lower()
        assert "Secure" not in session_cookie  # plain http in tests
        assert "HttpOnly" not in csrf_cookie
        token = client.cookies["firstset_session"]
        stored = await db.scalar(
            select(UserSession.token_hash).where(UserSession.user_id == user.id)
        )
        assert stored is not None
        assert token.encode() not in stored
        assert len(stored) == 32

    async def test_secure_cookie_over_https(self, db: AsyncSession, app) -> None:  # type: ignore[no-untyped-def]
        user = await make_user(db, Role.applicant)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            response = await c.post(
                "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
            )
        assert response.status_code == 200
        assert all("Secure" in c for c in response.headers.get_list("set-cookie"))

    async def test_me_after_login(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await logged_in(db, client, Role.expert)
        me = await client.get("/api/v1/auth/me")
        assert me.status_code == 200
        assert me.json()["id"] == str(user.id)
        assert me.headers["cache-control"] == "private, no-store"

    async def test_wrong_password(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await make_user(db, Role.applicant)
        response = await login(client, user.email, "Not-the-password-1")
        assert_problem(response, 401, "invalid_credentials")
        assert "firstset_session" not in client.cookies

    async def test_unknown_email_same_answer(self, client: httpx.AsyncClient) -> None:
        response = await login(client, "nobody@example.cn", "Whatever-password-1")
        assert_problem(response, 401, "invalid_credentials")

    async def test_inactive_user_cannot_log_in(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant, is_active=False)
        assert_problem(await login(client, user.email), 401, "user_inactive")

    async def test_eighth_wrong_password_is_rate_limited(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        for _ in range(7):
            assert_problem(
                await login(client, user.email, "Wrong-password-123"), 401, "invalid_credentials"
            )
        response = await login(client, user.email, "Wrong-password-123")
        assert_problem(response, 429, "rate_limited")
        assert 0 < int(response.headers["retry-after"]) <= 15 * 60
        # the right password does not bypass the lock
        assert_problem(await login(client, user.email), 429, "rate_limited")

    async def test_ip_limit_spans_accounts(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        for i in range(30):
            await login(client, f"guess{i}@example.cn", "Wrong-password-123")
        user = await make_user(db, Role.applicant)
        assert_problem(await login(client, user.email), 429, "rate_limited")

    async def test_successful_login_resets_account_counter(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(db, Role.applicant)
        for _ in range(6):
            await login(client, user.email, "Wrong-password-123")
        ok = await login(client, user.email)
        assert ok.status_code == 200, ok.text
        for _ in range(6):
            assert_problem(
                await login(client, user.email, "Wrong-password-123"), 401, "invalid_credentials"
            )

    async def test_new_session_on_login_revokes_presented_one(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        first = client.cookies["firstset_session"]
        await login(client, user.email)
        second = client.cookies["firstset_session"]
        assert first != second
        client.cookies.set("firstset_session", first)
        stale = await client.get("/api/v1/auth/me")
        assert_problem(stale, 401, "session_expired")


class TestLogoutAndExpiry:
    async def test_logout_revokes_session(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        token = client.cookies["firstset_session"]
        assert (await client.post("/api/v1/auth/logout")).status_code == 204
        client.cookies.set("firstset_session", token)
        response = await client.get("/api/v1/auth/me")
        assert_problem(response, 401, "session_expired")

    async def test_anonymous_me(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/v1/auth/me"), 401, "not_authenticated")

    async def test_idle_timeout(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await logged_in(db, client, Role.applicant)
        await db.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id)
            .values(last_seen_at=datetime.now(UTC) - timedelta(hours=3))
        )
        assert_problem(await client.get("/api/v1/auth/me"), 401, "session_expired")

    async def test_recent_use_keeps_session_alive(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        almost_idle = datetime.now(UTC) - timedelta(minutes=119)
        await db.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id)
            .values(last_seen_at=almost_idle)
        )
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        seen = await db.scalar(
            select(UserSession.last_seen_at).where(UserSession.user_id == user.id)
        )
        assert seen is not None
        assert seen > almost_idle + timedelta(minutes=100)

    async def test_absolute_timeout(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        user = await logged_in(db, client, Role.applicant)
        await db.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        assert_problem(await client.get("/api/v1/auth/me"), 401, "session_expired")

    async def test_deactivated_user_loses_access(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        user = await logged_in(db, client, Role.applicant)
        await db.execute(update(User).where(User.id == user.id).values(is_active=False))
        assert (await client.get("/api/v1/auth/me")).status_code == 401


class TestCsrf:
    async def test_unsafe_request_without_header_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        del client.headers["X-CSRF-Token"]
        assert_problem(await client.post("/api/v1/auth/logout"), 403, "csrf_failed")
        # the session is still valid
        assert (await client.get("/api/v1/auth/me")).status_code == 200

    async def test_mismatching_header_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        client.headers["X-CSRF-Token"] = "forged-token-value"
        assert_problem(await client.post("/api/v1/auth/logout"), 403, "csrf_failed")

    async def test_cookie_and_header_set_by_attacker_are_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        """Double-submit alone is not enough: the token must be the one bound to the session."""
        await logged_in(db, client, Role.applicant)
        client.cookies.set("csrf_token", "attacker-chosen")
        client.headers["X-CSRF-Token"] = "attacker-chosen"
        assert_problem(await client.post("/api/v1/auth/logout"), 403, "csrf_failed")

    async def test_safe_methods_need_no_header(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        del client.headers["X-CSRF-Token"]
        assert (await client.get("/api/v1/auth/me")).status_code == 200


def registration(**overrides: object) -> dict:
    body: dict = {
        "email": "New.Applicant@Example.cn",
        "password": "Quiet-Lathe-Harbour-42",
        "display_name": "李华",
        "locale": "zh-CN",
        "organization": {
            "name_zh": "北京新测试装备有限公司",
            "name_en": "Beijing New Test Equipment Co., Ltd.",
            "uscc": valid_uscc(),
            "district": "chaoyang",
        },
    }
    body.update(overrides)
    return body


class TestRegistration:
    async def test_registers_enterprise_and_logs_in(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        body = registration()
        response = await client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        me = response.json()
        assert me["email"] == "new.applicant@example.cn"
        assert me["roles"][0]["role"] == "applicant"
        assert me["roles"][0]["district"] == "chaoyang"
        org = await db.scalar(
            select(Organization).where(Organization.uscc == body["organization"]["uscc"])
        )
        assert org is not None
        assert org.kind == "enterprise"
        assert (
            await db.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.organization_id == org.id)
            )
            == 1
        )
        actions = set(
            (
                await db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == me["id"]))
            ).all()
        )
        assert {"user.register", "organization.create"} <= actions
        client.headers["X-CSRF-Token"] = client.cookies["csrf_token"]
        assert (await client.get("/api/v1/auth/me")).status_code == 200

    @pytest.mark.parametrize(
        "password", ["short-1", "password1234", "1234567890", "qwertyuiopasdf"]
    )
    async def test_weak_passwords_are_refused(
        self, client: httpx.AsyncClient, password: str
    ) -> None:
        response = await client.post("/api/v1/auth/register", json=registration(password=password))
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == "password"
        assert body["errors"][0]["code"] == "weak_password"

    async def test_attempts_are_limited_per_client_address(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("REGISTRATION_LIMIT_PER_IP", "3/hour")
        get_settings.cache_clear()
        try:
            refused = registration(password="password1234")
            for _ in range(2):  # refused attempts count as well
                assert_problem(
                    await client.post("/api/v1/auth/register", json=refused),
                    422,
                    "validation_error",
                )
            response = await client.post("/api/v1/auth/register", json=registration())
            assert response.status_code == 201, response.text
            again = await client.post(
                "/api/v1/auth/register",
                json=registration(email="another.applicant@example.cn"),
            )
            assert_problem(again, 429, "rate_limited")
            assert int(again.headers["Retry-After"]) > 0
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()

    async def test_bad_uscc_check_digit_names_the_field(self, client: httpx.AsyncClient) -> None:
        body = registration()
        uscc = body["organization"]["uscc"]
        wrong = "0" if uscc[-1] != "0" else "1"
        body["organization"]["uscc"] = uscc[:-1] + wrong
        problem = assert_problem(
            await client.post("/api/v1/auth/register", json=body), 422, "validation_error"
        )
        assert problem["errors"][0]["field"] == "organization.uscc"
        assert problem["errors"][0]["code"] == "uscc_invalid"
        assert "check character" in problem["errors"][0]["message"]

    async def test_duplicate_email_and_uscc(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        existing = await make_user(db, Role.applicant)
        problem = assert_problem(
            await client.post(
                "/api/v1/auth/register", json=registration(email=existing.email.upper())
            ),
            409,
            "email_taken",
        )
        assert problem["errors"][0]["field"] == "email"

        taken = await db.scalar(select(Organization.uscc).where(Organization.uscc.is_not(None)))
        body = registration()
        body["organization"]["uscc"] = taken
        problem = assert_problem(
            await client.post("/api/v1/auth/register", json=body), 409, "uscc_taken"
        )
        assert problem["errors"][0]["field"] == "organization.uscc"
        # nothing half-written: the user of the failed registration does not exist
        assert (
            await db.scalar(select(User.id).where(User.email == "new.applicant@example.cn")) is None
        )

    async def test_unknown_fields_and_districts_are_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        body = registration()
        body["organization"]["district"] = "pudong"
        problem = assert_problem(
            await client.post("/api/v1/auth/register", json=body), 422, "validation_error"
        )
        assert problem["errors"][0]["field"] == "organization.district"
        problem = assert_problem(
            await client.post("/api/v1/auth/register", json=registration(is_admin=True)),
            422,
            "validation_error",
        )
        assert problem["errors"][0]["field"] == "is_admin"
