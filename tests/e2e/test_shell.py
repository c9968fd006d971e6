"""The SPA shell in a real browser: each demo role logs in, sees its navigation, in both
languages; public pages pass axe-core on desktop and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from api.config import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}

# role → (demo login, nav entries it must see, nav entries it must not see)
ROLES = {
    "admin": ("admin@demo.firstset.cn", {"home", "workbench", "users", "audit"}, set()),
    "applicant": ("applicant@demo.firstset.cn", {"home", "workbench"}, {"users", "audit"}),
    "district": ("district@demo.firstset.cn", {"home", "workbench"}, {"users", "audit"}),
    "expert": ("expert1@demo.firstset.cn", {"home", "workbench"}, {"users", "audit"}),
    "agency": ("agency@demo.firstset.cn", {"home", "workbench"}, {"users", "audit"}),
}


async def new_page(browser: Browser, base: str, locale: str, viewport: dict) -> Page:
    context = await browser.new_context(base_url=base, viewport=viewport, locale=locale)
    page = await context.new_page()
    # The SPA keeps the language choice in localStorage; start each context in `locale`.
    await context.add_init_script(
        f"if (!localStorage.getItem('firstset.locale')) "
        f"localStorage.setItem('firstset.locale', '{locale}')"
    )
    return page


async def log_in(page: Page, email: str) -> None:
    await page.goto("/login")
    await page.locator("#login-email").fill(email)
    await page.locator("#login-password").fill(DEMO_PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("current-user")).to_be_visible()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("role", list(ROLES))
async def test_role_login_navigation_and_screenshots(
    browser: Browser, live_server: str, screenshots: Path, role: str, locale: str
) -> None:
    email, visible, hidden = ROLES[role]
    page = await new_page(browser, live_server, locale, DESKTOP)
    await log_in(page, email)
    assert await page.evaluate("document.documentElement.lang") == locale
    for key in visible:
        await expect(page.get_by_test_id(f"nav-{key}")).to_be_visible()
    for key in hidden:
        await expect(page.get_by_test_id(f"nav-{key}")).to_have_count(0)
    await page.get_by_test_id("nav-home").click()
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=screenshots / f"home-{role}-{locale}.png", full_page=True)
    await page.get_by_test_id("nav-workbench").click()
    await expect(page.locator("h1")).to_be_visible()
    await page.screenshot(path=screenshots / f"workbench-{role}-{locale}.png", full_page=True)
    await page.get_by_test_id("logout").click()
    await expect(page.get_by_test_id("nav-login")).to_be_visible()
    await page.context.close()


async def test_language_switch_persists(browser: Browser, live_server: str) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await page.goto("/")
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"
    switch = page.get_by_test_id("locale-switch")
    await switch.click()
    english = page.get_by_role("menuitem", name="English")
    if await english.count():
        await english.click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.context.close()


async def test_wrong_password_shows_translated_error(browser: Browser, live_server: str) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await page.goto("/login")
    await page.locator("#login-email").fill("admin@demo.firstset.cn")
    await page.locator("#login-password").fill("Not-the-password-1")
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_role("alert")).to_contain_text("密码")
    await page.context.close()


async def test_unknown_page_shows_404_and_admin_pages_need_login(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    page = await new_page(browser, live_server, "en", DESKTOP)
    response = await page.goto("/no/such/page")
    assert response is not None
    assert response.status == 200
    await expect(page.locator("h1")).to_contain_text("404")
    await page.goto("/admin/users")
    await expect(page).to_have_url(f"{live_server}/login?next=/admin/users")
    await page.context.close()


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/no/such/page"])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_public_pages_accessible_on_desktop_and_phone(
    browser: Browser, live_server: str, screenshots: Path, path: str, locale: str
) -> None:
    axe = Axe()
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = await new_page(browser, live_server, locale, viewport)
        await page.goto(path)
        await page.wait_for_load_state("networkidle")
        await expect(page.locator("h1")).to_have_count(1)
        results = await axe.run(page)
        serious = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{path} {locale} {name}: {serious}"
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways at {viewport['width']} px"
        slug = path.strip("/").replace("/", "-") or "home"
        await page.screenshot(
            path=screenshots / f"public-{slug}-{locale}-{name}.png", full_page=True
        )
        await page.context.close()


@pytest.mark.parametrize("path", ["/api/docs", "/api/redoc", "/"])
async def test_no_request_leaves_the_machine(browser: Browser, live_server: str, path: str) -> None:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(path)
    await page.wait_for_load_state("networkidle")
    if path == "/api/docs":
        await expect(page.locator(".swagger-ui .info")).to_be_visible()
    assert requested
    foreign = [u for u in requested if not u.startswith((live_server, "data:", "blob:"))]
    assert not foreign, foreign
    await page.context.close()
