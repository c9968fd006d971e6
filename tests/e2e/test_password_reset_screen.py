"""A forgotten password in a real browser: a demo expert follows "忘记密码？" from the login page,
asks for a link, is told neutrally that one was sent if the account exists, opens the link the
server queued in its mail (read from the live server's `mail_message` queue, before any worker
sends it), meets the form's checks and the server's verdict on a weak password, sets a new one
and logs in with it; the used link is refused afterwards. Screenshots `password-reset-*` in
zh-CN and en, at desktop and 375 px; axe on every state.

expert11 is used by no other browser test: its password changes for the rest of the session."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import psycopg
import pytest
from playwright.async_api import Browser, Locator, Page, expect
from sqlalchemy import make_url

from api.config import DEMO_PASSWORD
from tests import dbutil
from tests.e2e.helpers import assert_accessible, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EXPERT = "expert11@demo.firstset.cn"
NEW_PASSWORD = "Juniper-harbour-compass-5830"
LINK = re.compile(r"https?://\S+/reset-password\?token=[A-Za-z0-9_-]+")


def item_of(page: Page, input_id: str) -> Locator:
    return page.locator(".el-form-item", has=page.locator(f"#{input_id}"))


def queued_reset_link(address: str) -> str:
    """The link in the newest reset e-mail the live server queued for `address`."""
    url = make_url(dbutil.url_for(dbutil.run_database("e2e"))).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        row = conn.execute(
            "SELECT text FROM mail_message WHERE kind = 'password_reset' AND to_address = %s "
            "ORDER BY id DESC LIMIT 1",
            (address,),
        ).fetchone()
    assert row is not None, f"no reset e-mail queued for {address}"
    links = set(LINK.findall(row[0]))
    assert len(links) == 1, row[0]
    return links.pop()


async def test_a_forgotten_password_is_reset_by_email(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)

    # From the login page, by keyboard.
    await page.goto("/login")
    link = page.get_by_test_id("forgot-password-link")
    await expect(link).to_have_text("忘记密码？")
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/forgot-password$"))
    await expect(page.locator("h1")).to_have_text("找回密码")
    await assert_accessible(page, "forgot password")
    await shoot(page, screenshots, "password-reset-request")

    # The address is required; then the neutral answer.
    await page.get_by_test_id("reset-request-submit").click()
    await expect(page.locator(".el-form-item.is-error")).to_have_count(1)
    await page.get_by_label("邮箱").fill(EXPERT)
    await page.get_by_label("邮箱").press("Enter")
    sent = page.get_by_test_id("reset-link-sent")
    await expect(sent).to_contain_text("如果该邮箱对应一个有效账号")
    await assert_accessible(page, "forgot password, sent")
    await shoot(page, screenshots, "password-reset-sent")

    # An unknown address gets the very same answer.
    await page.get_by_label("邮箱").fill("nobody@demo.firstset.cn")
    await page.get_by_test_id("reset-request-submit").click()
    await expect(sent).to_contain_text("如果该邮箱对应一个有效账号")

    reset_link = queued_reset_link(EXPERT)
    assert reset_link.startswith("http")
    path = reset_link[reset_link.index("/reset-password") :]

    # The reset page, from the link.
    await page.goto(path)
    await expect(page.locator("h1")).to_have_text("设置新密码")
    await expect(page.get_by_label("新密码", exact=True)).to_be_visible()
    await expect(page.get_by_label("确认新密码")).to_be_visible()
    await assert_accessible(page, "reset password")
    await shoot(page, screenshots, "password-reset-form")

    # The form's own checks, then the server's verdict on a weak password, on its field.
    await page.get_by_test_id("reset-password-submit").click()
    await expect(page.locator(".el-form-item.is-error")).to_have_count(2)
    await page.locator("#reset-new").fill(NEW_PASSWORD)
    await page.locator("#reset-confirm").fill(NEW_PASSWORD + "x")
    await page.locator("#reset-confirm").press("Enter")
    await expect(item_of(page, "reset-confirm")).to_contain_text("两次输入的新密码不一致")
    await page.locator("#reset-new").fill("aaaaaaaaaa")
    await page.locator("#reset-confirm").fill("aaaaaaaaaa")
    await page.get_by_test_id("reset-password-submit").click()
    new = item_of(page, "reset-new")
    await expect(new).to_have_class(re.compile(r"\bis-error\b"))
    await expect(new).to_contain_text("密码强度不足")
    await expect(page.locator("#reset-new")).to_be_focused()
    await expect(page.locator("#reset-new")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "reset password, weak")
    await shoot(page, screenshots, "password-reset-weak")

    # At phone width the form fits.
    await page.set_viewport_size(PHONE)
    await no_sideways_scroll(page, "reset password at 375 px")
    await assert_accessible(page, "reset password at 375 px")
    await shoot(page, screenshots, "password-reset-phone")
    await page.set_viewport_size(DESKTOP)

    # The reset.
    await page.locator("#reset-new").fill(NEW_PASSWORD)
    await page.locator("#reset-confirm").fill(NEW_PASSWORD)
    await page.get_by_test_id("reset-password-submit").click()
    done = page.get_by_test_id("password-reset-done")
    await expect(done).to_contain_text("密码已重置")
    await assert_accessible(page, "reset password, done")
    await shoot(page, screenshots, "password-reset-done")

    # The link works once.
    await page.goto(path)
    await page.locator("#reset-new").fill("Another-lantern-meadow-9931")
    await page.locator("#reset-confirm").fill("Another-lantern-meadow-9931")
    await page.get_by_test_id("reset-password-submit").click()
    await expect(page.get_by_role("alert").first).to_contain_text("重置链接无效")
    await expect(page.get_by_role("link", name="重新获取重置链接")).to_be_visible()
    await assert_accessible(page, "reset password, used link")
    await shoot(page, screenshots, "password-reset-used")

    # The old password no longer opens the account; the new one does, from the done page.
    async with httpx.AsyncClient(base_url=live_server) as anonymous:
        old = await anonymous.post(
            "/api/v1/auth/login", json={"email": EXPERT, "password": DEMO_PASSWORD}
        )
    assert old.status_code == 401, old.text
    await page.goto("/login")
    await page.locator("#login-email").fill(EXPERT)
    await page.locator("#login-password").fill(NEW_PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("current-user")).to_be_visible()
    await page.context.close()
