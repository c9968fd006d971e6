"""Removing blobs no attachment references.

An upload stores its blob before its transaction commits, so a failed commit or a crash can
leave a blob behind that no row points to. Such orphans are found by listing the store and
removed under the same per-blob lock the upload and delete paths take.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.attachments import service
from api.storage import BlobStorage

# Far longer than any upload takes, so a blob whose row is about to be committed is never
# even looked at.
DEFAULT_GRACE = timedelta(hours=24)
CHECK_BATCH = 500


@dataclass(slots=True)
class CleanupReport:
    examined: int = 0  # blobs in the store
    orphaned: int = 0  # older than the grace period and referenced by no attachment
    removed: int = 0  # stays 0 in a dry run


async def remove_orphaned_blobs(
    sessions: async_sessionmaker[AsyncSession],
    storage: BlobStorage,
    *,
    older_than: timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    now: datetime | None = None,
) -> CleanupReport:
    """Delete the blobs that no attachment references and that were stored before
    `now - older_than`.

    Each blob is removed in a short transaction of its own: advisory locks are held until
    commit, and one long transaction would both hold up uploads of those bytes and could run
    out of lock slots on a large store.
    """
    cutoff = (now or datetime.now(UTC)) - older_than
    report = CleanupReport()
    batch: list[str] = []
    async for blob in storage.list_blobs():
        report.examined += 1
        if blob.modified_at < cutoff:
            batch.append(blob.sha256)
        if len(batch) >= CHECK_BATCH:
            await _sweep(sessions, storage, batch, report, dry_run=dry_run)
            batch = []
    if batch:
        await _sweep(sessions, storage, batch, report, dry_run=dry_run)
    return report


async def _sweep(
    sessions: async_sessionmaker[AsyncSession],
    storage: BlobStorage,
    candidates: Sequence[str],
    report: CleanupReport,
    *,
    dry_run: bool,
) -> None:
    # A first look without locks rules out the many blobs in use; only the rest are locked.
    async with sessions() as session:
        referenced: set[str | None] = set()
        for column in service.BLOB_REFERENCES:
            referenced |= set(
                await session.scalars(select(column).where(column.in_(candidates)).distinct())
            )
    for sha256 in candidates:
        if sha256 in referenced:
            continue
        if dry_run:
            report.orphaned += 1
            continue
        async with sessions() as session, session.begin():
            # Checked again under the lock: an upload of these bytes may have just committed.
            if await service.delete_blob_if_unused(session, storage, sha256):
                report.orphaned += 1
                report.removed += 1
