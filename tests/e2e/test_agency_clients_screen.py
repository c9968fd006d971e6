"""The agency clients screen in a real browser: an admin registers a client and sees its secret
once (the secret gets a token), rotates it with an overlap, edits its rate limit and revokes it.
Screenshots in zh-CN and en, at desktop and 375 px widths."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import assert_accessible, confirm_box, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
NAME = "市统计局数据平台 e2e"


def token_status(base: str, client_id: str, secret: str) -> int:
    response = httpx.post(
        f"{base}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=30,
    )
    return response.status_code


async def test_create_rotate_edit_revoke(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)
    await page.goto("/admin/agency-clients")
    await expect(page.get_by_test_id("agency-row-demo-agency")).to_be_visible()
    await assert_accessible(page, "agency clients")
    await shoot(page, screenshots, "agency-clients")

    # register: the secret is shown once, with a warning and a copy button
    await page.get_by_test_id("agency-create").click()
    form = page.get_by_test_id("agency-client-form")
    await form.locator("#agency-client-name").fill(NAME)
    await form.get_by_test_id("agency-client-org").select_option(index=1)
    await form.get_by_test_id("agency-scope-statistics:read").check()
    await assert_accessible(page, "agency client form")
    await shoot(page, screenshots, "agency-client-form", full_page=False)
    await form.get_by_test_id("agency-client-save").click()
    dialog = page.get_by_test_id("agency-secret-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.get_by_test_id("agency-secret-warning")).to_be_visible()
    await expect(page.get_by_test_id("agency-secret-copy")).to_be_visible()
    client_id = await page.get_by_test_id("agency-secret-client-id").inner_text()
    secret = await page.get_by_test_id("agency-secret-value").input_value()
    assert len(secret) >= 40
    await assert_accessible(page, "secret dialog")
    await shoot(page, screenshots, "agency-client-secret", full_page=False)
    await page.get_by_test_id("agency-secret-close").click()
    await expect(dialog).to_be_hidden()
    assert secret not in await page.content()  # not shown again
    assert token_status(live_server, client_id, secret) == 200

    # rotate with a day of overlap: both secrets work
    row = page.get_by_test_id(f"agency-row-{client_id}")
    await row.get_by_test_id(f"agency-rotate-{client_id}").click()
    await page.get_by_test_id("agency-overlap-24").check()
    await shoot(page, screenshots, "agency-client-rotate", full_page=False)
    await page.get_by_test_id("agency-rotate-confirm").click()
    new_secret = await page.get_by_test_id("agency-secret-value").input_value()
    assert new_secret != secret
    await page.get_by_test_id("agency-secret-close").click()
    await expect(page.get_by_test_id(f"agency-secrets-{client_id}").locator("li")).to_have_count(2)
    assert token_status(live_server, client_id, secret) == 200
    assert token_status(live_server, client_id, new_secret) == 200

    # edit the rate limit
    await row.get_by_test_id(f"agency-edit-{client_id}").click()
    rate = page.get_by_test_id("agency-client-form").locator("#agency-client-rate")
    await rate.fill("120")
    await page.get_by_test_id("agency-client-save").click()
    await expect(page.get_by_test_id("agency-client-form")).to_be_hidden()
    await expect(row).to_contain_text("120")

    # phone width
    await page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    await no_sideways_scroll(page, "agency clients on a phone")
    await shoot(page, screenshots, "agency-clients-phone")
    await page.set_viewport_size({"width": DESKTOP["width"], "height": DESKTOP["height"]})

    # revoke: nothing works any more
    await row.get_by_test_id(f"agency-revoke-{client_id}").click()
    await confirm_box(page)
    await expect(page.get_by_test_id(f"agency-status-{client_id}")).to_contain_text("已吊销")
    assert token_status(live_server, client_id, new_secret) == 401
    await page.context.close()
