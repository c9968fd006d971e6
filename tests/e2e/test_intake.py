"""The intake in a real browser: an applicant fills the application form step by step, uploads
the required attachments, passes the self-check and submits; the district returns it, the
applicant corrects and resubmits, the district recommends and the joint office accepts it.
Admins manage batches. Every screen is screenshotted in zh-CN and en, lists and the form also
at 375 px."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import (
    assert_accessible,
    confirm_box,
    minimal_pdf,
    no_sideways_scroll,
    shoot,
)
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

APPLICANT = "applicant@demo.firstset.cn"
DISTRICT = "district@demo.firstset.cn"
ADMIN = "admin@demo.firstset.cn"
ATTACHMENT_KINDS = ("application_form", "test_report", "novelty_search")
RETURN_REASON = "请补充第三方检测报告的盖章原件，并核对重复定位精度指标。"


async def create_draft(page: Page, product: str, screenshots: Path | None = None) -> str:
    await page.get_by_test_id("nav-applications").click()
    await page.get_by_test_id("new-application").click()
    await expect(page.locator("h1")).to_be_visible()
    options = page.locator("[data-testid^=batch-option-]")
    await expect(options.first).to_be_visible()
    await options.first.click()
    await page.get_by_test_id("new-product-name").fill(product)
    if screenshots:
        await shoot(page, screenshots, "intake-new-application")
    await page.get_by_test_id("new-create").click()
    await expect(page).to_have_url(re.compile(r"/applications/[0-9a-f-]{36}$"))
    await expect(page.get_by_test_id("step-heading")).to_have_attribute("data-step", "basic")
    return page.url.rsplit("/", 1)[1]


async def next_step(page: Page, expected: str) -> None:
    await page.get_by_test_id("step-next").click()
    await expect(page.get_by_test_id("step-heading")).to_have_attribute("data-step", expected)


async def fill_basic(page: Page, product: str) -> None:
    await page.get_by_test_id("input-product_name_en").fill(
        "Seven-axis collaborative robot " + product[-6:]
    )
    await page.get_by_test_id("input-model_spec").fill("TH-C7-E2E")
    await page.get_by_test_id("input-field").select_option("robotics_manufacturing")
    await page.get_by_test_id("input-product_type").select_option("complete_machine")
    await page.get_by_test_id("input-claimed_level").select_option("domestic_leading")
    await page.get_by_test_id("input-price_yuan").fill("1280000")
    await page.get_by_test_id("input-summary_zh").fill(
        "面向精密装配的七轴协作机器人，重复定位精度 ±0.02 mm，负载 7 kg。"
    )
    await page.get_by_test_id("input-summary_en").fill(
        "A seven-axis collaborative robot for precision assembly."
    )
    await page.get_by_test_id("input-expected_demonstration_use").fill(
        "在北京经开区汽车零部件产线开展示范应用。"
    )


async def fill_indicators(page: Page) -> None:
    rows = [
        ("重复定位精度", "mm", "±0.02", "±0.03", "±0.02", "第三方检测报告第 5 页"),
        ("额定负载", "kg", "7", "5", "7", "检测报告"),
        ("临时行", "", "1", "", "", ""),
    ]
    for index, values in enumerate(rows):
        await page.get_by_test_id("indicators-add").click()
        keys = ("indicator", "unit", "own_value", "best_domestic", "best_international", "evidence")
        for key, value in zip(keys, values, strict=True):
            if value:
                await page.get_by_test_id(f"indicators-{index}-{key}").fill(value)
    await expect(page.locator("[data-testid^=indicators-row-]")).to_have_count(3)
    await page.get_by_test_id("indicators-remove-2").click()
    await expect(page.locator("[data-testid^=indicators-row-]")).to_have_count(2)


async def fill_ip_sales_licences(page: Page) -> None:
    await page.get_by_test_id("ip_rights-add").click()
    await page.get_by_test_id("ip_rights-0-number").fill("ZL202110123456.7")
    await page.get_by_test_id("ip_rights-0-type").select_option("invention_patent")
    await page.get_by_test_id("ip_rights-0-status").select_option("granted")
    await page.get_by_test_id("sales-add").click()
    await page.get_by_test_id("sales-0-buyer").fill("北京某汽车零部件有限公司")
    await page.get_by_test_id("sales-0-date").fill("2025-06-18")
    await page.get_by_test_id("sales-0-units").fill("1")
    await page.get_by_test_id("sales-0-amount_yuan").fill("1280000.00")
    await page.get_by_test_id("licences-add").click()
    await page.get_by_test_id("licences-0-name").fill("CE 认证证书")
    await page.get_by_test_id("licences-0-number").fill("CE-2025-0001")


async def upload_attachments(page: Page, folder: Path) -> None:
    for kind in ATTACHMENT_KINDS:
        path = folder / f"{kind}.pdf"
        path.write_bytes(minimal_pdf(kind))
        await page.get_by_test_id(f"upload-{kind}").set_input_files(path)
        section = page.get_by_test_id(f"attachments-{kind}")
        await expect(section.locator("li[data-kind]")).to_have_count(1)
        await expect(section).to_contain_text(f"{kind}.pdf")


async def go_to_check(page: Page) -> None:
    """From the first step to the self-check, saving each step on the way."""
    for step in ("indicators", "ipSales", "attachments", "check"):
        await next_step(page, step)


async def decide(page: Page, decision: str, reason: str = "", days: int | None = None) -> None:
    await page.get_by_test_id(f"decision-{decision}").click()
    dialog = page.get_by_test_id("decision-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_have_attribute("data-decision", decision)
    if reason:
        await page.get_by_test_id("decision-reason").fill(reason)
    if days is not None:
        await page.locator("#decision-deadline").fill(str(days))
        await page.locator("#decision-deadline").blur()


async def status_is(page: Page, status: str) -> None:
    """The status tag next to the page's heading."""
    tag = page.locator("main header [data-testid=status-tag]")
    await expect(tag).to_have_attribute("data-status", status)


async def test_application_from_draft_to_formal_acceptance(
    browser: Browser, live_server: str, screenshots: Path, tmp_path: Path
) -> None:
    product = f"七轴协作机器人 E2E {int(time.time())}"

    # --- the applicant drafts, fills every step, uploads, checks and submits -----------------
    applicant = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(applicant, APPLICANT)
    await applicant.get_by_test_id("nav-organization").click()
    await expect(applicant.locator("[data-testid^=org-card-]")).to_have_count(1)
    await expect(applicant.get_by_test_id("org-uscc")).to_have_text(re.compile(r"^[0-9A-Z]{18}$"))
    await shoot(applicant, screenshots, "intake-organization")

    application_id = await create_draft(applicant, product, screenshots)

    await fill_basic(applicant, product)
    await assert_accessible(applicant, "form step 1")
    await shoot(applicant, screenshots, "intake-form-1-basic")
    await next_step(applicant, "indicators")

    await fill_indicators(applicant)
    await assert_accessible(applicant, "form step 2")
    await shoot(applicant, screenshots, "intake-form-2-indicators")
    await next_step(applicant, "ipSales")

    await fill_ip_sales_licences(applicant)
    await assert_accessible(applicant, "form step 3")
    await shoot(applicant, screenshots, "intake-form-3-ip-sales")
    await next_step(applicant, "attachments")

    await upload_attachments(applicant, tmp_path)
    await assert_accessible(applicant, "form step 4")
    await shoot(applicant, screenshots, "intake-form-4-attachments")
    await next_step(applicant, "check")

    await applicant.get_by_test_id("self-check-run").click()
    summary = applicant.get_by_test_id("self-check-summary")
    await expect(summary).to_have_attribute("data-eligible", "true")
    rules = applicant.locator("[data-testid^=rule-]")
    assert await rules.count() >= 8
    await expect(applicant.locator("[data-testid^=rule-][data-passed=false]")).to_have_count(0)
    await assert_accessible(applicant, "self-check")
    await shoot(applicant, screenshots, "intake-form-5-self-check")

    await applicant.get_by_test_id("action-submit").click()
    await confirm_box(applicant)
    await status_is(applicant, "submitted")
    await expect(applicant.get_by_test_id("application-content")).to_be_visible()
    await expect(applicant.get_by_test_id("timeline-item-submit")).to_be_visible()

    await applicant.get_by_test_id("nav-applications").click()
    row = applicant.get_by_test_id(f"application-row-{application_id}")
    await expect(row.get_by_test_id("status-tag")).to_have_attribute("data-status", "submitted")
    await assert_accessible(applicant, "my applications")
    await shoot(applicant, screenshots, "intake-applications-list")

    # --- the Haidian district officer returns it for correction ------------------------------
    district = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(district, DISTRICT)
    await district.get_by_test_id("nav-district-queue").click()
    await expect(district.get_by_test_id("queue-filter-status")).to_have_value("submitted")
    link = district.get_by_test_id(f"application-row-{application_id}")
    await expect(link).to_be_visible()
    await assert_accessible(district, "district queue")
    await shoot(district, screenshots, "intake-district-queue")
    await link.click()
    await expect(district.locator("h1")).to_have_text(product)
    await expect(district.get_by_test_id("self-check-summary")).to_have_attribute(
        "data-eligible", "true"
    )
    await expect(district.locator("[data-testid^=attachment-][data-kind]")).to_have_count(3)
    await assert_accessible(district, "district review")
    await shoot(district, screenshots, "intake-district-review")

    await decide(district, "return")
    await district.get_by_test_id("decision-confirm").click()  # no reason yet: refused
    await expect(district.get_by_test_id("decision-dialog")).to_contain_text("请填写此项")
    await district.get_by_test_id("decision-reason").fill(RETURN_REASON)
    await district.locator("#decision-deadline").fill("7")
    await district.locator("#decision-deadline").blur()
    await shoot(district, screenshots, "intake-decision-dialog-return", full_page=False)
    await district.get_by_test_id("decision-confirm").click()
    await expect(district.get_by_test_id("decision-dialog")).to_be_hidden()
    await status_is(district, "returned")
    await expect(district.get_by_test_id("return-reason")).to_have_text(RETURN_REASON)

    # --- the applicant sees reason and deadline, corrects and resubmits ----------------------
    await applicant.get_by_test_id(f"application-link-{application_id}").click()
    notice = applicant.get_by_test_id("return-notice")
    await expect(notice).to_be_visible()
    await expect(applicant.get_by_test_id("return-reason")).to_have_text(RETURN_REASON)
    await expect(applicant.get_by_test_id("return-deadline")).to_have_text(re.compile(r"\d"))
    await expect(applicant.get_by_test_id("overdue-badge")).to_have_count(0)
    await shoot(applicant, screenshots, "intake-returned")
    await applicant.get_by_test_id("input-model_spec").fill("TH-C7-E2E-R1")
    await go_to_check(applicant)
    await expect(applicant.get_by_test_id("self-check-summary")).to_have_attribute(
        "data-eligible", "true"
    )
    await applicant.get_by_test_id("action-resubmit").click()
    await confirm_box(applicant)
    await status_is(applicant, "submitted")
    await expect(applicant.get_by_test_id("content-model_spec")).to_have_text("TH-C7-E2E-R1")

    # --- the district recommends it -----------------------------------------------------------
    await district.reload()
    await status_is(district, "submitted")
    await decide(district, "recommend", "材料齐全，同意推荐。")
    await shoot(district, screenshots, "intake-decision-dialog-recommend", full_page=False)
    await district.get_by_test_id("decision-confirm").click()
    await expect(district.get_by_test_id("decision-dialog")).to_be_hidden()
    await status_is(district, "recommended")
    await expect(district.get_by_test_id("decision-not-waiting")).to_be_visible()

    # --- the joint office accepts it in the formal review ------------------------------------
    admin = await new_page(browser, live_server, "en", DESKTOP)
    await log_in(admin, ADMIN)
    await admin.get_by_test_id("nav-formal-review").click()
    await expect(admin.get_by_test_id("queue-filter-status")).to_have_value("recommended")
    link = admin.get_by_test_id(f"application-row-{application_id}")
    await expect(link).to_be_visible()
    await assert_accessible(admin, "formal queue")
    await shoot(admin, screenshots, "intake-formal-queue")
    await link.click()
    await decide(admin, "accept")
    await shoot(admin, screenshots, "intake-decision-dialog-accept", full_page=False)
    await admin.get_by_test_id("decision-confirm").click()
    await expect(admin.get_by_test_id("decision-dialog")).to_be_hidden()
    await status_is(admin, "accepted")

    # --- the timeline tells the whole story ---------------------------------------------------
    await applicant.reload()
    await status_is(applicant, "accepted")
    timeline = applicant.get_by_test_id("timeline")
    for action in (
        "create",
        "submit",
        "district_return",
        "resubmit",
        "district_recommend",
        "formal_accept",
    ):
        await expect(timeline.get_by_test_id(f"timeline-item-{action}")).to_have_count(1)
    await expect(timeline).to_contain_text(RETURN_REASON)
    await assert_accessible(applicant, "accepted application")
    await shoot(applicant, screenshots, "intake-timeline")

    for page in (applicant, district, admin):
        await page.context.close()


async def test_admin_manages_batches(browser: Browser, live_server: str, screenshots: Path) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)
    await page.get_by_test_id("nav-batches").click()
    rows = page.locator("[data-testid^=batch-row-]")
    await expect(rows.first).to_be_visible()
    await assert_accessible(page, "batches")
    await shoot(page, screenshots, "intake-batches")

    title = f"2099年第一批 E2E {int(time.time())}"
    await page.get_by_test_id("batch-create").click()
    dialog = page.get_by_test_id("batch-dialog")
    await expect(dialog).to_be_visible()
    await page.locator("#batch-year input, input#batch-year").first.fill("2099")
    await page.get_by_test_id("batch-title-zh").fill(title)
    await page.get_by_test_id("batch-title-en").fill("2099 first batch")
    await page.locator("#batch-opens-at").fill("2099-03-01 09:00")
    await page.locator("#batch-opens-at").press("Enter")
    await page.locator("#batch-closes-at").fill("2099-04-30 17:00")
    await page.locator("#batch-closes-at").press("Enter")
    await page.get_by_test_id("batch-title-zh").click()
    await shoot(page, screenshots, "intake-batch-form", full_page=False)
    await page.get_by_test_id("batch-save").click()
    await expect(dialog).to_be_hidden()

    row = rows.filter(has_text=title)
    await expect(row).to_have_count(1)
    batch_id = (await row.get_attribute("data-testid") or "").removeprefix("batch-row-")
    action = page.get_by_test_id(f"batch-action-{batch_id}")
    await expect(action).to_have_attribute("data-action", "open")
    await expect(page.get_by_test_id(f"batch-status-{batch_id}")).to_have_text("草稿")
    await action.click()
    await confirm_box(page)
    await expect(page.get_by_test_id(f"batch-status-{batch_id}")).to_have_text("申报中")
    await expect(action).to_have_attribute("data-action", "close")
    await page.get_by_test_id(f"batch-edit-{batch_id}").click()
    await expect(page.get_by_test_id("batch-title-zh")).to_have_value(title)
    await page.get_by_test_id("batch-cancel").click()
    await page.context.close()


async def test_applicant_screens_on_a_phone(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    page = await new_page(browser, live_server, "zh-CN", PHONE)
    await log_in(page, APPLICANT)
    await page.goto("/applications")
    await expect(page.locator("h1")).to_be_visible()
    await page.wait_for_load_state("networkidle")
    await no_sideways_scroll(page, "my applications")
    await page.screenshot(path=screenshots / "intake-phone-applications-zh-CN.png", full_page=True)

    await create_draft(page, f"手机端测试产品 {int(time.time())}")
    await no_sideways_scroll(page, "form step 1")
    await page.screenshot(path=screenshots / "intake-phone-form-1-zh-CN.png", full_page=True)
    await page.get_by_test_id("input-field").select_option("robotics_manufacturing")
    await page.get_by_test_id("input-product_type").select_option("complete_machine")
    await page.get_by_test_id("input-claimed_level").select_option("domestic_advanced")
    await page.get_by_test_id("input-summary_zh").fill("手机端填写的简介。")
    await next_step(page, "indicators")
    await page.get_by_test_id("indicators-add").click()
    await page.get_by_test_id("indicators-0-indicator").fill("额定功率")
    await no_sideways_scroll(page, "form step 2")
    await assert_accessible(page, "phone form step 2")
    await page.screenshot(path=screenshots / "intake-phone-form-2-zh-CN.png", full_page=True)
    await page.get_by_test_id("locale-switch").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await no_sideways_scroll(page, "form step 2 (en)")
    await page.screenshot(path=screenshots / "intake-phone-form-2-en.png", full_page=True)
    await page.context.close()
