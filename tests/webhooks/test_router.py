"""The webhook routes: a client's own subscriptions, the delivery log, redelivery, and the
admin's view."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.agency.auth import hash_secret
from api.config import get_settings
from api.events import service as events
from api.models import (
    AccessToken,
    DeliveryStatus,
    Role,
    Scope,
    WebhookDelivery,
    WebhookSubscription,
)
from api.webhooks import delivery
from tests.agency.factories import bearer, make_client, make_token
from tests.factories.identity import logged_in
from tests.webhooks.conftest import Receiver

BASE = "/api/v1/webhooks/subscriptions"
Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]


@dataclass(frozen=True)
class Live:
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]


async def agency(db: AsyncSession, scopes: list[Scope] | None = None) -> dict[str, str]:
    client, _ = await make_client(db, scopes=scopes or [Scope.webhooks_manage])
    return bearer(await make_token(db, client))


async def committed_agency(
    sessions: async_sessionmaker[AsyncSession], scopes: list[Scope] | None = None
) -> dict[str, str]:
    async with sessions() as session, session.begin():
        return await agency(session, scopes)


@pytest.fixture
async def live(committing_app: Committing) -> AsyncIterator[Live]:
    """The client routes run on a database whose requests commit: their bearer check has a
    session of its own beside the route's (and the Idempotency-Key claim's), which the
    rolled-back test transaction cannot nest."""
    app, sessions = committing_app
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Live(http, sessions)


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], url: str = "https://hooks.example/in"
) -> dict[str, object]:
    response = await client.post(
        BASE, json={"url": url, "events": ["award.granted", "award.granted"]}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestSubscriptions:
    async def test_create_read_update_rotate_delete(self, live: Live) -> None:
        me = await committed_agency(live.sessions)
        created = await subscribe(live.http, me)
        secret = str(created["signing_secret"])
        assert secret.startswith("whsec_")
        assert created["events"] == ["award.granted"]
        url = f"{BASE}/{created['id']}"

        read = await live.http.get(url, headers=me)
        assert read.status_code == 200
        assert "signing_secret" not in read.json()
        listed = await live.http.get(BASE, headers=me)
        assert [s["id"] for s in listed.json()["items"]] == [created["id"]]

        blind = await live.http.patch(url, json={"events": ["objection.filed"]}, headers=me)
        assert blind.status_code == 428
        patched = await live.http.patch(
            url,
            json={"events": ["objection.filed"]},
            headers={**me, "If-Match": read.headers["ETag"]},
        )
        assert patched.status_code == 200
        assert patched.json()["events"] == ["objection.filed"]
        stale = await live.http.patch(
            url,
            json={"url": "https://x.example/"},
            headers={**me, "If-Match": read.headers["ETag"]},
        )
        assert stale.status_code == 412

        rotated = await live.http.post(f"{url}/rotate-secret", headers=me)
        assert rotated.status_code == 200
        assert rotated.json()["signing_secret"] not in (secret, None)

        assert (await live.http.delete(url, headers=me)).status_code == 204
        assert (await live.http.get(url, headers=me)).status_code == 404

    async def test_create_honours_idempotency_key(self, live: Live) -> None:
        me = {**await committed_agency(live.sessions), "Idempotency-Key": str(uuid.uuid4())}
        body = {"url": "https://hooks.example/once", "events": ["objection.filed"]}
        first = await live.http.post(BASE, json=body, headers=me)
        again = await live.http.post(BASE, json=body, headers=me)
        assert first.status_code == again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        listed = await live.http.get(BASE, headers=me)
        assert len(listed.json()["items"]) == 1

    async def test_another_clients_subscription_is_not_found(self, live: Live) -> None:
        mine, theirs = await committed_agency(live.sessions), await committed_agency(live.sessions)
        created = await subscribe(live.http, theirs)
        for method in ("GET", "DELETE"):
            response = await live.http.request(method, f"{BASE}/{created['id']}", headers=mine)
            assert response.status_code == 404
            assert response.json()["code"] == "webhook_subscription_not_found"
        assert (await live.http.get(BASE, headers=mine)).json()["items"] == []

    async def test_urls_with_credentials_or_other_schemes_are_refused(self, live: Live) -> None:
        me = await committed_agency(live.sessions)
        for url, code in [
            ("https://u:p@hooks.example/", "webhook_url_credentials"),
            ("file:///etc/passwd", "webhook_url_invalid"),
            ("http://hooks.example/", "webhook_url_https_required"),
        ]:
            response = await live.http.post(
                BASE, json={"url": url, "events": ["award.granted"]}, headers=me
            )
            assert response.status_code == 422
            assert response.json()["errors"][0]["code"] == code
        unknown = await live.http.post(
            BASE, json={"url": "https://h.example/", "events": ["user.created"]}, headers=me
        )
        assert unknown.status_code == 422

    async def test_the_scope_is_required(self, live: Live) -> None:
        other = await committed_agency(live.sessions, [Scope.catalogue_read])
        response = await live.http.get(BASE, headers=other)
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"


async def client_of(db: AsyncSession, headers: dict[str, str]) -> uuid.UUID:
    token = headers["Authorization"].removeprefix("Bearer ")
    client_id = await db.scalar(
        select(AccessToken.client_id).where(AccessToken.token_hash == hash_secret(token))
    )
    assert client_id is not None
    return client_id


async def delivered_once(db: AsyncSession, receiver: Receiver, headers: dict[str, str]) -> int:
    """A subscription to the receiver, an event fanned out to it, and its first attempt."""
    subscription = WebhookSubscription(
        client_id=await client_of(db, headers),
        url=receiver.url,
        events=["award.granted"],
        signing_secret="whsec_router",
    )
    db.add(subscription)
    await db.flush()
    await db.refresh(subscription)
    event = await events.emit(db, "award.granted", object_type="award", object_id="r")
    await delivery.fan_out(db)
    row = await db.scalar(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    )
    assert row is not None
    outcome = await delivery.send(receiver.url, "whsec_router", event, get_settings())
    await delivery.record_outcome(db, row, outcome, manual=False)
    return row.id


class TestDeliveries:
    async def test_client_log_and_redelivery(self, live: Live, receiver: Receiver) -> None:
        receiver.failures = 1
        client = live.http
        me = await committed_agency(live.sessions)
        async with live.sessions() as session, session.begin():
            delivery_id = await delivered_once(session, receiver, me)
        subscriptions = (await client.get(BASE, headers=me)).json()["items"]
        log = await client.get(f"{BASE}/{subscriptions[0]['id']}/deliveries", headers=me)
        assert log.status_code == 200
        (item,) = log.json()["items"]
        assert item["id"] == delivery_id
        assert item["status"] == "pending"
        assert [a["status_code"] for a in item["attempt_log"]] == [500]

        again = await client.post(
            f"/api/v1/webhooks/deliveries/{delivery_id}/redeliver", headers=me
        )
        assert again.status_code == 200, again.text
        body = again.json()
        assert body["status"] == "succeeded"
        assert [(a["status_code"], a["manual"]) for a in body["attempt_log"]] == [
            (500, False),
            (204, True),
        ]
        # another client cannot see or redeliver it
        other = await committed_agency(live.sessions)
        response = await client.post(
            f"/api/v1/webhooks/deliveries/{delivery_id}/redeliver", headers=other
        )
        assert response.status_code == 404

    async def test_admin_log_detail_redelivery_and_enable(
        self, db: AsyncSession, client: httpx.AsyncClient, receiver: Receiver
    ) -> None:
        receiver.failures = 1
        me = await agency(db)
        delivery_id = await delivered_once(db, receiver, me)
        await logged_in(db, client, Role.admin)

        subscriptions = (await client.get("/api/v1/admin/webhooks/subscriptions")).json()
        mine = next(s for s in subscriptions["items"] if s["url"] == receiver.url)
        assert mine["client_name"]
        assert mine["failing_since"] is not None

        log = await client.get(
            "/api/v1/admin/webhooks/deliveries",
            params={"subscription_id": mine["id"], "status": "pending"},
        )
        assert [d["id"] for d in log.json()["items"]] == [delivery_id]
        empty = await client.get(
            "/api/v1/admin/webhooks/deliveries",
            params={"subscription_id": mine["id"], "status": "succeeded"},
        )
        assert empty.json()["items"] == []

        detail = await client.get(f"/api/v1/admin/webhooks/deliveries/{delivery_id}")
        assert detail.status_code == 200
        assert detail.json()["url"] == receiver.url
        assert detail.json()["data"] == {}

        csrf = client.cookies.get("csrf_token") or ""
        again = await client.post(
            f"/api/v1/admin/webhooks/deliveries/{delivery_id}/redeliver",
            headers={"X-CSRF-Token": csrf},
        )
        assert again.status_code == 200, again.text
        assert again.json()["status"] == DeliveryStatus.succeeded

        enable_url = f"/api/v1/admin/webhooks/subscriptions/{mine['id']}/enable"
        active = await client.post(enable_url, headers={"X-CSRF-Token": csrf})
        assert active.status_code == 409
        subscription = await db.get(WebhookSubscription, uuid.UUID(mine["id"]))
        assert subscription is not None
        subscription.active = False
        subscription.disabled_reason = "test"
        await db.flush()
        enabled = await client.post(enable_url, headers={"X-CSRF-Token": csrf})
        assert enabled.status_code == 200
        assert enabled.json()["active"] is True
        assert enabled.json()["disabled_reason"] is None
