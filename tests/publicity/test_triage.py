"""Admins' triage of objections: reads, evidence, and filed → under_review → upheld | dismissed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Objection,
    ObjectionStatus,
    OutboxEvent,
)
from tests.auth.test_router import assert_problem
from tests.factories.files import minimal_pdf
from tests.publicity.helpers import Publicity, make_publicity, status_of

pytestmark = pytest.mark.usefixtures("storage")

RESOLUTION = "经核查，异议人反映的情况属实，该产品不予认定。"
S = ApplicationStatus


async def file(
    client: httpx.AsyncClient,
    p: Publicity,
    application: Application | None = None,
    evidence: bytes | None = None,
) -> str:
    """File through the public form; the objection's id."""
    response = await client.post(
        f"/api/v1/publicity/{p.batch.id}/objections",
        data={
            "application_id": str((application or p.shortlisted[0]).id),
            "objector_name": "周七",
            "objector_phone": "010-6655 4433",
            "objector_email": "zhouqi@example.cn",
            "statement": "该产品此前已在北京销售超过三台套。",
        },
        files={"evidence": ("销售 合同.pdf", evidence, "application/pdf")} if evidence else None,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def url(objection_id: str, action: str = "") -> str:
    return f"/api/v1/objections/{objection_id}" + (f"/{action}" if action else "")


async def stored(db: AsyncSession, objection_id: str) -> Objection:
    objection = await db.scalar(
        select(Objection)
        .where(Objection.id == uuid.UUID(objection_id))
        .execution_options(populate_existing=True)
    )
    assert objection is not None
    return objection


class TestReads:
    async def test_detail_carries_the_contact(
        self, db: AsyncSession, client: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        objection_id = await file(client, p)
        response = await admin.get(url(objection_id))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        body = response.json()
        assert body["status"] == "filed"
        assert body["objector_name"] == "周七"
        assert body["objector_phone"] == "010-6655 4433"
        assert body["objector_email"] == "zhouqi@example.cn"
        assert body["ip"] == "127.0.0.1"
        assert body["evidence"] is None
        assert body["application"]["id"] == str(p.shortlisted[0].id)
        assert body["application"]["organization_name_zh"] == p.org.name_zh
        assert body["batch"]["id"] == str(p.batch.id)
        assert_problem(await admin.get(url(str(uuid.uuid4()))), 404, "not_found")

    async def test_list_by_batch_and_status_oldest_first(
        self, db: AsyncSession, client: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        other = await make_publicity(db)
        ids = [await file(client, p), await file(client, p, p.shortlisted[1])]
        await file(client, other)
        await admin.post(url(ids[1], "start-review"))

        listed = await admin.get("/api/v1/objections", params={"batch_id": str(p.batch.id)})
        assert listed.headers["cache-control"] == "private, no-store"
        items = listed.json()["items"]
        assert [i["id"] for i in items] == ids
        assert items[0]["product_name_zh"] == p.shortlisted[0].product_name_zh
        assert items[0]["objector_name"] == "周七"
        assert "objector_email" not in items[0]

        filed = await admin.get(
            "/api/v1/objections", params={"batch_id": str(p.batch.id), "status": "filed"}
        )
        assert [i["id"] for i in filed.json()["items"]] == ids[:1]
        both = await admin.get(
            "/api/v1/objections",
            params=[
                ("batch_id", str(p.batch.id)),
                ("status", "filed"),
                ("status", "under_review"),
            ],
        )
        assert len(both.json()["items"]) == 2

        first = await admin.get(
            "/api/v1/objections", params={"batch_id": str(p.batch.id), "limit": 1}
        )
        page = first.json()
        assert [i["id"] for i in page["items"]] == ids[:1]
        assert page["next"]
        assert 'rel="next"' in first.headers["link"]
        second = await admin.get(
            "/api/v1/objections",
            params={"batch_id": str(p.batch.id), "limit": 1, "cursor": page["next"]},
        )
        assert [i["id"] for i in second.json()["items"]] == ids[1:]
        assert second.json()["next"] is None
        bad = await admin.get("/api/v1/objections", params={"cursor": "nonsense!"})
        assert_problem(bad, 422, "validation_error")

    async def test_evidence_download(
        self, db: AsyncSession, client: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        pdf = minimal_pdf("Sales contract")
        with_evidence = await file(client, p, evidence=pdf)
        body = (await admin.get(url(with_evidence))).json()
        assert body["evidence"]["filename"] == "销售 合同.pdf"
        assert body["evidence"]["size_bytes"] == len(pdf)
        response = await admin.get(url(with_evidence, "evidence"))
        assert response.status_code == 200
        assert response.content == pdf
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-length"] == str(len(pdf))
        assert response.headers["cache-control"] == "private, no-store"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment; ")
        assert f"filename*=UTF-8''{quote('销售 合同.pdf')}" in disposition

        without = await file(client, p)
        assert_problem(await admin.get(url(without, "evidence")), 404, "no_evidence")


class TestTransitions:
    async def test_review_then_dismiss(
        self, db: AsyncSession, client: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        objection_id = await file(client, p)
        reviewing = await admin.post(url(objection_id, "start-review"))
        assert reviewing.status_code == 200, reviewing.text
        assert reviewing.json()["status"] == "under_review"
        again = assert_problem(
            await admin.post(url(objection_id, "start-review")), 409, "invalid_state"
        )
        assert again["current_state"] == "under_review"

        dismissed = await admin.post(url(objection_id, "dismiss"), json={"resolution": RESOLUTION})
        assert dismissed.status_code == 200, dismissed.text
        body = dismissed.json()
        assert body["status"] == "dismissed"
        assert body["resolution"] == RESOLUTION
        assert body["resolved_at"] is not None
        assert body["resolved_by"] is not None
        assert await status_of(db, p.shortlisted[0]) == S.shortlisted  # stays on the list

        for action in ("start-review", "uphold", "dismiss"):
            late = await admin.post(url(objection_id, action), json={"resolution": RESOLUTION})
            assert assert_problem(late, 409, "invalid_state")["current_state"] == "dismissed"

        actions = (
            await db.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == objection_id)
                .order_by(AuditEvent.id)
            )
        ).all()
        assert actions == ["objection.file", "objection.start_review", "objection.dismiss"]
        moves = (
            await db.scalars(
                select(OutboxEvent.payload)
                .where(
                    OutboxEvent.event_type == "objection.status_changed",
                    OutboxEvent.object_id == objection_id,
                )
                .order_by(OutboxEvent.id)
            )
        ).all()
        assert [(m["from"], m["to"]) for m in moves] == [
            ("filed", "under_review"),
            ("under_review", "dismissed"),
        ]

    async def test_uphold_straight_from_filed_takes_the_application_out(
        self, db: AsyncSession, client: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        objection_id = await file(client, p)
        upheld = await admin.post(url(objection_id, "uphold"), json={"resolution": RESOLUTION})
        assert upheld.status_code == 200, upheld.text
        assert upheld.json()["status"] == "upheld"
        assert upheld.json()["application"]["status"] == "not_selected"

        application = await db.scalar(
            select(Application)
            .where(Application.id == p.shortlisted[0].id)
            .execution_options(populate_existing=True)
        )
        assert application is not None
        assert application.status == S.not_selected
        assert application.decision_reason == RESOLUTION
        assert await status_of(db, p.shortlisted[1]) == S.shortlisted  # only that one
        audit = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "application.objection_upheld",
                AuditEvent.object_id == str(application.id),
            )
        )
        assert audit is not None
        assert audit.changes["status"] == {"before": "shortlisted", "after": "not_selected"}
        assert (await stored(db, objection_id)).reference in audit.changes["note"]
        # and it leaves the public list
        public = (await client.get(f"/api/v1/publicity/{p.batch.id}")).json()
        assert [x["application_id"] for x in public["products"]] == [str(p.shortlisted[1].id)]

    async def test_upholding_a_second_objection_changes_nothing_more(
        self, db: AsyncSession, client: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        first, second = await file(client, p), await file(client, p)
        for objection_id in (first, second):
            response = await admin.post(
                url(objection_id, "uphold"), json={"resolution": RESOLUTION}
            )
            assert response.status_code == 200, response.text
        changes = (
            await db.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "application.objection_upheld",
                    AuditEvent.object_id == str(p.shortlisted[0].id),
                )
            )
        ).all()
        assert len(changes) == 1

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"resolution": "太短"},
            {"resolution": "长" * 5001},
            {"resolution": RESOLUTION, "x": 1},
        ],
        ids=["missing", "short", "long", "extra"],
    )
    async def test_a_resolution_is_required(
        self,
        db: AsyncSession,
        client: httpx.AsyncClient,
        admin: httpx.AsyncClient,
        body: dict,
    ) -> None:
        p = await make_publicity(db)
        objection_id = await file(client, p)
        for action in ("uphold", "dismiss"):
            assert_problem(
                await admin.post(url(objection_id, action), json=body), 422, "validation_error"
            )
        assert (await stored(db, objection_id)).status == ObjectionStatus.filed

    async def test_unknown_objection(self, admin: httpx.AsyncClient) -> None:
        missing = str(uuid.uuid4())
        assert_problem(await admin.post(url(missing, "start-review")), 404, "not_found")
        response = await admin.post(url(missing, "uphold"), json={"resolution": RESOLUTION})
        assert_problem(response, 404, "not_found")


async def test_from_objection_to_award(
    db: AsyncSession, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """The whole close: an open objection holds the award back until it is dismissed."""
    p = await make_publicity(db)
    objection_id = await file(client, p)
    p.batch.publicity_starts_on = today() - timedelta(days=9)
    p.batch.publicity_ends_on = today() - timedelta(days=1)
    await db.flush()
    announce = f"/api/v1/batches/{p.batch.id}/transitions/announce"
    assert_problem(await admin.post(announce), 409, "objections_open")
    await admin.post(url(objection_id, "dismiss"), json={"resolution": RESOLUTION})
    response = await admin.post(announce)
    assert response.status_code == 200, response.text
    assert [await status_of(db, a) for a in p.shortlisted] == [S.awarded, S.awarded]
    # once announced, the batch has left publicity
    assert_problem(await client.get(f"/api/v1/publicity/{p.batch.id}"), 404, "not_in_publicity")
