"""The admins' webhook screen in a real browser: the demo agency client subscribes a receiver
that is down; a certificate is revoked; `firstset worker --once` makes the first attempt, which
fails; the admin sees the subscription and the failed attempt in the delivery log, the receiver
comes back, and the admin's redelivery reaches it with a valid signature. zh-CN and en."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import assert_accessible, run_worker_once, shoot
from tests.e2e.test_shell import DESKTOP, log_in, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADMIN = "admin@demo.firstset.cn"
# Other browser tests revoke 0039 and 0040 and read 0001–0010.
REVOKED = "BJSTT-2021-01-0030"


class Receiver:
    """An HTTP receiver on 127.0.0.1 that answers 503 until it is `up`."""

    def __init__(self) -> None:
        self.up = False
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(204 if receiver.up else 503)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/firstset"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def signed(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The documented rule, written out independently of the server's code."""
    parts = dict(p.split("=", 1) for p in headers["X-FirstSet-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


async def test_delivery_log_and_redelivery(
    browser: Browser, live_server: str, screenshots: Path, receiver: Receiver
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as api:
        token = (
            await api.post(
                "/api/v1/oauth/token",
                data={"grant_type": "client_credentials", "scope": "webhooks:manage"},
                auth=("demo-agency", "demo-agency-secret-FirstSet-2021"),
            )
        ).json()["access_token"]
        created = await api.post(
            "/api/v1/webhooks/subscriptions",
            json={"url": receiver.url, "events": ["certificate.revoked"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
        secret = created.json()["signing_secret"]

    page = await new_page(browser, live_server, "zh-CN", DESKTOP)
    await log_in(page, ADMIN)
    # The revocation that the subscription hears about, made by the admin through the API.
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with httpx.AsyncClient(base_url=live_server, cookies=cookies, timeout=10) as admin:
        awards = (await admin.get("/api/v1/awards", params={"limit": 100})).json()["items"]
        award = next(a for a in awards if a["number"] == REVOKED)
        revoked = await admin.post(
            f"/api/v1/awards/{award['id']}/revoke",
            json={"reason": "测试：事件推送的撤销通知，经核实材料不实。"},
            headers={"X-CSRF-Token": cookies["csrf_token"]},
        )
        assert revoked.status_code == 200, revoked.text

    await asyncio.to_thread(run_worker_once)
    assert len(receiver.received) == 1  # the first attempt, answered 503
    headers, body = receiver.received[0]
    assert signed(secret, headers, body)
    event = json.loads(body)
    assert event["type"] == "certificate.revoked"
    assert event["data"]["number"] == REVOKED

    await page.goto("/admin/webhooks")
    subscriptions = page.get_by_test_id("webhook-subscriptions")
    await expect(subscriptions).to_contain_text(receiver.url)
    deliveries = page.get_by_test_id("webhook-deliveries")
    await expect(deliveries).to_contain_text("证书撤销")  # certificate.revoked, labelled
    await expect(deliveries).to_contain_text("503")
    await assert_accessible(page, "webhooks")
    await shoot(page, screenshots, "webhooks")

    # The receiver is back; the admin sends the delivery again by hand.
    receiver.up = True
    redeliver = deliveries.get_by_test_id("webhook-redeliver").first
    await redeliver.click()
    await expect(deliveries).to_contain_text("204")
    assert len(receiver.received) == 2
    again_headers, again_body = receiver.received[1]
    assert again_headers["X-FirstSet-Event-Id"] == headers["X-FirstSet-Event-Id"]
    assert signed(secret, again_headers, again_body)
    await assert_accessible(page, "webhooks after redelivery")
    await page.context.close()
