"""Changing one's own password in a real browser: a demo expert opens "修改密码" from the user's
corner of the header, meets the form's own checks, the server's verdicts on the right fields (a
wrong current password, a weak new one), changes the password, is told so, and logs in with the
new password after logging out — while a session opened elsewhere before the change has ended.
Screenshots `change-password-*` in zh-CN and en, at desktop and 375 px; axe on every state.

expert12 is used by no other browser test: its password changes for the rest of the session."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from api.config import DEMO_PASSWORD
from tests.e2e.helpers import api_as, assert_accessible, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EXPERT = "expert12@demo.firstset.cn"
NEW_PASSWORD = "Cobalt-meadow-lantern-4721"


def item_of(page: Page, input_id: str) -> Locator:
    """The form item around an input (its label, hint and error)."""
    return page.locator(".el-form-item", has=page.locator(f"#{input_id}"))


async def no_toast(page: Page) -> None:
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)


async def test_an_expert_changes_their_password(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    elsewhere = api_as(live_server, EXPERT)  # a session in another browser
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, EXPERT)

    # From the user's corner of the header, by keyboard.
    link = page.get_by_test_id("change-password")
    await expect(link).to_have_text("修改密码")
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/account/password$"))
    await expect(page.locator("h1")).to_have_text("修改密码")
    await expect(page.get_by_label("当前密码")).to_be_visible()
    await expect(page.get_by_label("新密码", exact=True)).to_be_visible()
    await expect(page.get_by_label("确认新密码")).to_be_visible()
    await assert_accessible(page, "change password")
    await shoot(page, screenshots, "change-password")
    # Switching the language there and back judges no field of the untouched form.
    await expect(page.locator(".el-form-item.is-error")).to_have_count(0)

    # The form's own checks: every field required, the confirmation must match.
    await page.get_by_test_id("change-password-submit").click()
    await expect(page.locator(".el-form-item.is-error")).to_have_count(3)
    await page.locator("#password-current").fill("Not-my-password-77")
    await page.locator("#password-new").fill(NEW_PASSWORD)
    await page.locator("#password-confirm").fill(NEW_PASSWORD + "x")
    await page.locator("#password-confirm").press("Enter")
    await expect(item_of(page, "password-confirm")).to_contain_text("两次输入的新密码不一致")
    await expect(page.locator("#password-confirm")).to_have_attribute("aria-invalid", "true")

    # The server's verdict on a wrong current password lands on that field, with the focus.
    await page.locator("#password-confirm").fill(NEW_PASSWORD)
    await page.locator("#password-confirm").press("Enter")
    current = item_of(page, "password-current")
    await expect(current).to_have_class(re.compile(r"\bis-error\b"))
    await expect(current).to_contain_text("当前密码不正确。")
    await expect(page.get_by_role("alert").first).to_contain_text("当前密码不正确。")
    await expect(page.locator("#password-current")).to_be_focused()
    await expect(page.locator("#password-current")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "change password, wrong current password")
    await shoot(page, screenshots, "change-password-wrong-current")

    # A new password the policy refuses: its message is on the new password's field.
    await page.locator("#password-current").fill(DEMO_PASSWORD)
    await page.locator("#password-new").fill("aaaaaaaaaa")
    await page.locator("#password-confirm").fill("aaaaaaaaaa")
    await page.get_by_test_id("change-password-submit").click()
    new = item_of(page, "password-new")
    await expect(new).to_have_class(re.compile(r"\bis-error\b"))
    await expect(new).to_contain_text("密码强度不足")
    await expect(current).not_to_have_class(re.compile(r"\bis-error\b"))

    # The change.
    await page.locator("#password-new").fill(NEW_PASSWORD)
    await page.locator("#password-confirm").fill(NEW_PASSWORD)
    await page.get_by_test_id("change-password-submit").click()
    done = page.get_by_test_id("password-changed")
    await expect(done).to_have_text("密码已修改，其他设备上的登录已退出。")
    await expect(page.locator("#password-current")).to_have_value("")
    await expect(page.get_by_role("alert")).to_have_count(0)
    await no_toast(page)
    await assert_accessible(page, "change password, done")
    await shoot(page, screenshots, "change-password-done")
    await expect(page.locator(".el-form-item.is-error")).to_have_count(0)

    # The other browser's session has ended; this one goes on.
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    elsewhere.close()
    await expect(page.get_by_test_id("current-user")).to_be_visible()

    # At phone width the header and the form fit.
    await page.set_viewport_size(PHONE)
    await no_sideways_scroll(page, "change password at 375 px")
    await assert_accessible(page, "change password at 375 px")
    await shoot(page, screenshots, "change-password-phone")
    await page.set_viewport_size(DESKTOP)

    # Log out, then in: the old password no longer opens the account, the new one does.
    await page.get_by_test_id("logout").click()
    await expect(page.get_by_test_id("current-user")).to_have_count(0)
    async with httpx.AsyncClient(base_url=live_server) as anonymous:
        old = await anonymous.post(
            "/api/v1/auth/login", json={"email": EXPERT, "password": DEMO_PASSWORD}
        )
    assert old.status_code == 401, old.text
    await page.goto("/login")
    await page.locator("#login-email").fill(EXPERT)
    await page.locator("#login-password").fill(NEW_PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("current-user")).to_have_text("高峰 Gao Feng")
    await page.context.close()
