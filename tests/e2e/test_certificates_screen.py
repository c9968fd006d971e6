"""The certificates screen in a real browser: an admin filters the demo's 2021 first batch (40
certificates), issues the pending ones, opens a certificate's signed payload, downloads its PDF,
and revokes BJSTT-2021-01-0040 after the reason is refused as too short; the public answer and
the PDF follow. A revocation that another admin made first is refused (409) and said so.
Screenshots in zh-CN and en, at desktop and 375 px widths.

Other browser tests share this server's database and verify BJSTT-2021-01-0001..0010 as valid:
only 0039 and 0040 are revoked here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.helpers import api_as, assert_accessible, no_sideways_scroll, ok, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
SHOWN = "BJSTT-2021-01-0001"
REVOKED = "BJSTT-2021-01-0040"
RACED = "BJSTT-2021-01-0039"
REASON = "经复核，该产品在申报前已在北京销售超过 3 台(套)，不符合首台(套)认定条件，依规撤销证书。"
RACE_REASON = "经联合办公室复核，申报材料中的知识产权证明与事实不符，撤销证书。"
PHONE_SIZE = ViewportSize(width=PHONE["width"], height=PHONE["height"])


def first_batch_of_2021(admin: httpx.Client) -> str:
    body: dict[str, Any] = ok(admin.get("/api/v1/batches", params={"limit": 100}))
    for batch in body["items"]:
        if batch["year"] == 2021 and batch["sequence"] == 1:
            return str(batch["id"])
    raise AssertionError("the demo data has no 2021 first batch")


def award_id(admin: httpx.Client, batch_id: str, number: str) -> str:
    awards = ok(admin.get("/api/v1/awards", params={"batch_id": batch_id, "limit": 100}))
    return next(str(a["id"]) for a in awards["items"] if a["number"] == number)


def row(page: Page, number: str) -> Any:
    return page.get_by_test_id(f"certificate-row-{number}")


async def assert_pdf(public: httpx.AsyncClient, href: str | None) -> None:
    """The PDF behind the row's link, fetched as anyone would (no session)."""
    assert href == f"/api/v1/certificates/{REVOKED}/pdf", href
    response = await public.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


async def test_certificates_filter_issue_inspect_and_revoke(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    admin = api_as(live_server, ADMIN)
    public = httpx.AsyncClient(base_url=live_server, timeout=60)
    batch_id = first_batch_of_2021(admin)

    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)
    await page.get_by_test_id("nav-certificates").click()
    await expect(page.locator("h1")).to_have_text("证书管理")

    # The 2021 first batch: its 40 certificates, following "load more" if the list pages.
    await page.get_by_test_id("certificates-filter-batch").select_option(batch_id)
    await page.get_by_test_id("certificates-apply").click()
    await expect(page).to_have_url(re.compile(rf"batch={batch_id}"))
    await expect(row(page, SHOWN)).to_be_visible()
    more = page.get_by_test_id("certificates-load-more")
    while await more.count():
        await more.click()
        await page.wait_for_load_state("networkidle")
    await expect(page.locator("tr[data-testid^='certificate-row-']")).to_have_count(40)
    await expect(row(page, SHOWN).get_by_test_id("certificate-status")).to_have_attribute(
        "data-status", "valid"
    )
    await expect(row(page, SHOWN).get_by_test_id("certificate-status")).to_have_text("有效")

    # Issuing is idempotent: whatever is pending now, the message gives the count.
    async with page.expect_response(lambda r: r.url.endswith("/api/v1/awards/issue")) as issued:
        await page.get_by_test_id("certificates-issue").click()
    assert (await issued.value).status == 200
    await expect(page.locator(".el-message")).to_contain_text(
        re.compile(r"没有待发放的证书|已发放 \d+ 张证书")
    )
    await assert_accessible(page, "certificates list")
    await shoot(page, screenshots, "certificates")

    # What was signed, and with which key: the same as the public verification answers.
    certificate = (await public.get(f"/api/v1/certificates/{SHOWN}")).json()
    toggle = page.get_by_test_id(f"certificate-toggle-{SHOWN}")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    details = page.get_by_test_id(f"certificate-details-{SHOWN}")
    await expect(details.get_by_test_id("award-key-id")).to_have_text(certificate["key_id"])
    payload = details.get_by_test_id("award-payload")
    await expect(payload.locator("dd[data-key=number]")).to_have_text(SHOWN)
    await expect(payload.locator("dd[data-key=product]")).to_have_text(
        certificate["payload"]["product"]
    )
    await expect(details.get_by_test_id("award-signature")).to_have_text(certificate["signature"])
    await assert_accessible(page, "certificate details")
    await shoot(page, screenshots, "certificates-details")
    await toggle.press("Enter")  # the toggle is a real button: the keyboard folds it again
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await expect(details).to_be_hidden()

    # The row's links: the PDF (named with the number) and the public verification page.
    target = row(page, REVOKED)
    pdf = target.get_by_role("link", name=f"下载 PDF：证书 {REVOKED}")
    await expect(pdf).to_have_attribute("download", f"{REVOKED}.pdf")
    await assert_pdf(public, await pdf.get_attribute("href"))
    await expect(target.get_by_test_id("certificate-verify")).to_have_attribute(
        "href", f"/verify/{REVOKED}"
    )

    # Revoking: the warning, a reason refused as too short, then a proper one.
    await target.get_by_role("button", name=f"撤销证书 {REVOKED}").click()
    dialog = page.get_by_test_id("revoke-dialog")
    await expect(dialog).to_have_attribute("data-number", REVOKED)
    await expect(page.get_by_test_id("revoke-warning")).to_contain_text("公开且永久")
    await page.get_by_test_id("revoke-reason").fill("材料不实")
    await page.get_by_test_id("revoke-confirm").click()
    await expect(dialog).to_contain_text("撤销原因至少 10 个字")
    await expect(page.get_by_test_id("revoke-reason")).to_have_attribute("aria-invalid", "true")
    await page.wait_for_timeout(400)  # the dialog's opening animation and the error's zoom-in
    await assert_accessible(page, "revoke dialog")
    await shoot(page, screenshots, "certificates-revoke-dialog", full_page=False)
    await page.get_by_test_id("revoke-reason").fill(REASON)
    await expect(page.get_by_test_id("revoke-counter")).to_contain_text(f"{len(REASON)} / 2000")
    async with page.expect_response(lambda r: r.url.endswith("/revoke")) as answer:
        await page.get_by_test_id("revoke-confirm").click()
    assert (await answer.value).status == 200
    await expect(dialog).to_be_hidden()
    await expect(page.locator(".el-message")).to_contain_text(f"证书 {REVOKED} 已撤销")
    await expect(target.get_by_test_id("certificate-status")).to_have_attribute(
        "data-status", "revoked"
    )
    await expect(target.get_by_test_id("certificate-status")).to_have_text("已撤销")
    await expect(target.get_by_test_id("certificate-revoked-on")).to_contain_text(
        re.compile(r"撤销于 \d{4}年\d{1,2}月\d{1,2}日")
    )
    await expect(target.get_by_test_id("certificate-revoke")).to_have_count(0)
    # The focus comes back to the row rather than getting lost with the vanished button.
    await expect(page.get_by_test_id(f"certificate-toggle-{REVOKED}")).to_be_focused()

    answer_now = await public.get(f"/api/v1/certificates/{REVOKED}")
    assert answer_now.status_code == 200
    assert answer_now.json()["status"] == "revoked"
    assert answer_now.json()["revoked_reason"] == REASON
    await assert_pdf(public, await pdf.get_attribute("href"))

    # The expanded row shows the reason now.
    await page.get_by_test_id(f"certificate-toggle-{REVOKED}").click()
    await expect(
        page.get_by_test_id(f"certificate-details-{REVOKED}").get_by_test_id("award-revoked-reason")
    ).to_have_text(REASON)

    # Another admin revokes 0039 while this one has its dialog open: a 409, said so, refreshed.
    raced = row(page, RACED)
    await raced.get_by_test_id("certificate-revoke").click()
    await expect(dialog).to_have_attribute("data-number", RACED)
    await page.get_by_test_id("revoke-reason").fill(RACE_REASON)
    first = admin.post(
        f"/api/v1/awards/{award_id(admin, batch_id, RACED)}/revoke", json={"reason": RACE_REASON}
    )
    assert first.status_code == 200, first.text
    async with page.expect_response(lambda r: r.url.endswith("/revoke")) as answer:
        await page.get_by_test_id("revoke-confirm").click()
    assert (await answer.value).status == 409
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("certificates-stale")).to_contain_text(
        f"证书 {RACED} 已被撤销"
    )
    await expect(raced.get_by_test_id("certificate-status")).to_have_attribute(
        "data-status", "revoked"
    )
    await assert_accessible(page, "certificates after revocations")
    await shoot(page, screenshots, "certificates-revoked")

    # Only the revoked ones, through the status filter.
    await page.get_by_test_id("certificates-filter-status").select_option("revoked")
    await page.get_by_test_id("certificates-apply").click()
    await expect(row(page, REVOKED)).to_be_visible()
    await expect(row(page, RACED)).to_be_visible()
    await expect(row(page, SHOWN)).to_have_count(0)
    statuses = page.get_by_test_id("certificate-status")
    await expect(statuses.and_(page.locator(":not([data-status=revoked])"))).to_have_count(0)

    await page.set_viewport_size(PHONE_SIZE)
    # Still open from above: a row stays expanded across filters.
    await expect(page.get_by_test_id(f"certificate-toggle-{REVOKED}")).to_have_attribute(
        "aria-expanded", "true"
    )
    await expect(page.get_by_test_id(f"certificate-details-{REVOKED}")).to_be_visible()
    await no_sideways_scroll(page, "certificates at 375 px")
    await assert_accessible(page, "certificates (phone)")
    await shoot(page, screenshots, "certificates-phone")
    await page.context.close()
    await public.aclose()
    admin.close()
