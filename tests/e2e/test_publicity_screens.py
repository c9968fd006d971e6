"""Publicity and objections in a real browser: the public reads the publicity list (desktop and
phone), files a real-name objection with a PDF and gets its reference (after a 422 on the form);
an admin finds it under Objections, downloads the evidence, starts the review and dismisses it
with a resolution, and the Batches screen explains why the batch cannot be announced yet.
Every screen is screenshotted in zh-CN and en; the public pages also at 375 px.

The batch in publicity is written straight into the live server's database, so the test does
not depend on the demo data."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.engine import make_url

from api.applications.eligibility import product_key
from api.demo import make_uscc
from api.models import District
from tests import dbutil
from tests.e2e.helpers import assert_accessible, confirm_box, minimal_pdf, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
STATEMENT = (
    "据公开资料，该产品的核心控制器为进口部件，与申报材料所称“完全自主知识产权”不符，"
    "且该型号已于 2023 年在北京销售超过 3 台，请联合办公室核实。"
)
RESOLUTION = "经核实，核心控制器为企业自主研发，销售记录与申报材料一致，异议不成立。"

PRODUCTS = [
    (
        "七轴协作机器人",
        "Seven-axis collaborative robot",
        "TH-C7",
        "robotics_manufacturing",
        "domestic_leading",
    ),
    (
        "高精度光刻对准系统",
        "High-precision lithography alignment system",
        "GK-A200",
        "integrated_circuits",
        "international_advanced",
    ),
    ("氢燃料电池重卡动力系统", None, "QN-H49", "transport", "domestic_advanced"),
]


@dataclass
class Listed:
    batch_id: str
    applications: list[str]


def _conninfo() -> str:
    """The live server's database (conftest.live_server creates it per run and worker)."""
    url = make_url(dbutil.url_for(dbutil.run_database("e2e")))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def insert_publicity_batch() -> Listed:
    """A batch in publicity since yesterday (Asia/Shanghai) for 5 more days, 3 shortlisted."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    now = datetime.now(UTC)
    batch_id = uuid.uuid4()
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(max(sequence), 0) + 1 FROM batch WHERE year = %s", (today.year,)
        ).fetchone()
        assert row is not None
        sequence = max(int(row[0]), 50)
        conn.execute(
            "INSERT INTO batch (id, year, sequence, title_zh, title_en, fields, opens_at, "
            "closes_at, publicity_working_days, status, publicity_starts_on, publicity_ends_on) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 5, 'publicity', %s, %s)",
            (
                batch_id,
                today.year,
                sequence,
                f"{today.year}年第{sequence}批首台(套)重大技术装备（公示测试）",
                f"{today.year} batch {sequence} of first-set equipment (publicity test)",
                [p[3] for p in PRODUCTS],
                now - timedelta(days=60),
                now - timedelta(days=30),
                today - timedelta(days=1),
                today + timedelta(days=5),
            ),
        )
        orgs = []
        for name_zh, name_en, district in (
            (
                "北京星河智能装备有限公司",
                "Beijing Xinghe Intelligent Equipment Co., Ltd.",
                "haidian",
            ),
            ("北京芯光微电子科技有限公司", None, "daxing"),
        ):
            org_id = uuid.uuid4()
            # A serial far above the demo's, so the code is free in this database.
            uscc = make_uscc("91", District(district), random.randint(5_000_000, 9_999_999))
            conn.execute(
                "INSERT INTO organization (id, name_zh, name_en, uscc, district, kind) "
                "VALUES (%s, %s, %s, %s, %s, 'enterprise')",
                (org_id, name_zh, name_en, uscc, district),
            )
            orgs.append(org_id)
        applications = []
        for index, (name_zh, name_en, model, field, level) in enumerate(PRODUCTS):
            app_id = uuid.uuid4()
            conn.execute(
                "INSERT INTO application (id, batch_id, organization_id, status, product_name_zh, "
                "product_name_en, model_spec, product_key, field, product_type, claimed_level, "
                "submitted_at) VALUES (%s, %s, %s, 'shortlisted', %s, %s, %s, %s, %s, "
                "'complete_machine', %s, %s)",
                (
                    app_id,
                    batch_id,
                    orgs[index % 2],
                    name_zh,
                    name_en,
                    model,
                    product_key(name_zh, model),
                    field,
                    level,
                    now - timedelta(days=40),
                ),
            )
            applications.append(str(app_id))
    return Listed(str(batch_id), applications)


@pytest.fixture(scope="module")
def listed(live_server: str) -> Listed:
    return insert_publicity_batch()


def _no_staff_chunk(requested: list[str]) -> None:
    staff = [u for u in requested if "staffPages" in u]
    assert not staff, f"a public page loaded staff code: {staff}"


async def test_public_pages_on_a_phone(
    browser: Browser, live_server: str, screenshots: Path, listed: Listed
) -> None:
    page = await new_page(browser, live_server, "zh-CN", PHONE)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto("/publicity")
    section = page.get_by_test_id(f"publicity-batch-{listed.batch_id}")
    await expect(section.locator("tbody tr")).to_have_count(3)
    await no_sideways_scroll(page, "publicity list at 375 px")
    await assert_accessible(page, "publicity list (phone)")
    await shoot(page, screenshots, "publicity-list-phone")
    await section.get_by_test_id(f"object-{listed.applications[0]}").click()
    await expect(page.get_by_test_id("objection-form")).to_be_visible()
    await no_sideways_scroll(page, "objection form at 375 px")
    await assert_accessible(page, "objection form (phone)")
    await shoot(page, screenshots, "publicity-objection-form-phone")
    _no_staff_chunk(requested)
    await page.context.close()


async def file_objection(page: Page, listed: Listed, screenshots: Path, folder: Path) -> str:
    """From the publicity list to a filed objection; returns its reference."""
    await page.goto("/")
    await expect(page.get_by_test_id("home-publicity")).to_be_visible()
    await page.get_by_test_id("nav-publicity").click()
    section = page.get_by_test_id(f"publicity-batch-{listed.batch_id}")
    await expect(section.locator("tbody tr")).to_have_count(3)
    await expect(page.get_by_test_id(f"publicity-window-{listed.batch_id}")).to_have_attribute(
        "data-state", "open"
    )
    await expect(page.get_by_test_id("publicity-notice")).to_contain_text("实名")
    await assert_accessible(page, "publicity list")
    await no_sideways_scroll(page, "publicity list")
    await shoot(page, screenshots, "publicity-list")

    target = listed.applications[1]
    await section.get_by_test_id(f"object-{target}").click()
    await expect(page).to_have_url(re.compile(rf"/publicity/{listed.batch_id}/objection\?"))
    await expect(page.get_by_test_id("objection-product")).to_have_value(target)
    await assert_accessible(page, "objection form")
    await shoot(page, screenshots, "publicity-objection-form")

    # The client checks what the server would refuse: no phone and no e-mail.
    await page.get_by_test_id("objection-name").fill("李明")
    await page.get_by_test_id("objection-statement").fill(STATEMENT)
    await page.get_by_test_id("objection-consent").check()
    await page.get_by_test_id("objection-submit").click()
    await expect(page.locator("#objection-phone-error")).to_contain_text("至少一项")
    await expect(page.locator("#objection-email-error")).to_contain_text("至少一项")
    await expect(page.locator("#objection-phone")).to_have_attribute("aria-invalid", "true")
    await page.wait_for_timeout(400)  # the errors' zoom-in transition
    await shoot(page, screenshots, "publicity-objection-errors")

    # An address the server's e-mail check refuses: its 422 lands on the e-mail field.
    await page.get_by_test_id("objection-email").fill("liming@example..cn")
    async with page.expect_response(lambda r: r.url.endswith("/objections")) as answer:
        await page.get_by_test_id("objection-submit").click()
    assert (await answer.value).status == 422
    await expect(page.locator("#objection-email-error")).to_contain_text("有效的电子邮箱")
    await expect(page.get_by_test_id("objection-alert")).to_be_visible()
    await assert_accessible(page, "objection form with a 422")
    await page.wait_for_timeout(400)
    await shoot(page, screenshots, "publicity-objection-422")

    await page.get_by_test_id("objection-email").fill("")
    await page.get_by_test_id("objection-phone").fill("138 0013 8000")
    await page.get_by_test_id("objection-organization").fill("北京某检测技术研究院")
    evidence = folder / "objection-evidence.pdf"
    evidence.write_bytes(minimal_pdf("Objection evidence"))
    await page.get_by_test_id("objection-evidence").set_input_files(evidence)
    await expect(page.get_by_test_id("objection-file-name")).to_contain_text(
        "objection-evidence.pdf"
    )
    async with page.expect_response(lambda r: r.url.endswith("/objections")) as answer:
        await page.get_by_test_id("objection-submit").click()
    assert (await answer.value).status == 201
    done = page.get_by_test_id("objection-done")
    await expect(done).to_be_visible()
    reference = (await page.get_by_test_id("objection-reference").inner_text()).strip()
    assert re.fullmatch(r"YY-\d{4}-\d{2}-\d{4}", reference), reference
    await expect(done).to_contain_text("接下来")
    await expect(page.locator("h1")).to_have_text("异议已提交")
    await assert_accessible(page, "objection filed")
    await shoot(page, screenshots, "publicity-objection-done")
    await page.set_viewport_size(PHONE)
    await no_sideways_scroll(page, "objection filed at 375 px")
    await shoot(page, screenshots, "publicity-objection-done-phone")
    return reference


async def test_objection_filed_and_dismissed(
    browser: Browser, live_server: str, screenshots: Path, listed: Listed, tmp_path: Path
) -> None:
    public = await new_page(browser, live_server, "zh-CN", DESKTOP)
    requested: list[str] = []
    public.on("request", lambda request: requested.append(request.url))
    reference = await file_objection(public, listed, screenshots, tmp_path)
    _no_staff_chunk(requested)
    await public.context.close()

    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)
    await page.goto("/workbench")
    await expect(page.get_by_test_id("entry-card-objections")).to_be_visible()
    await page.get_by_test_id("nav-objections").click()
    await expect(page.get_by_test_id(f"objections-open-{listed.batch_id}")).to_contain_text("1")
    row = page.locator("tr", has_text=reference)
    await expect(row).to_have_count(1)
    await expect(row.get_by_test_id("objection-status")).to_have_attribute("data-status", "filed")
    await assert_accessible(page, "objections list")
    await shoot(page, screenshots, "objections-list")

    await row.locator("a").click()
    await expect(page.get_by_test_id("objection-title")).to_contain_text(reference)
    await expect(page.get_by_test_id("objection-objector")).to_contain_text("138 0013 8000")
    await expect(page.get_by_test_id("objection-statement")).to_contain_text("核心控制器")
    link = page.get_by_test_id("objection-evidence-link")
    await expect(link).to_have_attribute(
        "href", re.compile(r"/api/v1/objections/[0-9a-f-]{36}/evidence$")
    )
    download = await page.request.get(await link.get_attribute("href") or "")
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert (await download.body()).startswith(b"%PDF")
    await assert_accessible(page, "objection detail")
    await shoot(page, screenshots, "objections-detail")

    await page.get_by_test_id("objection-start-review").click()
    await expect(page.get_by_test_id("objection-status")).to_have_attribute(
        "data-status", "under_review"
    )
    await expect(page.get_by_test_id("objection-start-review")).to_have_count(0)

    # Upholding says it takes the product off the list; cancelled here.
    await page.get_by_test_id("objection-uphold").click()
    dialog = page.get_by_test_id("resolution-dialog")
    await expect(dialog).to_have_attribute("data-action", "uphold")
    await expect(page.get_by_test_id("resolution-warning")).to_contain_text("移出公示名单")
    await page.wait_for_timeout(400)  # the dialog's opening animation
    await shoot(page, screenshots, "objections-uphold-dialog", full_page=False)
    await page.get_by_test_id("resolution-cancel").click()
    await expect(dialog).to_be_hidden()

    await page.get_by_test_id("objection-dismiss").click()
    await expect(dialog).to_have_attribute("data-action", "dismiss")
    await page.get_by_test_id("resolution-text").fill("不成立")
    await page.get_by_test_id("resolution-confirm").click()
    await expect(dialog).to_contain_text("至少 10 个字")
    await page.get_by_test_id("resolution-text").fill(RESOLUTION)
    await shoot(page, screenshots, "objections-dismiss-dialog", full_page=False)
    await page.get_by_test_id("resolution-confirm").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("objection-status")).to_have_attribute(
        "data-status", "dismissed"
    )
    await expect(page.get_by_test_id("objection-resolution")).to_have_text(RESOLUTION)
    await assert_accessible(page, "objection dismissed")
    await shoot(page, screenshots, "objections-resolved")

    await page.get_by_test_id("back-to-objections").click()
    await page.get_by_test_id("objections-filter-status").select_option("all")
    await page.get_by_test_id("objections-apply").click()
    row = page.locator("tr", has_text=reference)
    await expect(row.get_by_test_id("objection-status")).to_have_attribute(
        "data-status", "dismissed"
    )
    await page.set_viewport_size(PHONE)
    await no_sideways_scroll(page, "objections list at 375 px")
    await shoot(page, screenshots, "objections-list-phone")
    await page.set_viewport_size(DESKTOP)

    # The window is still open: the Batches screen says why the results cannot be announced.
    await page.get_by_test_id(f"objections-to-batches-{listed.batch_id}").click()
    action = page.get_by_test_id(f"batch-action-{listed.batch_id}")
    await expect(action).to_have_attribute("data-action", "announce")
    await action.click()
    await confirm_box(page)
    await expect(page.locator(".problem-alert")).to_contain_text(
        re.compile(r"公示期至 \d{4}年\d{1,2}月\d{1,2}日 结束")
    )
    await shoot(page, screenshots, "objections-announce-refused")
    await page.context.close()
