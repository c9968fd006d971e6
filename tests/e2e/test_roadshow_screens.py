"""Roadshows in a real browser: a visitor finds the 22 October 2021 awarding roadshow, reads its
agenda and downloads it as a calendar file; an admin builds a roadshow, is refused an
overlapping slot with a message naming the slot in the way, reorders the agenda, publishes, and
the public page shows it. Desktop and 375 px, zh-CN and en, axe on every page.

Expected figures are read from the live server's API, not written down here."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import assert_accessible, confirm_box, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

TITLE_2021 = "2021首台(套)重大技术装备及项目授牌路演"


def _roadshow_2021(base: str) -> dict:
    """The demo's 2021 roadshow as the public API shows it."""
    items = httpx.get(f"{base}/api/v1/roadshows", params={"limit": 100}).json()["items"]
    found = next(i for i in items if i["title_zh"] == TITLE_2021)
    return httpx.get(f"{base}/api/v1/roadshows/{found['id']}").json()


async def _open_2021(page: Page, roadshow: dict) -> None:
    await page.goto("/roadshows")
    card = page.get_by_test_id(f"roadshow-card-{roadshow['id']}")
    await expect(card).to_be_visible()
    await expect(card).to_contain_text(str(len(roadshow["slots"])))
    await page.get_by_test_id(f"roadshow-link-{roadshow['id']}").click()
    await expect(page).to_have_url(re.compile(rf"/roadshows/{roadshow['id']}$"))
    await expect(page.get_by_test_id("roadshow-agenda").locator("tbody tr")).to_have_count(
        len(roadshow["slots"])
    )


async def test_public_list_detail_and_calendar(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    roadshow = _roadshow_2021(live_server)
    assert 10 <= len(roadshow["slots"]) <= 14

    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await page.goto("/roadshows")
    await expect(page.get_by_test_id("roadshows-past")).to_contain_text(TITLE_2021)
    await assert_accessible(page, "roadshows")
    await shoot(page, screenshots, "roadshows")

    await _open_2021(page, roadshow)
    await expect(page.get_by_test_id("roadshow-title")).to_have_text(TITLE_2021)
    when = page.get_by_test_id("roadshow-when")
    await expect(when).to_contain_text("2021年10月22日")
    await expect(when).to_contain_text("14:00–17:30")
    await expect(page.get_by_test_id("roadshow-venue")).to_have_text(
        "中关村国家自主创新示范区展示中心"
    )
    first = roadshow["slots"][0]
    row = page.get_by_test_id(f"agenda-slot-{first['id']}")
    await expect(row).to_contain_text(first["talk_title_zh"])
    await expect(row).to_contain_text(first["presenter"])
    await expect(row).to_contain_text(first["organization"]["name_zh"])
    product = page.get_by_test_id(f"agenda-product-{first['id']}")
    await expect(product).to_have_attribute("href", f"/catalogue/{first['product']['award_id']}")
    await assert_accessible(page, "roadshow")
    await shoot(page, screenshots, "roadshow")

    # The add-to-calendar link is a plain download of a valid iCalendar file.
    link = page.get_by_test_id("roadshow-calendar")
    assert await link.get_attribute("download") is not None
    href = await link.get_attribute("href")
    assert href
    response = await page.request.get(href)
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    event = Calendar.from_ical(await response.body()).walk("VEVENT")[0]
    starts = event.decoded("DTSTART")
    assert starts.astimezone(UTC).date().isoformat() == "2021-10-22"
    assert starts == datetime(2021, 10, 22, 6, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == TITLE_2021
    assert first["talk_title_zh"] in str(event["DESCRIPTION"])

    # The product link leads to the catalogue entry.
    await product.click()
    await expect(page).to_have_url(re.compile(rf"/catalogue/{first['product']['award_id']}$"))
    await expect(page.get_by_test_id("product-certificate")).to_have_text(
        first["product"]["certificate_number"]
    )
    await page.context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_public_pages_on_a_phone(
    browser: Browser, live_server: str, screenshots: Path, locale: str
) -> None:
    roadshow = _roadshow_2021(live_server)
    page = await new_page(browser, live_server, locale, PHONE)
    await page.goto("/roadshows")
    await expect(page.get_by_test_id(f"roadshow-card-{roadshow['id']}")).to_be_visible()
    await no_sideways_scroll(page, f"roadshows {locale} phone")
    await assert_accessible(page, f"roadshows {locale} phone")
    await page.screenshot(path=screenshots / f"roadshows-phone-{locale}.png", full_page=True)

    await _open_2021(page, roadshow)
    if locale == "en":
        await expect(page.get_by_test_id("roadshow-title")).to_have_text(roadshow["title_en"])
        href = await page.get_by_test_id("roadshow-calendar").get_attribute("href")
        assert href
        assert href.endswith("?lang=en")
    await no_sideways_scroll(page, f"roadshow {locale} phone")
    await assert_accessible(page, f"roadshow {locale} phone")
    await page.screenshot(path=screenshots / f"roadshow-phone-{locale}.png", full_page=True)
    await page.context.close()


async def _fill_slot(
    page: Page, start: str, end: str, org_id: str, talk: str, presenter: str
) -> None:
    dialog = page.get_by_test_id("slot-dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_test_id("slot-start").fill(start)
    await dialog.get_by_test_id("slot-end").fill(end)
    await dialog.get_by_test_id("slot-organization").select_option(org_id)
    await dialog.get_by_test_id("slot-talk-zh").fill(talk)
    await dialog.get_by_test_id("slot-presenter").fill(presenter)


async def test_admin_builds_reorders_and_publishes(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    demo = _roadshow_2021(live_server)
    presenting = demo["slots"][0]
    org_id = presenting["organization"]["id"]
    award_id = presenting["product"]["award_id"]
    title = f"路演编排测试 {uuid.uuid4().hex[:6]}"

    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, "admin@demo.firstset.cn")
    await page.goto("/admin/roadshows")
    await expect(page.get_by_test_id(f"editor-event-{demo['id']}")).to_be_visible()
    await assert_accessible(page, "roadshow editor")

    # A new draft; the form refuses an end before the start, as the server would.
    await page.get_by_test_id("roadshow-create").click()
    dialog = page.get_by_test_id("event-dialog")
    await dialog.get_by_test_id("event-title-zh").fill(title)
    await dialog.get_by_test_id("event-start-date").fill("2031-05-20")
    await dialog.get_by_test_id("event-end-date").fill("2031-05-20")
    await dialog.get_by_test_id("event-start-time").fill("09:00")
    await dialog.get_by_test_id("event-end-time").fill("08:00")
    await dialog.get_by_test_id("event-venue-zh").fill("北京国际会议中心")
    await page.get_by_test_id("event-save").click()
    await expect(dialog).to_contain_text("结束时间须晚于开始时间")
    await dialog.get_by_test_id("event-end-time").fill("12:00")
    # The field error has zoomed in (its transition done) before axe measures its colours.
    await expect(dialog.locator(".el-form-item__error")).to_have_css("opacity", "1")
    await expect(dialog.locator(".el-form-item__error")).to_have_css("transform", "none")
    await assert_accessible(page, "event dialog")
    await page.get_by_test_id("event-save").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("editor-title")).to_have_text(title)
    await expect(page.get_by_test_id("editor-status")).to_have_text("草稿")
    roadshow_id = re.search(r"[?&]id=([0-9a-f-]{36})", page.url)
    assert roadshow_id
    rid = roadshow_id.group(1)

    # Two slots that touch: the first presents the organisation's awarded product.
    await page.get_by_test_id("slot-add").click()
    await _fill_slot(page, "09:00", "09:30", org_id, "首台套产品推介 A", "王志远")
    award = page.get_by_test_id("slot-dialog").get_by_test_id("slot-award")
    await expect(award.locator(f"option[value='{award_id}']")).to_have_count(1)
    await award.select_option(award_id)
    await assert_accessible(page, "slot dialog")
    await page.get_by_test_id("slot-save").click()
    await expect(page.get_by_test_id("editor-agenda").locator("tbody tr")).to_have_count(1)

    await page.get_by_test_id("slot-add").click()
    await _fill_slot(page, "09:30", "10:00", org_id, "首台套产品推介 B", "李静怡")
    await page.get_by_test_id("slot-save").click()
    await expect(page.get_by_test_id("editor-agenda").locator("tbody tr")).to_have_count(2)

    # A third one overlapping B is refused by the server, naming B and its time.
    await page.get_by_test_id("slot-add").click()
    await _fill_slot(page, "09:45", "10:15", org_id, "重叠的报告", "张宏伟")
    await page.get_by_test_id("slot-save").click()
    alert = page.get_by_test_id("slot-dialog").get_by_role("alert").first
    await expect(alert).to_contain_text("09:30–10:00")
    await expect(alert).to_contain_text("首台套产品推介 B")
    await shoot(page, screenshots, "roadshow-editor-overlap", full_page=False)
    await page.get_by_test_id("slot-cancel").click()
    await expect(page.get_by_test_id("editor-agenda").locator("tbody tr")).to_have_count(2)

    # B moves up: it now opens at 09:00 and A follows at 09:30.
    up = page.get_by_test_id("slot-up-1")
    assert await up.get_attribute("aria-label") == "上移“首台套产品推介 B”"
    await up.click()
    first_row = page.get_by_test_id("editor-slot-0")
    await expect(first_row).to_contain_text("首台套产品推介 B")
    await expect(first_row).to_contain_text("09:00–09:30")
    await expect(page.get_by_test_id("editor-slot-1")).to_contain_text("09:30–10:00")
    await expect(page.get_by_test_id("slot-up-0")).to_be_disabled()

    await page.get_by_test_id("editor-publish").click()
    await confirm_box(page)
    await expect(page.get_by_test_id("editor-status")).to_have_text("已发布")
    await assert_accessible(page, "roadshow editor with agenda")
    await shoot(page, screenshots, "roadshow-editor")
    await page.context.close()

    # The public sees it, agenda in the new order.
    visitor = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await visitor.goto("/roadshows")
    await expect(visitor.get_by_test_id("roadshows-upcoming")).to_contain_text(title)
    await visitor.get_by_test_id(f"roadshow-link-{rid}").click()
    await expect(visitor.get_by_test_id("roadshow-title")).to_have_text(title)
    rows = visitor.get_by_test_id("roadshow-agenda").locator("tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("首台套产品推介 B")
    await expect(rows.nth(1)).to_contain_text("首台套产品推介 A")
    await expect(rows.nth(1).get_by_role("link")).to_have_attribute(
        "href", f"/catalogue/{award_id}"
    )
    await visitor.context.close()


async def test_stale_edit_reloads(browser: Browser, live_server: str) -> None:
    """Another admin's change in between: the editor says so and shows their version."""
    page = await new_page(browser, live_server, "en", DESKTOP)
    await log_in(page, "admin@demo.firstset.cn")
    title = f"Stale test {uuid.uuid4().hex[:6]}"
    created = await page.request.post(
        "/api/v1/roadshows",
        data={
            "title_zh": title,
            "starts_at": "2031-06-01T09:00:00+08:00",
            "ends_at": "2031-06-01T11:00:00+08:00",
            "venue_zh": "会场",
        },
        headers={"X-CSRF-Token": await _csrf(page)},
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    await page.goto(f"/admin/roadshows?id={body['id']}")
    await expect(page.get_by_test_id("editor-title")).to_have_text(title)

    # Someone else renames it behind the editor's back.
    renamed = await page.request.patch(
        f"/api/v1/roadshows/{body['id']}",
        data={"title_en": "Renamed elsewhere"},
        headers={"If-Match": created.headers["etag"], "X-CSRF-Token": await _csrf(page)},
    )
    assert renamed.ok

    await page.get_by_test_id("editor-publish").click()
    await confirm_box(page)
    await expect(page.get_by_test_id("editor-alert")).to_contain_text(
        "Someone else has just changed"
    )
    await expect(page.get_by_test_id("editor-title")).to_have_text("Renamed elsewhere")
    await expect(page.get_by_test_id("editor-status")).to_have_text("Draft")
    await page.context.close()


async def _csrf(page: Page) -> str:
    cookies = await page.context.cookies()
    return next(c["value"] for c in cookies if c["name"] == "csrf_token")
