"""Keyset pages against a database that really commits: entries inserted between pages (before
and after the reader's position) never make it see an entry twice or miss one that was there."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.catalogue.generate import generate_catalogue
from api.models import CatalogueEntry

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]
URL = "/api/v1/catalogue/products"


async def entry_ids(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return {str(i) for i in (await session.scalars(select(CatalogueEntry.award_id))).all()}


@pytest.mark.parametrize("sort", ["newest", "name"])
async def test_every_row_exactly_once_under_concurrent_inserts(
    committing_app: Committing, sort: str
) -> None:
    app, sessions = committing_app
    seeds = itertools.count(1000 if sort == "newest" else 2000)
    async with sessions() as session, session.begin():
        await generate_catalogue(session, 120, seed=next(seeds), other_applications=0)
    before = await entry_ids(sessions)

    async def insert_some() -> None:
        # Their issue dates and names spread over the whole order: some land behind the
        # reader's position, some ahead of it.
        async with sessions() as session, session.begin():
            await generate_catalogue(session, 4, seed=next(seeds), other_applications=0)

    seen: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        params: dict[str, object] = {"limit": 20, "sort": sort}
        pages = 0
        while True:
            # a writer commits while the reader fetches, and again between pages
            response, _ = await asyncio.gather(client.get(URL, params=params), insert_some())
            assert response.status_code == 200
            body = response.json()
            seen.extend(i["id"] for i in body["items"])
            pages += 1
            await insert_some()
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
    after = await entry_ids(sessions)

    assert pages >= len(before) // 20
    assert len(after) >= len(before) + 8 * pages  # the inserts did happen
    assert len(seen) == len(set(seen)), "an entry was listed twice"
    assert before <= set(seen), "an entry that was there all along was missed"
    assert set(seen) <= after
