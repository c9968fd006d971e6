"""The expert pool: profiles, declared conflicts, availability per batch, and a batch's review
settings. Reads of the pool are in `queries`; assignments in `assignment` and `manual`."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import BEIJING
from api.audit import service as audit
from api.batches import service as batch_service
from api.errors import Conflict, NotFound, field_error
from api.experts import manual
from api.experts.schemas import (
    AvailabilityWrite,
    ConflictCreate,
    ExpertProfileWrite,
    ReviewSettingsRead,
    ReviewSettingsWrite,
)
from api.models import (
    Batch,
    BatchStatus,
    ExpertAvailability,
    ExpertConflict,
    ExpertProfile,
    Membership,
    Organization,
    Role,
    User,
)
from api.permissions import Principal

PROFILE_AUDITED = (
    "fields",
    "employer_organization_id",
    "title_zh",
    "title_en",
    "speciality",
    "active",
)
# Availability and review settings mean something only until the decisions are taken.
AVAILABILITY_EDITABLE = frozenset(
    {BatchStatus.draft, BatchStatus.open, BatchStatus.closed, BatchStatus.reviewing}
)
SETTINGS_EDITABLE = AVAILABILITY_EDITABLE | {BatchStatus.deliberation}
SETTINGS = (
    "aggregation_rule",
    "max_assignments_per_expert",
    "reviewers_per_application",
    "shortlist_quota",
    "review_due_on",
)
# Settings that may be cleared.
NULLABLE_SETTINGS = frozenset({"review_due_on"})


def _profile_snapshot(profile: ExpertProfile) -> dict[str, Any]:
    return {f: getattr(profile, f) for f in PROFILE_AUDITED}


async def get_profile(session: AsyncSession, user_id: uuid.UUID) -> ExpertProfile:
    profile = await session.get(ExpertProfile, user_id)
    if profile is None:
        raise NotFound("No such expert.")
    return profile


async def own_profile(session: AsyncSession, principal: Principal) -> ExpertProfile:
    profile = await session.get(ExpertProfile, principal.user_id)
    if profile is None:
        raise NotFound(
            "You are not in the expert pool yet; the joint office sets up your profile.",
            code="no_expert_profile",
        )
    return profile


async def put_profile(
    session: AsyncSession, actor: Principal, user_id: uuid.UUID, data: ExpertProfileWrite
) -> tuple[ExpertProfile, bool]:
    """Create or replace the profile of a user who holds the expert role; True when created."""
    if await session.get(User, user_id) is None:
        raise NotFound("No such user.")
    has_role = await session.scalar(
        select(exists().where(Membership.user_id == user_id, Membership.role == Role.expert))
    )
    if not has_role:
        raise field_error(
            "user_id", "Give the user the expert role before adding them to the pool.", "not_expert"
        )
    if (
        data.employer_organization_id is not None
        and await session.get(Organization, data.employer_organization_id) is None
    ):
        raise field_error("employer_organization_id", "No such organisation.", "not_found")
    profile = await session.get(ExpertProfile, user_id, with_for_update=True)
    created = profile is None
    if profile is None:
        profile = ExpertProfile(user_id=user_id)
        session.add(profile)
        before = None
    else:
        before = _profile_snapshot(profile)
    for name, value in data.model_dump().items():
        setattr(profile, name, value)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="expert.create" if created else "expert.update",
        object_type="expert",
        object_id=user_id,
        before=before,
        after=_profile_snapshot(profile),
    )
    await session.refresh(profile)
    return profile, created


async def _conflict_organization(session: AsyncSession, data: ConflictCreate) -> Organization:
    if data.organization_id is not None:
        org = await session.get(Organization, data.organization_id)
        if org is None:
            raise field_error("organization_id", "No such organisation.", "not_found")
        return org
    org = await session.scalar(select(Organization).where(Organization.uscc == data.uscc))
    if org is None:
        raise field_error("uscc", "No organisation with this credit code.", "not_found")
    return org


async def add_conflict(
    session: AsyncSession, actor: Principal, expert_id: uuid.UUID, data: ConflictCreate
) -> tuple[ExpertConflict, int]:
    """Record a conflict and end the assignments it now forbids; returns how many ended."""
    await get_profile(session, expert_id)
    org = await _conflict_organization(session, data)
    conflict = await manual.record_conflict(session, actor, expert_id, org.id, data.reason)
    if conflict is None:
        raise Conflict(
            "This conflict is already on record.",
            code="conflict_exists",
            extra={"organization_id": str(org.id)},
        )
    ended = await manual.end_forbidden_assignments(session, actor, expert_id, data.reason)
    return conflict, ended


async def delete_conflict(
    session: AsyncSession, actor: Principal, expert_id: uuid.UUID, conflict_id: uuid.UUID
) -> None:
    conflict = await session.scalar(
        select(ExpertConflict).where(
            ExpertConflict.id == conflict_id, ExpertConflict.expert_id == expert_id
        )
    )
    if conflict is None:
        raise NotFound("No such conflict.")
    await session.delete(conflict)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="expert.conflict_delete",
        object_type="expert",
        object_id=expert_id,
        before={"organization_id": conflict.organization_id, "reason": conflict.reason},
    )


async def set_availability(
    session: AsyncSession,
    actor: Principal,
    batch_id: uuid.UUID,
    expert_id: uuid.UUID,
    data: AvailabilityWrite,
) -> ExpertAvailability:
    """Affects later draws and manual picks; assignments already made stay until removed."""
    batch = await batch_service.get_batch(session, batch_id)
    if batch.status not in AVAILABILITY_EDITABLE:
        raise Conflict(
            f"The batch is {batch.status.value}; its review is over.",
            code="invalid_state",
            extra={"current_state": batch.status.value},
        )
    await get_profile(session, expert_id)
    before = await session.scalar(
        select(ExpertAvailability.available).where(
            ExpertAvailability.batch_id == batch_id, ExpertAvailability.expert_id == expert_id
        )
    )
    row_id = await session.scalar(
        insert(ExpertAvailability)
        .values(batch_id=batch_id, expert_id=expert_id, available=data.available, note=data.note)
        .on_conflict_do_update(
            index_elements=["batch_id", "expert_id"],
            set_={"available": data.available, "note": data.note},
        )
        .returning(ExpertAvailability.id)
    )
    row = await session.get(ExpertAvailability, row_id, populate_existing=True)
    assert row is not None
    await audit.record(
        session,
        actor=actor,
        action="expert.availability",
        object_type="expert",
        object_id=expert_id,
        before={"batch_id": batch_id, "available": True if before is None else before},
        after={"batch_id": batch_id, "available": data.available},
        note=data.note,
    )
    return row


def settings_read(batch: Batch) -> ReviewSettingsRead:
    return ReviewSettingsRead(
        batch_id=batch.id,
        status=batch.status,
        aggregation_rule=batch.aggregation_rule,
        max_assignments_per_expert=batch.max_assignments_per_expert,
        reviewers_per_application=batch.reviewers_per_application,
        shortlist_quota=dict(batch.shortlist_quota or {}),
        review_due_on=batch.review_due_on,
        assignment_seed=batch.assignment_seed,
        editable=batch.status in SETTINGS_EDITABLE,
    )


async def update_review_settings(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, data: ReviewSettingsWrite
) -> Batch:
    batch = await batch_service.get_batch(session, batch_id, lock=True)
    if batch.status not in SETTINGS_EDITABLE:
        raise Conflict(
            f"The batch is {batch.status.value}; its review settings are final.",
            code="invalid_state",
            extra={"current_state": batch.status.value},
        )
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in NULLABLE_SETTINGS:
            raise field_error(name, "This value cannot be empty.", "required")
    due = changes.get("review_due_on")
    if due is not None and due < batch.closes_at.astimezone(BEIJING).date():
        raise field_error(
            "review_due_on",
            "The scoring deadline cannot come before the batch closes for applications.",
            "review_due_before_close",
        )
    for field in changes.get("shortlist_quota", {}):
        if field not in batch.fields:
            raise field_error(
                f"shortlist_quota.{field}",
                f"The batch does not offer the field {field!r}.",
                "field_not_offered",
            )
    before = {f: getattr(batch, f) for f in SETTINGS}
    for name, value in changes.items():
        setattr(batch, name, value)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="batch.review_settings",
        object_type="batch",
        object_id=batch.id,
        before=before,
        after={f: getattr(batch, f) for f in SETTINGS},
    )
    return batch
