"""What the browser tests share: screenshots in both languages, the accessibility and phone-width
checks, confirmation boxes, a valid PDF to upload, and demo users on the API for set-up."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from api.config import DEMO_PASSWORD
from tests import dbutil
from tests.factories.files import minimal_pdf

__all__ = [
    "api_as",
    "assert_accessible",
    "confirm_box",
    "create_batch",
    "minimal_pdf",
    "no_sideways_scroll",
    "ok",
    "run_worker_once",
    "shoot",
]


def api_as(base: str, email: str) -> httpx.Client:
    """A demo user logged in on the API, sending the CSRF header on every request."""
    client = httpx.Client(base_url=base, timeout=30)
    response = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = client.cookies["csrf_token"]
    return client


def ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


def create_batch(
    admin: httpx.Client, title_zh: str, title_en: str, years: Iterable[int]
) -> dict[str, Any]:
    """An open batch in the first free (year, sequence) of `years`: other browser tests create
    batches on the same server, each module in years of its own."""
    now = datetime.now(UTC)
    body = {
        "title_zh": title_zh,
        "title_en": title_en,
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "reviewers_per_application": 2,
    }
    for year in years:
        for sequence in range(1, 10):
            response = admin.post(
                "/api/v1/batches", json={**body, "year": year, "sequence": sequence}
            )
            if response.status_code == 201:
                result: dict[str, Any] = response.json()
                return result
            assert response.status_code in (409, 422), response.text
    raise AssertionError("no free batch year and sequence")


async def shoot(page: Page, screenshots: Path, name: str, *, full_page: bool = True) -> None:
    """Screenshots the page as `<name>-<lang>.png` in its language, then in the other one, and
    switches back (dialogs: the viewport, where their overlay is)."""
    await page.wait_for_load_state("networkidle")
    first = await page.evaluate("document.documentElement.lang")
    other = "en" if first == "zh-CN" else "zh-CN"
    await page.screenshot(path=screenshots / f"{name}-{first}.png", full_page=full_page)
    # A dispatched click reaches the switch even under an open dialog's overlay.
    await page.get_by_test_id("locale-switch").dispatch_event("click")
    await expect(page.locator("html")).to_have_attribute("lang", other)
    await page.wait_for_timeout(150)
    await page.screenshot(path=screenshots / f"{name}-{other}.png", full_page=full_page)
    await page.get_by_test_id("locale-switch").dispatch_event("click")
    await expect(page.locator("html")).to_have_attribute("lang", first)


# Ends every transition and animation at once: axe measures colours as they are, and a message
# fading in is not yet its final colour.
SETTLE_STYLE = "*, *::before, *::after { transition: none !important; animation: none !important; }"


async def assert_accessible(page: Page, where: str) -> None:
    await expect(page.locator("h1")).to_have_count(1)
    style = await page.add_style_tag(content=SETTLE_STYLE)
    try:
        # Toasts come and go by themselves; they are checked where they are the subject.
        results = await Axe().run(page, context={"exclude": [[".el-message"]]})
    finally:
        await style.evaluate("element => element.remove()")
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        f"{[(n['target'], n['any'][0].get('data') if n['any'] else None) for n in v['nodes'][:3]]})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{where}: {serious}"


async def no_sideways_scroll(page: Page, where: str) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{where} scrolls sideways by {overflow} px"


async def confirm_box(page: Page) -> None:
    """Accepts the Element Plus confirmation box that guards an action."""
    box = page.locator(".el-message-box")
    await expect(box).to_be_visible()
    await box.locator(".el-button--primary").click()
    await expect(box).to_be_hidden()


def run_worker_once() -> None:
    """`firstset worker --once` against the live server's database: one poll of every consumer
    (certificates, webhooks, notifications), as the run command's worker would make it."""
    env = {
        **os.environ,
        "DATABASE_URL": dbutil.url_for(dbutil.run_database("e2e")),
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "-m", "api.cli", "worker", "--once"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
