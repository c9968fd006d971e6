"""The admin's Users screen in a real browser: the admin creates an account (client checks, then
the API's password check shown on the password field), grants it the expert role in an
organisation (row checks, add/remove rows), sees the role in the list, and adds the new expert to
the pool from the expert pool's create dialog. Screenshots `users-*` in zh-CN and en, the list
and the create dialog also at 375 px; axe on every screen."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import assert_accessible, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
EMPLOYER_ZH = "北京智芯微装半导体设备有限公司"
FIELD = "integrated_circuits"
STRONG_PASSWORD = "Quartz-harbour-lantern-8317"


async def settled(page: Page) -> None:
    """Waits for Element Plus' enter transitions (a dialog fading in would fail contrast)."""
    await expect(page.locator("[class*='-enter-active']")).to_have_count(0)


async def no_toast(page: Page) -> None:
    """Waits for the toasts to fade (they would cover the screenshots)."""
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)


async def create_user(page: Page, screenshots: Path, email: str) -> None:
    await page.get_by_test_id("user-create").click()
    dialog = page.get_by_test_id("user-create-dialog")
    await expect(dialog).to_be_visible()
    await settled(page)

    # Client checks: every required field says so.
    await page.get_by_test_id("user-create-save").click()
    await expect(dialog.locator(".el-form-item.is-error")).to_have_count(3)
    await expect(dialog.get_by_text("请填写此项").first).to_be_visible()

    await page.get_by_test_id("user-email").fill(email)
    await page.get_by_test_id("user-name").fill("新专家 E2E")
    # Long enough for the client, too weak for the API: its 422 lands on the password field.
    await page.get_by_test_id("user-password").fill("aaaaaaaaaa")
    await page.get_by_test_id("user-create-save").click()
    password_item = dialog.locator(".el-form-item", has=page.locator("#user-password"))
    await expect(password_item).to_have_class(re.compile(r"\bis-error\b"))
    await expect(dialog.get_by_role("alert").first).to_be_visible()
    await expect(dialog.locator(".el-form-item.is-error")).to_have_count(1)
    await settled(page)
    await assert_accessible(page, "create user dialog with errors")
    await shoot(page, screenshots, "users-create-dialog", full_page=False)

    await page.get_by_test_id("user-password").fill(STRONG_PASSWORD)
    await page.get_by_test_id("user-create-save").click()
    await expect(dialog).to_be_hidden()
    await expect(
        page.locator(".el-message--success", has_text=f"已创建用户 {email}")
    ).to_be_visible()


async def grant_expert_role(page: Page, screenshots: Path, email: str) -> str:
    table = page.get_by_test_id("users-table")
    row = table.locator("tr", has_text=email)
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("暂无角色")
    edit = row.locator("[data-testid^='edit-roles-']")
    user_id = (await edit.get_attribute("data-testid") or "").removeprefix("edit-roles-")
    assert user_id
    await edit.click()

    dialog = page.get_by_test_id("user-roles-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(email)
    await expect(page.get_by_test_id("user-roles-no-roles")).to_be_visible()

    # Two rows; saving with the second left empty flags both of its fields.
    await page.get_by_test_id("user-roles-add").click()
    await page.get_by_test_id("user-roles-add").click()
    await page.get_by_test_id("user-roles-role-0").select_option("expert")
    await page.get_by_test_id("user-roles-org-filter").fill("智芯")
    org = page.get_by_test_id("user-roles-org-0")
    await expect(org.locator("option")).to_have_count(2)
    await org.select_option(label=EMPLOYER_ZH)
    await page.get_by_test_id("user-roles-save").click()
    await expect(dialog.locator("[aria-invalid='true']")).to_have_count(2)
    await expect(page.get_by_test_id("user-roles-role-1")).to_have_attribute("aria-invalid", "true")
    await settled(page)
    await no_toast(page)
    await assert_accessible(page, "roles dialog with errors")
    await shoot(page, screenshots, "users-roles-dialog", full_page=False)

    await page.get_by_test_id("user-roles-remove-1").click()
    await expect(page.get_by_test_id("user-roles-row-1")).to_have_count(0)
    await page.get_by_test_id("user-roles-save").click()
    await expect(dialog).to_be_hidden()
    await expect(
        page.locator(".el-message--success", has_text=f"已保存 {email} 的角色")
    ).to_be_visible()

    roles = page.get_by_test_id(f"user-roles-{user_id}")
    await expect(roles).to_contain_text("专家")
    await expect(roles).to_contain_text(EMPLOYER_ZH)
    return user_id


async def add_to_pool(page: Page, screenshots: Path, user_id: str, email: str) -> None:
    await page.get_by_test_id("nav-experts").click()
    await expect(page.get_by_test_id(f"pool-row-{user_id}")).to_have_count(0)
    await page.get_by_test_id("expert-create").click()
    dialog = page.get_by_test_id("expert-dialog")
    await expect(dialog).to_be_visible()
    candidate = page.get_by_test_id("expert-user").locator(f"option[value='{user_id}']")
    await expect(candidate).to_contain_text(email)
    await page.get_by_test_id("expert-user").select_option(user_id)
    await page.get_by_test_id(f"expert-field-{FIELD}").click()
    await page.get_by_test_id("expert-save").click()
    await expect(dialog).to_be_hidden()
    row = page.get_by_test_id(f"pool-row-{user_id}")
    await expect(row).to_be_visible()
    await expect(row).to_contain_text(email)


async def test_admin_creates_an_expert_and_adds_them_to_the_pool(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    email = f"new-expert-{time.time_ns()}@demo.firstset.cn"
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)
    await page.get_by_test_id("nav-users").click()
    await expect(page.get_by_test_id("users-table")).to_be_visible()
    await expect(page.get_by_test_id("users-table")).to_contain_text(ADMIN)
    await assert_accessible(page, "users")
    await no_sideways_scroll(page, "users")
    await shoot(page, screenshots, "users-list")

    await create_user(page, screenshots, email)
    user_id = await grant_expert_role(page, screenshots, email)
    await no_toast(page)
    await shoot(page, screenshots, "users-list-new-expert")
    await add_to_pool(page, screenshots, user_id, email)
    await page.context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_users_screen_on_a_phone(
    browser: Browser, live_server: str, screenshots: Path, locale: str
) -> None:
    page = await new_page(browser, live_server, locale, PHONE)
    await log_in(page, ADMIN)
    await page.goto("/admin/users")
    await expect(page.get_by_test_id("users-table")).to_contain_text(ADMIN)
    await page.wait_for_load_state("networkidle")
    await assert_accessible(page, f"users {locale} phone")
    await no_sideways_scroll(page, f"users {locale} phone")
    await page.screenshot(path=screenshots / f"users-list-phone-{locale}.png", full_page=True)

    await page.get_by_test_id("user-create").click()
    await expect(page.get_by_test_id("user-create-dialog")).to_be_visible()
    await page.get_by_test_id("user-create-add").click()
    await settled(page)
    await assert_accessible(page, f"create user dialog {locale} phone")
    await no_sideways_scroll(page, f"create user dialog {locale} phone")
    width = await page.locator(".el-dialog").evaluate("el => el.getBoundingClientRect().width")
    assert width >= PHONE["width"] * 0.9, f"the dialog is {width} px wide on a phone"
    await page.screenshot(path=screenshots / f"users-create-phone-{locale}.png")
    await page.context.close()
