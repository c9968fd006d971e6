"""Removing orphaned blobs, on a database whose transactions really commit: the collector works
in transactions of its own and waits on the uploads' locks."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.attachments import service
from api.attachments.cleanup import CleanupReport, remove_orphaned_blobs
from api.models import Attachment, AttachmentKind
from api.storage import LocalStorage
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def sessions(committing_app: tuple[FastAPI, Sessions]) -> Sessions:
    return committing_app[1]


@pytest.fixture
def store(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


def unique_pdf() -> bytes:
    # Rows stay in the module's database from test to test: every test has bytes of its own.
    return b"%PDF-1.7\n" + uuid.uuid4().bytes


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def put_blob(store: LocalStorage, content: bytes, *, hours_old: float) -> str:
    """`content` in the store, last written `hours_old` hours ago; its sha256."""
    sha256 = hashlib.sha256(content).hexdigest()
    await store.put(sha256, _once(content))
    then = time.time() - hours_old * 3600
    os.utime(store.path_of(sha256), (then, then))
    return sha256


async def add_attachment_row(db: AsyncSession, content: bytes) -> None:
    application = await make_application(db, await make_org(db), await make_batch(db))
    db.add(
        Attachment(
            application_id=application.id,
            kind=AttachmentKind.other,
            filename="a.pdf",
            content_type="application/pdf",
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
    )
    await db.flush()


async def attached(sessions: Sessions, content: bytes) -> None:
    """A committed attachment row that references `content`."""
    async with sessions() as db, db.begin():
        await add_attachment_row(db, content)


async def test_only_old_orphans_go(sessions: Sessions, store: LocalStorage) -> None:
    in_use = unique_pdf()
    await attached(sessions, in_use)
    kept = await put_blob(store, in_use, hours_old=24 * 30)
    fresh = await put_blob(store, unique_pdf(), hours_old=23)  # an upload may still commit
    old = await put_blob(store, unique_pdf(), hours_old=25)

    report = await remove_orphaned_blobs(sessions, store)

    assert report == CleanupReport(examined=3, orphaned=1, removed=1)
    assert await store.exists(kept)
    assert await store.exists(fresh)
    assert not await store.exists(old)
    # A second run finds nothing more to do.
    again = await remove_orphaned_blobs(sessions, store)
    assert again == CleanupReport(examined=2, orphaned=0, removed=0)


async def test_the_grace_period_can_be_shortened(sessions: Sessions, store: LocalStorage) -> None:
    hour_old = await put_blob(store, unique_pdf(), hours_old=1)
    report = await remove_orphaned_blobs(sessions, store, older_than=timedelta(minutes=30))
    assert report.removed == 1
    assert not await store.exists(hour_old)


async def test_a_dry_run_removes_nothing(sessions: Sessions, store: LocalStorage) -> None:
    in_use = unique_pdf()
    await attached(sessions, in_use)
    blobs = [
        await put_blob(store, in_use, hours_old=48),
        await put_blob(store, unique_pdf(), hours_old=1),
        await put_blob(store, unique_pdf(), hours_old=48),
        await put_blob(store, unique_pdf(), hours_old=72),
    ]

    report = await remove_orphaned_blobs(sessions, store, dry_run=True)

    assert report == CleanupReport(examined=4, orphaned=2, removed=0)
    assert all([await store.exists(sha256) for sha256 in blobs])


async def test_an_empty_store(sessions: Sessions, store: LocalStorage) -> None:
    assert await remove_orphaned_blobs(sessions, store) == CleanupReport()


async def test_an_upload_committing_the_same_bytes_keeps_its_blob(
    sessions: Sessions, store: LocalStorage
) -> None:
    # An old orphan whose bytes are being uploaded again: the upload found the blob in place
    # (`put` returned False) and holds the blob's lock until its row commits.
    content = unique_pdf()
    sha256 = await put_blob(store, content, hours_old=48)
    async with sessions() as upload, upload.begin():
        await service._lock_blob(upload, sha256)
        await add_attachment_row(upload, content)
        collector = asyncio.create_task(remove_orphaned_blobs(sessions, store))
        await asyncio.sleep(0.5)
        assert not collector.done(), "the collector did not wait for the upload's lock"
        assert await store.exists(sha256)
    report = await asyncio.wait_for(collector, timeout=30)
    assert report == CleanupReport(examined=1, orphaned=0, removed=0)
    assert await store.exists(sha256)


async def test_now_decides_the_age(sessions: Sessions, store: LocalStorage) -> None:
    sha256 = await put_blob(store, unique_pdf(), hours_old=0)
    report = await remove_orphaned_blobs(sessions, store, now=datetime.now(UTC) + timedelta(days=2))
    assert report.removed == 1
    assert not await store.exists(sha256)
