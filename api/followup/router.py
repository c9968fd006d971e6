from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status

from api.db import SessionDep
from api.errors import problem_responses
from api.followup import service
from api.followup.schemas import (
    AwardFollowUp,
    AwardFollowUpSummary,
    FollowUpKind,
    IntentionCreate,
    IntentionRead,
    IntentionUpdate,
    PolicyCreate,
    PolicyRead,
    PolicyUpdate,
    ProjectCreate,
    ProjectPublic,
    ProjectRead,
    ProjectUpdate,
    QueueItem,
    RecordRead,
    Unverify,
)
from api.http_cache import PRIVATE_NO_STORE, public_response
from api.models import DemonstrationProject, InsurancePolicy, PurchaseIntention
from api.pagination import (
    Cursor,
    Limit,
    Page,
    build_page,
    keyset_after,
    parse_created_key,
)
from api.permissions import AdminPrincipal, ApplicantOrAdminPrincipal, ApplicantPrincipal

router = APIRouter(prefix="/follow-up", tags=["follow-up"])

IfMatch = Annotated[
    str | None, Header(max_length=200, description="The ETag of the record you edited.")
]
READ_ERRORS = problem_responses(401, 403, 404, 422)
CREATE_ERRORS = problem_responses(401, 403, 404, 409, 422)
EDIT_ERRORS = problem_responses(401, 403, 404, 409, 412, 422, 428)
DELETE_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


def _verification(record: service.Record) -> dict[str, Any]:
    return {
        "verified": record.verified_at is not None,
        "verified_at": record.verified_at,
        "verified_by": record.verified_by,
        "version": record.version,
        "etag": service.etag(record),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "id": record.id,
        "award_id": record.award_id,
    }


def project_read(p: DemonstrationProject) -> ProjectRead:
    return ProjectRead.model_validate(
        _verification(p) | {f: getattr(p, f) for f in service.KINDS[FollowUpKind.projects].fields}
    )


def intention_read(i: PurchaseIntention) -> IntentionRead:
    return IntentionRead.model_validate(
        _verification(i) | {f: getattr(i, f) for f in service.KINDS[FollowUpKind.intentions].fields}
    )


def policy_read(p: InsurancePolicy) -> PolicyRead:
    return PolicyRead.model_validate(
        _verification(p)
        | {f: getattr(p, f) for f in service.KINDS[FollowUpKind.insurance_policies].fields}
    )


def record_read(record: service.Record) -> ProjectRead | IntentionRead | PolicyRead:
    if isinstance(record, DemonstrationProject):
        return project_read(record)
    if isinstance(record, PurchaseIntention):
        return intention_read(record)
    return policy_read(record)


def _one(response: Response, record: service.Record) -> None:
    response.headers["ETag"] = service.etag(record)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE


# --- awards -----------------------------------------------------------------------------------


@router.get(
    "/awards",
    response_model=Page[AwardFollowUpSummary],
    responses=problem_responses(401, 422),
    summary="Awards with counts of their follow-up records (own enterprise's; admins all)",
    description="Applicants see their enterprises' awards, admins every award (filter by "
    "batch); other staff see none. In certificate-number order, keyset pages.",
)
async def list_awards(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: ApplicantOrAdminPrincipal,
    batch_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AwardFollowUpSummary]:
    after = keyset_after(cursor, lambda k: str(k["n"]))
    rows = await service.list_awards(
        session, principal, batch_id=batch_id, after=after, limit=limit + 1
    )
    return build_page(
        request, response, rows, limit, service.summary_of, lambda r: {"n": r[0].number}
    )


@router.get(
    "/awards/{award_id}",
    response_model=AwardFollowUp,
    responses=READ_ERRORS,
    summary="An award with all its projects, intentions and policies (its enterprise, admins)",
)
async def get_award(
    award_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: ApplicantOrAdminPrincipal,
) -> AwardFollowUp:
    found = await service.award_with_records(session, principal, award_id)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return AwardFollowUp(
        **found.summary.model_dump(),
        project_list=[project_read(p) for p in found.projects],
        intention_list=[intention_read(i) for i in found.intentions],
        policy_list=[policy_read(p) for p in found.policies],
    )


# --- demonstration projects -------------------------------------------------------------------


@router.post(
    "/awards/{award_id}/projects",
    response_model=ProjectRead,
    status_code=status.HTTP_201_CREATED,
    responses=CREATE_ERRORS,
    summary="Declare a demonstration project (the awarded enterprise)",
)
async def create_project(
    award_id: uuid.UUID,
    data: ProjectCreate,
    response: Response,
    session: SessionDep,
    principal: ApplicantPrincipal,
) -> ProjectRead:
    record = await service.create_record(session, principal, FollowUpKind.projects, award_id, data)
    _one(response, record)
    assert isinstance(record, DemonstrationProject)
    return project_read(record)


@router.patch(
    "/projects/{record_id}",
    response_model=ProjectRead,
    responses=EDIT_ERRORS,
    summary="Edit a demonstration project; needs If-Match (its enterprise, admins)",
    description="The enterprise's edit withdraws a verification; an admin's correction keeps it.",
)
async def update_project(
    record_id: uuid.UUID,
    data: ProjectUpdate,
    response: Response,
    session: SessionDep,
    principal: ApplicantOrAdminPrincipal,
    if_match: IfMatch = None,
) -> ProjectRead:
    record = await service.update_record(
        session, principal, FollowUpKind.projects, record_id, data, if_match
    )
    _one(response, record)
    assert isinstance(record, DemonstrationProject)
    return project_read(record)


@router.delete(
    "/projects/{record_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_ERRORS,
    summary="Delete a demonstration project; If-Match optional (the awarded enterprise)",
)
async def delete_project(
    record_id: uuid.UUID,
    session: SessionDep,
    principal: ApplicantPrincipal,
    if_match: IfMatch = None,
) -> Response:
    await service.delete_record(session, principal, FollowUpKind.projects, record_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- purchase intentions ----------------------------------------------------------------------


@router.post(
    "/awards/{award_id}/intentions",
    response_model=IntentionRead,
    status_code=status.HTTP_201_CREATED,
    responses=CREATE_ERRORS,
    summary="Declare a purchase intention (the awarded enterprise)",
)
async def create_intention(
    award_id: uuid.UUID,
    data: IntentionCreate,
    response: Response,
    session: SessionDep,
    principal: ApplicantPrincipal,
) -> IntentionRead:
    record = await service.create_record(
        session, principal, FollowUpKind.intentions, award_id, data
    )
    _one(response, record)
    assert isinstance(record, PurchaseIntention)
    return intention_read(record)


@router.patch(
    "/intentions/{record_id}",
    response_model=IntentionRead,
    responses=EDIT_ERRORS,
    summary="Edit a purchase intention; needs If-Match (its enterprise, admins)",
    description="The enterprise's edit withdraws a verification; an admin's correction keeps it.",
)
async def update_intention(
    record_id: uuid.UUID,
    data: IntentionUpdate,
    response: Response,
    session: SessionDep,
    principal: ApplicantOrAdminPrincipal,
    if_match: IfMatch = None,
) -> IntentionRead:
    record = await service.update_record(
        session, principal, FollowUpKind.intentions, record_id, data, if_match
    )
    _one(response, record)
    assert isinstance(record, PurchaseIntention)
    return intention_read(record)


@router.delete(
    "/intentions/{record_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_ERRORS,
    summary="Delete a purchase intention; If-Match optional (the awarded enterprise)",
)
async def delete_intention(
    record_id: uuid.UUID,
    session: SessionDep,
    principal: ApplicantPrincipal,
    if_match: IfMatch = None,
) -> Response:
    await service.delete_record(session, principal, FollowUpKind.intentions, record_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- insurance policies -----------------------------------------------------------------------


@router.post(
    "/awards/{award_id}/insurance-policies",
    response_model=PolicyRead,
    status_code=status.HTTP_201_CREATED,
    responses=CREATE_ERRORS,
    summary="Declare a first-set insurance policy (the awarded enterprise)",
    description="Premium rate at most 3% (`premium_rate_over_cap`), a period of at most 3 years; "
    "a policy number already used by the insurer is a 409 `duplicate_policy_number`.",
)
async def create_policy(
    award_id: uuid.UUID,
    data: PolicyCreate,
    response: Response,
    session: SessionDep,
    principal: ApplicantPrincipal,
) -> PolicyRead:
    record = await service.create_record(
        session, principal, FollowUpKind.insurance_policies, award_id, data
    )
    _one(response, record)
    assert isinstance(record, InsurancePolicy)
    return policy_read(record)


@router.patch(
    "/insurance-policies/{record_id}",
    response_model=PolicyRead,
    responses=EDIT_ERRORS,
    summary="Edit an insurance policy; needs If-Match (its enterprise, admins)",
    description="The enterprise's edit withdraws a verification; an admin's correction keeps it.",
)
async def update_policy(
    record_id: uuid.UUID,
    data: PolicyUpdate,
    response: Response,
    session: SessionDep,
    principal: ApplicantOrAdminPrincipal,
    if_match: IfMatch = None,
) -> PolicyRead:
    record = await service.update_record(
        session, principal, FollowUpKind.insurance_policies, record_id, data, if_match
    )
    _one(response, record)
    assert isinstance(record, InsurancePolicy)
    return policy_read(record)


@router.delete(
    "/insurance-policies/{record_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_ERRORS,
    summary="Delete an insurance policy; If-Match optional (the awarded enterprise)",
)
async def delete_policy(
    record_id: uuid.UUID,
    session: SessionDep,
    principal: ApplicantPrincipal,
    if_match: IfMatch = None,
) -> Response:
    await service.delete_record(
        session, principal, FollowUpKind.insurance_policies, record_id, if_match
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- verification (admin) ---------------------------------------------------------------------


@router.post(
    "/{kind}/{record_id}/verify",
    response_model=RecordRead,
    responses=EDIT_ERRORS,
    summary="Verify a follow-up record; needs If-Match (admin)",
)
async def verify_record(
    kind: FollowUpKind,
    record_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> ProjectRead | IntentionRead | PolicyRead:
    record = await service.verify_record(session, principal, kind, record_id, if_match)
    _one(response, record)
    return record_read(record)


@router.post(
    "/{kind}/{record_id}/unverify",
    response_model=RecordRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Withdraw a verification with a reason; If-Match optional (admin)",
)
async def unverify_record(
    kind: FollowUpKind,
    record_id: uuid.UUID,
    data: Unverify,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> ProjectRead | IntentionRead | PolicyRead:
    record = await service.unverify_record(
        session, principal, kind, record_id, data.reason, if_match
    )
    _one(response, record)
    return record_read(record)


@router.get(
    "/queue",
    response_model=Page[QueueItem],
    responses=problem_responses(401, 403, 422),
    summary="Unverified records of every kind (or one), oldest first, with their award (admin)",
)
async def verification_queue(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    kind: FollowUpKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[QueueItem]:
    after = keyset_after(cursor, parse_created_key)
    entries = await service.queue(session, kind=kind, after=after, limit=limit + 1)
    return build_page(
        request,
        response,
        entries,
        limit,
        lambda e: QueueItem(award=e.award, record=record_read(e.record)),
        lambda e: {"c": e.record.created_at.isoformat(), "id": e.record.id},
    )


# --- public -----------------------------------------------------------------------------------


@router.get(
    "/public/projects",
    response_model=list[ProjectPublic],
    responses=problem_responses(422),
    summary="An awarded product's verified demonstration projects it agreed to publish (public)",
    description="User enterprise, site, stage and dates only: no amounts, no notes.",
)
async def public_projects(
    request: Request,
    session: SessionDep,
    award_id: Annotated[uuid.UUID, Query(description="The award (catalogue product).")],
) -> Response:
    projects: Sequence[DemonstrationProject] = await service.public_projects(session, award_id)
    return public_response(
        request,
        [
            ProjectPublic(
                id=p.id,
                award_id=p.award_id,
                user_enterprise=p.user_enterprise,
                site=p.site,
                stage=p.stage,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
            )
            for p in projects
        ],
    )
