from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("LOG_JSON", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from api import ratelimit
from api.catalogue import cache as catalogue_cache
from api.config import get_settings
from api.db import build_engine, database, get_read_session, get_session
from api.main import create_app
from tests import dbutil


@pytest.fixture(scope="session")
def worker_id_suffix(request: pytest.FixtureRequest) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A freshly migrated database for this test worker."""
    name = dbutil.run_database("test")
    url = dbutil.recreate_database(name)
    command.upgrade(dbutil.alembic_config(url), "head")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    yield url
    dbutil.drop_database(name)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = build_engine(database_url, pool_size=5, max_overflow=5)
    database.use(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def app(engine: AsyncEngine) -> FastAPI:
    return create_app()


@pytest.fixture
async def db(engine: AsyncEngine, app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test. Each request runs in
    a savepoint of its own, so a failed request rolls back only its own writes, as it would in
    production, and never the test's fixtures."""
    conn = await engine.connect()
    outer = await conn.begin()
    session = AsyncSession(
        bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
    )

    async def override() -> AsyncIterator[AsyncSession]:
        request_transaction = await session.begin_nested()
        try:
            yield session
        except BaseException:
            if request_transaction.is_active:
                await request_transaction.rollback()
            raise
        else:
            await request_transaction.commit()

    app.dependency_overrides[get_session] = override
    # Public reads see the test's own uncommitted data, as a replica would once caught up.
    app.dependency_overrides[get_read_session] = override
    try:
        yield session
    finally:
        app.dependency_overrides.pop(get_session, None)
        app.dependency_overrides.pop(get_read_session, None)
        await session.close()
        await outer.rollback()
        await conn.close()


@pytest.fixture(autouse=True)
async def _fresh_rate_limits() -> None:
    await ratelimit.limiter().storage.reset()


@pytest.fixture(autouse=True)
def _fresh_catalogue_cache() -> Iterator[None]:
    """Each test's data is rolled back afterwards, and version numbers come round again: no
    catalogue version or page a test saw may outlive it."""
    catalogue_cache.clear()
    yield
    catalogue_cache.clear()


@pytest.fixture
async def client(app: FastAPI, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="module")
async def committing_app(
    worker_id_suffix: str, engine: AsyncEngine
) -> AsyncIterator[tuple[FastAPI, async_sessionmaker[AsyncSession]]]:
    """An app on a database of its own whose requests really commit — for races across
    connections, which the rolled-back test transaction cannot show."""
    name = dbutil.run_database("commit")
    url = dbutil.recreate_database(name)
    await asyncio.to_thread(command.upgrade, dbutil.alembic_config(url), "head")
    own_engine = build_engine(url, pool_size=10, max_overflow=10)
    sessions = async_sessionmaker(own_engine, expire_on_commit=False)

    async def real_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    committing = create_app()
    committing.dependency_overrides[get_session] = real_session
    committing.dependency_overrides[get_read_session] = real_session
    yield committing, sessions
    await own_engine.dispose()
    dbutil.drop_database(name)
