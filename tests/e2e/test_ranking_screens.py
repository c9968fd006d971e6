"""The results & deliberation screen and the working-day calendar in a real browser.

Setup writes its own batch straight to the live server's database (a batch in deliberation,
four reviewed applications in two fields, three attested experts with submitted reviews), so
the test does not depend on the demo's review data. Then the admin opens the results from the
Batches screen, sees ranks and the disagreement flag, downloads the CSV, shortlists one
application (and meets the field's quota on the next), marks another not selected and is told
why publicity cannot start yet. On the calendar the admin views 2025, counts working days across
National Day, meets the unknown year 2031, enters it and counts again. Every screen is
screenshotted in zh-CN and en, the results and the calendar also at 375 px."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from api.db import with_driver
from api.models import (
    AggregationRule,
    ApplicationStatus,
    Batch,
    BatchStatus,
    Recommendation,
    Review,
    ReviewStatus,
    RubricCriterion,
)
from tests import dbutil
from tests.e2e.helpers import assert_accessible, confirm_box, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page
from tests.factories.applications import make_application
from tests.factories.experts import attest, make_assignment, make_expert
from tests.factories.identity import make_org

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
IC, ROBOTS = "integrated_circuits", "robotics_manufacturing"
YEAR = 2097  # far from the demo's batches; the sequence is the next free one
CSV_HEADER = "领域,领域排名,产品名称,申报单位,状态,分配专家数,已提交,已豁免,汇总分,极差,意见分歧"

# product → (field, [(criterion 1 of 10 ×1, criterion 2 of 20 ×2, recommendation)] per expert)
# The rubric's maximum total is 50, so a spread above 10 is a disagreement.
R, N, X = Recommendation.recommend, Recommendation.neutral, Recommendation.not_recommend
PANELS = {
    "高精度晶圆缺陷检测设备": (IC, [(9, 18, R), (10, 17, R), (10, 18, R)]),  # 45, 44, 46 → 45
    "碳化硅外延生长炉": (IC, [(6, 12, X), (10, 17, R), (8, 15, N)]),  # 30, 44, 38 → spread 14
    "七轴协作机器人": (ROBOTS, [(10, 15, R), (9, 16, R), (10, 16, N)]),  # 40, 41, 42 → 41
    "智能焊接工作站": (ROBOTS, [(7, 14, N), (8, 14, R), (7, 13, N)]),  # 35, 36, 33
}


@dataclass
class Seeded:
    batch_id: str
    apps: dict[str, str]  # product → application id


async def seed_batch(url: str) -> Seeded:
    engine = create_async_engine(with_driver(url))
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db:
            sequence = (
                await db.scalar(
                    select(func.coalesce(func.max(Batch.sequence), 0)).where(Batch.year == YEAR)
                )
            ) + 1
            now = datetime.now(UTC)
            batch = Batch(
                year=YEAR,
                sequence=sequence,
                title_zh=f"{YEAR} 年第 {sequence} 批首台(套)认定",
                title_en=f"First-set recognition {YEAR}, batch {sequence}",
                fields=[IC, ROBOTS],
                opens_at=now - timedelta(days=60),
                closes_at=now - timedelta(days=30),
                status=BatchStatus.deliberation,
                aggregation_rule=AggregationRule.mean,
                reviewers_per_application=3,
                shortlist_quota={IC: 1},
            )
            db.add(batch)
            await db.flush()
            criteria = [
                RubricCriterion(
                    batch_id=batch.id,
                    position=1,
                    name_zh="技术先进性",
                    name_en="Technical merit",
                    max_score=Decimal(10),
                    weight=Decimal(1),
                ),
                RubricCriterion(
                    batch_id=batch.id,
                    position=2,
                    name_zh="市场与示范价值",
                    name_en="Market value",
                    max_score=Decimal(20),
                    weight=Decimal(2),
                ),
            ]
            db.add_all(criteria)
            await db.flush()
            tag = uuid.uuid4().hex[:8]
            experts = [
                await make_expert(db, fields=[IC, ROBOTS], email=f"rank-{tag}-{i}@example.cn")
                for i in range(3)
            ]
            for expert in experts:
                await attest(db, batch, expert)
            apps: dict[str, str] = {}
            for index, (product, (field, scores)) in enumerate(PANELS.items()):
                org = await make_org(db, name_zh=f"北京排名测试科技有限公司{tag}{index}")
                application = await make_application(
                    db,
                    org,
                    batch,
                    status=ApplicationStatus.reviewed,
                    field=field,
                    product_name_zh=product,
                    product_name_en=None,
                )
                apps[product] = str(application.id)
                for order, (expert, (s1, s2, recommendation)) in enumerate(
                    zip(experts, scores, strict=True)
                ):
                    assignment = await make_assignment(db, application, expert)
                    db.add(
                        Review(
                            assignment_id=assignment.id,
                            application_id=application.id,
                            expert_id=expert.id,
                            status=ReviewStatus.submitted,
                            scores={str(criteria[0].id): s1, str(criteria[1].id): s2},
                            total=Decimal(s1 + 2 * s2),
                            recommendation=recommendation,
                            version=2,
                            submitted_at=now - timedelta(days=3, minutes=10 - order),
                        )
                    )
            await db.commit()
            return Seeded(str(batch.id), apps)
    finally:
        await engine.dispose()


async def decide(page: Page, app_id: str, action: str, reason: str) -> None:
    await page.get_by_test_id(f"{action}-{app_id}").click()
    dialog = page.get_by_test_id("deliberation-dialog")
    await expect(dialog).to_be_visible()
    await page.get_by_test_id("deliberation-reason").fill(reason)
    await page.get_by_test_id("deliberation-confirm").click()


async def test_results_and_deliberation(
    browser: Browser, live_server: str, screenshots: Path, tmp_path: Path
) -> None:
    seeded = await seed_batch(dbutil.url_for(dbutil.run_database("e2e")))
    wafer, sic, robot, welding = (seeded.apps[p] for p in PANELS)
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)

    # From the Batches screen to the batch's results.
    await page.get_by_test_id("nav-batches").click()
    await page.get_by_test_id(f"batch-results-{seeded.batch_id}").click()
    await expect(page).to_have_url(f"{live_server}/admin/batches/{seeded.batch_id}/results")
    await expect(page.get_by_test_id(f"result-row-{wafer}")).to_have_attribute("data-rank", "1")
    await expect(page.get_by_test_id(f"result-row-{sic}")).to_have_attribute("data-rank", "2")
    await expect(page.get_by_test_id(f"result-row-{robot}")).to_have_attribute("data-rank", "1")
    await expect(page.get_by_test_id(f"result-row-{welding}")).to_have_attribute("data-rank", "2")
    await expect(page.get_by_test_id("results-rule")).to_have_attribute("data-rule", "mean")
    await expect(
        page.get_by_test_id(f"result-row-{sic}").get_by_test_id("disagreement-flag")
    ).to_be_visible()
    await expect(
        page.get_by_test_id(f"result-row-{wafer}").get_by_test_id("disagreement-flag")
    ).to_have_count(0)
    await expect(
        page.get_by_test_id(f"result-row-{wafer}").get_by_test_id("result-aggregate")
    ).to_have_text("45.00")
    await expect(page.get_by_test_id(f"result-row-{wafer}")).to_contain_text("专家C")
    await expect(page.get_by_test_id(f"quota-{IC}")).to_contain_text("限额 1")
    await assert_accessible(page, "results")
    await shoot(page, screenshots, "ranking-results")

    # The CSV download goes through the browser's session; Chinese headers for the Chinese UI.
    async with page.expect_download() as info:
        await page.get_by_test_id("download-csv").click()
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert download.suggested_filename.endswith(".csv")
    first_line = saved.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith(CSV_HEADER), first_line

    # Shortlist the field's best; the reason dialog in both languages first.
    await page.get_by_test_id(f"shortlist-{wafer}").click()
    await expect(page.get_by_test_id("deliberation-dialog")).to_be_visible()
    await page.get_by_test_id("deliberation-confirm").click()  # no reason yet
    await expect(page.get_by_test_id("deliberation-dialog")).to_contain_text("请填写此项")
    await page.get_by_test_id("deliberation-reason").fill("综合得分领域第一，专家一致推荐。")
    await shoot(page, screenshots, "ranking-shortlist-dialog", full_page=False)
    await page.get_by_test_id("deliberation-confirm").click()
    await expect(page.get_by_test_id("deliberation-dialog")).to_be_hidden()
    row = page.get_by_test_id(f"result-row-{wafer}")
    await expect(row).to_have_attribute("data-status", "shortlisted")
    await expect(row.get_by_test_id("result-reason")).to_contain_text("专家一致推荐")
    await expect(page.get_by_test_id("quota-reached")).to_be_visible()

    # The field's quota of one is taken: the second shortlist is refused, saying why.
    await decide(page, sic, "shortlist", "尝试超出名额入选。")
    problem = page.get_by_test_id("deliberation-problem")
    await expect(problem).to_contain_text("入选限额为 1 项")
    await shoot(page, screenshots, "ranking-quota-reached", full_page=False)
    await page.get_by_test_id("deliberation-cancel").click()

    await decide(page, sic, "not-select", "专家意见分歧较大，技术成熟度待验证。")
    await expect(page.get_by_test_id(f"result-row-{sic}")).to_have_attribute(
        "data-status", "not_selected"
    )

    # Two reviewed applications are still undecided: publicity cannot start, and the page says so.
    await expect(page.get_by_test_id("stage-action")).to_have_attribute(
        "data-action", "start-publicity"
    )
    await page.get_by_test_id("stage-action").click()
    await confirm_box(page)
    await expect(page.get_by_test_id("stage-problem")).to_contain_text(
        "还有 2 份已评审的申报未作决定"
    )
    await assert_accessible(page, "results after decisions")
    await shoot(page, screenshots, "ranking-results-decided")

    # Phone width: the table becomes cards, nothing scrolls sideways.
    phone = await new_page(browser, live_server, "zh-CN", PHONE)
    await log_in(phone, ADMIN)
    await phone.goto(f"/admin/batches/{seeded.batch_id}/results")
    await expect(phone.get_by_test_id(f"result-row-{wafer}")).to_be_visible()
    await no_sideways_scroll(phone, "results at 375 px")
    await assert_accessible(phone, "results at 375 px")
    await shoot(phone, screenshots, "ranking-results-phone")
    await phone.context.close()
    await page.context.close()


async def test_working_day_calendar(browser: Browser, live_server: str, screenshots: Path) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)
    await page.get_by_test_id("nav-calendar").click()
    await expect(page).to_have_url(f"{live_server}/admin/calendar")

    # 2025 comes from the package: its days by month, no delete.
    await page.get_by_test_id("calendar-year-2025").click()
    await expect(page.get_by_test_id("calendar-year")).to_have_attribute("data-year", "2025")
    await expect(page.get_by_test_id("calendar-day-2025-10-01")).to_have_attribute(
        "data-working", "false"
    )
    await expect(page.get_by_test_id("calendar-day-2025-09-28")).to_have_attribute(
        "data-working", "true"
    )
    await expect(page.get_by_test_id("calendar-no-delete")).to_be_visible()
    await expect(page.get_by_test_id("calendar-delete")).to_have_count(0)

    # Across National Day 2025: the 2nd working day from 30 September is 9 October.
    await page.get_by_test_id("calc-start").fill("2025-09-30")
    await page.get_by_test_id("calc-days").fill("2")
    await page.get_by_test_id("calc-run").click()
    await expect(page.get_by_test_id("calc-result")).to_have_attribute("data-end", "2025-10-09")
    await assert_accessible(page, "calendar 2025")
    await shoot(page, screenshots, "calendar-2025")

    # 2031 is unknown: the calculator says so and offers to enter it.
    await page.get_by_test_id("calc-start").fill("2031-01-01")
    await page.get_by_test_id("calc-days").fill("3")
    await page.get_by_test_id("calc-run").click()
    await expect(page.get_by_test_id("calc-problem")).to_contain_text("2031 年还没有工作日历")
    await shoot(page, screenshots, "calendar-unknown-year")
    await page.get_by_test_id("calc-enter-year").click()
    editor = page.get_by_test_id("calendar-editor")
    await expect(editor).to_have_attribute("data-year", "2031")

    # One holiday (New Year's Day, a Wednesday) and one make-up working day (Saturday 4 January);
    # a third row claims a weekday as a make-up day and is refused on its own row.
    for _ in range(3):
        await page.get_by_test_id("calendar-add-row").click()
    await page.get_by_test_id("calendar-row-0-day").fill("2031-01-01")
    await page.get_by_test_id("calendar-row-0-name_zh").fill("元旦")
    await page.get_by_test_id("calendar-row-0-name_en").fill("New Year's Day")
    await page.get_by_test_id("calendar-row-1-day").fill("2031-01-04")
    await page.get_by_test_id("calendar-row-1-working").select_option("true")
    await page.get_by_test_id("calendar-row-1-name_zh").fill("元旦调休")
    await page.get_by_test_id("calendar-row-2-day").fill("2031-01-02")
    await page.get_by_test_id("calendar-row-2-working").select_option("true")
    await page.get_by_test_id("calendar-save").click()
    await expect(page.get_by_test_id("calendar-row-1")).to_contain_text(
        "调休上班日必须是周六或周日"
    )
    await expect(page.get_by_test_id("calendar-editor-problem")).to_be_visible()
    await assert_accessible(page, "calendar editor")
    await shoot(page, screenshots, "calendar-editor")
    # After sorting, the weekday row (2 January) is the second one.
    await page.get_by_test_id("calendar-row-1-remove").click()
    await expect(page.locator("[data-testid^=calendar-row-][data-testid$=-day]")).to_have_count(2)
    await page.get_by_test_id("calendar-save").click()
    await confirm_box(page)
    await expect(page.get_by_test_id("calendar-year")).to_have_attribute("data-year", "2031")
    await expect(page.get_by_test_id("calendar-year-2031")).to_have_attribute(
        "data-source", "admin"
    )
    await expect(page.get_by_test_id("calendar-day-2031-01-04")).to_have_attribute(
        "data-working", "true"
    )
    await expect(page.get_by_test_id("calendar-delete")).to_be_visible()

    # The same question now has an answer: Jan 1 is off, Jan 2 and 3 work, Saturday Jan 4 works.
    await page.get_by_test_id("calc-run").click()
    await expect(page.get_by_test_id("calc-result")).to_have_attribute("data-end", "2031-01-04")
    await shoot(page, screenshots, "calendar-2031")

    phone = await new_page(browser, live_server, "zh-CN", PHONE)
    await log_in(phone, ADMIN)
    await phone.goto("/admin/calendar?year=2025")
    await expect(phone.get_by_test_id("calendar-day-2025-10-01")).to_be_visible()
    await no_sideways_scroll(phone, "calendar at 375 px")
    await assert_accessible(phone, "calendar at 375 px")
    await shoot(phone, screenshots, "calendar-phone")
    await phone.goto("/admin/calendar?year=2031")
    await phone.get_by_test_id("calendar-edit").click()
    await expect(phone.get_by_test_id("calendar-editor")).to_be_visible()
    await no_sideways_scroll(phone, "calendar editor at 375 px")
    await shoot(phone, screenshots, "calendar-editor-phone")
    await phone.context.close()
    await page.context.close()
