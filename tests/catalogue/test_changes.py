"""The change feed for integrators: awarded, revoked and updated changes in feed order, read on
from a cursor that is handed back even when nothing is left."""

from __future__ import annotations

import base64

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.index import catalogue_version, index_award
from api.models import CatalogueChangeKind
from tests.catalogue.helpers import make_entry, revoke

URL = "/api/v1/catalogue/changes"


async def test_changes_in_order_from_a_cursor(db: AsyncSession, client: httpx.AsyncClient) -> None:
    start = await client.get(URL)
    assert start.status_code == 200
    cursor = start.json()["next_cursor"]
    assert start.json()["has_more"] is False

    first = await make_entry(db)
    second = await make_entry(db)
    await revoke(db, first)
    second.model_spec = "updated"
    await index_award(db, second, CatalogueChangeKind.updated)

    page = await client.get(URL, params={"since": cursor, "limit": 3})
    body = page.json()
    assert [(i["award_id"], i["kind"]) for i in body["items"]] == [
        (str(first.id), "awarded"),
        (str(second.id), "awarded"),
        (str(first.id), "revoked"),
    ]
    ids = [i["id"] for i in body["items"]]
    assert ids == sorted(ids)
    assert body["has_more"] is True
    assert body["items"][0]["certificate_number"] == first.number
    assert body["items"][0]["status"] == "revoked"  # what the entry says now
    assert body["version"] == await catalogue_version(db)

    rest = (await client.get(URL, params={"since": body["next_cursor"]})).json()
    assert [(i["award_id"], i["kind"]) for i in rest["items"]] == [(str(second.id), "updated")]
    assert rest["has_more"] is False

    idle = (await client.get(URL, params={"since": rest["next_cursor"]})).json()
    assert idle["items"] == []
    assert idle["next_cursor"] == rest["next_cursor"]  # a poller keeps its place


async def test_feed_is_cacheable_until_something_changes(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await make_entry(db)
    first = await client.get(URL)
    again = await client.get(URL, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    await make_entry(db)
    moved = await client.get(URL, headers={"If-None-Match": first.headers["etag"]})
    assert moved.status_code == 200
    assert len(moved.json()["items"]) == len(first.json()["items"]) + 1


async def test_bad_cursors_are_422s(client: httpx.AsyncClient) -> None:
    def cursor(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    for since in ("!!", cursor(b'{"c": -1}'), cursor(b'{"c": "7"}'), cursor(b'{"x": 1}')):
        response = await client.get(URL, params={"since": since})
        assert response.status_code == 422, since
        assert response.json()["errors"][0]["field"] == "since"
    assert (await client.get(URL, params={"limit": 500})).status_code == 422
