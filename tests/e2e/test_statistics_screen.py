"""The public statistics page in a real browser, anonymously, on the demo data: the charts are
drawn as SVG with labels in the page's language, the headline figures match the API for all
published batches and for the 2021 first batch, the numbers are in tables too, and the page
passes axe and fits a 375 px phone. ECharts is fetched only when the page is opened.
Screenshots in zh-CN and en, desktop and phone."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import assert_accessible, no_sideways_scroll, shoot
from tests.e2e.test_shell import DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CHARTS = ("funnel", "fields", "levels", "productTypes", "districts")
DEMO_2021_AWARDS = 40  # api/demo_review.py awards 40 products of the 2021 first batch


def read_statistics(base: str, batch_id: str | None = None) -> dict[str, Any]:
    params = {"batch_id": batch_id} if batch_id else {}
    response = httpx.get(f"{base}/api/v1/statistics", params=params, timeout=10)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def single_word(names: list[str]) -> str:
    """A label ECharts draws as one SVG text (long ones wrap into several)."""
    return min((n for n in names if " " not in n), key=len)


async def open_statistics(page: Page) -> None:
    # Static charts: nothing is caught mid-animation by a check or a screenshot.
    await page.emulate_media(reduced_motion="reduce")
    await page.goto("/statistics")
    await charts_drawn(page)


async def charts_drawn(page: Page) -> None:
    for chart in CHARTS:
        panel = page.get_by_test_id(f"chart-{chart}")
        drawing = panel.locator("[role=img]")
        await expect(drawing).to_have_attribute("aria-label", re.compile(r"\S"))
        await expect(drawing.locator("svg path").first).to_be_attached()
        await expect(drawing.locator("svg text").first).to_be_attached()


async def drawn_text(page: Page, chart: str, text: str) -> None:
    label = page.get_by_test_id(f"chart-{chart}").locator("svg text")
    await expect(label.filter(has_text=re.compile(rf"^{re.escape(text)}$"))).not_to_have_count(0)


async def shows_figures(page: Page, funnel: dict[str, int]) -> None:
    for key in ("submitted", "accepted", "shortlisted", "awarded", "revoked"):
        figure = page.get_by_test_id(f"figure-{key}")
        await expect(figure).to_have_attribute("data-value", str(funnel[key]))
        await expect(figure.locator("dd")).to_contain_text(f"{funnel[key]:,}")


def percent(share: float) -> str:
    """As Intl.NumberFormat writes it: the shortest decimal of the share, half away from zero."""
    value = (Decimal(repr(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}%"


def hundred_millions(yuan: str) -> str:
    """An amount as the page writes it in Chinese from 亿 (10^8) on."""
    value = (Decimal(yuan) / 10**8).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f} 亿元"


async def shows_followup(page: Page, followup: dict[str, Any]) -> None:
    """The programme's headline follow-up figures, as the API states them."""
    value = ".statistics__value"
    demonstration = followup["demonstration"]
    await expect(page.get_by_test_id("followup-demonstration").locator(value)).to_have_text(
        percent(demonstration["demonstration_share"])
    )
    await expect(page.get_by_test_id("followup-intentions").locator(value)).to_have_text(
        hundred_millions(followup["intentions"]["total_yuan"])
    )
    await expect(page.get_by_test_id("followup-investment").locator(value)).to_have_text(
        hundred_millions(demonstration["expected_investment_yuan"])
    )
    await expect(page.get_by_test_id("followup-insurance").locator(value)).to_have_text(
        percent(followup["insurance"]["coverage_share"])
    )


async def test_statistics_on_desktop(browser: Browser, live_server: str, screenshots: Path) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto("/")
    await expect(page.locator("h1")).to_be_visible()
    await page.wait_for_load_state("networkidle")
    assert not [u for u in requested if "StatisticsPage" in u], "the home page loaded ECharts"

    await open_statistics(page)
    assert [u for u in requested if "StatisticsPage" in u], "the statistics chunk never loaded"
    answer = read_statistics(live_server)
    overall = answer["overall"]
    await shows_figures(page, overall["funnel"])
    fields = overall["fields"]
    await drawn_text(page, "fields", single_word([f["name_zh"] for f in fields]))
    await drawn_text(page, "funnel", "获得认定")

    # The numbers behind a chart, opened from the keyboard.
    summary = page.get_by_test_id("chart-fields").locator("summary")
    await summary.focus()
    await page.keyboard.press("Enter")
    table = page.get_by_test_id("table-fields")
    await expect(table).to_be_visible()
    await expect(table.locator("tbody tr")).to_have_count(len(fields))
    top = max(fields, key=lambda f: f["awards"])
    await expect(table.locator("tbody tr").first.locator("td").nth(2)).to_have_text(
        str(top["awards"])
    )
    await assert_accessible(page, "statistics, all batches")
    await shoot(page, screenshots, "statistics")

    # One batch: the 2021 first batch of the demo.
    first_2021 = next(
        b["batch"]
        for b in answer["batches"]
        if (b["batch"]["year"], b["batch"]["sequence"]) == (2021, 1)
    )
    batch = read_statistics(live_server, first_2021["id"])["overall"]
    assert batch["funnel"]["awarded"] == DEMO_2021_AWARDS
    assert batch["funnel"]["submitted"] != overall["funnel"]["submitted"]
    await page.get_by_test_id("statistics-batch").select_option(first_2021["id"])
    await expect(page).to_have_url(re.compile(rf"\?batch={first_2021['id']}$"))
    await shows_figures(page, batch["funnel"])
    await expect(page.get_by_test_id("statistics-updating")).to_have_text("")
    await charts_drawn(page)
    # The 2021 picture as reported: almost half in demonstration, nearly 1 billion yuan of
    # purchase intentions, nearly 10 billion of expected demonstration investment.
    await shows_followup(page, batch["followup"])
    await expect(page.get_by_test_id("followup-unverified")).to_contain_text("尚待联合办公室核验")

    # The language switch relabels the drawn charts.
    await page.get_by_test_id("locale-switch").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text(
        "First (Set) of Major Technical Equipment in figures"
    )
    await drawn_text(page, "fields", single_word([f["name_en"] for f in batch["fields"]]))
    await drawn_text(page, "funnel", "Awarded")
    await expect(page.get_by_test_id("statistics-batch")).to_have_value(first_2021["id"])
    await expect(page.get_by_test_id("chart-funnel").locator("[role=img]")).to_have_attribute(
        "aria-label", re.compile(r"^Horizontal bar chart")
    )
    await assert_accessible(page, "statistics, 2021 first batch, en")
    await shoot(page, screenshots, "statistics-2021")

    # A batch in publicity has no awards yet: the levels show the applications instead.
    in_publicity = next(b for b in answer["batches"] if b["batch"]["status"] == "publicity")
    await page.get_by_test_id("statistics-batch").select_option(in_publicity["batch"]["id"])
    await shows_figures(page, in_publicity["funnel"])
    await expect(page.get_by_test_id("statistics-in-publicity")).to_contain_text("no awards")
    await expect(page.get_by_test_id("chart-levels")).to_contain_text("No product has been awarded")
    await charts_drawn(page)
    await page.context.close()


async def test_statistics_on_a_phone(browser: Browser, live_server: str, screenshots: Path) -> None:
    page = await new_page(browser, live_server, "zh-CN", PHONE)
    await open_statistics(page)
    await shows_figures(page, read_statistics(live_server)["overall"]["funnel"])
    await no_sideways_scroll(page, "statistics at 375 px")
    for chart in CHARTS:
        drawing = page.get_by_test_id(f"chart-{chart}").locator("[role=img]")
        box = await drawing.bounding_box()
        assert box is not None
        assert box["x"] >= 0, f"{chart}: {box}"
        assert box["x"] + box["width"] <= PHONE["width"], f"{chart}: {box}"
    # The widest table scrolls inside its box, not the page.
    await page.get_by_test_id("chart-districts").locator("summary").click()
    await expect(page.get_by_test_id("table-districts")).to_be_visible()
    await no_sideways_scroll(page, "statistics with a table open at 375 px")
    await assert_accessible(page, "statistics (phone)")
    await shoot(page, screenshots, "statistics-phone")
    await page.context.close()
