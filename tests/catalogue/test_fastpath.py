"""Anonymous catalogue reads answered before routing: the same bytes, headers and 304s as the
router's, never stale past the router's own bound, never for agency clients."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue import cache, fastpath
from tests.catalogue.helpers import make_entry, revoke

URL = "/api/v1/catalogue/products"


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow test machine must not let the version's reuse bound lapse between requests."""
    monkeypatch.setattr(cache.time, "monotonic", lambda: 1000.0)


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Etags the router looked up in its page cache: a request the fast path answered never
    reaches the router, so it adds nothing here."""
    seen: list[str] = []
    original = cache.responses.get

    def spy(etag: str) -> cache.Cached | None:
        seen.append(etag)
        return original(etag)

    monkeypatch.setattr(cache.responses, "get", spy)
    return seen


async def test_a_repeated_read_skips_the_router_with_the_same_answer(
    db: AsyncSession, client: httpx.AsyncClient, routed: list[str]
) -> None:
    await make_entry(db)
    await make_entry(db)
    params = {"limit": 1}
    first = await client.get(URL, params=params)
    assert first.status_code == 200, first.text
    assert len(routed) == 1
    again = await client.get(URL, params=params)
    assert len(routed) == 1  # answered before routing
    assert again.content == first.content
    for header in ("etag", "cache-control", "content-type", "link"):
        assert again.headers[header] == first.headers[header], header
    # Still inside the request middleware: request id and security headers.
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert again.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in again.headers

    etag = first.headers["etag"]
    unchanged = await client.get(URL, params=params, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == first.headers["etag"]
    assert len(routed) == 1

    # The Link names the host the caller used.
    other_host = await client.get(URL, params=params, headers={"Host": "catalogue.example.cn"})
    assert other_host.headers["link"].startswith("<http://catalogue.example.cn/")


async def test_facets_and_details_too(
    db: AsyncSession, client: httpx.AsyncClient, routed: list[str]
) -> None:
    award = await make_entry(db)
    for path in (f"{URL}/{award.id}", "/api/v1/catalogue/facets"):
        first = await client.get(path)
        count = len(routed)
        assert (await client.get(path)).content == first.content
        assert len(routed) == count, path


async def test_a_change_in_this_process_shows_at_once(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    award = await make_entry(db)
    detail = f"{URL}/{award.id}"
    assert (await client.get(detail)).json()["status"] == "valid"
    assert (await client.get(detail)).json()["status"] == "valid"
    await revoke(db, award)
    assert (await client.get(detail)).json()["status"] == "revoked"
    assert (await client.get(URL, params={"status": "valid"})).json()["items"] == []


async def test_not_across_midnight_in_beijing(
    db: AsyncSession,
    client: httpx.AsyncClient,
    routed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_entry(db)
    await client.get(URL)
    await client.get(URL)
    count = len(routed)
    tomorrow = fastpath.today() + timedelta(days=1)
    monkeypatch.setattr(fastpath, "today", lambda: tomorrow)
    await client.get(URL)
    assert len(routed) == count + 1  # validity may have ended: the router answers


async def test_agency_clients_always_reach_the_route(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await make_entry(db)
    assert (await client.get(URL)).status_code == 200
    assert (await client.get(URL)).status_code == 200
    # Kept for anonymous callers, yet a bearer token is checked by the route: a bad one is a
    # 401, not the kept page.
    refused = await client.get(URL, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401


async def test_errors_are_never_kept(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await make_entry(db)
    for _ in range(2):
        response = await client.get(URL, params={"field": "no_such_field"})
        assert response.status_code == 422
    assert len(cache.answers._entries) == 0
