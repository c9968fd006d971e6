"""The per-process catalogue caches: pages are reused by ETag, and a change shows no later than
the version's stated reuse bound (at once on the process that made it)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue import cache
from api.config import get_settings
from tests.catalogue.helpers import make_entry, revoke

URL = "/api/v1/catalogue/products"


def _ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_a_new_award_shows_on_the_next_page(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    first = await make_entry(db)
    before = await client.get(URL)
    assert _ids(before) == {str(first.id)}
    assert (await client.get(URL)).content == before.content  # served from the cache

    second = await make_entry(db)
    after = await client.get(URL)
    assert _ids(after) == {str(first.id), str(second.id)}
    assert after.headers["etag"] != before.headers["etag"]


async def test_a_revocation_shows_on_the_next_detail_and_list(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    award = await make_entry(db)
    detail = f"{URL}/{award.id}"
    assert (await client.get(detail)).json()["status"] == "valid"
    assert (await client.get(URL, params={"status": "valid"})).json()["items"]

    await revoke(db, award)
    assert (await client.get(detail)).json()["status"] == "revoked"
    assert (await client.get(URL, params={"status": "valid"})).json()["items"] == []


async def test_a_change_from_another_process_shows_within_the_bound(
    db: AsyncSession, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    first = await make_entry(db)
    assert _ids(await client.get(URL)) == {str(first.id)}

    seen = cache.version_clock.value
    assert seen is not None
    second = await make_entry(db)
    # As if another API process had indexed it: this one still holds the version it read.
    cache.version_clock.store(seen, clock[0])
    assert str(second.id) not in _ids(await client.get(URL))  # within the bound: may lag

    clock[0] += get_settings().catalogue_version_ttl_ms / 1000
    assert _ids(await client.get(URL)) == {str(first.id), str(second.id)}


async def test_the_cache_is_bounded_and_can_be_turned_off(
    db: AsyncSession, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_entry(db)
    monkeypatch.setattr(get_settings(), "catalogue_cache_entries", 2)
    for year in (2020, 2021, 2022, 2023):
        assert (await client.get(URL, params={"year": year})).status_code == 200
    assert len(cache.responses._entries) == 2

    cache.clear()
    monkeypatch.setattr(get_settings(), "catalogue_cache_entries", 0)
    assert (await client.get(URL)).status_code == 200
    assert len(cache.responses._entries) == 0
