"""The public catalogue in a real browser: a visitor searches by a two-character Chinese word,
narrows by a facet, opens the product, follows its certificate to the verification page (whose
signature is checked in the browser), and the verification page turns away a malformed and an
unknown number. Desktop and 375 px, zh-CN and en, axe on every page.

Expected figures are read from the live server's API, not written down here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import assert_accessible, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

# Other browser tests share the live server's database; this one only reads, and picks a
# certificate that no other test revokes.
CERTIFICATE = "BJSTT-2021-01-0003"


def _entry(base: str, number: str) -> dict:
    """The catalogue entry of a certificate, walking the public list."""
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(f"{base}/api/v1/catalogue/products", params=params).json()
        for item in page["items"]:
            if item["certificate_number"] == number:
                return item
        cursor = page["next_cursor"]
        assert cursor, f"{number} is not in the catalogue"


def _two_characters(name: str) -> str:
    """A two-character Chinese word from inside the name (not its start, so that a prefix
    match alone would not find it)."""
    han = [m.group() for m in re.finditer(r"[\u4e00-\u9fff]{2}", name[1:])]
    assert han, name
    return han[0]


def _with_published_projects(base: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A catalogue entry with public demonstration projects, and those projects."""
    items = httpx.get(f"{base}/api/v1/catalogue/products", params={"limit": 100}).json()["items"]
    for item in items:
        projects = httpx.get(
            f"{base}/api/v1/follow-up/public/projects", params={"award_id": item["id"]}
        ).json()
        if projects:
            return item, projects
    raise AssertionError("the demo publishes some verified demonstration projects")


def _total(base: str, **params: str) -> int:
    return int(httpx.get(f"{base}/api/v1/catalogue/facets", params=params).json()["total"])


async def _search(page: Page, text: str) -> None:
    box = page.get_by_test_id("catalogue-search")
    await box.fill(text)
    await box.press("Enter")
    await expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(quote(text))))


async def test_search_detail_and_verification(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    entry = _entry(live_server, CERTIFICATE)
    word = _two_characters(entry["product_name_zh"])
    matches = _total(live_server, q=word)
    assert matches >= 1

    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await page.goto("/catalogue")
    await expect(page.get_by_test_id("catalogue-count")).to_contain_text(str(_total(live_server)))
    await assert_accessible(page, "catalogue")
    await shoot(page, screenshots, "catalogue")

    # Search by the word: the count is the API's, and the product is among the results.
    await _search(page, word)
    await expect(page.get_by_test_id("catalogue-count")).to_contain_text(f"共 {matches} 项结果")
    results = page.get_by_test_id("catalogue-results").locator("li.catalogue__card")
    await expect(results).to_have_count(min(matches, 20))
    card = page.get_by_test_id(f"catalogue-item-{CERTIFICATE}")
    await expect(card).to_be_visible()
    await expect(page.get_by_test_id("catalogue-sort")).to_have_value("relevance")
    await shoot(page, screenshots, "catalogue-search")

    # Narrow by the entry's technical level: the count follows the facet's.
    level = entry["level"]["code"]
    narrowed = _total(live_server, q=word, level=level)
    await page.get_by_test_id(f"facet-level-{level}").locator("input").check()
    await expect(page).to_have_url(re.compile(f"level={level}"))
    await expect(page.get_by_test_id("catalogue-count")).to_contain_text(f"共 {narrowed} 项结果")
    await expect(card).to_be_visible()

    # The product's page.
    await card.get_by_test_id("catalogue-item-link").click()
    await expect(page).to_have_url(re.compile(f"/catalogue/{entry['id']}$"))
    await expect(page.get_by_test_id("product-name")).to_have_text(entry["product_name_zh"])
    await expect(page.get_by_test_id("product-certificate")).to_have_text(CERTIFICATE)
    await expect(page.get_by_test_id("product-indicators").locator("tbody tr")).not_to_have_count(0)
    pdf = await page.get_by_test_id("product-pdf").get_attribute("href")
    assert pdf
    answer = await page.request.get(pdf)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    await assert_accessible(page, "product")
    await shoot(page, screenshots, "catalogue-product")

    # Its certificate: valid in the register, and the signature checks out in the browser.
    await page.get_by_test_id("product-verify").click()
    await expect(page).to_have_url(re.compile(f"/verify/{CERTIFICATE}$"))
    await expect(page.get_by_test_id("verify-result")).to_have_attribute("data-status", "valid")
    await expect(page.get_by_test_id("verify-verdict")).to_contain_text("证书真实有效")
    await expect(page.get_by_test_id("signature-result")).to_have_attribute("data-state", "valid")
    await expect(page.get_by_test_id("verify-organization")).to_have_text(
        entry["organization"]["name_zh"]
    )
    await assert_accessible(page, "verify")
    await shoot(page, screenshots, "verify")

    # The back button walks back through the search, filters intact.
    await page.go_back()
    await page.go_back()
    await expect(page).to_have_url(re.compile(f"level={level}"))
    await expect(page.get_by_test_id("catalogue-search")).to_have_value(word)
    await page.context.close()


async def test_empty_search_and_filters_help(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    page = await new_page(browser, live_server, "en", DESKTOP)
    # Searching from the home page lands on the catalogue with the search text.
    await page.goto("/")
    await page.get_by_test_id("home-search").fill("量子纠缠发生器")
    await page.get_by_test_id("home-search").press("Enter")
    await expect(page).to_have_url(
        re.compile(r"/catalogue\?q=" + re.escape(quote("量子纠缠发生器")))
    )
    await expect(page.get_by_test_id("catalogue-search")).to_have_value("量子纠缠发生器")
    assert _total(live_server, q="量子纠缠发生器") == 0
    empty = page.get_by_test_id("catalogue-empty")
    await expect(empty).to_contain_text("No product matches")
    await expect(empty).to_contain_text("shorter, more common word")
    await assert_accessible(page, "catalogue, no results")
    # Clearing the search brings every product back.
    await page.get_by_test_id("catalogue-clear-search").click()
    await expect(page.get_by_test_id("catalogue-count")).to_have_text(
        f"{_total(live_server)} products"
    )
    await page.context.close()


async def test_verification_refuses_bad_numbers(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await page.goto("/verify")
    await assert_accessible(page, "verify form")
    field = page.get_by_test_id("verify-number")
    await field.fill("BJSTT-21-1-1")
    await page.get_by_test_id("verify-submit").click()
    await expect(page.get_by_test_id("verify-number-error")).to_contain_text("格式不正确")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page).to_have_url(re.compile("/verify$"))

    # Typed the way people do (lower case, full-width dashes): read as the printed number.
    await field.fill("bjstt－2021－01－9999")
    await page.get_by_test_id("verify-submit").click()
    await expect(page).to_have_url(re.compile("/verify/BJSTT-2021-01-9999$"))
    await expect(page.get_by_test_id("verify-not-found")).to_contain_text("BJSTT-2021-01-9999")
    await assert_accessible(page, "verify, unknown number")
    await shoot(page, screenshots, "verify-not-found")
    await page.context.close()


async def test_public_catalogue_on_a_phone(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    entry = _entry(live_server, CERTIFICATE)
    page = await new_page(browser, live_server, "zh-CN", PHONE)
    await page.goto("/catalogue")
    await expect(page.get_by_test_id("catalogue-results")).to_be_visible()
    # The filters fold behind a button that says how many are chosen.
    toggle = page.get_by_test_id("catalogue-filters-toggle")
    await expect(page.get_by_test_id("facet-level")).to_be_hidden()
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_test_id("facet-level")).to_be_visible()
    await no_sideways_scroll(page, "catalogue at 375 px")
    await assert_accessible(page, "catalogue at 375 px")
    await page.screenshot(path=screenshots / "catalogue-phone.png")

    for path, name in (
        (f"/catalogue/{entry['id']}", "catalogue-product-phone"),
        (f"/verify/{CERTIFICATE}", "verify-phone"),
    ):
        await page.goto(path)
        await expect(page.locator("h1")).to_be_visible()
        await page.wait_for_load_state("networkidle")
        await no_sideways_scroll(page, f"{path} at 375 px")
        await assert_accessible(page, f"{path} at 375 px")
        await page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    await expect(page.get_by_test_id("signature-result")).to_have_attribute("data-state", "valid")
    await page.context.close()


async def test_product_shows_its_published_demonstration_projects(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    item, projects = _with_published_projects(live_server)
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await page.goto(f"/catalogue/{item['id']}")
    section = page.get_by_test_id("product-projects")
    await expect(section.locator("li")).to_have_count(len(projects))
    for project in projects:
        await expect(section).to_contain_text(project["user_enterprise"])
    # Only what the public may see: no money.
    await expect(section).not_to_contain_text("元")
    await assert_accessible(page, "product with projects")
    await page.context.close()
