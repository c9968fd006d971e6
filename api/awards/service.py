"""Awards and their certificates: issued from the outbox's `award.granted` events, signed, put in
the catalogue, and revoked with a reason.

`process_award_events` is the only place awards are created. It holds the `awards` cursor row
locked while it works, so consumers (the worker, the announcement, the admin's "issue now") run
one at a time: sequence numbers are allocated under that lock, and the unique `application_id`
of an award is the last guard against a double issue.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service as applications
from api.audit import service as audit
from api.audit.service import Actor
from api.awards import signing
from api.awards.schemas import CertificateStatus
from api.catalogue.index import index_award
from api.config import get_settings
from api.errors import Conflict, NotFound
from api.events import service as events
from api.models import (
    Application,
    Award,
    Batch,
    CatalogueChangeKind,
    CatalogueEntry,
    Organization,
    OutboxCursor,
    OutboxEvent,
)
from api.permissions import Principal

CONSUMER = "awards"
GRANTED = "award.granted"
VALIDITY_YEARS = 3
# Outbox ids are taken at insert but become visible at commit, so a transaction that commits
# after a later-numbered one leaves its events behind the cursor. Events this young are looked
# at again; the ones already awarded are skipped by the anti-join.
LOOKBACK = timedelta(days=1)


def today() -> date:
    return applications.today()


def certificate_number(year: int, batch_sequence: int, sequence: int) -> str:
    return f"BJSTT-{year:04d}-{batch_sequence:02d}-{sequence:04d}"


def valid_until_for(issued_on: date) -> date:
    """Issue date + 3 years; 29 February becomes 28 February."""
    year = issued_on.year + VALIDITY_YEARS
    try:
        return issued_on.replace(year=year)
    except ValueError:
        return issued_on.replace(year=year, day=28)


def status_of(award: Award, on: date | None = None) -> CertificateStatus:
    if award.revoked_at is not None:
        return CertificateStatus.revoked
    if (on or today()) > award.valid_until:
        return CertificateStatus.expired
    return CertificateStatus.valid


def verify_url(number: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/verify/{number}"


def pdf_url(number: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/api/v1/certificates/{number}/pdf"


# --- issuing ----------------------------------------------------------------------------------


async def _lock_cursor(session: AsyncSession, *, wait: bool) -> OutboxCursor | None:
    await session.execute(insert(OutboxCursor).values(consumer=CONSUMER).on_conflict_do_nothing())
    return await session.scalar(
        select(OutboxCursor)
        .where(OutboxCursor.consumer == CONSUMER)
        .with_for_update(skip_locked=not wait)
        .execution_options(populate_existing=True)
    )


async def process_award_events(
    session: AsyncSession, actor: Actor | None = None, *, wait: bool = True
) -> int:
    """Issue a certificate for every `award.granted` event not yet awarded; the number issued.

    `wait=False` (the worker's poll) returns 0 at once when another consumer holds the cursor;
    the announcement waits, so that its own awards are issued in its own transaction."""
    cursor = await _lock_cursor(session, wait=wait)
    if cursor is None:
        return 0
    application_id = OutboxEvent.payload["application_id"].astext.cast(PG_UUID(as_uuid=True))
    pending = (
        await session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.event_type == GRANTED,
                or_(
                    OutboxEvent.id > cursor.last_event_id,
                    OutboxEvent.occurred_at > func.now() - LOOKBACK,
                ),
                ~exists().where(Award.application_id == application_id),
            )
            .order_by(OutboxEvent.id)
        )
    ).all()
    key: signing.ActiveKey | None = None
    next_sequence: dict[uuid.UUID, int] = {}
    issued = 0
    for event in pending:
        if key is None:
            key = await signing.active_key(session)
        batch_id = uuid.UUID(event.payload["batch_id"])
        if batch_id not in next_sequence:
            top = await session.scalar(
                select(func.coalesce(func.max(Award.sequence), 0)).where(Award.batch_id == batch_id)
            )
            next_sequence[batch_id] = int(top or 0) + 1
        await _issue(session, actor, event.payload, key, next_sequence[batch_id])
        next_sequence[batch_id] += 1
        issued += 1
    newest = await session.scalar(
        select(func.max(OutboxEvent.id)).where(OutboxEvent.event_type == GRANTED)
    )
    if newest is not None and newest > cursor.last_event_id:
        cursor.last_event_id = newest
    await session.flush()
    return issued


async def _issue(
    session: AsyncSession,
    actor: Actor | None,
    granted: dict[str, Any],
    key: signing.ActiveKey,
    sequence: int,
) -> Award:
    organization = await session.get(Organization, uuid.UUID(granted["organization_id"]))
    assert organization is not None  # the foreign key of the application keeps it
    year, batch_sequence = int(granted["batch_year"]), int(granted["batch_sequence"])
    number = certificate_number(year, batch_sequence, sequence)
    issued_at = datetime.now(applications.BEIJING).replace(microsecond=0)
    valid_until = valid_until_for(issued_at.date())
    # The event carries the product as it was awarded; only the organisation is read now.
    payload = {
        "number": number,
        "organization": organization.name_zh,
        "uscc": organization.uscc or "",
        "product": granted["product_name_zh"],
        "model": granted.get("model_spec") or "",
        "level": granted.get("claimed_level") or "",
        "batch": f"{year:04d}-{batch_sequence:02d}",
        "issued_at": issued_at.isoformat(),
        "valid_until": valid_until.isoformat(),
    }
    award = Award(
        application_id=uuid.UUID(granted["application_id"]),
        batch_id=uuid.UUID(granted["batch_id"]),
        organization_id=organization.id,
        number=number,
        sequence=sequence,
        issued_at=issued_at,
        valid_until=valid_until,
        payload=payload,
        signature=signing.sign(key.private_key, payload),
        key_id=key.key_id,
    )
    session.add(award)
    await session.flush()
    await index_award(session, award, CatalogueChangeKind.awarded)
    await audit.record(
        session,
        actor=actor,
        action="award.issue",
        object_type="award",
        object_id=award.id,
        after={
            "number": number,
            "application_id": award.application_id,
            "key_id": key.key_id,
            "valid_until": valid_until,
        },
    )
    await events.emit(
        session,
        "certificate.issued",
        object_type="award",
        object_id=award.id,
        payload={
            "award_id": award.id,
            "number": number,
            "application_id": award.application_id,
            "batch_id": award.batch_id,
            "organization_id": award.organization_id,
            "issued_at": issued_at,
            "valid_until": valid_until,
            "key_id": key.key_id,
            "verify_url": verify_url(number),
        },
    )
    return award


# --- revoking ---------------------------------------------------------------------------------


def _revocation(award: Award) -> dict[str, Any]:
    return {
        "revoked_at": award.revoked_at,
        "revoked_reason": award.revoked_reason,
        "revoked_by": award.revoked_by,
    }


async def revoke_award(
    session: AsyncSession, actor: Principal, award_id: uuid.UUID, reason: str
) -> Award:
    award = await session.scalar(
        select(Award)
        .where(Award.id == award_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if award is None:
        raise NotFound("No award with this id.", code="award_not_found")
    if award.revoked_at is not None:
        raise Conflict(
            f"Certificate {award.number} was already revoked on "
            f"{award.revoked_at.astimezone(applications.BEIJING):%Y-%m-%d}.",
            code="award_already_revoked",
            extra={"current_state": CertificateStatus.revoked.value},
        )
    before = _revocation(award)
    award.revoked_at = datetime.now(applications.BEIJING)
    award.revoked_reason = reason
    award.revoked_by = actor.user_id
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="award.revoke",
        object_type="award",
        object_id=award.id,
        before={"number": award.number, **before},
        after={"number": award.number, **_revocation(award)},
    )
    await events.emit(
        session,
        "certificate.revoked",
        object_type="award",
        object_id=award.id,
        payload={
            "award_id": award.id,
            "number": award.number,
            "application_id": award.application_id,
            "organization_id": award.organization_id,
            "revoked_at": award.revoked_at,
            "reason": reason,
        },
    )
    await index_award(session, award, CatalogueChangeKind.revoked)
    await session.refresh(award)  # updated_at is set by the database
    return award


# --- reading ----------------------------------------------------------------------------------


async def get_award(session: AsyncSession, award_id: uuid.UUID) -> Award:
    award = await session.get(Award, award_id)
    if award is None:
        raise NotFound("No award with this id.", code="award_not_found")
    return award


async def certificate_with_context(
    session: AsyncSession, number: str
) -> tuple[Award, Application, Organization, Batch]:
    row = (
        await session.execute(
            select(Award, Application, Organization, Batch)
            .join(Application, Application.id == Award.application_id)
            .join(Organization, Organization.id == Award.organization_id)
            .join(Batch, Batch.id == Award.batch_id)
            .where(Award.number == number)
        )
    ).first()
    if row is None:
        raise NotFound(f"No certificate numbered {number}.", code="certificate_not_found")
    return row[0], row[1], row[2], row[3]


def _status_filter(status: CertificateStatus, on: date) -> Any:
    if status is CertificateStatus.revoked:
        return Award.revoked_at.is_not(None)
    if status is CertificateStatus.expired:
        return and_(Award.revoked_at.is_(None), Award.valid_until < on)
    return and_(Award.revoked_at.is_(None), Award.valid_until >= on)


# The English names of an award's product and holder (not signed, so not in its payload).
EnglishNames = tuple[str | None, str | None]


def _with_english_names() -> Select[Award, str | None, str | None]:
    return select(
        Award, CatalogueEntry.product_name_en, CatalogueEntry.organization_name_en
    ).outerjoin(CatalogueEntry, CatalogueEntry.award_id == Award.id)


async def english_names(session: AsyncSession, award_id: uuid.UUID) -> EnglishNames:
    row = (
        await session.execute(
            select(CatalogueEntry.product_name_en, CatalogueEntry.organization_name_en).where(
                CatalogueEntry.award_id == award_id
            )
        )
    ).first()
    return (row[0], row[1]) if row else (None, None)


def list_statement(
    *,
    batch_id: uuid.UUID | None,
    statuses: Sequence[CertificateStatus],
    after: str | None,
    limit: int,
) -> Select[Award, str | None, str | None]:
    """By certificate number: batches in order, each batch's awards in issue order, with the
    English names."""
    stmt = _with_english_names().order_by(Award.number).limit(limit)
    if batch_id is not None:
        stmt = stmt.where(Award.batch_id == batch_id)
    if statuses:
        on = today()
        stmt = stmt.where(or_(*(_status_filter(s, on) for s in set(statuses))))
    if after is not None:
        stmt = stmt.where(Award.number > after)
    return stmt
