"""Expert review screens in a real browser. Set-up through the API: a new batch with one accepted
application carried into review, expert1 in the pool for its field and the only expert taking
part. Then the admin opens the batch's review setup (settings, rubric, the batch's experts),
runs a draw and reads the coverage; expert1 signs the statement, scores every criterion, saves a
draft, submits and sees the scores locked. Screenshots in zh-CN and en, the expert's screens also
at 375 px; axe on every screen."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.applications.helpers import complete_content
from tests.e2e.helpers import (
    api_as,
    assert_accessible,
    confirm_box,
    create_batch,
    minimal_pdf,
    no_sideways_scroll,
    ok,
    shoot,
)
from tests.e2e.test_shell import DESKTOP, PHONE, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
APPLICANT = "applicant@demo.firstset.cn"
DISTRICT = "district@demo.firstset.cn"
EXPERT = "expert1@demo.firstset.cn"
FIELD = "integrated_circuits"
ATTACHMENT_KINDS = ("application_form", "test_report", "novelty_search")
# A message key shown as such: the screens' messages load with their routes, so a route that
# forgets a domain it shows would print keys like `evaluation.settings.heading`.
RAW_KEY = re.compile(r"\b(?:evaluation|batches|applications|queue|form|common)(?:\.[A-Za-z_]+)+\b")


# --- set-up through the API -------------------------------------------------------------------


def all_items(client: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ok(
            client.get(
                url, params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
            )
        )
        items += page["items"]
        cursor = page.get("next")
        if not cursor:
            return items


def set_up(base: str) -> dict[str, str]:
    """A batch in review with one application; expert1 is the only expert taking part."""
    stamp = int(time.time() * 1000) % 10_000_000
    admin, applicant, district = (
        api_as(base, ADMIN),
        api_as(base, APPLICANT),
        api_as(base, DISTRICT),
    )
    try:
        batch = create_batch(
            admin,
            f"评审界面测试批次 {stamp}",
            f"Review screens test batch {stamp}",
            range(2099, 2080, -1),
        )
        ok(admin.post(f"/api/v1/batches/{batch['id']}/transitions/open"))

        product = f"12英寸晶圆刻蚀机 评审 {stamp}"
        content = complete_content(
            product_name_zh=product, product_name_en=f"Wafer etcher R{stamp}", field=FIELD
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
        ok(
            district.post(
                f"/api/v1/applications/{app_id}/district/recommend",
                json={"reason": "材料齐全，同意推荐。"},
            )
        )
        ok(
            admin.post(
                f"/api/v1/applications/{app_id}/formal/accept", json={"reason": "形式审查通过。"}
            )
        )
        ok(admin.post(f"/api/v1/batches/{batch['id']}/transitions/close"))
        ok(admin.post(f"/api/v1/batches/{batch['id']}/transitions/start-review"))

        users = ok(admin.get("/api/v1/users", params={"q": EXPERT}))["items"]
        expert_id = next(u["id"] for u in users if u["email"] == EXPERT)
        current = admin.get(f"/api/v1/experts/{expert_id}")
        profile: dict[str, Any] = {"fields": [FIELD], "active": True}
        if current.status_code == 200:
            found = current.json()
            profile = {
                "fields": sorted({*found["fields"], FIELD}),
                "employer_organization_id": found["employer"]["id"] if found["employer"] else None,
                "title_zh": found["title_zh"],
                "title_en": found["title_en"],
                "speciality": found["speciality"],
                "active": True,
            }
        ok(admin.put(f"/api/v1/experts/{expert_id}", json=profile))
        # Only expert1 takes part in this batch, so the draw picks them (and the second expert
        # the batch asks for stays missing: the coverage report has something to say).
        for expert in all_items(admin, f"/api/v1/batches/{batch['id']}/experts"):
            if expert["user_id"] != expert_id:
                ok(
                    admin.put(
                        f"/api/v1/batches/{batch['id']}/experts/{expert['user_id']}/availability",
                        json={"available": False},
                    )
                )
    finally:
        for client in (admin, applicant, district):
            client.close()
    return {
        "base": base,
        "batch": batch["id"],
        "application": app_id,
        "product": product,
        "expert": expert_id,
    }


# --- the browser ------------------------------------------------------------------------------


async def settled(page: Page) -> None:
    """Waits for Element Plus' enter transitions (a dialog fading in would fail contrast)."""
    await expect(page.locator("[class*='-enter-active']")).to_have_count(0)


async def no_toast(page: Page) -> None:
    """Waits for the toasts to fade (they would cover the screenshots)."""
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)


async def open_tab(page: Page, key: str) -> None:
    """Element Plus names a tab `tab-<name>`."""
    await page.locator(f"#tab-{key}").click()
    await expect(page).to_have_url(re.compile(rf"tab={key}"))


async def no_raw_keys(page: Page, where: str) -> None:
    shown = f"{await page.title()}\n{await page.locator('body').inner_text()}"
    assert not RAW_KEY.findall(shown), f"{where}: raw message keys {RAW_KEY.findall(shown)}"


async def admin_screens(page: Page, screenshots: Path, state: dict[str, str]) -> None:
    batch = state["batch"]
    await page.get_by_test_id("nav-batches").click()
    link = page.get_by_test_id(f"batch-review-setup-{batch}")
    await expect(link).to_be_visible()
    await link.click()
    await expect(page).to_have_url(re.compile(rf"/admin/batches/{batch}/review"))
    await expect(page.get_by_test_id("setup-batch-status")).to_have_attribute(
        "data-status", "reviewing"
    )

    # (a) settings
    await expect(page.get_by_test_id("settings-reviewers")).to_have_value("2")
    await no_raw_keys(page, "review settings")
    # Entered directly, the route fetches its messages before it renders.
    await page.reload()
    await expect(page.get_by_test_id("settings-reviewers")).to_have_value("2")
    await no_raw_keys(page, "review settings, reloaded")
    await assert_accessible(page, "review settings")
    await shoot(page, screenshots, "review-setup-settings")
    # A quota for the field is saved; a bad number is refused next to its input.
    await page.get_by_test_id(f"settings-quota-{FIELD}").fill("-1")
    await page.get_by_test_id("settings-save").click()
    await expect(page.get_by_test_id("review-settings").get_by_role("alert")).to_be_visible()
    await page.get_by_test_id(f"settings-quota-{FIELD}").fill("3")
    await page.get_by_test_id("settings-save").click()
    await expect(page.locator(".el-message--success")).to_be_visible()

    # (b) the rubric: the default five criteria, editable until a review is submitted
    await open_tab(page, "rubric")
    editor = page.get_by_test_id("rubric-editor")
    await expect(editor).to_have_attribute("data-locked", "false")
    await expect(editor.locator("[data-testid^=rubric-row-]")).to_have_count(5)
    await expect(page.get_by_test_id("rubric-max-total")).to_contain_text("100")
    # Changing a weight moves the highest total; discarding restores it.
    await page.get_by_test_id("rubric-0-weight").fill("2")
    await expect(page.get_by_test_id("rubric-max-total")).to_contain_text("130")
    await page.get_by_test_id("rubric-0-max_score").fill("0")
    await page.get_by_test_id("rubric-save").click()
    await expect(editor.locator(".rubric-editor__error").first).to_be_visible()
    await page.get_by_test_id("rubric-reset").click()
    await expect(page.get_by_test_id("rubric-max-total")).to_contain_text("100")
    await no_toast(page)
    await assert_accessible(page, "rubric")
    await shoot(page, screenshots, "review-setup-rubric")

    # (c) the batch's experts: expert1 takes part, the others were switched off
    await open_tab(page, "pool")
    row = page.get_by_test_id(f"batch-pool-row-{state['expert']}")
    await expect(row).to_be_visible()
    await expect(row.get_by_role("switch")).to_be_checked()
    await assert_accessible(page, "batch pool")
    await shoot(page, screenshots, "review-setup-pool")

    # (d) a draw with a seed; coverage names the missing second expert
    await open_tab(page, "assignment")
    await expect(page.get_by_test_id("draws-empty")).to_be_visible()
    await page.get_by_test_id("draw-seed").fill("20250601")
    await page.get_by_test_id("draw-run").click()
    await confirm_box(page)
    result = page.get_by_test_id("draw-result")
    await expect(result).to_be_visible()
    await expect(result).to_have_attribute("data-seed", "20250601")
    await expect(page.get_by_test_id("draws-table").get_by_test_id("draw-seed-value")).to_have_text(
        "20250601"
    )
    coverage = page.get_by_test_id(f"coverage-{state['application']}")
    await expect(coverage).to_be_visible()
    await expect(coverage).to_contain_text("1/2")
    assignment_rows = page.locator(
        f"[data-testid^=assignment-row-][data-expert='{state['expert']}']"
    )
    await expect(assignment_rows).to_have_count(1)
    await expect(assignment_rows.first).to_have_attribute("data-progress", "none")
    await assert_accessible(page, "assignment")
    await shoot(page, screenshots, "review-setup-assignment")

    # The dialogs of manual changes: add an expert, and a reason to waive.
    await page.get_by_test_id("assignment-add").click()
    await expect(page.get_by_test_id("add-assignment-dialog")).to_be_visible()
    await settled(page)
    await assert_accessible(page, "manual assignment dialog")
    await page.get_by_test_id("add-cancel").click()
    await page.locator("[data-testid^=assignment-waive-]").first.click()
    await expect(page.get_by_test_id("assignment-action-dialog")).to_be_visible()
    await settled(page)
    await page.get_by_test_id("assignment-action-dialog-confirm").click()
    await expect(
        page.get_by_test_id("assignment-action-dialog").get_by_role("alert")
    ).to_be_visible()
    await assert_accessible(page, "waive dialog")
    await shoot(page, screenshots, "review-waive-dialog", full_page=False)
    await page.get_by_test_id("assignment-action-dialog-cancel").click()
    await expect(page.get_by_test_id("assignment-action-dialog")).to_be_hidden()


async def pool_screens(page: Page, screenshots: Path, state: dict[str, str]) -> None:
    await page.get_by_test_id("nav-experts").click()
    row = page.get_by_test_id(f"pool-row-{state['expert']}")
    await expect(row).to_be_visible()
    await expect(page.get_by_test_id("expert-users-link")).to_have_attribute("href", "/admin/users")
    await assert_accessible(page, "expert pool")
    await shoot(page, screenshots, "review-experts")

    await page.get_by_test_id(f"expert-edit-{state['expert']}").click()
    dialog = page.get_by_test_id("expert-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.get_by_test_id(f"expert-field-{FIELD}").locator("input")).to_be_checked()
    await settled(page)
    await assert_accessible(page, "expert dialog")
    await shoot(page, screenshots, "review-expert-dialog", full_page=False)
    await page.get_by_test_id("expert-cancel").click()
    await expect(dialog).to_be_hidden()

    await page.get_by_test_id(f"expert-conflicts-{state['expert']}").click()
    conflicts = page.get_by_test_id("conflicts-dialog")
    await expect(conflicts).to_be_visible()
    await settled(page)
    await assert_accessible(page, "conflicts dialog")
    await shoot(page, screenshots, "review-expert-conflicts", full_page=False)
    await page.get_by_test_id("conflicts-close").click()
    await expect(conflicts).to_be_hidden()


async def expert_scores(page: Page, screenshots: Path, state: dict[str, str]) -> None:
    """Signs the statement (after being sent to it), scores every criterion, saves a draft."""
    # Opening the material before signing sends the expert to the statement.
    await page.goto(f"/expert/assignments/{state['assignment']}")
    await expect(page).to_have_url(re.compile(rf"/expert/assignments\?sign={state['batch']}"))
    await expect(page.get_by_test_id("sign-first")).to_be_visible()
    group = page.get_by_test_id(f"assignment-batch-{state['batch']}")
    await expect(group).to_have_attribute("data-attested", "false")
    await expect(group.get_by_test_id("attestation-text")).to_be_visible()
    # Nothing of the application shows before signing.
    await expect(group).not_to_contain_text(state["product"])
    await page.get_by_test_id("nav-expert-reviews").click()
    await expect(page.get_by_test_id("sign-first")).to_have_count(0)
    await no_toast(page)
    await assert_accessible(page, "assignments before signing")
    await shoot(page, screenshots, "review-assignments-unsigned")

    await group.get_by_test_id("attestation-sign").click()
    await expect(group.locator(".attestation__error")).to_be_visible()
    await group.get_by_test_id("attestation-agree").check()
    await group.get_by_test_id("attestation-sign").click()
    await expect(group).to_have_attribute("data-attested", "true")
    card = group.locator("li.assignment-card", has_text=state["product"])
    await expect(card).to_be_visible()
    await expect(card.get_by_test_id("review-progress")).to_have_attribute(
        "data-progress", "not_started"
    )
    await no_toast(page)
    await assert_accessible(page, "assignments")
    await shoot(page, screenshots, "review-assignments")

    await card.get_by_test_id(f"assignment-open-{state['assignment']}").click()
    await expect(page).to_have_url(re.compile(rf"/expert/assignments/{state['assignment']}$"))
    await expect(page.get_by_test_id("scoring-title")).to_be_visible()
    await expect(page.get_by_test_id("application-content")).to_be_visible()
    await expect(page.get_by_test_id("attachments-test_report")).to_contain_text("test_report.pdf")

    criteria = page.locator("[data-testid^=criterion-]")
    count = await criteria.count()
    assert count == 5
    # A score above the criterion's maximum is refused next to it.
    await page.get_by_test_id("score-0").fill("31")
    await page.get_by_test_id("score-0").blur()
    await expect(page.get_by_test_id("score-error-0")).to_be_visible()
    scores = ["27.5", "22", "13", "18.5", "9"]  # of 30, 25, 15, 20, 10 with weight 1
    for index, score in enumerate(scores):
        await page.get_by_test_id(f"score-{index}").fill(score)
    await expect(page.get_by_test_id("score-error-0")).to_be_hidden()
    await expect(page.get_by_test_id("running-total-value")).to_have_text("90 / 100")
    await page.get_by_test_id("review-comment").fill(
        "技术指标先进，检测报告支撑充分；建议补充示范应用的用户证明。"
    )
    await page.get_by_test_id("review-save").click()
    await expect(page.locator(".el-message--success")).to_be_visible()
    await no_toast(page)
    # The material pane is sticky: screenshot it from the top of the page.
    await page.evaluate("window.scrollTo(0, 0)")
    await assert_accessible(page, "scoring form")
    await shoot(page, screenshots, "review-scoring")

    # Someone changes the review on another page: the next save answers 412 and the form
    # reloads the latest version with a message.
    changed = "在另一页面修改的评审意见。"
    expert_api = api_as(state["base"], EXPERT)
    try:
        url = f"/api/v1/expert/assignments/{state['assignment']}/review"
        current = expert_api.get(url)
        review = ok(current)
        ok(
            expert_api.put(
                url,
                json={"scores": review["scores"], "comment": changed, "recommendation": None},
                headers={"If-Match": current.headers["ETag"]},
            )
        )
    finally:
        expert_api.close()
    await page.get_by_test_id("score-4").fill("8")
    await page.get_by_test_id("review-save").click()
    await expect(page.get_by_test_id("scoring-notice")).to_be_visible()
    await expect(page.get_by_test_id("review-comment")).to_have_value(changed)
    await expect(page.get_by_test_id("score-4")).to_have_value("9")


async def expert_submits(page: Page, screenshots: Path, state: dict[str, str]) -> None:
    # Submitting without a recommendation is refused before anything is sent.
    await page.get_by_test_id("review-submit").click()
    await expect(page.get_by_test_id("scoring-local-error")).to_be_visible()
    await page.get_by_test_id("recommendation-recommend").click()
    await page.get_by_test_id("review-submit").click()
    await confirm_box(page)
    await expect(page.get_by_test_id("scoring-locked")).to_be_visible()
    await expect(page.get_by_test_id("scoring-form")).to_have_attribute("data-status", "submitted")
    await expect(page.get_by_test_id("scoring-total")).to_contain_text("90")
    await expect(page.get_by_test_id("review-save")).to_have_count(0)
    await no_toast(page)
    await page.evaluate("window.scrollTo(0, 0)")
    await assert_accessible(page, "locked review")
    await shoot(page, screenshots, "review-scoring-locked")

    await page.get_by_test_id("back-to-assignments").click()
    group = page.get_by_test_id(f"assignment-batch-{state['batch']}")
    await expect(group.get_by_test_id("review-progress")).to_have_attribute(
        "data-progress", "submitted"
    )


async def phone_screens(
    browser: Browser, base: str, screenshots: Path, state: dict[str, str], assignment_id: str
) -> None:
    """The expert's list and the draft scoring form at 375 px: nothing scrolls sideways."""
    phone = await new_page(browser, base, "zh-CN", PHONE)
    await log_in(phone, EXPERT)
    await phone.goto("/expert/assignments")
    group = phone.get_by_test_id(f"assignment-batch-{state['batch']}")
    await expect(group).to_have_attribute("data-attested", "true")
    await expect(group.get_by_test_id("review-progress")).to_have_attribute(
        "data-progress", "draft"
    )
    await no_sideways_scroll(phone, "assignments at 375 px")
    await assert_accessible(phone, "assignments at 375 px")
    await shoot(phone, screenshots, "review-assignments-phone")
    await phone.goto(f"/expert/assignments/{assignment_id}")
    await expect(phone.get_by_test_id("score-0")).to_have_value("27.5")
    await no_sideways_scroll(phone, "scoring at 375 px")
    await assert_accessible(phone, "scoring at 375 px")
    await shoot(phone, screenshots, "review-scoring-phone")
    await phone.context.close()


async def admin_phone(browser: Browser, base: str, screenshots: Path, batch: str) -> None:
    """The admin's screens at 375 px: tables become cards, nothing scrolls sideways."""
    phone = await new_page(browser, base, "zh-CN", PHONE)
    await log_in(phone, ADMIN)
    for tab in ("settings", "rubric", "pool", "assignment"):
        await phone.goto(f"/admin/batches/{batch}/review?tab={tab}")
        await expect(phone.locator("#tab-" + tab)).to_have_attribute("aria-selected", "true")
        await phone.wait_for_load_state("networkidle")
        await no_sideways_scroll(phone, f"review setup {tab} at 375 px")
    await phone.goto(f"/admin/batches/{batch}/review?tab=rubric")
    await expect(phone.get_by_test_id("rubric-0-name_zh")).to_be_visible()
    await shoot(phone, screenshots, "review-setup-rubric-phone")
    await phone.goto("/admin/experts")
    await expect(phone.get_by_test_id("pool-table")).to_be_visible()
    await no_sideways_scroll(phone, "expert pool at 375 px")
    await phone.context.close()


async def test_review_setup_draw_and_scoring(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    state = set_up(live_server)

    admin = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(admin, ADMIN)
    await admin_screens(admin, screenshots, state)
    client = api_as(live_server, ADMIN)
    try:
        drawn = all_items(
            client, "/api/v1/assignments", batch_id=state["batch"], expert_id=state["expert"]
        )
    finally:
        client.close()
    assert len(drawn) == 1
    assert drawn[0]["source"] == "draw"
    state["assignment"] = drawn[0]["id"]
    await pool_screens(admin, screenshots, state)
    await admin_phone(browser, live_server, screenshots, state["batch"])

    expert = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(expert, EXPERT)
    await expert_scores(expert, screenshots, state)
    assignment_id = state["assignment"]
    await phone_screens(browser, live_server, screenshots, state, assignment_id)
    await expert_submits(expert, screenshots, state)
    await expert.context.close()

    # The admin sees the submitted review; the rubric is locked now.
    await admin.goto(f"/admin/batches/{state['batch']}/review?tab=assignment")
    row = admin.get_by_test_id(f"assignment-row-{assignment_id}")
    await expect(row).to_have_attribute("data-progress", "submitted")
    await expect(row.get_by_test_id(f"assignment-reopen-{assignment_id}")).to_be_visible()
    await admin.goto(f"/admin/batches/{state['batch']}/review?tab=rubric")
    await expect(admin.get_by_test_id("rubric-locked")).to_be_visible()
    await expect(admin.get_by_test_id("rubric-save")).to_have_count(0)
    await admin.context.close()
