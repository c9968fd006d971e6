"""The post-award follow-up screens in a real browser: the demo applicant (北京智芯微装, awarded in
the 2021 first batch) adds a demonstration project, a purchase intention of 12,345,678.90 yuan
and an insurance policy — refused at a 3.5% rate, saved at 2.5%, and a second policy with the
same number refused by the server under its field; an admin finds the project in the
verification queue, looks at the award's full record and verifies it; the applicant sees it
verified. Screenshots in zh-CN and en, at desktop and 375 px widths; axe on every screen.

Other browser tests revoke BJSTT-2021-01-0039 and 0040 on this shared server: when the demo
applicant's award is one of them, an applicant of another awarded enterprise is made instead."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from api.config import DEMO_PASSWORD
from tests.e2e.helpers import api_as, assert_accessible, confirm_box, no_sideways_scroll, ok, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
APPLICANT = "applicant@demo.firstset.cn"
PHONE_SIZE = ViewportSize(width=PHONE["width"], height=PHONE["height"])
DESKTOP_SIZE = ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"])


def valid_awards(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    awards = ok(client.get("/api/v1/follow-up/awards", params={"limit": 100, **params}))
    return [a for a in awards["items"] if not a["revoked"]]


def awarded_applicant(base: str) -> tuple[str, dict[str, Any]]:
    """The demo applicant and its award, or a new applicant of an enterprise with a valid award."""
    own = valid_awards(api_as(base, APPLICANT))
    if own:
        return APPLICANT, own[0]
    admin = api_as(base, ADMIN)
    award = valid_awards(admin)[0]
    email = f"followup-{secrets.token_hex(4)}@example.cn"
    created = admin.post(
        "/api/v1/users",
        json={
            "email": email,
            "display_name": "跟踪填报测试",
            "password": DEMO_PASSWORD,
            "roles": [{"role": "applicant", "organization_id": award["organization_id"]}],
        },
    )
    assert created.status_code == 201, created.text
    return email, award


async def open_follow_up(page: Page, award: dict[str, Any]) -> None:
    await page.goto(f"/follow-up?award={award['id']}")
    await expect(page.get_by_test_id("fu-award")).to_be_visible()
    await expect(page.locator("#fu-award-heading")).not_to_be_empty()


async def test_report_verify_and_see_verified(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    email, award = awarded_applicant(live_server)
    token = secrets.token_hex(3)
    user_enterprise = f"京西示范应用单位{token}"
    buyer = f"华北装备采购中心{token}"
    insurer = "中国人民财产保险股份有限公司北京市分公司"
    policy_number = f"PICC-E2E-{token}"

    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, email)
    await page.get_by_test_id("nav-follow-up").click()
    await expect(page.locator("h1")).to_have_text("示范应用与采购")
    await open_follow_up(page, award)

    # A demonstration project, the amount typed with separators.
    await page.get_by_test_id("fu-add-projects").click()
    dialog = page.get_by_test_id("fu-dialog-projects")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("应用单位", exact=True).fill(user_enterprise)
    await dialog.get_by_label("示范地点", exact=True).fill("北京经济技术开发区")
    await dialog.get_by_label("阶段", exact=True).select_option("in_demonstration")
    await dialog.get_by_label("预计投资额（元）", exact=True).fill("35,000,000")
    await dialog.get_by_label("开始日期", exact=True).fill("2024-03-01")
    await dialog.get_by_label("结束日期", exact=True).fill("2025-02-28")
    await dialog.get_by_test_id("fu-public").check()
    async with page.expect_response(lambda r: r.url.endswith("/projects")) as created:
        await page.get_by_test_id("fu-dialog-save").click()
    assert (await created.value).status == 201
    project_id = (await (await created.value).json())["id"]
    await expect(dialog).to_be_hidden()
    project_row = page.get_by_test_id(f"fu-row-{project_id}")
    await expect(project_row).to_contain_text(user_enterprise)
    await expect(project_row).to_contain_text("3,500 万元")
    await expect(project_row.get_by_test_id("fu-verified")).to_have_text("待核实")

    # A purchase intention: the exact amount goes to the server as a decimal string.
    await page.get_by_test_id("fu-add-intentions").click()
    dialog = page.get_by_test_id("fu-dialog-intentions")
    await dialog.get_by_label("采购方", exact=True).fill(buyer)
    await dialog.get_by_label("金额（元）", exact=True).fill("12,345,678.90")
    await dialog.get_by_label("意向日期", exact=True).fill("2024-05-20")
    await dialog.get_by_label("状态", exact=True).select_option("signed")
    await dialog.get_by_label("来源（如路演）", exact=True).fill("2024 年首台(套)路演")
    async with page.expect_request(lambda r: r.url.endswith("/intentions")) as sent:
        await page.get_by_test_id("fu-dialog-save").click()
    assert (await sent.value).post_data_json["amount_yuan"] == "12345678.90"
    await expect(dialog).to_be_hidden()
    section = page.get_by_test_id("fu-section-intentions")
    await expect(section.get_by_role("row", name=buyer)).to_contain_text("1,234.57 万元")

    # An insurance policy: 3.5% is refused under the rate field; 2.5% is saved.
    await page.get_by_test_id("fu-add-insurance-policies").click()
    dialog = page.get_by_test_id("fu-dialog-insurance-policies")
    await dialog.get_by_label("保险公司", exact=True).fill(insurer)
    await dialog.get_by_label("保单号", exact=True).fill(policy_number)
    await dialog.get_by_label("保费（元）", exact=True).fill("75,000")
    rate = dialog.get_by_label("保险费率（%）", exact=True)
    await rate.fill("3.5")
    await dialog.get_by_label("开始日期", exact=True).fill("2024-03-01")
    await dialog.get_by_label("结束日期", exact=True).fill("2027-03-01")
    await page.get_by_test_id("fu-dialog-save").click()
    await expect(dialog).to_contain_text("保险费率不能超过 3%")
    await expect(rate).to_have_attribute("aria-invalid", "true")
    await page.wait_for_timeout(400)  # the dialog's opening animation and the error's zoom-in
    await assert_accessible(page, "policy dialog with an error")
    await shoot(page, screenshots, "followup-policy-dialog", full_page=False)
    await rate.fill("2.5")
    async with page.expect_response(lambda r: r.url.endswith("/insurance-policies")) as created:
        await page.get_by_test_id("fu-dialog-save").click()
    assert (await created.value).status == 201
    body = (await created.value).request.post_data_json
    assert (body["premium_rate"], body["subsidy_share"], body["premium_yuan"]) == (
        "0.025",
        "0.8",
        "75000.00",
    )
    await expect(dialog).to_be_hidden()
    policies = page.get_by_test_id("fu-section-insurance-policies")
    await expect(policies.get_by_role("row", name=policy_number)).to_contain_text("2.5%")

    # The same number again: the server refuses it, and says so under the number.
    await page.get_by_test_id("fu-add-insurance-policies").click()
    await dialog.get_by_label("保险公司", exact=True).fill(insurer)
    await dialog.get_by_label("保单号", exact=True).fill(policy_number)
    await dialog.get_by_label("保费（元）", exact=True).fill("1000")
    await dialog.get_by_label("保险费率（%）", exact=True).fill("1")
    await dialog.get_by_label("开始日期", exact=True).fill("2024-06-01")
    await dialog.get_by_label("结束日期", exact=True).fill("2025-06-01")
    async with page.expect_response(lambda r: r.url.endswith("/insurance-policies")) as refused:
        await page.get_by_test_id("fu-dialog-save").click()
    assert (await refused.value).status == 409
    await expect(dialog).to_contain_text("该保险公司已有相同保单号的保单")
    await page.get_by_test_id("fu-dialog-cancel").click()
    await expect(dialog).to_be_hidden()

    await assert_accessible(page, "follow-up page")
    await shoot(page, screenshots, "followup")

    # On a phone: cards, nothing scrolls sideways.
    await page.set_viewport_size(PHONE_SIZE)
    await expect(page.get_by_test_id(f"fu-row-{project_id}")).to_be_visible()
    await no_sideways_scroll(page, "follow-up page on a phone")
    await assert_accessible(page, "follow-up page on a phone")
    await shoot(page, screenshots, "followup-phone")
    await page.set_viewport_size(DESKTOP_SIZE)

    # The admin verifies the project from the queue.
    admin = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(admin, ADMIN)
    await admin.goto("/admin/verification")
    await expect(admin.locator("h1")).to_have_text("跟踪信息核验")
    await admin.get_by_test_id("fu-queue-kind").select_option("projects")
    item = admin.get_by_test_id(f"fu-queue-item-{project_id}")
    more = admin.get_by_test_id("fu-queue-more")
    while not await item.count() and await more.count():
        await more.click()
        await admin.wait_for_load_state("networkidle")
    await expect(item).to_contain_text(user_enterprise)
    await expect(item).to_contain_text(award["number"])
    await expect(item).to_contain_text("3,500 万元")
    await assert_accessible(admin, "verification queue")
    await shoot(admin, screenshots, "followup-queue")

    await item.get_by_test_id("fu-view-award").click()
    drawer = admin.get_by_test_id("fu-award-drawer")
    await expect(drawer.get_by_test_id(f"fu-row-{project_id}")).to_be_visible()
    await expect(drawer.get_by_test_id("fu-section-intentions")).to_contain_text(buyer)
    await admin.wait_for_timeout(400)
    await assert_accessible(admin, "award drawer")
    await shoot(admin, screenshots, "followup-queue-drawer", full_page=False)
    await admin.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()

    async with admin.expect_response(lambda r: r.url.endswith("/verify")) as verified:
        await item.get_by_role("button", name=f"核实“{user_enterprise}”").click()
    assert (await verified.value).status == 200
    assert (await verified.value).request.headers["if-match"]
    await expect(admin.locator(".el-message")).to_contain_text(f"已核实“{user_enterprise}”")
    await expect(item).to_have_count(0)

    # The applicant sees it verified.
    await page.reload()
    await expect(
        page.get_by_test_id(f"fu-row-{project_id}").get_by_test_id("fu-verified")
    ).to_have_text("已核实")
    await expect(
        page.get_by_test_id(f"fu-row-{project_id}").get_by_test_id("fu-verified")
    ).to_have_attribute("data-verified", "true")

    # Deleting the policy asks first.
    row = policies.get_by_role("row", name=policy_number)
    await row.get_by_test_id("fu-delete").click()
    await confirm_box(page)
    await expect(policies.get_by_role("row", name=policy_number)).to_have_count(0)
