"""The decision half in one run, as the people who do it: expert1 signs the statement and scores
the last missing review; the admin starts deliberation, shortlists the application and starts
publicity; a citizen files an objection; the admin dismisses it; publicity closes and the admin
announces — the application is awarded and its certificate verifies.

Set-up writes a batch under review straight to the live server's database (two other experts
have already scored), so the run does not depend on the demo's batches. Two steps stand in for
the passing of time, each said where it happens: the window is opened today (the calendar may
start it on the next working day) and later closed yesterday."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from api.applications.service import today
from api.db import with_driver
from api.demo_review import expert_fields
from api.experts.rubric import ensure_rubric
from api.models import (
    Application,
    ApplicationStatus,
    Award,
    Batch,
    BatchStatus,
    Recommendation,
    Review,
    ReviewStatus,
    User,
)
from tests import dbutil
from tests.e2e.helpers import confirm_box, shoot
from tests.e2e.test_shell import DESKTOP, log_in, new_page
from tests.factories.applications import make_application
from tests.factories.experts import attest, make_assignment, make_expert
from tests.factories.identity import make_org

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
EXPERT1 = "expert1@demo.firstset.cn"
FIELD = expert_fields(1)[0]
YEAR = 2098


@dataclass
class Seeded:
    batch_id: str
    application_id: str
    assignment_id: str
    product: str


async def _session(url: str):  # type: ignore[no-untyped-def]
    engine = create_async_engine(with_driver(url))
    return engine, AsyncSession(engine, expire_on_commit=False)


async def seed(url: str) -> Seeded:
    engine, db = await _session(url)
    try:
        async with db:
            sequence = len((await db.scalars(select(Batch.id).where(Batch.year == YEAR))).all())
            now = datetime.now(UTC)
            batch = Batch(
                year=YEAR,
                sequence=sequence + 1,
                title_zh=f"{YEAR}年第{sequence + 1}批首台(套)重大技术装备（全流程）",
                title_en=f"{YEAR} batch {sequence + 1} (whole flow)",
                fields=[FIELD],
                opens_at=now - timedelta(days=90),
                closes_at=now - timedelta(days=60),
                status=BatchStatus.reviewing,
                reviewers_per_application=3,
                publicity_working_days=5,
            )
            db.add(batch)
            await db.flush()
            criteria = await ensure_rubric(db, batch)
            tag = uuid.uuid4().hex[:6]
            product = f"全流程验证装置{tag}"
            org = await make_org(db, name_zh=f"北京全流程科技有限公司{tag}")
            application = await make_application(
                db,
                org,
                batch,
                status=ApplicationStatus.in_review,
                field=FIELD,
                product_name_zh=product,
                product_name_en=f"Whole-flow rig {tag}",
            )
            expert1 = await db.scalar(select(User).where(User.email == EXPERT1))
            assert expert1 is not None
            mine = await make_assignment(db, application, expert1)
            for index in range(2):
                other = await make_expert(
                    db, fields=[FIELD], email=f"flow-{tag}-{index}@example.cn"
                )
                await attest(db, batch, other)
                assignment = await make_assignment(db, application, other)
                scores = {str(c.id): c.max_score * Decimal("0.8") for c in criteria}
                db.add(
                    Review(
                        assignment_id=assignment.id,
                        application_id=application.id,
                        expert_id=other.id,
                        status=ReviewStatus.submitted,
                        scores={k: float(v) for k, v in scores.items()},
                        total=sum(scores.values(), Decimal(0)),
                        recommendation=Recommendation.recommend,
                        version=2,
                        submitted_at=now - timedelta(days=1),
                    )
                )
            await db.commit()
            return Seeded(str(batch.id), str(application.id), str(mine.id), product)
    finally:
        await engine.dispose()


async def move_window(url: str, batch_id: str, *, closed: bool) -> None:
    """Open the window today, or close it yesterday: the passing of time, for the test."""
    engine, db = await _session(url)
    try:
        async with db:
            batch = await db.get(Batch, uuid.UUID(batch_id))
            assert batch is not None
            assert batch.publicity_starts_on is not None
            assert batch.publicity_ends_on is not None
            if closed:
                values = {
                    "publicity_starts_on": today() - timedelta(days=10),
                    "publicity_ends_on": today() - timedelta(days=1),
                }
            else:
                values = {
                    "publicity_starts_on": min(batch.publicity_starts_on, today()),
                    "publicity_ends_on": max(batch.publicity_ends_on, today() + timedelta(days=1)),
                }
            await db.execute(update(Batch).where(Batch.id == batch.id).values(**values))
            await db.commit()
    finally:
        await engine.dispose()


async def stage_action(page: Page, action: str) -> None:
    button = page.get_by_test_id("stage-action")
    await expect(button).to_have_attribute("data-action", action)
    await button.click()
    await confirm_box(page)


async def expert_scores(page: Page, seeded: Seeded) -> None:
    await page.get_by_test_id("nav-expert-reviews").click()
    group = page.get_by_test_id(f"assignment-batch-{seeded.batch_id}")
    await expect(group).to_have_attribute("data-attested", "false")
    await group.get_by_test_id("attestation-agree").check()
    await group.get_by_test_id("attestation-sign").click()
    await expect(group).to_have_attribute("data-attested", "true")
    await group.get_by_test_id(f"assignment-open-{seeded.assignment_id}").click()
    await expect(page.get_by_test_id("scoring-title")).to_contain_text(seeded.product)
    count = await page.locator("[data-testid^=criterion-]").count()
    assert count == 5
    for index, score in enumerate(["26", "21", "12.5", "17", "8.5"]):
        await page.get_by_test_id(f"score-{index}").fill(score)
    await expect(page.get_by_test_id("running-total-value")).to_have_text("85 / 100")
    await page.get_by_test_id("review-comment").fill("指标先进，示范场景明确。")
    await page.get_by_test_id("recommendation-recommend").click()
    await page.get_by_test_id("review-submit").click()
    await confirm_box(page)
    await expect(page.get_by_test_id("scoring-locked")).to_be_visible()


async def public_objects(page: Page, seeded: Seeded) -> str:
    await page.goto("/publicity")
    section = page.get_by_test_id(f"publicity-batch-{seeded.batch_id}")
    await expect(section).to_contain_text(seeded.product)
    await section.get_by_test_id(f"object-{seeded.application_id}").click()
    await page.get_by_test_id("objection-name").fill("赵公民")
    await page.get_by_test_id("objection-phone").fill("010 6555 0000")
    await page.get_by_test_id("objection-statement").fill(
        "该装置的关键部件据称为进口产品，请核实其自主知识产权情况。"
    )
    await page.get_by_test_id("objection-consent").check()
    await page.get_by_test_id("objection-submit").click()
    await expect(page.get_by_test_id("objection-done")).to_be_visible()
    return (await page.get_by_test_id("objection-reference").inner_text()).strip()


async def admin_dismisses(page: Page, reference: str) -> None:
    await page.get_by_test_id("nav-objections").click()
    row = page.locator("tr", has_text=reference)
    await expect(row).to_have_count(1)
    await row.locator("a").click()
    await expect(page.get_by_test_id("objection-title")).to_contain_text(reference)
    await page.get_by_test_id("objection-dismiss").click()
    await page.get_by_test_id("resolution-text").fill(
        "经核查，关键部件由申报单位自主研制并拥有发明专利，异议不成立。"
    )
    await page.get_by_test_id("resolution-confirm").click()
    await expect(page.get_by_test_id("objection-status")).to_have_attribute(
        "data-status", "dismissed"
    )


async def test_from_the_last_review_to_the_award(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    url = dbutil.url_for(dbutil.run_database("e2e"))
    seeded = await seed(url)

    expert = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(expert, EXPERT1)
    await expert_scores(expert, seeded)
    await expert.context.close()

    admin = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(admin, ADMIN)
    await admin.goto(f"/admin/batches/{seeded.batch_id}/results")
    row = admin.get_by_test_id(f"result-row-{seeded.application_id}")
    await expect(row).to_have_attribute("data-status", "reviewed")
    await expect(row.get_by_test_id("result-aggregate")).to_have_text("81.67")
    await stage_action(admin, "start-deliberation")
    await expect(admin.get_by_test_id("stage-action")).to_have_attribute(
        "data-action", "start-publicity"
    )
    await admin.get_by_test_id(f"shortlist-{seeded.application_id}").click()
    await admin.get_by_test_id("deliberation-reason").fill("三位专家一致推荐，综合得分领先。")
    await admin.get_by_test_id("deliberation-confirm").click()
    await expect(row).to_have_attribute("data-status", "shortlisted")
    await stage_action(admin, "start-publicity")
    await expect(admin.get_by_test_id("stage-action")).to_have_count(0)
    await shoot(admin, screenshots, "flow-results-in-publicity")

    await move_window(url, seeded.batch_id, closed=False)
    public = await new_page(browser, live_server, "zh-CN", DESKTOP)
    reference = await public_objects(public, seeded)
    assert re.fullmatch(rf"YY-{YEAR}-\d{{2}}-0001", reference), reference
    await public.context.close()

    await admin_dismisses(admin, reference)

    await move_window(url, seeded.batch_id, closed=True)
    await admin.get_by_test_id("nav-batches").click()
    action = admin.get_by_test_id(f"batch-action-{seeded.batch_id}")
    await expect(action).to_have_attribute("data-action", "announce")
    await action.click()
    await confirm_box(admin)
    await expect(admin.get_by_test_id(f"batch-action-{seeded.batch_id}")).to_have_attribute(
        "data-action", "archive"
    )
    await admin.goto(f"/admin/batches/{seeded.batch_id}/results")
    await expect(row).to_have_attribute("data-status", "awarded")
    await shoot(admin, screenshots, "flow-results-awarded")
    await admin.context.close()

    # The award carries a certificate that verifies against the published key.
    engine, db = await _session(url)
    async with db:
        application = await db.get(Application, uuid.UUID(seeded.application_id))
        assert application is not None
        assert application.status == ApplicationStatus.awarded
        number = await db.scalar(select(Award.number).where(Award.application_id == application.id))
    await engine.dispose()
    assert number is not None
    assert re.fullmatch(rf"BJSTT-{YEAR}-\d{{2}}-0001", number), number
    async with httpx.AsyncClient(base_url=live_server) as client:
        certificate = await client.get(f"/api/v1/certificates/{number}")
    assert certificate.status_code == 200, certificate.text
    assert certificate.json()["status"] == "valid"
    assert certificate.json()["payload"]["product"].startswith(seeded.product)
