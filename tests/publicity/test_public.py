"""The public publicity notice: what it lists, what it never shows, and its caching."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.models import ApplicationStatus, BatchStatus, Objection, Role, User
from tests.auth.test_router import assert_problem
from tests.factories.identity import make_user
from tests.publicity.helpers import make_publicity


async def test_lists_batches_in_publicity_with_their_shortlist(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    p = await make_publicity(db)
    other = await make_publicity(db, status=BatchStatus.deliberation)
    response = await client.get("/api/v1/publicity")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"
    body = response.json()
    assert body["today"] == today().isoformat()
    batches = {b["batch_id"]: b for b in body["items"]}
    assert str(other.batch.id) not in batches
    listed = batches[str(p.batch.id)]
    assert listed["starts_on"] == (today() - timedelta(days=3)).isoformat()
    assert listed["ends_on"] == (today() + timedelta(days=3)).isoformat()
    assert listed["accepting_objections"] is True
    assert 1 <= listed["working_days_left"] <= 4
    # the shortlisted products only, not the one left out
    assert {x["application_id"] for x in listed["products"]} == {str(a.id) for a in p.shortlisted}
    product = next(x for x in listed["products"] if x["application_id"] == str(p.shortlisted[0].id))
    assert product == {
        "application_id": str(p.shortlisted[0].id),
        "product_name_zh": p.shortlisted[0].product_name_zh,
        "product_name_en": p.shortlisted[0].product_name_en,
        "model_spec": p.shortlisted[0].model_spec,
        "field": {
            "code": "integrated_circuits",
            "name_zh": "集成电路",
            "name_en": "Integrated circuits",
        },
        "claimed_level": {
            "code": "domestic_leading",
            "name_zh": "国内领先",
            "name_en": "Domestic leading",
        },
        "organization": {
            "name_zh": "北京示范装备有限公司",
            "name_en": p.org.name_en,
            "district": {"code": "chaoyang", "name_zh": "朝阳区", "name_en": "Chaoyang"},
        },
    }


async def test_shows_nothing_private(db: AsyncSession, client: httpx.AsyncClient) -> None:
    p = await make_publicity(db)
    applicant: User = await make_user(db, Role.applicant, org=p.org)
    db.add(
        Objection(
            reference=f"YY-{p.batch.year}-{p.batch.sequence:02d}-0001",
            batch_id=p.batch.id,
            application_id=p.shortlisted[0].id,
            objector_name="赵六",
            objector_phone="13900001111",
            objector_email="zhaoliu@example.cn",
            statement="该产品并非首台套，早有同类产品销售。",
        )
    )
    application = p.shortlisted[0]
    application.summary_zh = "内部摘要：仅评审可见"
    application.price_yuan = 1234567
    application.sales = [{"buyer": "保密买方有限公司", "units": 1}]
    await db.flush()
    text = (await client.get("/api/v1/publicity")).text
    single = (await client.get(f"/api/v1/publicity/{p.batch.id}")).text
    for private in (
        p.org.uscc,
        "内部摘要",
        "1234567",
        "保密买方",
        applicant.email,
        "赵六",
        "13900001111",
        "zhaoliu",
        "@",
    ):
        assert private not in text
        assert private not in single


async def test_conditional_get_answers_304(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await make_publicity(db)
    first = await client.get("/api/v1/publicity")
    etag = first.headers["etag"]
    again = await client.get("/api/v1/publicity", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # a change to the list changes the tag
    await make_publicity(db)
    changed = await client.get("/api/v1/publicity", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_one_batch(db: AsyncSession, client: httpx.AsyncClient) -> None:
    p = await make_publicity(db, starts_on=today() + timedelta(days=1))
    response = await client.get(f"/api/v1/publicity/{p.batch.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["batch_id"] == str(p.batch.id)
    assert body["title_zh"] == p.batch.title_zh
    assert body["accepting_objections"] is False  # the window opens tomorrow
    assert len(body["products"]) == 2
    etag = response.headers["etag"]
    cached = await client.get(f"/api/v1/publicity/{p.batch.id}", headers={"If-None-Match": etag})
    assert cached.status_code == 304


async def test_an_upheld_application_leaves_the_list(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    p = await make_publicity(db)
    p.shortlisted[0].status = ApplicationStatus.not_selected
    await db.flush()
    body = (await client.get(f"/api/v1/publicity/{p.batch.id}")).json()
    assert [x["application_id"] for x in body["products"]] == [str(p.shortlisted[1].id)]


async def test_a_closed_window_has_no_days_left(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    p = await make_publicity(db, ends_on=today() - timedelta(days=1))
    body = (await client.get(f"/api/v1/publicity/{p.batch.id}")).json()
    assert body["accepting_objections"] is False
    assert body["working_days_left"] == 0


async def test_batches_not_in_publicity_answer_404(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    announced = await make_publicity(db, status=BatchStatus.announced)
    for batch_id in (announced.batch.id, uuid.uuid4()):
        assert_problem(await client.get(f"/api/v1/publicity/{batch_id}"), 404, "not_in_publicity")
