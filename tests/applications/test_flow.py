"""The intake lifecycle through the HTTP API: every transition, legal and illegal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.applications.service import today
from api.calendar.service import add_working_days
from api.models import Application, AuditEvent, District, OrganizationKind, Role
from tests.applications.helpers import attach_required, create_draft, make_open_batch
from tests.auth.test_router import assert_problem
from tests.calendar.helpers import ensure_years
from tests.factories.identity import PASSWORD, login, make_org, make_user


@pytest.fixture
async def cast(db: AsyncSession, app: FastAPI) -> dict:
    """An applicant in Haidian, Haidian's and Chaoyang's district officers, an admin — each with
    their own logged-in client."""
    await ensure_years(db, today().year, today().year + 1)
    enterprise = await make_org(db, district=District.haidian)
    haidian_office = await make_org(
        db, kind=OrganizationKind.district_office, district=District.haidian
    )
    chaoyang_office = await make_org(
        db, kind=OrganizationKind.district_office, district=District.chaoyang
    )
    users = {
        "applicant": await make_user(db, Role.applicant, org=enterprise),
        "district": await make_user(db, Role.district_officer, org=haidian_office),
        "other_district": await make_user(db, Role.district_officer, org=chaoyang_office),
        "other_applicant": await make_user(db, Role.applicant),
        "admin": await make_user(db, Role.admin),
        "expert": await make_user(db, Role.expert),
    }
    clients = {}
    for port, (name, user) in enumerate(users.items(), start=51000):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", port))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        assert (await login(client, user.email, PASSWORD)).status_code == 200
        clients[name] = client
    yield {"clients": clients, "batch": await make_open_batch(db), "org": enterprise}
    for client in clients.values():
        await client.aclose()


async def submitted(db: AsyncSession, cast: dict) -> str:
    applicant = cast["clients"]["applicant"]
    draft = await create_draft(applicant, cast["batch"])
    assert draft.status_code == 201, draft.text
    await attach_required(db, draft.json()["id"])
    response = await applicant.post(f"/api/v1/applications/{draft.json()['id']}/submit")
    assert response.status_code == 200, response.text
    return str(draft.json()["id"])


async def test_full_intake_with_return_and_resubmission(db: AsyncSession, cast: dict) -> None:
    c = cast["clients"]
    app_id = await submitted(db, cast)

    # the district officer of another district does not even see it
    assert (await c["other_district"].get(f"/api/v1/applications/{app_id}")).status_code == 404
    queue = (await c["district"].get("/api/v1/applications", params={"status": "submitted"})).json()
    assert app_id in [a["id"] for a in queue["items"]]

    returned = await c["district"].post(
        f"/api/v1/applications/{app_id}/district/return",
        json={"reason": "请补充检测报告盖章页", "deadline_working_days": 5},
    )
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert body["status"] == "returned"
    assert body["return_step"] == "district"
    assert body["return_reason"] == "请补充检测报告盖章页"
    due = await add_working_days(db, today() + timedelta(days=1), 5)
    assert body["return_deadline_on"] == due.isoformat()

    # the applicant edits (with If-Match) and resubmits: back to the district check
    read = await c["applicant"].get(f"/api/v1/applications/{app_id}")
    patched = await c["applicant"].patch(
        f"/api/v1/applications/{app_id}",
        json={"summary_zh": "补充后的说明。"},
        headers={"If-Match": read.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] != read.headers["etag"]
    resubmitted = await c["applicant"].post(f"/api/v1/applications/{app_id}/resubmit")
    assert resubmitted.json()["status"] == "submitted"
    assert resubmitted.json()["return_reason"] is None

    assert (
        await c["district"].post(f"/api/v1/applications/{app_id}/district/recommend", json={})
    ).json()["status"] == "recommended"
    # a formal-review return re-enters the formal review on resubmission
    await c["admin"].post(
        f"/api/v1/applications/{app_id}/formal/return", json={"reason": "申报书缺少法人签字"}
    )
    again = await c["applicant"].post(f"/api/v1/applications/{app_id}/resubmit")
    assert again.json()["status"] == "recommended"
    accepted = await c["admin"].post(f"/api/v1/applications/{app_id}/formal/accept", json={})
    assert accepted.json()["status"] == "accepted"

    timeline = (await c["applicant"].get(f"/api/v1/applications/{app_id}/timeline")).json()
    assert [(e["action"], e["status_after"]) for e in timeline] == [
        ("create", "draft"),
        ("submit", "submitted"),
        ("district_return", "returned"),
        ("resubmit", "submitted"),
        ("district_recommend", "recommended"),
        ("formal_return", "returned"),
        ("resubmit", "recommended"),
        ("formal_accept", "accepted"),
    ]
    assert timeline[2]["by"] == "district"
    assert timeline[2]["note"] == "请补充检测报告盖章页"


@pytest.mark.parametrize(
    ("actor", "path", "body"),
    [
        ("admin", "formal/accept", {}),  # not recommended yet
        ("district", "resubmit", {}),  # not the applicant's action
        ("applicant", "submit", {}),  # already submitted
        ("applicant", "resubmit", {}),  # not returned
    ],
)
async def test_illegal_transitions_name_the_state(
    db: AsyncSession, cast: dict, actor: str, path: str, body: dict
) -> None:
    app_id = await submitted(db, cast)
    response = await cast["clients"][actor].post(f"/api/v1/applications/{app_id}/{path}", json=body)
    assert response.status_code in (403, 409), response.text
    if response.status_code == 409:
        assert response.json()["current_state"] == "submitted"


async def test_rejections_need_a_reason_and_are_final(db: AsyncSession, cast: dict) -> None:
    c = cast["clients"]
    app_id = await submitted(db, cast)
    assert_problem(
        await c["district"].post(
            f"/api/v1/applications/{app_id}/district/reject", json={"reason": ""}
        ),
        422,
        "validation_error",
    )
    rejected = await c["district"].post(
        f"/api/v1/applications/{app_id}/district/reject", json={"reason": "不属于本批次支持领域"}
    )
    assert rejected.json()["status"] == "rejected"
    body = assert_problem(
        await c["applicant"].post(f"/api/v1/applications/{app_id}/withdraw"), 409, "invalid_state"
    )
    assert body["current_state"] == "rejected"


async def test_withdraw_and_overdue_returns(db: AsyncSession, cast: dict) -> None:
    c = cast["clients"]
    app_id = await submitted(db, cast)
    await c["district"].post(
        f"/api/v1/applications/{app_id}/district/return", json={"reason": "材料不全，请补正"}
    )
    await db.execute(
        update(Application)
        .where(Application.id == app_id)
        .values(return_deadline_on=datetime.now(UTC).date() - timedelta(days=1))
    )
    late = (await c["district"].get("/api/v1/applications", params={"overdue": True})).json()
    assert [a["id"] for a in late["items"]] == [app_id]
    assert late["items"][0]["overdue"] is True
    assert_problem(
        await c["applicant"].post(f"/api/v1/applications/{app_id}/resubmit"), 409, "deadline_passed"
    )
    withdrawn = await c["applicant"].post(f"/api/v1/applications/{app_id}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"


async def test_submit_refused_until_eligible(db: AsyncSession, cast: dict) -> None:
    applicant = cast["clients"]["applicant"]
    draft = (
        await create_draft(
            applicant,
            cast["batch"],
            ip_rights=[],
            sales=[
                {
                    "buyer": "甲",
                    "date": "2025-01-01",
                    "units": 4,
                    "amount_yuan": "1.00",
                    "in_beijing": True,
                }
            ],
        )
    ).json()
    check = (await applicant.get(f"/api/v1/applications/{draft['id']}/eligibility")).json()
    verdicts = {r["rule"]: r["passed"] for r in check["rules"]}
    assert check["eligible"] is False
    assert verdicts == {
        "required_content": True,
        "beijing_registration": True,
        "technical_level": True,
        "beijing_sales": False,
        "ip_present": False,
        "licence_present": True,
        "attachments_present": False,
        "no_duplicate": True,
    }
    body = assert_problem(
        await applicant.post(f"/api/v1/applications/{draft['id']}/submit"), 422, "not_eligible"
    )
    assert {e["field"] for e in body["errors"]} == {
        "beijing_sales",
        "ip_present",
        "attachments_present",
    }


async def test_regulated_field_needs_licence_and_duplicates_are_caught(
    db: AsyncSession, cast: dict
) -> None:
    applicant = cast["clients"]["applicant"]
    first = await submitted(db, cast)
    second = (
        await create_draft(
            applicant,
            cast["batch"],
            product_name_zh=" 12英寸晶圆刻蚀机",
            model_spec="zx-e300",
            field="pharma_health",
        )
    ).json()
    check = (await applicant.get(f"/api/v1/applications/{second['id']}/eligibility")).json()
    verdicts = {r["rule"]: r for r in check["rules"]}
    assert verdicts["no_duplicate"]["passed"] is False
    assert verdicts["licence_present"]["passed"] is False
    assert "许可证" in verdicts["licence_present"]["reason_zh"]
    assert first


async def test_patch_needs_if_match_and_detects_stale_etags(db: AsyncSession, cast: dict) -> None:
    applicant = cast["clients"]["applicant"]
    draft = await create_draft(applicant, cast["batch"])
    url = f"/api/v1/applications/{draft.json()['id']}"
    assert_problem(
        await applicant.patch(url, json={"summary_zh": "x"}), 428, "precondition_required"
    )
    etag = draft.headers["etag"]
    assert (
        await applicant.patch(url, json={"summary_zh": "一"}, headers={"If-Match": etag})
    ).status_code == 200
    stale = await applicant.patch(url, json={"summary_zh": "二"}, headers={"If-Match": etag})
    assert_problem(stale, 412, "precondition_failed")
    assert (await applicant.get(url)).json()["summary_zh"] == "一"


async def test_field_errors_name_the_field(db: AsyncSession, cast: dict) -> None:
    applicant = cast["clients"]["applicant"]
    body = assert_problem(
        await create_draft(applicant, cast["batch"], field="underwater"), 422, "validation_error"
    )
    assert body["errors"][0]["field"] == "field"
    body = assert_problem(
        await create_draft(
            applicant, cast["batch"], indicators=[{"indicator": "", "own_value": "1"}]
        ),
        422,
        "validation_error",
    )
    assert body["errors"][0]["field"] == "indicators.0.indicator"
    body = assert_problem(
        await create_draft(
            applicant,
            cast["batch"],
            sales=[
                {
                    "buyer": "甲",
                    "date": "2025-13-01",
                    "units": 1,
                    "amount_yuan": "1",
                    "in_beijing": True,
                }
            ],
        ),
        422,
        "validation_error",
    )
    assert body["errors"][0]["field"] == "sales.0.date"


async def test_applications_refused_outside_the_window(db: AsyncSession, cast: dict) -> None:
    now = datetime.now(UTC)
    later = await make_open_batch(
        db, opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9)
    )
    assert_problem(
        await create_draft(cast["clients"]["applicant"], later), 409, "outside_application_window"
    )


async def test_visibility_and_no_existence_leaks(db: AsyncSession, cast: dict) -> None:
    c = cast["clients"]
    draft = (await create_draft(c["applicant"], cast["batch"])).json()
    url = f"/api/v1/applications/{draft['id']}"
    # a draft is the applicant's own business
    for who in ("other_applicant", "district", "admin", "expert", "other_district"):
        response = await c[who].get(url)
        assert response.status_code == 404, who
        assert response.json()["detail"] == "No such application."
        assert (await c[who].get("/api/v1/applications")).json()["items"] == [], who


async def test_concurrent_patches_with_one_etag_exactly_one_wins(
    committing_app: tuple[FastAPI, async_sessionmaker[AsyncSession]],
) -> None:
    app, sessions = committing_app
    async with sessions() as db, db.begin():
        applicant = await make_user(db, Role.applicant)
        batch = await make_open_batch(db)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 52000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await login(client, applicant.email)).status_code == 200
        draft = await create_draft(client, batch)
        url = f"/api/v1/applications/{draft.json()['id']}"
        etag = draft.headers["etag"]
        results = await asyncio.gather(
            *[
                client.patch(url, json={"summary_zh": f"版本{i}"}, headers={"If-Match": etag})
                for i in range(20)
            ]
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200] + [412] * 19
        winner = next(r for r in results if r.status_code == 200).json()["summary_zh"]
        final = await client.get(url)
        assert final.json()["summary_zh"] == winner
        assert final.json()["version"] == 2


async def test_every_transition_is_audited(db: AsyncSession, cast: dict) -> None:
    app_id = await submitted(db, cast)
    actions = (
        await db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == app_id).order_by(AuditEvent.id)
        )
    ).all()
    assert actions == ["application.create", "application.submit"]
