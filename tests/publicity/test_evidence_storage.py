"""Evidence lives in the shared blob store: the orphan cleanup must treat it as in use. On a
database whose transactions really commit, as the cleanup works in transactions of its own."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.attachments.cleanup import remove_orphaned_blobs
from api.storage import LocalStorage, get_storage
from tests.factories.files import minimal_pdf
from tests.publicity.helpers import file_objection, make_publicity

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def committed(
    committing_app: tuple[FastAPI, Sessions], tmp_path: Path
) -> Iterator[tuple[FastAPI, Sessions, LocalStorage]]:
    app, sessions = committing_app
    store = LocalStorage(tmp_path / "files")
    app.dependency_overrides[get_storage] = lambda: store
    yield app, sessions, store
    app.dependency_overrides.pop(get_storage, None)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def age(store: LocalStorage, sha256: str, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(store.path_of(sha256), (then, then))


async def test_cleanup_keeps_evidence_and_removes_orphans(
    committed: tuple[FastAPI, Sessions, LocalStorage],
) -> None:
    app, sessions, store = committed
    async with sessions() as session, session.begin():
        p = await make_publicity(session)
    # Unique bytes: the module's database keeps its rows from test to test.
    pdf = minimal_pdf(f"Evidence {uuid.uuid4().hex}")
    transport = httpx.ASGITransport(app=app, client=("10.2.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await file_objection(client, p, evidence=pdf)
    assert response.status_code == 201, response.text
    evidence = hashlib.sha256(pdf).hexdigest()
    orphan_bytes = minimal_pdf(f"Orphan {uuid.uuid4().hex}")
    orphan = hashlib.sha256(orphan_bytes).hexdigest()
    await store.put(orphan, _once(orphan_bytes))
    for sha256 in (evidence, orphan):
        age(store, sha256, hours=48)

    dry = await remove_orphaned_blobs(sessions, store, dry_run=True)
    assert (dry.examined, dry.orphaned, dry.removed) == (2, 1, 0)
    report = await remove_orphaned_blobs(sessions, store)
    assert (report.orphaned, report.removed) == (1, 1)
    assert await store.exists(evidence)
    assert not await store.exists(orphan)
