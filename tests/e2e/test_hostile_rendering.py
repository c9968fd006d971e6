"""Stored XSS in a real browser: free text that enterprises and citizens control — product names,
model, summary, indicators, organisation names, an objection's name and statement — holding
script and markup, shown on the public publicity list, the public catalogue (list and product
page) and an admin's objection page. Chromium must show every payload as literal text and run
none of it: `window.__xss` stays undefined, no element the payload describes appears, and the
page reports no blocked inline script (which would mean markup got into the DOM and only the
Content-Security-Policy stopped it).

The hostile records are written straight into the live server's database, so the test depends
neither on the demo data nor on the public objection form's per-address quota."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.applications.eligibility import product_key
from api.db import build_engine
from api.demo import make_uscc
from api.models import District
from tests import dbutil
from tests.catalogue.helpers import make_entry
from tests.e2e.test_shell import DESKTOP, log_in, new_page
from tests.factories.identity import make_org

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg/onload=window.__xss=1>'
TEMPLATE = "{{constructor.constructor('window.__xss=1')()}}"
PAYLOADS = (IMG, SCRIPT, SVG, TEMPLATE)

# Collects CSP reports of the page and fails loudly on any dialog a payload might open.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + e.blockedURI));
window.alert = window.confirm = window.prompt = () => { window.__xss = 'dialog'; };
"""


@dataclass
class Hostile:
    batch_id: str
    applications: list[str]
    objection_id: str
    award_id: str
    certificate: str


def _database_url() -> str:
    """The live server's database (conftest.live_server creates it per run and worker)."""
    return dbutil.url_for(dbutil.run_database("e2e"))


def _insert_publicity_and_objection() -> tuple[str, list[str], str]:
    """A batch in publicity whose two shortlisted products and their enterprise carry the
    payloads, and an objection to the first whose objector and statement carry them too."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    now = datetime.now(UTC)
    batch_id, org_id, objection_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    conninfo = make_url(_database_url()).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as conn:
        # a year of its own: no other test's batch (year, sequence) can collide with it
        year = 2900 + random.randint(0, 99)
        conn.execute(
            "INSERT INTO batch (id, year, sequence, title_zh, title_en, fields, opens_at, "
            "closes_at, publicity_working_days, status, publicity_starts_on, publicity_ends_on) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 5, 'publicity', %s, %s)",
            (
                batch_id,
                year,
                random.randint(1, 9),
                f"恶意输入测试批次 {SCRIPT}",
                f"Hostile input batch {IMG}",
                ["integrated_circuits"],
                now - timedelta(days=60),
                now - timedelta(days=30),
                today - timedelta(days=1),
                today + timedelta(days=5),
            ),
        )
        conn.execute(
            "INSERT INTO organization (id, name_zh, name_en, uscc, district, kind) "
            "VALUES (%s, %s, %s, %s, 'haidian', 'enterprise')",
            (
                org_id,
                f"北京{IMG}装备有限公司",
                f"Beijing {SVG} Co.",
                make_uscc("91", District.haidian, random.randint(5_000_000, 9_999_999)),
            ),
        )
        applications = []
        for name_zh, name_en, model in ((IMG, SVG, SCRIPT), (SCRIPT, TEMPLATE, IMG)):
            app_id = uuid.uuid4()
            conn.execute(
                "INSERT INTO application (id, batch_id, organization_id, status, product_name_zh, "
                "product_name_en, model_spec, product_key, field, product_type, claimed_level, "
                "submitted_at) VALUES (%s, %s, %s, 'shortlisted', %s, %s, %s, %s, "
                "'integrated_circuits', 'complete_machine', 'domestic_leading', %s)",
                (
                    app_id,
                    batch_id,
                    org_id,
                    name_zh,
                    name_en,
                    model,
                    product_key(name_zh, model),
                    now - timedelta(days=40),
                ),
            )
            applications.append(str(app_id))
        conn.execute(
            "INSERT INTO objection (id, reference, batch_id, application_id, status, "
            "objector_name, objector_phone, objector_organization, statement, ip) "
            "VALUES (%s, %s, %s, %s, 'filed', %s, '13800138000', %s, %s, '127.0.0.1')",
            (
                objection_id,
                f"YY-{year}-XSS-{random.randint(0, 9999):04d}",
                batch_id,
                applications[0],
                SVG,
                TEMPLATE,
                f"异议陈述 {IMG} 与 {SCRIPT} 应按原文显示。",
            ),
        )
    return str(batch_id), applications, str(objection_id)


async def _insert_catalogue_entry() -> tuple[str, str]:
    """An awarded product in the public catalogue with the payloads in every text it shows."""
    engine = build_engine(_database_url())
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
            org = await make_org(db, name_zh=f"北京{SCRIPT}科技有限公司")
            award = await make_entry(
                db,
                org=org,
                product_name_zh=f"恶意名称{IMG}",
                product_name_en=f"Hostile {SVG}",
                model_spec=TEMPLATE,
                summary_zh=f"简介 {SCRIPT} 结束",
                summary_en=f"Summary {IMG}",
                indicators=[
                    {
                        "indicator": IMG,
                        "unit": SVG,
                        "own_value": SCRIPT,
                        "best_domestic": TEMPLATE,
                        "best_international": IMG,
                        "evidence": SCRIPT,
                    }
                ],
            )
            return str(award.id), award.number
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def hostile(live_server: str) -> Hostile:
    batch_id, applications, objection_id = _insert_publicity_and_objection()
    award_id, certificate = await _insert_catalogue_entry()
    return Hostile(batch_id, applications, objection_id, award_id, certificate)


async def _watched_page(browser: Browser, live_server: str) -> Page:
    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await page.context.add_init_script(WATCH)
    return page


async def _assert_inert(page: Page, where: str, *shown: str) -> None:
    """Each `shown` payload is on the page as text, and nothing ran or was blocked."""
    for text in shown:
        await expect(page.get_by_text(text, exact=False).first).to_be_visible()
    await page.wait_for_timeout(300)  # an onerror/onload would have fired by now
    assert await page.evaluate("window.__xss") is None, f"{where}: a payload ran"
    assert await page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0, (
        f"{where}: payload markup reached the DOM"
    )
    blocked = [v for v in await page.evaluate("window.__csp") if v.startswith("script-src")]
    assert not blocked, f"{where}: inline script was blocked by CSP only: {blocked}"


async def test_hostile_text_on_the_public_publicity_list(
    browser: Browser, live_server: str, hostile: Hostile
) -> None:
    page = await _watched_page(browser, live_server)
    await page.goto("/publicity")
    section = page.get_by_test_id(f"publicity-batch-{hostile.batch_id}")
    await expect(section.locator("tbody tr")).to_have_count(2)
    await _assert_inert(page, "publicity list", IMG, SCRIPT)
    await expect(
        section.get_by_test_id(f"publicity-product-{hostile.applications[0]}")
    ).to_contain_text(IMG)
    # the objection form names the product too
    await section.get_by_test_id(f"object-{hostile.applications[1]}").click()
    await expect(page.get_by_test_id("objection-form")).to_be_visible()
    await _assert_inert(page, "objection form")
    await page.context.close()


async def test_hostile_text_in_the_public_catalogue(
    browser: Browser, live_server: str, hostile: Hostile
) -> None:
    page = await _watched_page(browser, live_server)
    await page.goto("/catalogue?q=恶意名称")
    await expect(page.get_by_test_id(f"catalogue-item-{hostile.certificate}")).to_be_visible()
    await _assert_inert(page, "catalogue list", f"恶意名称{IMG}")
    await page.goto(f"/catalogue/{hostile.award_id}")
    await expect(page.get_by_test_id("product-name")).to_have_text(f"恶意名称{IMG}")
    indicators = page.get_by_test_id("product-indicators")
    await expect(indicators).to_contain_text(IMG)
    await expect(indicators).to_contain_text(SCRIPT)
    await expect(indicators).to_contain_text(TEMPLATE)
    await _assert_inert(page, "product page", f"简介 {SCRIPT} 结束")
    await page.context.close()


async def test_hostile_text_on_the_admin_objection_page(
    browser: Browser, live_server: str, hostile: Hostile
) -> None:
    page = await _watched_page(browser, live_server)
    await log_in(page, ADMIN)
    await page.goto(f"/admin/objections?batch={hostile.batch_id}")
    row = page.get_by_test_id(f"objection-row-{hostile.objection_id}")
    await expect(row).to_contain_text(IMG)  # the product
    await expect(row).to_contain_text(SVG)  # the objector
    await _assert_inert(page, "objection list")
    await page.goto(f"/admin/objections/{hostile.objection_id}")
    await expect(page.get_by_test_id("objection-statement")).to_have_text(
        f"异议陈述 {IMG} 与 {SCRIPT} 应按原文显示。"
    )
    await expect(page.get_by_test_id("objection-objector")).to_contain_text(SVG)
    await expect(page.get_by_test_id("objection-objector")).to_contain_text(TEMPLATE)
    await _assert_inert(page, "objection page")
    await page.context.close()


async def test_the_checks_see_markup_that_does_reach_the_dom(
    browser: Browser, live_server: str
) -> None:
    """The control: markup put into the page the unsafe way (innerHTML) is caught by the same
    checks — the element appears and the policy reports the inline handler it blocked."""
    page = await _watched_page(browser, live_server)
    await page.goto("/publicity")
    await expect(page.locator("h1")).to_be_visible()
    await page.evaluate(
        "html => { const d = document.createElement('div'); d.innerHTML = html;"
        " document.body.append(d); }",
        IMG,
    )
    await page.wait_for_timeout(300)
    assert await page.locator("img[src='x']").count() == 1
    blocked = [v for v in await page.evaluate("window.__csp") if v.startswith("script-src")]
    assert blocked, "the policy did not report the inline handler"
    assert await page.evaluate("window.__xss") is None  # and it kept it from running
    await page.context.close()
