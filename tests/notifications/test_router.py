"""The HTTP contract: the caller's inbox, preferences, and the admins' send log."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import MailMessage, MailStatus, Notification, Role, User
from api.notifications.kinds import Kind
from tests.factories.identity import logged_in, make_user

BASE = "/api/v1/notifications"


async def _entries(db: AsyncSession, user: User, count: int) -> list[Notification]:
    rows = [
        Notification(
            user_id=user.id,
            kind=Kind.certificate_issued.value,
            event_id=1_000_000 + n,
            title=f"标题 {n}",
            body="正文",
            link="http://127.0.0.1:8000/applications",
            data={"items": []},
        )
        for n in range(count)
    ]
    db.add_all(rows)
    await db.flush()
    return rows


class TestInbox:
    async def test_newest_first_in_pages_with_the_unread_count(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        me = await logged_in(db, client, Role.applicant)
        mine = await _entries(db, me, 3)
        await _entries(db, await make_user(db, Role.applicant), 2)
        first = await client.get(BASE, params={"limit": 2})
        assert first.status_code == 200, first.text
        body = first.json()
        assert [i["id"] for i in body["items"]] == [mine[2].id, mine[1].id]
        assert body["unread"] == 3
        assert body["next"]
        assert first.headers["Cache-Control"].startswith("private")
        rest = (await client.get(BASE, params={"limit": 2, "cursor": body["next"]})).json()
        assert [i["id"] for i in rest["items"]] == [mine[0].id]
        assert rest["next"] is None
        bad = await client.get(BASE, params={"cursor": "not-a-cursor"})
        assert bad.status_code == 422

    async def test_read_one_and_all(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        me = await logged_in(db, client, Role.expert)
        mine = await _entries(db, me, 3)
        (theirs,) = await _entries(db, await make_user(db, Role.expert), 1)
        read = await client.post(f"{BASE}/{mine[0].id}/read")
        assert read.status_code == 200, read.text
        first_read = read.json()["read_at"]
        assert first_read is not None
        again = await client.post(f"{BASE}/{mine[0].id}/read")
        assert again.json()["read_at"] == first_read
        assert (await client.get(f"{BASE}/unread-count")).json() == {"unread": 2}
        assert (await client.post(f"{BASE}/{theirs.id}/read")).status_code == 404
        everything = await client.post(f"{BASE}/read-all")
        assert everything.json() == {"marked": 2, "unread": 0}
        assert theirs.read_at is None


class TestPreferences:
    async def test_defaults_and_changes(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await logged_in(db, client, Role.applicant)
        listed = (await client.get(f"{BASE}/preferences")).json()["items"]
        assert {i["kind"]: i["required"] for i in listed} == {
            "application_returned": True,
            "application_decision": True,
            "certificate_issued": False,
            "certificate_revoked": True,
            "correction_deadline_soon": False,
            "correction_deadline_passed": False,
        }
        assert all(i["in_app"] and i["email"] for i in listed)
        changed = await client.put(
            f"{BASE}/preferences",
            json={"items": [{"kind": "certificate_issued", "in_app": True, "email": False}]},
        )
        assert changed.status_code == 200, changed.text
        by_kind = {i["kind"]: i for i in changed.json()["items"]}
        assert by_kind["certificate_issued"]["email"] is False
        assert by_kind["certificate_issued"]["in_app"] is True
        reread = (await client.get(f"{BASE}/preferences")).json()["items"]
        assert {i["kind"]: i for i in reread} == by_kind

    async def test_daily_digest_is_chosen_and_read_back(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.expert)
        assert (await client.get(f"{BASE}/preferences")).json()["email_delivery"] == "immediate"
        chosen = await client.put(f"{BASE}/preferences", json={"email_delivery": "daily"})
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["email_delivery"] == "daily"
        # Changing a kind leaves the delivery as it is.
        item = {"kind": "assignment_new", "in_app": True, "email": True}
        kept = await client.put(f"{BASE}/preferences", json={"items": [item]})
        assert kept.json()["email_delivery"] == "daily"
        refused = await client.put(f"{BASE}/preferences", json={"email_delivery": "weekly"})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "email_delivery"
        assert (await client.get(f"{BASE}/preferences")).json()["email_delivery"] == "daily"

    async def test_required_kinds_cannot_be_switched_off(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await logged_in(db, client, Role.applicant)
        for item, code in (
            (
                {"kind": "application_returned", "in_app": True, "email": False},
                "notification_required",
            ),
            (
                {"kind": "objection_received", "in_app": True, "email": True},
                "notification_kind_unavailable",
            ),
            ({"kind": "no_such_kind"}, None),
        ):
            refused = await client.put(f"{BASE}/preferences", json={"items": [item]})
            assert refused.status_code == 422, refused.text
            if code:
                assert refused.json()["errors"][0]["code"] == code


class TestMailLog:
    async def test_lists_and_shows(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await logged_in(db, client, Role.admin)
        rows = [
            MailMessage(
                to_address=f"m{n}@example.cn",
                locale="zh-CN",
                kind=Kind.objection_filed.value,
                event_id=2_000_000 + n,
                subject="收到公示异议",
                text=f"正文 {n}",
                status=MailStatus.failed if n == 0 else MailStatus.pending,
            )
            for n in range(3)
        ]
        db.add_all(rows)
        await db.flush()
        page = (await client.get("/api/v1/admin/mail", params={"limit": 2})).json()
        assert [i["id"] for i in page["items"]] == [rows[2].id, rows[1].id]
        assert "text" not in page["items"][0]
        rest = (await client.get("/api/v1/admin/mail", params={"cursor": page["next"]})).json()
        assert [i["id"] for i in rest["items"]][:1] == [rows[0].id]
        failed = (await client.get("/api/v1/admin/mail", params={"status": "failed"})).json()
        assert [i["id"] for i in failed["items"]][:1] == [rows[0].id]
        assert all(i["status"] == "failed" for i in failed["items"])
        one = await client.get(f"/api/v1/admin/mail/{rows[1].id}")
        assert one.status_code == 200
        assert one.json()["text"] == "正文 1"
        assert (await client.get("/api/v1/admin/mail/999999999")).status_code == 404
