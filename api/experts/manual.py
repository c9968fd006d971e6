"""Assignments changed one at a time: an admin adds or removes one with a reason, an expert
declares a conflict. Any assignment a new conflict forbids ends here too, and its application
shows in the coverage report until it is filled again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import invalid_state
from api.audit import service as audit
from api.batches import service as batch_service
from api.errors import Conflict, NotFound, field_error
from api.events import service as events
from api.experts import algorithm
from api.experts.assignment import ensure_reviewing, load_experts, lock_avoidance_rules
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentSource,
    AssignmentStatus,
    Batch,
    BatchStatus,
    ExpertConflict,
    Organization,
    Review,
    ReviewAssignment,
    ReviewStatus,
)
from api.permissions import Principal

NO_SUCH_ASSIGNMENT = "No such assignment."


def _snapshot(assignment: ReviewAssignment) -> dict[str, object]:
    return {
        "application_id": assignment.application_id,
        "expert_id": assignment.expert_id,
        "status": assignment.status,
        "source": assignment.source,
        "reason": assignment.reason,
        "ended_reason": assignment.ended_reason,
    }


async def _end(
    session: AsyncSession,
    actor: Principal,
    assignment: ReviewAssignment,
    status: AssignmentStatus,
    reason: str,
) -> None:
    before = _snapshot(assignment)
    assignment.status = status
    assignment.ended_reason = reason
    assignment.ended_at = datetime.now(UTC)
    await session.flush()
    verb = "remove" if status == AssignmentStatus.removed else "declare_conflict"
    await audit.record(
        session,
        actor=actor,
        action=f"assignment.{verb}",
        object_type="review_assignment",
        object_id=assignment.id,
        before=before,
        after=_snapshot(assignment),
        note=reason,
    )
    # No expert identity in the payload: the outbox feeds integrations that must stay blind.
    await events.emit(
        session,
        "assignment.ended",
        object_type="application",
        object_id=assignment.application_id,
        payload={
            "assignment_id": assignment.id,
            "application_id": assignment.application_id,
            "batch_id": assignment.batch_id,
            "status": status,
        },
    )


async def _locked(
    session: AsyncSession, assignment_id: uuid.UUID, expert_id: uuid.UUID | None = None
) -> ReviewAssignment:
    stmt = select(ReviewAssignment).where(ReviewAssignment.id == assignment_id).with_for_update()
    if expert_id is not None:
        stmt = stmt.where(ReviewAssignment.expert_id == expert_id)
    assignment = await session.scalar(stmt)
    if assignment is None:
        raise NotFound(NO_SUCH_ASSIGNMENT)
    return assignment


def _ensure_active(assignment: ReviewAssignment) -> None:
    if assignment.status != AssignmentStatus.active:
        raise Conflict(
            f"The assignment is {assignment.status.value}; only active ones can end.",
            code="invalid_state",
            extra={"current_state": assignment.status.value},
        )


async def add_assignment(
    session: AsyncSession,
    actor: Principal,
    application_id: uuid.UUID,
    expert_id: uuid.UUID,
    reason: str,
) -> ReviewAssignment:
    """An admin's pick, under the same avoidance, availability and cap rules as the draw (an
    expert outside the application's field is allowed: that is what a manual pick is for)."""
    application = await session.get(Application, application_id)
    if application is None:
        raise field_error("application_id", "No such application.", "not_found")
    # The batch lock orders this against draws and other manual changes of the batch.
    batch = await batch_service.get_batch(session, application.batch_id, lock=True)
    ensure_reviewing(batch)
    await session.refresh(application, with_for_update=True)
    if application.status != ApplicationStatus.in_review:
        raise invalid_state(application, "experts are assigned to applications in review")
    await lock_avoidance_rules(session)
    experts, pool = await load_experts(session, batch, [expert_id])
    expert = experts.get(expert_id)
    if expert is None:
        raise field_error("expert_id", "No such expert in the pool.", "not_found")
    if expert_id not in pool:
        raise Conflict("The expert is not active in the pool.", code="expert_inactive")
    active = (
        await session.scalars(
            select(ReviewAssignment.expert_id).where(
                ReviewAssignment.application_id == application.id,
                ReviewAssignment.status == AssignmentStatus.active,
            )
        )
    ).all()
    if expert_id in active:
        raise Conflict("The expert is already assigned to this application.", code="duplicate")
    org = await session.get(Organization, application.organization_id)
    assert org is not None
    rule = algorithm.conflict_rule(expert, org.id, algorithm.group_key(org.enterprise_group))
    if rule is not None:
        raise Conflict(
            {
                algorithm.ConflictRule.employer: "The expert works for the applicant.",
                algorithm.ConflictRule.declared: "The expert declared a conflict with the "
                "applicant.",
                algorithm.ConflictRule.enterprise_group: "The applicant belongs to the same "
                "enterprise group as the expert's employer or a declared conflict.",
            }[rule],
            code="expert_conflict",
            extra={"rule": rule.value},
        )
    if not expert.available:
        raise Conflict("The expert is unavailable for this batch.", code="expert_unavailable")
    cap = batch.max_assignments_per_expert
    if expert.load >= cap:
        raise Conflict(
            f"The expert already holds {expert.load} assignments in this batch (the cap is {cap}).",
            code="expert_at_cap",
            extra={"load": expert.load, "cap": cap},
        )
    if len(active) >= batch.reviewers_per_application:
        raise Conflict(
            f"The application already has {len(active)} experts "
            f"(the batch asks for {batch.reviewers_per_application}).",
            code="application_full",
        )
    assignment = ReviewAssignment(
        batch_id=batch.id,
        application_id=application.id,
        expert_id=expert_id,
        status=AssignmentStatus.active,
        source=AssignmentSource.manual,
        reason=reason,
    )
    session.add(assignment)
    await session.flush()
    outside = application.field is not None and application.field not in expert.fields
    await audit.record(
        session,
        actor=actor,
        action="assignment.add",
        object_type="review_assignment",
        object_id=assignment.id,
        after=_snapshot(assignment),
        note=reason + (" (outside the expert's fields)" if outside else ""),
    )
    # As for `assignment.ended`, no expert identity: the notifications consumer looks it up.
    await events.emit(
        session,
        "assignment.added",
        object_type="application",
        object_id=application.id,
        payload={
            "assignment_id": assignment.id,
            "application_id": application.id,
            "batch_id": batch.id,
        },
    )
    return assignment


async def remove_assignment(
    session: AsyncSession, actor: Principal, assignment_id: uuid.UUID, reason: str
) -> ReviewAssignment:
    assignment = await _locked(session, assignment_id)
    ensure_reviewing(await batch_service.get_batch(session, assignment.batch_id))
    _ensure_active(assignment)
    await _end(session, actor, assignment, AssignmentStatus.removed, reason)
    return assignment


async def record_conflict(
    session: AsyncSession,
    actor: Principal,
    expert_id: uuid.UUID,
    organization_id: uuid.UUID,
    reason: str,
) -> ExpertConflict | None:
    """The conflict row, or None when the expert had already declared it. Held until commit:
    no draw or pick applies the rules meanwhile, so `end_forbidden_assignments` sees them all."""
    await lock_avoidance_rules(session, exclusive=True)
    inserted = await session.execute(
        insert(ExpertConflict)
        .values(expert_id=expert_id, organization_id=organization_id, reason=reason)
        .on_conflict_do_nothing(index_elements=["expert_id", "organization_id"])
        .returning(ExpertConflict.id)
    )
    conflict_id = inserted.scalar()
    if conflict_id is None:
        return None
    conflict = await session.get(ExpertConflict, conflict_id)
    assert conflict is not None
    await audit.record(
        session,
        actor=actor,
        action="expert.conflict_add",
        object_type="expert",
        object_id=expert_id,
        after={"organization_id": organization_id, "reason": reason},
    )
    return conflict


async def end_forbidden_assignments(
    session: AsyncSession, actor: Principal, expert_id: uuid.UUID, reason: str
) -> int:
    """End the expert's active assignments, in batches under review, that the avoidance rules
    now forbid. One whose review is already submitted stays for an admin to judge (the coverage
    report lists it among the conflicted assignments)."""
    experts, _ = await load_experts(session, None, [expert_id])
    expert = experts.get(expert_id)
    if expert is None:
        return 0
    rows = (
        await session.execute(
            select(ReviewAssignment, Organization.id, Organization.enterprise_group, Review.status)
            .join(Application, Application.id == ReviewAssignment.application_id)
            .join(Organization, Organization.id == Application.organization_id)
            .join(Batch, Batch.id == ReviewAssignment.batch_id)
            .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
            .where(
                ReviewAssignment.expert_id == expert_id,
                ReviewAssignment.status == AssignmentStatus.active,
                Batch.status == BatchStatus.reviewing,
            )
            .order_by(ReviewAssignment.id)
            .with_for_update(of=ReviewAssignment)
        )
    ).all()
    status = (
        AssignmentStatus.conflict_declared
        if actor.user_id == expert_id
        else AssignmentStatus.removed
    )
    ended = 0
    for assignment, org_id, group, review_status in rows:
        if review_status == ReviewStatus.submitted:
            continue
        if algorithm.conflict_rule(expert, org_id, algorithm.group_key(group)) is None:
            continue
        await _end(session, actor, assignment, status, reason)
        ended += 1
    return ended


async def declare_conflict(
    session: AsyncSession, principal: Principal, assignment_id: uuid.UUID, reason: str
) -> ReviewAssignment:
    """The expert steps back from an application: the assignment ends (conflict_declared), the
    applicant joins the expert's declared conflicts so no draw picks them for it again, and
    any other assignment the conflict forbids ends with it."""
    # Before the assignment's row lock: two steps back by one expert at once then queue here
    # instead of each holding one assignment and waiting for the other's.
    await lock_avoidance_rules(session, exclusive=True)
    assignment = await _locked(session, assignment_id, principal.user_id)
    _ensure_active(assignment)
    ensure_reviewing(await batch_service.get_batch(session, assignment.batch_id))
    review_status = await session.scalar(
        select(Review.status).where(Review.assignment_id == assignment.id)
    )
    if review_status == ReviewStatus.submitted:
        raise Conflict(
            "Your review of this application is already submitted; ask the joint office to "
            "withdraw it.",
            code="review_submitted",
            extra={"current_state": review_status.value},
        )
    application = await session.get(Application, assignment.application_id)
    assert application is not None
    await record_conflict(
        session, principal, principal.user_id, application.organization_id, reason
    )
    await end_forbidden_assignments(session, principal, principal.user_id, reason)
    await session.refresh(assignment)
    return assignment
