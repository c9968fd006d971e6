from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from api.auth.schemas import RoleGrantRead
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import PRIVATE_NO_STORE
from api.models import Role, User
from api.pagination import Cursor, Limit, Page, build_page, keyset_after
from api.permissions import AdminPrincipal
from api.users import service
from api.users.schemas import RoleAssignment, UserCreate, UserRead

router = APIRouter(prefix="/users", tags=["users"])
ADMIN_ERRORS = problem_responses(401, 403, 404, 422)


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale=user.locale,
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        roles=[
            RoleGrantRead(
                role=m.role,
                organization_id=m.organization_id,
                organization_name_zh=m.organization.name_zh,
                organization_name_en=m.organization.name_en,
                district=m.organization.district,
            )
            for m in sorted(user.memberships, key=lambda m: (m.role, m.organization.name_zh))
        ],
    )


@router.get("", response_model=Page[UserRead], responses=ADMIN_ERRORS, summary="List users (admin)")
async def list_users(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    q: str | None = None,
    role: Role | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UserRead]:
    after = keyset_after(cursor, lambda k: (str(k["e"]), uuid.UUID(k["id"])))
    users = await service.list_users(session, q=q, role=role, after=after, limit=limit + 1)
    return build_page(
        request, response, users, limit, user_read, lambda u: {"e": u.email, "id": u.id}
    )


@router.post(
    "",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
    summary="Create a user (admin)",
)
async def create_user(data: UserCreate, session: SessionDep, principal: AdminPrincipal) -> UserRead:
    return user_read(await service.create_user(session, principal, data))


@router.get(
    "/{user_id}", response_model=UserRead, responses=ADMIN_ERRORS, summary="Read a user (admin)"
)
async def read_user(
    user_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> UserRead:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return user_read(await service.get_user(session, user_id))


@router.put(
    "/{user_id}/roles",
    response_model=UserRead,
    responses=ADMIN_ERRORS,
    summary="Replace a user's roles (admin)",
)
async def set_roles(
    user_id: uuid.UUID,
    roles: list[RoleAssignment],
    session: SessionDep,
    principal: AdminPrincipal,
) -> UserRead:
    return user_read(await service.set_roles(session, principal, user_id, roles))


@router.post(
    "/{user_id}/deactivate",
    response_model=UserRead,
    responses=ADMIN_ERRORS,
    summary="Deactivate a user and end their sessions (admin)",
)
async def deactivate_user(
    user_id: uuid.UUID, session: SessionDep, principal: AdminPrincipal
) -> UserRead:
    return user_read(await service.deactivate_user(session, principal, user_id))


@router.post(
    "/{user_id}/revoke-sessions",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=ADMIN_ERRORS,
    summary="End all of a user's sessions (admin)",
)
async def revoke_sessions(
    user_id: uuid.UUID, session: SessionDep, principal: AdminPrincipal
) -> Response:
    await service.revoke_sessions(session, principal, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
