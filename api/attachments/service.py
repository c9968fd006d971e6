"""Attachments of an application: streamed uploads checked by content, content-addressed
storage shared between identical files, and the read/edit rules of `applications.access`."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import access
from api.attachments import sniff
from api.attachments.form_reader import FormReader, MultipartError, PartInfo, boundary_of
from api.audit import service as audit
from api.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, field_error
from api.models import Application, Attachment, AttachmentKind, Award, Objection
from api.permissions import Principal
from api.storage import CHUNK_BYTES, BlobStorage

# Room for the boundaries, part headers and the `kind` field around the file itself.
FORM_OVERHEAD_BYTES = 32 * 1024
MAX_FIELD_BYTES = 256
SPOOL_MEMORY_BYTES = 1024 * 1024
# pg_advisory_xact_lock(namespace, key): serialises "is this blob still used? delete it"
# against "store this blob and reference it" for the same sha256.
BLOB_LOCK_NAMESPACE = 0x46534154
NO_SUCH_ATTACHMENT = "No such attachment."


@dataclass(slots=True)
class _ReceivedFile:
    filename: str
    file_type: sniff.FileType
    size_bytes: int
    sha256: str


def snapshot(attachment: Attachment) -> dict[str, Any]:
    return {
        "application_id": attachment.application_id,
        "kind": attachment.kind,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
    }


async def attachment_kinds_present(
    session: AsyncSession, application_id: uuid.UUID
) -> set[AttachmentKind]:
    """The kinds of document the application has at least one attachment of."""
    rows = await session.scalars(
        select(Attachment.kind).where(Attachment.application_id == application_id).distinct()
    )
    return set(rows)


async def list_attachments(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Sequence[Attachment]:
    """Oldest first, for anyone who may read the application."""
    await access.get_readable_application(session, principal, application_id, material=True)
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.application_id == application_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    return rows.all()


async def _attachment_of(
    session: AsyncSession, application_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    attachment = await session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id, Attachment.application_id == application_id
        )
    )
    if attachment is None:
        raise NotFound(NO_SUCH_ATTACHMENT)
    return attachment


async def get_attachment(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> Attachment:
    """The attachment if `principal` may read its application; one 404 for hidden and missing."""
    try:
        await access.get_readable_application(session, principal, application_id, material=True)
    except NotFound:
        raise NotFound(NO_SUCH_ATTACHMENT) from None
    return await _attachment_of(session, application_id, attachment_id)


async def _lock_blob(session: AsyncSession, sha256: str) -> None:
    key = int.from_bytes(bytes.fromhex(sha256[:8]), "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(BLOB_LOCK_NAMESPACE, key)))


async def lock_blob(session: AsyncSession, sha256: str) -> None:
    """For other domains that store blobs (objection evidence): hold the blob's lock from
    storing the bytes until the referencing row commits, as uploads do."""
    await _lock_blob(session, sha256)


async def _check_may_attach(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    """The edit rule checked without taking the row lock, so that a slow upload does not block
    the applicant's other edits; `upload_attachment` checks again, locked, before writing."""
    application = await access.get_readable_application(session, principal, application_id)
    if not (
        access.is_owner(principal, application) and application.status in access.EDITABLE_STATUSES
    ):
        # Raises the rule's own 404 or 409.
        application = await access.get_editable_application(session, principal, application_id)
    return application


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Attachments may be at most {max_bytes:,} bytes ({max_bytes / 2**20:.1f} MiB).",
        extra={"max_bytes": max_bytes},
    )


async def _limited(
    chunks: AsyncIterator[bytes], limit: int, max_bytes: int
) -> AsyncIterator[bytes]:
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise _too_large(max_bytes)
        yield chunk


def _parse_kind(raw: bytes) -> AttachmentKind:
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        return AttachmentKind(text)
    except ValueError:
        raise field_error(
            "kind",
            "Unknown kind; expected one of " + ", ".join(k.value for k in AttachmentKind) + ".",
            "enum",
        ) from None


async def _read_field(reader: FormReader, name: str) -> bytes:
    value = bytearray()
    async for chunk in reader.read():
        value += chunk
        if len(value) > MAX_FIELD_BYTES:
            raise field_error(name, "The value is too long.", "too_long")
    return bytes(value)


def _identify(head: bytes, raw_filename: str | None) -> tuple[sniff.FileType, str]:
    file_type = sniff.sniff(head)
    if file_type is None:
        if not head:
            raise field_error("file", "The file is empty.", "empty_file")
        raise UnsupportedMediaType(
            "Only PDF, PNG and JPEG files are accepted; this file's content is none of them."
        )
    try:
        return file_type, sniff.attachment_filename(raw_filename, file_type)
    except sniff.ExtensionMismatch as exc:
        raise UnsupportedMediaType(
            f"The file's content is {file_type.content_type} but its name ends in "
            f".{exc.extension}; rename it to .{file_type.extensions[0]}.",
            extra={"detected_content_type": file_type.content_type},
        ) from None


async def _receive_file(
    reader: FormReader,
    part: PartInfo,
    spool: tempfile.SpooledTemporaryFile[bytes],
    max_bytes: int,
) -> _ReceivedFile:
    """Sniff the first bytes, then spool the rest while hashing; refuse as early as possible."""
    digest = hashlib.sha256()
    size = 0

    async def keep(data: bytes) -> None:
        nonlocal size
        size += len(data)
        if size > max_bytes:
            raise _too_large(max_bytes)
        digest.update(data)
        await anyio.to_thread.run_sync(spool.write, data)

    head = bytearray()
    identified: tuple[sniff.FileType, str] | None = None
    async for chunk in reader.read():
        if identified is None:
            head += chunk
            if len(head) < sniff.SNIFF_BYTES:
                continue
            identified = _identify(bytes(head), part.filename)
            chunk = bytes(head)
        await keep(chunk)
    if identified is None:  # a file shorter than the longest signature
        identified = _identify(bytes(head), part.filename)
        await keep(bytes(head))
    file_type, filename = identified
    return _ReceivedFile(filename, file_type, size, digest.hexdigest())


async def _spooled_chunks(spool: tempfile.SpooledTemporaryFile[bytes]) -> AsyncIterator[bytes]:
    await anyio.to_thread.run_sync(spool.seek, 0)
    while chunk := await anyio.to_thread.run_sync(spool.read, CHUNK_BYTES):
        yield chunk


async def upload_attachment(
    session: AsyncSession,
    principal: Principal,
    storage: BlobStorage,
    application_id: uuid.UUID,
    *,
    content_type: str | None,
    content_length: int | None,
    body: AsyncIterator[bytes],
    max_bytes: int,
) -> Attachment:
    """Read a multipart body (`kind`, `file`) as it streams in and attach the file.

    Nothing is stored unless everything checks out: the file is spooled to a temporary file
    first and only then put in the blob store and recorded.
    """
    application = await _check_may_attach(session, principal, application_id)
    body_limit = max_bytes + FORM_OVERHEAD_BYTES
    if content_length is not None and content_length > body_limit:
        raise _too_large(max_bytes)
    try:
        boundary = boundary_of(content_type)
    except MultipartError as exc:
        raise field_error("body", str(exc), "invalid_multipart") from None
    if boundary is None:
        raise UnsupportedMediaType("Send the kind and the file as multipart/form-data.")

    reader = FormReader(_limited(body, body_limit, max_bytes), boundary)
    kind: AttachmentKind | None = None
    received: _ReceivedFile | None = None
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        try:
            async for part in reader.parts():
                if part.name == "kind":
                    kind = _parse_kind(await _read_field(reader, "kind"))
                elif part.name == "file":
                    if received is not None:
                        raise field_error("file", "Send one file per request.", "too_many_files")
                    received = await _receive_file(reader, part, spool, max_bytes)
                # Any other part is skipped by the reader.
        except MultipartError as exc:
            raise field_error("body", str(exc), "invalid_multipart") from None
        if kind is None:
            raise field_error("kind", "Say what kind of document the file is.", "missing")
        if received is None:
            raise field_error("file", "Choose a file to upload.", "missing")

        # The state may have changed while the file was arriving: check again, locked.
        session.expire(application)
        application = await access.get_editable_application(session, principal, application_id)
        await _lock_blob(session, received.sha256)
        created = await storage.put(received.sha256, _spooled_chunks(spool))
    try:
        attachment = Attachment(
            application_id=application.id,
            kind=kind,
            filename=received.filename,
            content_type=received.file_type.content_type,
            size_bytes=received.size_bytes,
            sha256=received.sha256,
            uploaded_by=principal.user_id,
            # now() is the transaction's start; the clock keeps "oldest first" exact.
            created_at=func.clock_timestamp(),
        )
        session.add(attachment)
        await session.flush()
        await session.refresh(attachment)
        await audit.record(
            session,
            actor=principal,
            action="attachment.create",
            object_type="attachment",
            object_id=attachment.id,
            after=snapshot(attachment),
        )
    except BaseException:
        if created:  # no one else can reference it yet: we hold the blob's lock
            with anyio.CancelScope(shield=True):
                await storage.delete(received.sha256)
        raise
    return attachment


async def delete_attachment(
    session: AsyncSession,
    principal: Principal,
    storage: BlobStorage,
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> None:
    """Remove the attachment; its blob goes too unless another attachment has the same bytes.

    The blob is removed before the transaction commits (under the blob's lock, so no upload
    of the same bytes can slip in between); a failed commit would leave the row without its
    bytes, which is rarer and easier to see than a blob deleted from under a live row.
    """
    try:
        await access.get_editable_application(session, principal, application_id)
    except NotFound:
        raise NotFound(NO_SUCH_ATTACHMENT) from None
    attachment = await _attachment_of(session, application_id, attachment_id)
    before = snapshot(attachment)
    await session.delete(attachment)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="attachment.delete",
        object_type="attachment",
        object_id=attachment_id,
        before=before,
    )
    await delete_blob_if_unused(session, storage, attachment.sha256)


# Every column that refers to a stored blob: a blob none of them names is an orphan.
BLOB_REFERENCES = (Attachment.sha256, Objection.evidence_sha256, Award.pdf_sha256)


async def delete_blob_if_unused(session: AsyncSession, storage: BlobStorage, sha256: str) -> bool:
    """Delete the blob unless an attachment, an objection's evidence or a certificate PDF
    references it; True when it was deleted.

    Takes the blob's lock for the rest of the caller's transaction, so an upload of the same
    bytes either committed its row before the check or stores the blob anew after it.
    """
    await _lock_blob(session, sha256)
    if await session.scalar(select(or_(*(exists().where(c == sha256) for c in BLOB_REFERENCES)))):
        return False
    await storage.delete(sha256)
    return True
