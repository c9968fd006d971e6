"""The notification screens in a real browser: the demo applicant submits an application and the
Haidian district officer returns it; `firstset worker --once` writes the notification and
the e-mail; the applicant sees the unread badge, reads the notice with its reason in the inbox,
follows its link to the application and the badge drops; the preferences page keeps required
notices on; the admin finds the e-mail in the send log. zh-CN and en."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.applications.helpers import complete_content
from tests.e2e.helpers import (
    api_as,
    assert_accessible,
    create_batch,
    minimal_pdf,
    no_sideways_scroll,
    ok,
    run_worker_once,
    shoot,
)
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
APPLICANT = "applicant@demo.firstset.cn"
DISTRICT = "district@demo.firstset.cn"
ATTACHMENT_KINDS = ("application_form", "test_report", "novelty_search")


def return_one(base: str, stamp: int, reason: str) -> tuple[str, str]:
    """The demo applicant submits an application (the demo has none of theirs submitted in
    Haidian) and the Haidian district officer returns it; answers its id and the applicant's
    locale."""
    admin, applicant, district = (
        api_as(base, ADMIN),
        api_as(base, APPLICANT),
        api_as(base, DISTRICT),
    )
    try:
        me = ok(applicant.get("/api/v1/auth/me"))
        batch = create_batch(
            admin,
            f"通知界面测试批次 {stamp}",
            f"Notification screens test batch {stamp}",
            range(2079, 2060, -1),
        )
        ok(admin.post(f"/api/v1/batches/{batch['id']}/transitions/open"))
        content = complete_content(
            product_name_zh=f"12英寸晶圆量测设备 通知 {stamp}",
            product_name_en=f"Wafer metrology tool N{stamp}",
            field="integrated_circuits",
        )
        application = ok(
            applicant.post("/api/v1/applications", json={"batch_id": batch["id"], **content})
        )
        app_id = application["id"]
        for kind in ATTACHMENT_KINDS:
            ok(
                applicant.post(
                    f"/api/v1/applications/{app_id}/attachments",
                    data={"kind": kind},
                    files={"file": (f"{kind}.pdf", minimal_pdf(kind), "application/pdf")},
                )
            )
        ok(applicant.post(f"/api/v1/applications/{app_id}/submit"))
        # The officer finds it in their queue, as the district check screen does.
        queue = ok(
            district.get(
                "/api/v1/applications",
                params={"status": "submitted", "batch_id": batch["id"], "limit": 100},
            )
        )["items"]
        assert [a["id"] for a in queue] == [app_id]
        ok(
            district.post(
                f"/api/v1/applications/{app_id}/district/return",
                json={"reason": reason, "deadline_working_days": 5},
            )
        )
        return app_id, me["locale"]
    finally:
        for client in (admin, applicant, district):
            client.close()


async def unread_badge(page: Page) -> int:
    badge = page.get_by_test_id("unread-badge")
    if not await badge.is_visible():
        return 0
    return int((await badge.inner_text()).rstrip("+"))


async def test_returned_notice_inbox_preferences_and_mail_log(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    stamp = int(time.time() * 1000) % 10_000_000
    reason = f"请补充第三方检测报告（通知测试 {stamp}）"
    application_id, locale = return_one(live_server, stamp, reason)
    run_worker_once()

    # --- the applicant: badge, inbox, link ----------------------------------------------------
    page = await new_page(browser, live_server, locale, DESKTOP)
    await log_in(page, APPLICANT)
    link = page.get_by_test_id("nav-notifications")
    await expect(page.get_by_test_id("unread-badge")).to_be_visible()
    before = await unread_badge(page)
    assert before >= 1
    unread_name = "条未读" if locale == "zh-CN" else "unread"
    await expect(link).to_have_attribute("aria-label", re.compile(rf"{before}\s*{unread_name}"))

    before_name = await link.get_attribute("aria-label")
    await link.click()
    await expect(page).to_have_url(re.compile(r"/notifications$"))
    notice = page.locator("[data-kind=application_returned][data-unread=true]").filter(
        has_text=reason
    )
    await expect(notice).to_have_count(1)
    title = "申报已退回修改" if locale == "zh-CN" else "Application returned for correction"
    await expect(notice.get_by_test_id("notification-link")).to_have_text(title)
    await expect(notice.locator(".sr-only")).to_have_count(1)
    await assert_accessible(page, "inbox")
    await shoot(page, screenshots, "notifications-inbox")

    await notice.get_by_test_id("notification-link").click()
    await expect(page).to_have_url(re.compile(rf"/applications(/{application_id})?$"))
    await expect(page.locator("h1")).to_be_visible()
    await expect(link).not_to_have_attribute("aria-label", before_name)
    assert await unread_badge(page) < before

    # The notice is read now; the inbox says so.
    await link.click()
    read = page.locator("[data-kind=application_returned]").filter(has_text=reason)
    await expect(read).to_have_attribute("data-unread", "false")

    # --- preferences: required notices are on and cannot be switched off ----------------------
    await page.get_by_test_id("notification-preferences-link").click()
    await expect(page).to_have_url(re.compile(r"/notifications/preferences$"))
    required = page.get_by_test_id("preference-application_returned")
    await expect(required.get_by_test_id("preference-in-app")).to_be_checked()
    await expect(required.get_by_test_id("preference-in-app")).to_be_disabled()
    await expect(required.get_by_test_id("preference-email")).to_be_disabled()
    note = "法定通知，不能关闭" if locale == "zh-CN" else "Required notice, cannot be turned off"
    await expect(required).to_contain_text(note)
    optional = page.get_by_test_id("preference-certificate_issued")
    await optional.get_by_test_id("preference-email").uncheck()
    await expect(page.get_by_test_id("email-delivery-immediate")).to_be_checked()
    await page.get_by_test_id("email-delivery-daily").check()
    await page.get_by_test_id("preferences-save").click()
    await expect(page.locator(".el-message--success")).to_be_visible()
    await page.reload()
    await expect(optional.get_by_test_id("preference-email")).not_to_be_checked()
    await expect(page.get_by_test_id("email-delivery-daily")).to_be_checked()
    await optional.get_by_test_id("preference-email").check()
    await page.get_by_test_id("email-delivery-immediate").check()
    await page.get_by_test_id("preferences-save").click()
    await expect(page.locator(".el-message--success")).to_have_count(1)
    await assert_accessible(page, "notification preferences")
    await shoot(page, screenshots, "notifications-preferences")

    # --- at phone width -----------------------------------------------------------------------
    await page.set_viewport_size(PHONE)
    await no_sideways_scroll(page, "notification preferences (phone)")
    await page.goto(f"{live_server}/notifications")
    await expect(page.get_by_test_id("notifications-list")).to_be_visible()
    await no_sideways_scroll(page, "inbox (phone)")
    await shoot(page, screenshots, "notifications-inbox-phone")
    await page.context.close()

    # --- the admin's send log -----------------------------------------------------------------
    admin = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(admin, ADMIN)
    await admin.get_by_test_id("nav-mail").click()
    await expect(admin).to_have_url(re.compile(r"/admin/mail$"))
    row = admin.locator("[data-kind=application_returned]").filter(has_text=APPLICANT).first
    await expect(row).to_be_visible()
    await assert_accessible(admin, "mail log")
    await shoot(admin, screenshots, "notifications-mail-log")

    await admin.get_by_test_id("mail-filter-status").select_option("sent")
    await expect(admin.get_by_test_id("mail-status").first).to_have_text("已发送")

    # The rendered text of our e-mail carries the reason.
    await admin.get_by_test_id("mail-filter-status").select_option("")
    rows = admin.locator("[data-kind=application_returned]").filter(has_text=APPLICANT)
    found = False
    for i in range(await rows.count()):
        await rows.nth(i).get_by_test_id("mail-open").click()
        text = admin.get_by_test_id("mail-text")
        await expect(text).to_be_visible()
        if reason in await text.inner_text():
            found = True
            break
        await admin.keyboard.press("Escape")
        await expect(text).to_be_hidden()
    assert found, "the returned e-mail with the reason is not in the send log"
    await assert_accessible(admin, "mail dialog")
    await shoot(admin, screenshots, "notifications-mail-dialog", full_page=False)
    await admin.context.close()
