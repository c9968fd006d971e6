from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.models import AuditEvent, Role
from tests.auth.test_router import assert_problem
from tests.factories.identity import logged_in, make_user


def test_diff_lists_changed_fields_and_redacts_secrets() -> None:
    changes = audit.diff(
        {"name": "a", "same": 1, "password_hash": "x"},
        {"name": "b", "same": 1, "password_hash": "y", "new": True},
    )
    assert changes == {
        "name": {"before": "a", "after": "b"},
        "new": {"before": None, "after": True},
        "password_hash": {"before": "[redacted]", "after": "[redacted]"},
    }


async def test_login_is_recorded_with_ip_and_request_id(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    user = await make_user(db, Role.applicant)
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": "Correct-Horse-Battery-9"},
        headers={"X-Request-ID": "audit-req-0001"},
    )
    assert response.status_code == 200
    event = await db.scalar(select(AuditEvent).where(AuditEvent.request_id == "audit-req-0001"))
    assert event is not None
    assert (event.action, event.actor_id, str(event.ip)) == ("auth.login", user.id, "127.0.0.1")


async def test_audit_log_is_append_only(db: AsyncSession) -> None:
    await audit.record(db, actor=None, action="test.append", object_type="test", object_id=1)
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        nested = await db.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            await db.execute(text(statement))
        await nested.rollback()


async def test_admin_reads_with_filters_and_keyset_pages(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await logged_in(db, client, Role.admin)
    for i in range(5):
        await audit.record(db, actor=None, action="test.page", object_type="widget", object_id=i)
    first = await client.get("/api/v1/audit", params={"action": "test.page", "limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [e["object_id"] for e in page["items"]] == ["4", "3"]
    assert 'rel="next"' in first.headers["link"]
    second = (
        await client.get(
            "/api/v1/audit", params={"action": "test.page", "limit": 2, "cursor": page["next"]}
        )
    ).json()
    third = (
        await client.get(
            "/api/v1/audit", params={"action": "test.page", "limit": 2, "cursor": second["next"]}
        )
    ).json()
    assert [e["object_id"] for e in second["items"]] == ["2", "1"]
    assert [e["object_id"] for e in third["items"]] == ["0"]
    assert third["next"] is None
    by_object = (
        await client.get("/api/v1/audit", params={"object_type": "widget", "object_id": "3"})
    ).json()
    assert [e["object_id"] for e in by_object["items"]] == ["3"]


async def test_bad_cursor_is_a_field_error(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await logged_in(db, client, Role.admin)
    body = assert_problem(
        await client.get("/api/v1/audit", params={"cursor": "!!!"}), 422, "validation_error"
    )
    assert body["errors"][0]["field"] == "cursor"


async def test_failed_request_leaves_no_audit_record(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    before = await db.scalar(select(func.count()).select_from(AuditEvent))
    await client.post("/api/v1/auth/register", json={"email": "x@example.cn"})
    assert await db.scalar(select(func.count()).select_from(AuditEvent)) == before


async def test_tampered_cursors_are_field_errors(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    from api.pagination import encode_cursor

    await logged_in(db, client, Role.admin)
    for path, key in [
        ("/api/v1/audit", {"id": "x"}),
        ("/api/v1/users", {"e": "a"}),
        ("/api/v1/organizations", {"n": "a", "id": "not-a-uuid"}),
    ]:
        response = await client.get(path, params={"cursor": encode_cursor(key)})
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == "cursor", path
