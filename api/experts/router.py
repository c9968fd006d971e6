"""HTTP for the expert pool, review settings, rubric, attestation and assignments.

Expert-facing responses carry the caller's own data only — never another expert's identity,
load or opinion (blind review)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.batches import service as batch_service
from api.db import SessionDep
from api.errors import NotFound, problem_responses
from api.experts import assignment, attestation, manual, queries, rubric, service
from api.experts.schemas import (
    AssignmentRead,
    AttestationRead,
    AvailabilityRead,
    AvailabilityWrite,
    BatchExpertRead,
    ConflictCreate,
    ConflictDeclared,
    ConflictRead,
    CoverageRead,
    DrawDetail,
    DrawRead,
    DrawRequest,
    DrawResult,
    ExpertDetail,
    ExpertProfileWrite,
    ExpertRead,
    ManualAssignment,
    OwnAssignment,
    OwnAssignmentEnded,
    ReasonBody,
    ReviewSettingsRead,
    ReviewSettingsWrite,
    RubricRead,
    RubricWrite,
)
from api.http_cache import private_no_store
from api.models import AssignmentStatus
from api.pagination import (
    Cursor,
    Limit,
    Page,
    build_page,
    created_key,
    keyset_after,
    parse_created_key,
)
from api.permissions import AdminPrincipal, CurrentPrincipal, ExpertPrincipal, Principal

router = APIRouter(prefix="", tags=["experts"])
READ = problem_responses(401, 403, 404, 422)
WRITE = problem_responses(401, 403, 404, 409, 422)
FieldQuery = Query(None, max_length=60, description="A field code, e.g. integrated_circuits.")


def _name_key(k: dict[str, object]) -> tuple[str, uuid.UUID]:
    return str(k["n"]), uuid.UUID(str(k["id"]))


# --- the pool (admin) and the expert's own profile --------------------------------------------


@router.get(
    "/experts",
    response_model=Page[ExpertRead],
    responses=READ,
    summary="List the expert pool with each expert's active load (admin)",
)
async def list_experts(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    field: str | None = FieldQuery,
    active: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ExpertRead]:
    rows = await queries.list_experts(
        session,
        field=field,
        active=active,
        after=keyset_after(cursor, _name_key),
        limit=limit + 1,
    )
    return build_page(
        request,
        response,
        rows,
        limit,
        lambda r: queries.expert_read(r[0], r[1], r[2], r[3] or 0),
        lambda r: {"n": r[1].display_name, "id": r[0].user_id},
    )


@router.get(
    "/experts/me",
    response_model=ExpertDetail,
    responses=READ,
    summary="Your own expert profile and declared conflicts (expert)",
)
async def read_own_profile(
    response: Response, session: SessionDep, principal: ExpertPrincipal
) -> ExpertDetail:
    private_no_store(response)
    profile = await service.own_profile(session, principal)
    detail = await queries.expert_detail(session, profile.user_id)
    assert detail is not None
    return detail


@router.post(
    "/experts/me/conflicts",
    response_model=ConflictDeclared,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE,
    summary="Declare a conflict of interest with an organisation (expert)",
)
async def declare_own_conflict(
    data: ConflictCreate, session: SessionDep, principal: ExpertPrincipal
) -> ConflictDeclared:
    profile = await service.own_profile(session, principal)
    return await _conflict_created(session, principal, profile.user_id, data)


@router.get(
    "/experts/{user_id:uuid}",
    response_model=ExpertDetail,
    responses=READ,
    summary="Read an expert's profile and conflicts (admin)",
)
async def read_expert(
    user_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> ExpertDetail:
    private_no_store(response)
    detail = await queries.expert_detail(session, user_id)
    if detail is None:
        raise NotFound("No such expert.")
    return detail


@router.put(
    "/experts/{user_id:uuid}",
    response_model=ExpertDetail,
    responses=problem_responses(401, 403, 404, 422),
    summary="Create or replace the profile of a user with the expert role (admin)",
)
async def put_expert(
    user_id: uuid.UUID,
    data: ExpertProfileWrite,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> ExpertDetail:
    _, created = await service.put_profile(session, principal, user_id, data)
    if created:
        response.status_code = status.HTTP_201_CREATED
    detail = await queries.expert_detail(session, user_id)
    assert detail is not None
    return detail


@router.get(
    "/experts/{user_id:uuid}/conflicts",
    response_model=list[ConflictRead],
    responses=READ,
    summary="An expert's declared conflicts (admin)",
)
async def list_conflicts(
    user_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> list[ConflictRead]:
    private_no_store(response)
    await service.get_profile(session, user_id)
    return await queries.conflicts_of(session, user_id)


async def _conflict_created(
    session: AsyncSession, principal: Principal, expert_id: uuid.UUID, data: ConflictCreate
) -> ConflictDeclared:
    conflict, ended = await service.add_conflict(session, principal, expert_id, data)
    read = next(c for c in await queries.conflicts_of(session, expert_id) if c.id == conflict.id)
    return ConflictDeclared(conflict=read, ended_assignments=ended)


@router.post(
    "/experts/{user_id:uuid}/conflicts",
    response_model=ConflictDeclared,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE,
    summary="Record a conflict of interest for an expert; ends the assignments it forbids (admin)",
)
async def add_conflict(
    user_id: uuid.UUID, data: ConflictCreate, session: SessionDep, principal: AdminPrincipal
) -> ConflictDeclared:
    return await _conflict_created(session, principal, user_id, data)


@router.delete(
    "/experts/{user_id:uuid}/conflicts/{conflict_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422),
    summary="Withdraw a recorded conflict (admin)",
)
async def delete_conflict(
    user_id: uuid.UUID, conflict_id: uuid.UUID, session: SessionDep, principal: AdminPrincipal
) -> Response:
    await service.delete_conflict(session, principal, user_id, conflict_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- per batch: pool, settings, rubric, attestation -------------------------------------------


@router.get(
    "/batches/{batch_id}/experts",
    response_model=Page[BatchExpertRead],
    responses=READ,
    summary="The pool as seen for a batch: availability, load, attestation (admin)",
)
async def list_batch_experts(
    batch_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    field: str | None = FieldQuery,
    available: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BatchExpertRead]:
    await batch_service.get_batch(session, batch_id)
    rows = await queries.batch_pool(
        session,
        batch_id,
        field=field,
        available=available,
        after=keyset_after(cursor, _name_key),
        limit=limit + 1,
    )
    return build_page(
        request,
        response,
        rows,
        limit,
        queries.batch_expert_read,
        lambda r: {"n": r[1].display_name, "id": r[0].user_id},
    )


@router.put(
    "/batches/{batch_id}/experts/{user_id}/availability",
    response_model=AvailabilityRead,
    responses=WRITE,
    summary="Set whether an expert takes part in a batch's review (admin)",
)
async def put_availability(
    batch_id: uuid.UUID,
    user_id: uuid.UUID,
    data: AvailabilityWrite,
    session: SessionDep,
    principal: AdminPrincipal,
) -> AvailabilityRead:
    row = await service.set_availability(session, principal, batch_id, user_id, data)
    return AvailabilityRead(
        batch_id=row.batch_id, expert_id=row.expert_id, available=row.available, note=row.note
    )


@router.get(
    "/batches/{batch_id}/review-settings",
    response_model=ReviewSettingsRead,
    responses=READ,
    summary="A batch's review settings (admin)",
)
async def read_review_settings(
    batch_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> ReviewSettingsRead:
    private_no_store(response)
    return service.settings_read(await batch_service.get_batch(session, batch_id))


@router.put(
    "/batches/{batch_id}/review-settings",
    response_model=ReviewSettingsRead,
    responses=WRITE,
    summary="Change aggregation rule, reviewers, cap and shortlist quota until publicity; "
    "fields left out keep their value (admin)",
)
async def put_review_settings(
    batch_id: uuid.UUID, data: ReviewSettingsWrite, session: SessionDep, principal: AdminPrincipal
) -> ReviewSettingsRead:
    return service.settings_read(
        await service.update_review_settings(session, principal, batch_id, data)
    )


@router.get(
    "/batches/{batch_id}/rubric",
    response_model=RubricRead,
    responses=READ,
    summary="A batch's rubric, the default one until an admin sets another (admin; expert "
    "who signed the batch's statement)",
)
async def read_rubric(
    batch_id: uuid.UUID, response: Response, session: SessionDep, principal: CurrentPrincipal
) -> RubricRead:
    private_no_store(response)
    return await rubric.read_rubric(session, principal, batch_id)


@router.put(
    "/batches/{batch_id}/rubric",
    response_model=RubricRead,
    responses=WRITE,
    summary="Replace a batch's rubric; refused once a review is submitted (admin)",
)
async def put_rubric(
    batch_id: uuid.UUID, data: RubricWrite, session: SessionDep, principal: AdminPrincipal
) -> RubricRead:
    return await rubric.put_rubric(session, principal, batch_id, data)


@router.get(
    "/batches/{batch_id}/attestation",
    response_model=AttestationRead,
    responses=READ,
    summary="The conflict-and-confidentiality statement and whether you signed it (expert)",
)
async def read_attestation(
    batch_id: uuid.UUID, response: Response, session: SessionDep, principal: ExpertPrincipal
) -> AttestationRead:
    private_no_store(response)
    batch = await batch_service.get_batch(session, batch_id)
    return await attestation.read_attestation(session, principal, batch)


@router.post(
    "/batches/{batch_id}/attestation",
    response_model=AttestationRead,
    responses=WRITE,
    summary="Sign the batch's statement; signing again changes nothing (expert)",
)
async def sign_attestation(
    batch_id: uuid.UUID, session: SessionDep, principal: ExpertPrincipal
) -> AttestationRead:
    batch = await batch_service.get_batch(session, batch_id)
    return await attestation.sign_attestation(session, principal, batch)


# --- draws and coverage (admin) ---------------------------------------------------------------


@router.post(
    "/batches/{batch_id}/assignment-draws",
    response_model=DrawResult,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE,
    summary="Draw experts for every in-review application short of reviewers (admin)",
)
async def run_draw(
    batch_id: uuid.UUID, data: DrawRequest, session: SessionDep, principal: AdminPrincipal
) -> DrawResult:
    return await assignment.run_draw(session, principal, batch_id, data.seed)


@router.get(
    "/batches/{batch_id}/assignment-draws",
    response_model=list[DrawRead],
    responses=READ,
    summary="A batch's draws, newest first (admin)",
)
async def list_draws(
    batch_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> list[DrawRead]:
    private_no_store(response)
    return await assignment.list_draws(session, batch_id)


@router.get(
    "/batches/{batch_id}/assignment-draws/{draw_id}",
    response_model=DrawDetail,
    responses=READ,
    summary="One draw with the inputs that replay it (admin)",
)
async def read_draw(
    batch_id: uuid.UUID,
    draw_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> DrawDetail:
    private_no_store(response)
    return await assignment.draw_detail(session, batch_id, draw_id)


@router.get(
    "/batches/{batch_id}/coverage",
    response_model=CoverageRead,
    responses=READ,
    summary="In-review applications short of experts and why (admin)",
)
async def read_coverage(
    batch_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> CoverageRead:
    private_no_store(response)
    return await assignment.coverage_report(session, batch_id)


# --- assignments (admin) ----------------------------------------------------------------------


@router.get(
    "/assignments",
    response_model=Page[AssignmentRead],
    responses=READ,
    summary="Assignments, ended ones included, newest first (admin)",
)
async def list_assignments(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    batch_id: uuid.UUID | None = None,
    application_id: uuid.UUID | None = None,
    expert_id: uuid.UUID | None = None,
    status: AssignmentStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AssignmentRead]:
    rows = await queries.list_assignments(
        session,
        batch_id=batch_id,
        application_id=application_id,
        expert_id=expert_id,
        status=status,
        after=keyset_after(cursor, parse_created_key),
        limit=limit + 1,
    )
    return build_page(
        request,
        response,
        rows,
        limit,
        queries.assignment_read,
        created_key,
    )


@router.post(
    "/assignments",
    response_model=AssignmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE,
    summary="Assign an expert by hand, with a reason; conflicts, unavailability and the cap "
    "still apply (admin)",
)
async def add_assignment(
    data: ManualAssignment, session: SessionDep, principal: AdminPrincipal
) -> AssignmentRead:
    row = await manual.add_assignment(
        session, principal, data.application_id, data.expert_id, data.reason
    )
    return await queries.read_assignment(session, row.id)


@router.post(
    "/assignments/{assignment_id}/remove",
    response_model=AssignmentRead,
    responses=WRITE,
    summary="End an assignment, with a reason (admin)",
)
async def remove_assignment(
    assignment_id: uuid.UUID, data: ReasonBody, session: SessionDep, principal: AdminPrincipal
) -> AssignmentRead:
    row = await manual.remove_assignment(session, principal, assignment_id, data.reason)
    return await queries.read_assignment(session, row.id)


# --- the expert's own assignments -------------------------------------------------------------


@router.get(
    "/expert/assignments",
    response_model=Page[OwnAssignment],
    responses=READ,
    summary="Your active assignments; application details once you signed the batch's "
    "statement (expert)",
)
async def list_own_assignments(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: ExpertPrincipal,
    batch_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OwnAssignment]:
    rows = await queries.own_assignments(
        session,
        principal.user_id,
        batch_id=batch_id,
        after=keyset_after(cursor, parse_created_key),
        limit=limit + 1,
    )
    return build_page(
        request,
        response,
        rows,
        limit,
        queries.own_assignment_read,
        created_key,
    )


@router.post(
    "/expert/assignments/{assignment_id}/declare-conflict",
    response_model=OwnAssignmentEnded,
    responses=WRITE,
    summary="Step back from an assigned application for a conflict of interest (expert)",
)
async def declare_conflict(
    assignment_id: uuid.UUID, data: ReasonBody, session: SessionDep, principal: ExpertPrincipal
) -> OwnAssignmentEnded:
    row = await manual.declare_conflict(session, principal, assignment_id, data.reason)
    return OwnAssignmentEnded(id=row.id, status=row.status, ended_at=row.ended_at)
