"""Assignment of experts to applications in review (DESIGN §1 expert review practice): the
start-review hook, the automatic draw and the coverage report.

The rules of the draw live in `algorithm` (pure, replayable); this module loads its inputs in a
handful of queries, writes its outcome and keeps the record an auditor needs: the seed, the
inputs and the outcome of every draw (`assignment_draw`).
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.applications import service as application_service
from api.audit import service as audit
from api.batches import service as batch_service
from api.errors import Conflict, NotFound
from api.events import service as events
from api.experts import algorithm, rubric
from api.experts.algorithm import ApplicationInput, ExpertInput, Reason
from api.experts.schemas import (
    ConflictedAssignment,
    CoverageEntry,
    CoverageRead,
    DrawDetail,
    DrawRead,
    DrawResult,
    DrawShortfall,
    ShortfallReason,
)
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentDraw,
    AssignmentSource,
    AssignmentStatus,
    Batch,
    BatchStatus,
    ExpertAvailability,
    ExpertConflict,
    ExpertProfile,
    Membership,
    Organization,
    ReviewAssignment,
    Role,
    User,
)
from api.organizations.schemas import OrganizationRef
from api.permissions import Principal

S = ApplicationStatus
AWAITING_CHECK = (S.submitted, S.recommended)


# --- start of review --------------------------------------------------------------------------


async def start_review(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """closed → reviewing: refused while an application still awaits a check; then every
    accepted application enters review (one audit record and one event each) and the batch gets
    its rubric (the default one unless an admin set another)."""
    pending = dict(
        (
            await session.execute(
                select(Application.status, func.count())
                .where(Application.batch_id == batch.id, Application.status.in_(AWAITING_CHECK))
                .group_by(Application.status)
            )
        ).all()
    )
    if pending:
        counts = ", ".join(f"{n} {status.value}" for status, n in sorted(pending.items()))
        raise Conflict(
            f"Applications of the batch still await a check ({counts}); finish the district "
            "checks and the formal review first.",
            code="applications_awaiting_check",
            extra={
                "current_state": batch.status.value,
                "awaiting": {status.value: n for status, n in pending.items()},
            },
        )
    await rubric.ensure_rubric(session, batch, actor)
    accepted = (
        await session.scalars(
            select(Application)
            .where(Application.batch_id == batch.id, Application.status == S.accepted)
            .order_by(Application.id)
            .with_for_update()
        )
    ).all()
    for application in accepted:
        before = application_service.snapshot(application)
        application.status = S.in_review
        await application_service.record_change(session, actor, application, "start_review", before)


# Draws and hand-made picks read the avoidance rules and then write assignments; recording a
# conflict writes a rule and then ends the assignments it forbids. Unordered, a draw that read
# the conflicts just before a new one committed would write an assignment the conflict's own
# clean-up never saw. This transaction-level lock (an arbitrary constant of this module) orders
# them: shared for those that apply the rules, exclusive for those that add to them.
AVOIDANCE_LOCK = 0x46534156  # "FSAV"


async def lock_avoidance_rules(session: AsyncSession, *, exclusive: bool = False) -> None:
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    await session.execute(select(lock(AVOIDANCE_LOCK)))


def ensure_reviewing(batch: Batch) -> None:
    if batch.status != BatchStatus.reviewing:
        raise Conflict(
            f"The batch is {batch.status.value}; assignments change only while it is reviewing.",
            code="invalid_state",
            extra={"current_state": batch.status.value},
        )


# --- the inputs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    id: uuid.UUID
    status: ApplicationStatus
    field: str | None
    product_name_zh: str
    product_name_en: str | None
    organization: OrganizationRef

    @property
    def group(self) -> str | None:
        return algorithm.group_key(self.organization.enterprise_group)


@dataclass(slots=True)
class BatchState:
    """What the draw and the coverage report need to know about a batch, loaded at once."""

    batch: Batch
    applications: dict[uuid.UUID, ApplicationFacts]  # in review, or holding an active assignment
    experts: dict[uuid.UUID, ExpertInput]  # every profile, loads for this batch
    pool: frozenset[uuid.UUID]  # profiles that may be drawn: active, with the expert role
    active: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]  # (assignment, application, expert)
    history: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)  # app → experts ever
    ended: dict[uuid.UUID, Counter[AssignmentStatus]] = field(default_factory=dict)

    def active_counts(self) -> Counter[uuid.UUID]:
        return Counter(app for _, app, _ in self.active)

    def inputs(self) -> tuple[list[ApplicationInput], list[ExpertInput]]:
        per_app = self.active_counts()
        required = self.batch.reviewers_per_application
        apps = [
            ApplicationInput(
                id=a.id,
                field=a.field,
                organization_id=a.organization.id,
                group=a.group,
                needed=max(0, required - per_app[a.id]),
                excluded=frozenset(self.history.get(a.id, ())),
            )
            for a in self.applications.values()
            if a.status == S.in_review
        ]
        return apps, [e for e in self.experts.values() if e.id in self.pool]


async def load_experts(
    session: AsyncSession, batch: Batch | None, expert_ids: Iterable[uuid.UUID] | None = None
) -> tuple[dict[uuid.UUID, ExpertInput], frozenset[uuid.UUID]]:
    """Every expert profile (or the given ones) as the algorithm sees it for `batch`, and which
    of them belong to the drawable pool. Three queries whatever the pool's size. Without a
    batch, availability and loads are left out (enough to apply the avoidance rules)."""
    employer = aliased(Organization)
    is_expert = exists().where(Membership.user_id == User.id, Membership.role == Role.expert)
    batch_id = batch.id if batch is not None else None
    stmt = (
        select(
            ExpertProfile.user_id,
            ExpertProfile.fields,
            ExpertProfile.employer_organization_id,
            employer.enterprise_group,
            ExpertAvailability.available,
            and_(ExpertProfile.active, User.is_active, is_expert).label("in_pool"),
        )
        .join(User, User.id == ExpertProfile.user_id)
        .outerjoin(employer, employer.id == ExpertProfile.employer_organization_id)
        .outerjoin(
            ExpertAvailability,
            (ExpertAvailability.expert_id == ExpertProfile.user_id)
            & (ExpertAvailability.batch_id == batch_id),
        )
    )
    conflicts_stmt = select(
        ExpertConflict.expert_id, ExpertConflict.organization_id, Organization.enterprise_group
    ).join(Organization, Organization.id == ExpertConflict.organization_id)
    loads_stmt = (
        select(ReviewAssignment.expert_id, func.count())
        .where(
            ReviewAssignment.batch_id == batch_id,
            ReviewAssignment.status == AssignmentStatus.active,
        )
        .group_by(ReviewAssignment.expert_id)
    )
    if expert_ids is not None:
        ids = list(expert_ids)
        stmt = stmt.where(ExpertProfile.user_id.in_(ids))
        conflicts_stmt = conflicts_stmt.where(ExpertConflict.expert_id.in_(ids))
        loads_stmt = loads_stmt.where(ReviewAssignment.expert_id.in_(ids))
    conflict_orgs: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    groups: dict[uuid.UUID, set[str]] = defaultdict(set)
    for expert_id, org_id, group in (await session.execute(conflicts_stmt)).all():
        conflict_orgs[expert_id].add(org_id)
        if key := algorithm.group_key(group):
            groups[expert_id].add(key)
    loads = dict((await session.execute(loads_stmt)).all()) if batch is not None else {}
    experts = {}
    pool = set()
    for user_id, fields, employer_id, employer_group, available, in_pool in (
        await session.execute(stmt)
    ).all():
        if key := algorithm.group_key(employer_group):
            groups[user_id].add(key)
        experts[user_id] = ExpertInput(
            id=user_id,
            fields=frozenset(fields or ()),
            employer_id=employer_id,
            conflict_org_ids=frozenset(conflict_orgs[user_id]),
            groups=frozenset(groups[user_id]),
            load=int(loads.get(user_id, 0)),
            available=available is not False,  # no row means available
        )
        if in_pool:
            pool.add(user_id)
    return experts, frozenset(pool)


async def load_state(session: AsyncSession, batch: Batch) -> BatchState:
    rows = (
        await session.execute(
            select(
                ReviewAssignment.id,
                ReviewAssignment.application_id,
                ReviewAssignment.expert_id,
                ReviewAssignment.status,
            ).where(ReviewAssignment.batch_id == batch.id)
        )
    ).all()
    active = [(a, app, e) for a, app, e, status in rows if status == AssignmentStatus.active]
    history: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    ended: dict[uuid.UUID, Counter[AssignmentStatus]] = defaultdict(Counter)
    for _, app, expert, status in rows:
        history[app].add(expert)
        if status != AssignmentStatus.active:
            ended[app][status] += 1
    active_apps = {app for _, app, _ in active}
    app_rows = (
        await session.execute(
            select(Application, Organization)
            .join(Organization, Organization.id == Application.organization_id)
            .where(
                Application.batch_id == batch.id,
                or_(Application.status == S.in_review, Application.id.in_(active_apps)),
            )
        )
    ).all()
    applications = {
        a.id: ApplicationFacts(
            id=a.id,
            status=a.status,
            field=a.field,
            product_name_zh=a.product_name_zh,
            product_name_en=a.product_name_en,
            organization=OrganizationRef.of(org),
        )
        for a, org in app_rows
    }
    experts, pool = await load_experts(session, batch)
    return BatchState(batch, applications, experts, pool, active, dict(history), dict(ended))


# --- coverage ---------------------------------------------------------------------------------


def reason_read(reason: Reason) -> ShortfallReason:
    return ShortfallReason(code=reason.code.value, count=reason.count, zh=reason.zh, en=reason.en)


def _awaiting_draw(n: int) -> ShortfallReason:
    return ShortfallReason(
        code="awaiting_draw",
        count=n,
        zh=f"可通过抽取补足 {n} 名专家",
        en=f"A draw can add {n} expert(s)",
    )


def coverage_of(state: BatchState) -> CoverageRead:
    batch = state.batch
    apps, pool = state.inputs()
    drawable = algorithm.coverage(apps, pool, cap=batch.max_assignments_per_expert)
    active_counts = state.active_counts()
    short = []
    for app in apps:
        if app.id not in drawable:
            continue
        facts = state.applications[app.id]
        can_add, reasons = drawable[app.id]
        ended = state.ended.get(app.id, Counter())
        listed = [reason_read(r) for r in reasons]
        if can_add:
            listed.insert(0, _awaiting_draw(can_add))
        short.append(
            CoverageEntry(
                application_id=app.id,
                product_name_zh=facts.product_name_zh,
                product_name_en=facts.product_name_en,
                field=facts.field,
                organization=facts.organization,
                active_experts=active_counts[app.id],
                required=batch.reviewers_per_application,
                missing=app.needed,
                drawable_now=can_add,
                conflicts_declared=ended[AssignmentStatus.conflict_declared],
                removed=ended[AssignmentStatus.removed],
                reasons=listed,
            )
        )
    conflicted = []
    for assignment_id, app_id, expert_id in state.active:
        held = state.applications.get(app_id)
        expert = state.experts.get(expert_id)
        if held is None or expert is None:
            continue
        rule = algorithm.conflict_rule(expert, held.organization.id, held.group)
        if rule is not None:
            conflicted.append(
                ConflictedAssignment(
                    assignment_id=assignment_id,
                    application_id=app_id,
                    expert_id=expert_id,
                    rule=rule.value,
                )
            )
    return CoverageRead(
        batch_id=batch.id,
        required_per_application=batch.reviewers_per_application,
        cap_per_expert=batch.max_assignments_per_expert,
        applications_in_review=len(apps),
        fully_covered=len(apps) - len(short),
        short=short,
        conflicted_assignments=sorted(conflicted, key=lambda c: (c.application_id, c.expert_id)),
    )


async def coverage_report(session: AsyncSession, batch_id: uuid.UUID) -> CoverageRead:
    batch = await batch_service.get_batch(session, batch_id)
    return coverage_of(await load_state(session, batch))


# --- the draw ---------------------------------------------------------------------------------


def draw_read(row: AssignmentDraw) -> DrawRead:
    report = row.report or {}
    return DrawRead(
        id=row.id,
        batch_id=row.batch_id,
        seed=row.seed,
        per_application=row.per_application,
        cap_per_expert=row.cap_per_expert,
        run_by=row.run_by,
        created_at=row.created_at,
        applications_considered=int(report.get("applications_considered", 0)),
        assigned=len(report.get("assigned", ())),
        shortfalls=[DrawShortfall.model_validate(s) for s in report.get("shortfalls", ())],
    )


def _report(
    result: algorithm.Draw, apps: Sequence[ApplicationInput], experts: Sequence[ExpertInput]
) -> dict[str, Any]:
    return {
        "applications_considered": sum(1 for a in apps if a.needed > 0),
        "assigned": [[str(a), str(e)] for a, e in result.pairs],
        "shortfalls": [
            {
                "application_id": str(o.application_id),
                "needed": o.needed,
                "drawn": len(o.drawn),
                "reasons": [reason_read(r).model_dump() for r in o.reasons],
            }
            for o in result.shortfalls
        ],
        "inputs": algorithm.describe_inputs(apps, experts),
    }


async def run_draw(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, seed: int | None
) -> DrawResult:
    """Fill every in-review application of the batch up to its reviewers; the batch row stays
    locked to the end so two draws (or a draw and a manual change) cannot interleave."""
    batch = await batch_service.get_batch(session, batch_id, lock=True)
    ensure_reviewing(batch)
    await lock_avoidance_rules(session)
    state = await load_state(session, batch)
    apps, experts = state.inputs()
    seed = secrets.randbits(53) if seed is None else seed
    result = algorithm.draw(apps, experts, cap=batch.max_assignments_per_expert, seed=seed)
    row = AssignmentDraw(
        batch_id=batch.id,
        seed=seed,
        per_application=batch.reviewers_per_application,
        cap_per_expert=batch.max_assignments_per_expert,
        report=_report(result, apps, experts),
        run_by=actor.user_id,
    )
    session.add(row)
    await session.flush()
    session.add_all(
        ReviewAssignment(
            batch_id=batch.id,
            application_id=app_id,
            expert_id=expert_id,
            status=AssignmentStatus.active,
            source=AssignmentSource.draw,
            draw_id=row.id,
        )
        for app_id, expert_id in result.pairs
    )
    before_seed = batch.assignment_seed
    batch.assignment_seed = seed
    await session.flush()
    await session.refresh(row)
    summary = {
        "draw_id": row.id,
        "seed": seed,
        "assigned": len(result.pairs),
        "short": len(result.shortfalls),
    }
    await audit.record(
        session,
        actor=actor,
        action="assignment.draw",
        object_type="batch",
        object_id=batch.id,
        before={"assignment_seed": before_seed},
        after={"assignment_seed": seed, **summary},
    )
    await events.emit(
        session,
        "assignment.drawn",
        object_type="batch",
        object_id=batch.id,
        payload={"batch_id": batch.id, **summary},
    )
    coverage = coverage_of(await load_state(session, batch))
    return DrawResult(**draw_read(row).model_dump(), coverage=coverage)


async def draw_detail(session: AsyncSession, batch_id: uuid.UUID, draw_id: uuid.UUID) -> DrawDetail:
    """One draw with the stored inputs and pairs that replay it."""
    row = await session.scalar(
        select(AssignmentDraw).where(
            AssignmentDraw.id == draw_id, AssignmentDraw.batch_id == batch_id
        )
    )
    if row is None:
        raise NotFound("No such draw.")
    report = row.report or {}
    return DrawDetail(
        **draw_read(row).model_dump(),
        pairs=[(uuid.UUID(a), uuid.UUID(e)) for a, e in report.get("assigned", ())],
        inputs=report.get("inputs", {}),
    )


async def list_draws(session: AsyncSession, batch_id: uuid.UUID) -> list[DrawRead]:
    """Newest first; a batch has a handful."""
    await batch_service.get_batch(session, batch_id)
    rows = await session.scalars(
        select(AssignmentDraw)
        .where(AssignmentDraw.batch_id == batch_id)
        .order_by(AssignmentDraw.created_at.desc(), AssignmentDraw.id.desc())
        .limit(200)
    )
    return [draw_read(r) for r in rows]
