"""Objections (异议) to a shortlisted application, filed by anyone during its batch's publicity
window, and their triage by admins: filed → under_review → upheld | dismissed."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from fastapi import UploadFile
from sqlalchemy import Row, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api import ratelimit
from api.applications import service as applications
from api.attachments import service as attachments
from api.attachments import sniff
from api.audit import service as audit
from api.config import get_settings
from api.errors import (
    Conflict,
    FieldError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unprocessable,
    UnsupportedMediaType,
    field_error,
)
from api.events import service as events
from api.models import (
    Application,
    ApplicationStatus,
    Batch,
    BatchStatus,
    Objection,
    ObjectionStatus,
    Organization,
)
from api.permissions import Principal
from api.publicity import service as publicity
from api.publicity.schemas import ObjectionCreate
from api.request_context import current_client_ip, current_request_id
from api.storage import CHUNK_BYTES, BlobStorage

OS = ObjectionStatus
NO_SUCH_OBJECTION = "No such objection."
RATE_KEY = "objection"
# pg_advisory_xact_lock(namespace, hash of the client address): orders one address's filings, so
# that each tests the quota after the one before it was counted (an arbitrary constant).
QUOTA_LOCK_NAMESPACE = 0x46534F51  # "FSOQ"


# --- filing ----------------------------------------------------------------------------------


def _client_key() -> str:
    return current_client_ip() or "unknown"


async def ensure_rate_allowed() -> None:
    """Refuse a client that has filed its quota, before its body is read (does not count)."""
    spec = get_settings().objection_limit_per_ip
    item = ratelimit.rate(spec)
    if not await ratelimit.limiter().test(item, RATE_KEY, _client_key()):
        stats = await ratelimit.limiter().get_window_stats(item, RATE_KEY, _client_key())
        raise RateLimited(
            math.ceil(stats.reset_time - time.time()),
            "Too many objections were filed from this address; try again later.",
        )


def _from_a_client() -> bool:
    """Filed over HTTP. The demo loader and other commands file without a client, so no
    address's quota applies (with Redis, counts outlive the process: a second `load-demo`
    within the hour would otherwise be refused)."""
    return current_request_id() is not None


async def _hold_quota(session: AsyncSession) -> None:
    """The filing quota, tested again under a lock on the caller's address held until commit:
    without it, every request of a burst passes the test before any of them is counted."""
    if not _from_a_client():
        return
    await session.execute(
        select(func.pg_advisory_xact_lock(QUOTA_LOCK_NAMESPACE, func.hashtext(_client_key())))
    )
    await ensure_rate_allowed()


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The evidence may be at most {max_bytes:,} bytes ({max_bytes / 2**20:.1f} MiB).",
        extra={"max_bytes": max_bytes},
    )


def _check_contact(data: ObjectionCreate) -> None:
    if data.objector_phone is None and data.objector_email is None:
        message = "Give a phone number or an e-mail address so that the office can reach you."
        raise Unprocessable(
            message,
            errors=[
                FieldError(field=name, message=message, code="contact_required")
                for name in ("objector_phone", "objector_email")
            ],
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def publicity_closed(batch: Batch, on: date) -> Conflict:
    window = (
        f" The window is {batch.publicity_starts_on} to {batch.publicity_ends_on}."
        if batch.status == BatchStatus.publicity and batch.publicity_starts_on
        else ""
    )
    return Conflict(
        f"Objections to this batch are not accepted on {on}.{window}",
        code="publicity_closed",
        extra={
            "current_state": batch.status.value,
            "publicity_starts_on": _iso(batch.publicity_starts_on),
            "publicity_ends_on": _iso(batch.publicity_ends_on),
        },
    )


async def _batch_accepting(session: AsyncSession, batch_id: uuid.UUID, *, lock: bool) -> Batch:
    stmt = select(Batch).where(Batch.id == batch_id).execution_options(populate_existing=True)
    if lock:
        # Serialises filings of one batch (for the reference sequence) and orders them against
        # `announce`, which holds FOR UPDATE on the same row; NO KEY lets rows that merely
        # reference the batch be written meanwhile.
        stmt = stmt.with_for_update(key_share=True)
    batch = await session.scalar(stmt)
    if batch is None or batch.status == BatchStatus.draft:
        raise NotFound("No such batch.")
    on = publicity.today()
    if not publicity.window_is_open(batch, on):
        raise publicity_closed(batch, on)
    return batch


async def _shortlisted(
    session: AsyncSession, batch: Batch, application_id: uuid.UUID
) -> Application:
    application = await session.get(Application, application_id, populate_existing=True)
    if (
        application is None
        or application.batch_id != batch.id
        or application.status != ApplicationStatus.shortlisted
    ):
        raise field_error(
            "application_id",
            "This application is not on the batch's publicity list.",
            "not_in_publicity",
        )
    return application


async def _read_evidence(evidence: UploadFile, max_bytes: int) -> tuple[str, str, int]:
    """(stored filename, sha256, size) of a PDF upload; refuses anything else."""
    if evidence.size is not None and evidence.size > max_bytes:
        raise too_large(max_bytes)
    await evidence.seek(0)
    head = await evidence.read(sniff.SNIFF_BYTES)
    if not head:
        raise field_error("evidence", "The evidence file is empty.", "empty_file")
    if sniff.sniff(head) is not sniff.PDF:
        raise UnsupportedMediaType(
            "Evidence must be a PDF file; this file's content is not PDF.",
            extra={"accepted": [sniff.PDF.content_type]},
        )
    try:
        filename = sniff.attachment_filename(evidence.filename, sniff.PDF)
    except sniff.ExtensionMismatch as exc:
        raise UnsupportedMediaType(
            f"The file is a PDF but its name ends in .{exc.extension}; rename it to .pdf.",
            extra={"accepted": [sniff.PDF.content_type]},
        ) from None
    digest, size = hashlib.sha256(head), len(head)
    while chunk := await evidence.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        digest.update(chunk)
    return filename, digest.hexdigest(), size


async def _chunks(evidence: UploadFile) -> AsyncIterator[bytes]:
    await evidence.seek(0)
    while chunk := await evidence.read(CHUNK_BYTES):
        yield chunk


async def file_objection(
    session: AsyncSession, storage: BlobStorage, batch_id: uuid.UUID, data: ObjectionCreate
) -> Objection:
    """File a real-name objection (anonymous caller; the client address is kept)."""
    _check_contact(data)
    await _hold_quota(session)
    batch = await _batch_accepting(session, batch_id, lock=False)
    await _shortlisted(session, batch, data.application_id)
    stored: tuple[str, str, int] | None = None
    if data.evidence is not None:
        stored = await _read_evidence(data.evidence, get_settings().attachment_max_bytes)
        # Stored before the row, as attachments are, and under the blob's lock until commit so
        # that the orphan cleanup cannot remove the bytes in between; a failed commit leaves an
        # unreferenced blob for that cleanup, never a row without its bytes.
        await attachments.lock_blob(session, stored[1])
        await storage.put(stored[1], _chunks(data.evidence))

    # Checked again under the lock: the window or the shortlist may have moved meanwhile.
    batch = await _batch_accepting(session, batch_id, lock=True)
    await _shortlisted(session, batch, data.application_id)
    filed = await session.scalar(
        select(func.count()).select_from(Objection).where(Objection.batch_id == batch.id)
    )
    objection = Objection(
        reference=f"YY-{batch.year}-{batch.sequence:02d}-{(filed or 0) + 1:04d}",
        batch_id=batch.id,
        application_id=data.application_id,
        status=OS.filed,
        objector_name=data.objector_name,
        objector_phone=data.objector_phone,
        objector_email=str(data.objector_email) if data.objector_email else None,
        objector_organization=data.objector_organization,
        statement=data.statement,
        evidence_filename=stored[0] if stored else None,
        evidence_sha256=stored[1] if stored else None,
        evidence_size_bytes=stored[2] if stored else None,
        ip=current_client_ip(),
        # now() is the transaction's start; the clock keeps "oldest first" exact.
        created_at=func.clock_timestamp(),
    )
    session.add(objection)
    await session.flush()
    await session.refresh(objection)
    # The objector's contact details stay in the objection row, out of the log and the events.
    await audit.record(
        session,
        actor=None,
        action="objection.file",
        object_type="objection",
        object_id=objection.id,
        after=_snapshot(objection),
    )
    await events.emit(
        session,
        "objection.filed",
        object_type="objection",
        object_id=objection.id,
        payload=_event_payload(objection),
    )
    if _from_a_client():
        await ratelimit.count(get_settings().objection_limit_per_ip, RATE_KEY, _client_key())
    return objection


def _snapshot(objection: Objection) -> dict[str, Any]:
    return {
        "reference": objection.reference,
        "batch_id": objection.batch_id,
        "application_id": objection.application_id,
        "status": objection.status,
        "evidence_sha256": objection.evidence_sha256,
        "resolution": objection.resolution,
    }


def _event_payload(objection: Objection) -> dict[str, Any]:
    return {
        "objection_id": objection.id,
        "reference": objection.reference,
        "batch_id": objection.batch_id,
        "application_id": objection.application_id,
        "status": objection.status,
    }


# --- triage ----------------------------------------------------------------------------------


class TriageAction(StrEnum):
    start_review = "start_review"
    uphold = "uphold"
    dismiss = "dismiss"


# Upholding or dismissing straight from `filed` is allowed: a plainly founded or plainly
# unfounded objection needs no separate review step, and the resolution is written either way.
MOVES: dict[TriageAction, tuple[frozenset[ObjectionStatus], ObjectionStatus]] = {
    TriageAction.start_review: (frozenset({OS.filed}), OS.under_review),
    TriageAction.uphold: (frozenset({OS.filed, OS.under_review}), OS.upheld),
    TriageAction.dismiss: (frozenset({OS.filed, OS.under_review}), OS.dismissed),
}
_DONE = {
    TriageAction.start_review: "put under review",
    TriageAction.uphold: "upheld",
    TriageAction.dismiss: "dismissed",
}


async def get_objection(
    session: AsyncSession, objection_id: uuid.UUID, *, lock: bool = False
) -> Objection:
    stmt = select(Objection).where(Objection.id == objection_id)
    objection = await session.scalar(stmt.with_for_update() if lock else stmt)
    if objection is None:
        raise NotFound(NO_SUCH_OBJECTION)
    return objection


async def triage(
    session: AsyncSession,
    actor: Principal,
    objection_id: uuid.UUID,
    action: TriageAction,
    resolution: str | None = None,
) -> Objection:
    objection = await get_objection(session, objection_id, lock=True)
    sources, target = MOVES[action]
    if objection.status not in sources:
        raise Conflict(
            f"The objection is {objection.status.value}; it cannot be {_DONE[action]}.",
            code="invalid_state",
            extra={"current_state": objection.status.value},
        )
    before = _snapshot(objection)
    objection.status = target
    if target in (OS.upheld, OS.dismissed):
        objection.resolution = resolution
        objection.resolved_by = actor.user_id
        objection.resolved_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"objection.{action.value}",
        object_type="objection",
        object_id=objection.id,
        before=before,
        after=_snapshot(objection),
    )
    await events.emit(
        session,
        "objection.status_changed",
        object_type="objection",
        object_id=objection.id,
        payload={**_event_payload(objection), "from": before["status"], "to": target},
    )
    if target is OS.upheld:
        await _take_out(session, actor, objection)
    return objection


async def _take_out(session: AsyncSession, actor: Principal, objection: Objection) -> None:
    """An upheld objection takes its application off the shortlist. One already out (withdrawn,
    or taken out by another upheld objection) stays as it is."""
    application = await session.scalar(
        select(Application).where(Application.id == objection.application_id).with_for_update()
    )
    assert application is not None  # the foreign key is RESTRICT
    if application.status != ApplicationStatus.shortlisted:
        return
    before = applications.snapshot(application)
    application.status = ApplicationStatus.not_selected
    application.decision_reason = objection.resolution
    await applications.record_change(
        session,
        actor,
        application,
        "objection_upheld",
        before,
        note=f"objection {objection.reference} upheld",
    )


# --- reads (admins) --------------------------------------------------------------------------

ListRow = Row[Objection, Application, Organization]


async def list_objections(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID | None,
    statuses: Sequence[ObjectionStatus],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[ListRow]:
    """Oldest first: the order they are to be dealt with."""
    stmt = (
        select(Objection, Application, Organization)
        .join(Application, Application.id == Objection.application_id)
        .join(Organization, Organization.id == Application.organization_id)
        .order_by(Objection.created_at, Objection.id)
        .limit(limit)
    )
    if batch_id is not None:
        stmt = stmt.where(Objection.batch_id == batch_id)
    if statuses:
        stmt = stmt.where(Objection.status.in_(statuses))
    if after is not None:
        stmt = stmt.where(tuple_(Objection.created_at, Objection.id) > tuple_(*after))
    return (await session.execute(stmt)).all()


async def read_with_context(
    session: AsyncSession, objection_id: uuid.UUID
) -> tuple[Objection, Application, Organization, Batch]:
    row = (
        await session.execute(
            select(Objection, Application, Organization, Batch)
            .join(Application, Application.id == Objection.application_id)
            .join(Organization, Organization.id == Application.organization_id)
            .join(Batch, Batch.id == Objection.batch_id)
            .where(Objection.id == objection_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound(NO_SUCH_OBJECTION)
    return row[0], row[1], row[2], row[3]
