"""Fixtures of the award tests: a key directory and blob store of their own per test, a known
working-day calendar and an admin client (the `client` fixture stays anonymous, as the public)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import get_settings
from api.models import Role
from api.storage import LocalStorage, get_storage
from tests.factories.identity import login, make_user
from tests.publicity.helpers import know_calendar_years


@pytest.fixture(autouse=True)
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Private signing keys of this test only: a fresh directory, so a key is made on first use."""
    directory = tmp_path / "keys"
    monkeypatch.setattr(get_settings(), "signing_key_dir", directory)
    return directory


@pytest.fixture
def storage(app: FastAPI, tmp_path: Path) -> Iterator[LocalStorage]:
    store = LocalStorage(tmp_path / "files")
    app.dependency_overrides[get_storage] = lambda: store
    yield store
    app.dependency_overrides.pop(get_storage, None)


@pytest.fixture(autouse=True)
async def known_calendar(db: AsyncSession) -> None:
    await know_calendar_years(db)


@pytest.fixture
async def admin(app: FastAPI, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    user = await make_user(db, Role.admin)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50200))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await login(client, user.email)).status_code == 200
        yield client
