"""Scoring: an expert's draft, its submission and lock, and when an application counts as fully
reviewed (docs/review.md); the admin's reopen and waive (api.review.admin) share the locks here.
Each change locks in the order batch → application → review, so submissions, admin actions and
batch moves never deadlock."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service as applications
from api.audit import service as audit
from api.concurrency import check_if_match, version_etag
from api.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unprocessable,
)
from api.experts import rubric as rubric_service
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Batch,
    BatchStatus,
    ExpertAttestation,
    Review,
    ReviewAssignment,
    ReviewStatus,
    RubricCriterion,
)
from api.permissions import Principal
from api.review import aggregate
from api.review.schemas import ReviewDraft

A = ApplicationStatus
DONE = (ReviewStatus.submitted, ReviewStatus.waived)
# Scoring goes on while the batch reviews, and in deliberation only for a reopened review.
SCORING_BATCH_STATES = frozenset({BatchStatus.reviewing, BatchStatus.deliberation})
# Numeric(8, 2) of review.total.
TOTAL_LIMIT = Decimal("1000000")
AUDITED = ("status", "scores", "total", "comment", "recommendation", "waived_reason")


def etag(review: Review) -> str:
    return version_etag(review.id, review.version)


def snapshot(review: Review) -> dict[str, Any]:
    return {f: getattr(review, f) for f in AUDITED}


def scores_of(review: Review) -> dict[str, Decimal]:
    # JSON numbers come back as floats; the shortest repr of a one-decimal score is exact.
    return {k: Decimal(str(v)) for k, v in (review.scores or {}).items()}


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    active: int
    done: int

    @property
    def fully_reviewed(self) -> bool:
        return self.active > 0 and self.done == self.active


def _progress_statement() -> Select[uuid.UUID, int, int]:
    return (
        select(
            Application.id,
            func.count(ReviewAssignment.id),
            func.count(Review.id).filter(Review.status.in_(DONE)),
        )
        .select_from(Application)
        .outerjoin(
            ReviewAssignment,
            and_(
                ReviewAssignment.application_id == Application.id,
                ReviewAssignment.status == AssignmentStatus.active,
            ),
        )
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .group_by(Application.id)
    )


async def progress_of_batch(
    session: AsyncSession, batch_id: uuid.UUID, statuses: Iterable[ApplicationStatus]
) -> dict[uuid.UUID, Progress]:
    stmt = _progress_statement().where(
        Application.batch_id == batch_id, Application.status.in_(list(statuses))
    )
    return {row[0]: Progress(row[1], row[2]) for row in await session.execute(stmt)}


async def progress_of(session: AsyncSession, application_id: uuid.UUID) -> Progress:
    row = (
        await session.execute(_progress_statement().where(Application.id == application_id))
    ).one()
    return Progress(row[1], row[2])


async def settle_application(
    session: AsyncSession, actor: Principal, application: Application, note: str | None = None
) -> None:
    """Move a locked application between in_review and reviewed to match its reviews. Other
    domains call this after changing assignments (a removal can complete an application)."""
    fully = (await progress_of(session, application.id)).fully_reviewed
    if application.status == A.in_review and fully:
        before = applications.snapshot(application)
        application.status = A.reviewed
        await applications.record_change(
            session, actor, application, "review_complete", before, note=note
        )
    elif application.status == A.reviewed and not fully:
        before = applications.snapshot(application)
        application.status = A.in_review
        await applications.record_change(
            session, actor, application, "review_reopened", before, note=note
        )


# --- locks and gates ---------------------------------------------------------------------------


async def lock_context(
    session: AsyncSession, application_id: uuid.UUID, batch_id: uuid.UUID
) -> tuple[Batch, Application]:
    # SHARE on the batch: scorers do not block one another, but a batch move waits for them.
    batch = await session.scalar(
        select(Batch).where(Batch.id == batch_id).with_for_update(read=True)
    )
    application = await session.scalar(
        select(Application).where(Application.id == application_id).with_for_update()
    )
    assert batch is not None
    assert application is not None
    return batch, application


async def lock_review(session: AsyncSession, assignment_id: uuid.UUID) -> Review | None:
    return await session.scalar(
        select(Review)
        .where(Review.assignment_id == assignment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def ensure_scoring_open(batch: Batch, application: Application) -> None:
    if batch.status not in SCORING_BATCH_STATES:
        raise Conflict(
            f"The batch is {batch.status.value}; reviews change only while it is reviewing.",
            code="batch_not_reviewing",
            extra={"current_state": batch.status.value},
        )
    if application.status != A.in_review:
        raise applications.invalid_state(application, "reviews change only while it is in review")


async def expert_assignment(
    session: AsyncSession, principal: Principal, assignment_id: uuid.UUID
) -> ReviewAssignment:
    """The caller's own active assignment once they signed the batch's statement; any other
    assignment answers 404, exactly like a missing one."""
    assignment = await session.scalar(
        select(ReviewAssignment).where(
            ReviewAssignment.id == assignment_id,
            ReviewAssignment.expert_id == principal.user_id,
            ReviewAssignment.status == AssignmentStatus.active,
        )
    )
    if assignment is None:
        raise NotFound("No such assignment.")
    attested = await session.scalar(
        select(ExpertAttestation.id).where(
            ExpertAttestation.batch_id == assignment.batch_id,
            ExpertAttestation.expert_id == principal.user_id,
        )
    )
    if attested is None:
        raise Forbidden(
            "Sign the batch's conflict-of-interest and confidentiality statement first.",
            code="attestation_required",
            extra={"batch_id": str(assignment.batch_id)},
        )
    return assignment


async def ensure_review(session: AsyncSession, assignment: ReviewAssignment) -> None:
    """An empty draft the first time; ON CONFLICT keeps two first reads from racing into a 500."""
    await session.execute(
        insert(Review)
        .values(
            assignment_id=assignment.id,
            application_id=assignment.application_id,
            expert_id=assignment.expert_id,
            status=ReviewStatus.draft,
            scores={},
            version=1,
        )
        .on_conflict_do_nothing(index_elements=[Review.assignment_id])
    )


# --- the expert's side --------------------------------------------------------------------------


async def open_review(
    session: AsyncSession, principal: Principal, assignment_id: uuid.UUID
) -> tuple[Review, Sequence[RubricCriterion]]:
    assignment = await expert_assignment(session, principal, assignment_id)
    await ensure_review(session, assignment)
    review = await session.scalar(
        select(Review)
        .where(Review.assignment_id == assignment.id)
        .execution_options(populate_existing=True)
    )
    assert review is not None
    batch = await session.get(Batch, assignment.batch_id)
    assert batch is not None
    return review, await rubric_service.ensure_rubric(session, batch, principal)


def _locked(review: Review) -> Conflict:
    return Conflict(
        f"The review is {review.status.value} and can no longer be changed.",
        code="review_locked",
        extra={"current_state": review.status.value},
    )


def _check_if_match(review: Review, if_match: str | None, *, required: bool) -> None:
    check_if_match(etag(review), if_match, what="review", required=required)


def _check_scores(
    scores: dict[str, Decimal], criteria: Sequence[RubricCriterion], *, complete: bool
) -> list[FieldError]:
    by_id = {str(c.id): c for c in criteria}
    errors = [
        FieldError(
            field=f"scores.{key}", message="No such criterion in this rubric.", code="unknown"
        )
        for key in scores
        if key not in by_id
    ]
    for key, criterion in by_id.items():
        value = scores.get(key)
        if value is None:
            if complete:
                errors.append(
                    FieldError(
                        field=f"scores.{key}",
                        message=f"Score “{criterion.name_zh}” before submitting.",
                        code="required",
                    )
                )
        elif value > criterion.max_score:
            errors.append(
                FieldError(
                    field=f"scores.{key}",
                    message=f"“{criterion.name_zh}” is scored 0 to {criterion.max_score}.",
                    code="out_of_range",
                )
            )
    return errors


async def _for_change(
    session: AsyncSession, principal: Principal, assignment_id: uuid.UUID
) -> tuple[Batch, Application, Review]:
    assignment = await expert_assignment(session, principal, assignment_id)
    batch, application = await lock_context(session, assignment.application_id, assignment.batch_id)
    await ensure_review(session, assignment)
    review = await lock_review(session, assignment.id)
    assert review is not None
    return batch, application, review


async def save_draft(
    session: AsyncSession,
    principal: Principal,
    assignment_id: uuid.UUID,
    data: ReviewDraft,
    if_match: str | None,
) -> tuple[Review, Sequence[RubricCriterion]]:
    batch, application, review = await _for_change(session, principal, assignment_id)
    if review.status != ReviewStatus.draft:
        raise _locked(review)
    ensure_scoring_open(batch, application)
    _check_if_match(review, if_match, required=True)
    criteria = await rubric_service.ensure_rubric(session, batch, principal)
    errors = _check_scores(data.scores, criteria, complete=False)
    if errors:
        raise Unprocessable("Some scores are not valid.", errors=errors)
    before = snapshot(review)
    review.scores = {k: _json_number(v) for k, v in data.scores.items()}
    review.comment = data.comment or None
    review.recommendation = data.recommendation
    review.version += 1
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="review.save",
        object_type="review",
        object_id=review.id,
        before=before,
        after=snapshot(review),
    )
    return review, criteria


async def submit_review(
    session: AsyncSession, principal: Principal, assignment_id: uuid.UUID, if_match: str | None
) -> tuple[Review, Sequence[RubricCriterion]]:
    batch, application, review = await _for_change(session, principal, assignment_id)
    if review.status != ReviewStatus.draft:
        raise _locked(review)
    ensure_scoring_open(batch, application)
    _check_if_match(review, if_match, required=False)
    criteria = await rubric_service.ensure_rubric(session, batch, principal)
    scores = scores_of(review)
    errors = _check_scores(
        {k: v for k, v in scores.items() if k in {str(c.id) for c in criteria}},
        criteria,
        complete=True,
    )
    if review.recommendation is None:
        errors.append(
            FieldError(field="recommendation", message="Give a recommendation.", code="required")
        )
    if errors:
        raise Unprocessable(
            "The review is not complete yet.", code="review_incomplete", errors=errors
        )
    total = aggregate.weighted_total(
        {str(c.id): scores[str(c.id)] for c in criteria}, {str(c.id): c.weight for c in criteria}
    )
    if total >= TOTAL_LIMIT:
        raise Conflict("The rubric's totals exceed what can be stored.", code="rubric_too_large")
    before = snapshot(review)
    # Scores of criteria no longer in the rubric do not belong to the submitted review.
    review.scores = {str(c.id): _json_number(scores[str(c.id)]) for c in criteria}
    review.total = aggregate.display(total)
    review.status = ReviewStatus.submitted
    review.submitted_at = datetime.now(UTC)
    review.version += 1
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="review.submit",
        object_type="review",
        object_id=review.id,
        before=before,
        after=snapshot(review),
    )
    await settle_application(session, principal, application, note="every review is in")
    return review, criteria
