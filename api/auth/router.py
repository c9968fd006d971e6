from __future__ import annotations

import uuid
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response, status

from api.auth import reset, service
from api.auth.schemas import (
    LoginRequest,
    Me,
    PasswordChangeRequest,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RegisterRequest,
    RoleGrantRead,
)
from api.auth.service import IssuedSession
from api.config import get_settings
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import PRIVATE_NO_STORE
from api.models import Locale
from api.permissions import CurrentPrincipal, RoleGrant, load_grants
from api.request_context import current_client_ip

router = APIRouter(prefix="/auth", tags=["auth"])


def _set_session_cookies(request: Request, response: Response, issued: IssuedSession) -> None:
    settings = get_settings()
    secure = settings.cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    max_age = settings.session_absolute_timeout_hours * 3600
    response.set_cookie(
        settings.session_cookie_name,
        issued.token,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    # Readable by the SPA, which echoes it in X-CSRF-Token.
    response.set_cookie(
        settings.csrf_cookie_name,
        issued.csrf_token,
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="lax",
        path="/",
    )


def _clear_session_cookies(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(settings.session_cookie_name, path="/")
    response.delete_cookie(settings.csrf_cookie_name, path="/")


def _me(
    user_id: uuid.UUID, email: str, display_name: str, locale: str, grants: Sequence[RoleGrant]
) -> Me:
    return Me(
        id=user_id,
        email=email,
        display_name=display_name,
        locale=Locale(locale),
        roles=[RoleGrantRead.model_validate(g) for g in grants],
    )


async def _me_of_session(session: SessionDep, issued: IssuedSession) -> Me:
    user = issued.user
    return _me(
        user.id, user.email, user.display_name, user.locale, await load_grants(session, user.id)
    )


@router.post(
    "/login",
    response_model=Me,
    responses=problem_responses(401, 422, 429),
    summary="Log in with e-mail and password (public)",
)
async def login(
    data: LoginRequest, request: Request, response: Response, session: SessionDep
) -> Me:
    issued = await service.login(
        session,
        data.email,
        data.password,
        ip=current_client_ip(),
        user_agent=request.headers.get("user-agent"),
        previous_token=request.cookies.get(get_settings().session_cookie_name),
    )
    _set_session_cookies(request, response, issued)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return await _me_of_session(session, issued)


@router.post(
    "/register",
    response_model=Me,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422, 429),
    summary="Register an applicant enterprise (public)",
)
async def register(
    data: RegisterRequest, request: Request, response: Response, session: SessionDep
) -> Me:
    issued = await service.register_applicant(
        session, data, ip=current_client_ip(), user_agent=request.headers.get("user-agent")
    )
    _set_session_cookies(request, response, issued)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return await _me_of_session(session, issued)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403),
    summary="Log out (logged-in users)",
)
async def logout(session: SessionDep, principal: CurrentPrincipal) -> Response:
    await service.logout(session, principal)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_session_cookies(response)
    return response


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 422, 429),
    summary="Change one's own password (logged-in users)",
    description=(
        "The current password must be right: a wrong one counts against the account's "
        "failed-login limit (429 with Retry-After once it is reached). The new password "
        "follows the registration policy and must differ from the current one. Every other "
        "session of the account ends; the caller's own goes on."
    ),
)
async def change_password(
    data: PasswordChangeRequest, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    await service.change_password(session, principal, data.current_password, data.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password-reset",
    response_model=PasswordResetAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(422, 429),
    summary="Ask for a password-reset link by e-mail (public)",
    description=(
        "Always 202 with the same body, whether or not the address belongs to an active "
        "account; when it does, a one-time link valid for PASSWORD_RESET_TTL_MINUTES is "
        "e-mailed and earlier links of the account stop working. Limited per client IP and "
        "per address (429 with Retry-After)."
    ),
)
async def request_password_reset(
    data: PasswordResetRequest, session: SessionDep
) -> PasswordResetAccepted:
    await reset.request_reset(session, data.email, ip=current_client_ip())
    return PasswordResetAccepted(
        detail="If an active account has this address, a reset link was sent to it."
    )


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(422),
    summary="Set a new password with a reset link's token (public)",
    description=(
        "422 `reset_token_invalid` for a token that is unknown, used or expired alike; the "
        "new password follows the registration policy (`weak_password` on `new_password`). "
        "Every session of the account ends."
    ),
)
async def confirm_password_reset(data: PasswordResetConfirm, session: SessionDep) -> Response:
    await reset.confirm_reset(session, data.token, data.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me",
    response_model=Me,
    responses=problem_responses(401),
    summary="The logged-in user (logged-in users)",
)
async def me(response: Response, principal: CurrentPrincipal) -> Me:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return _me(
        principal.user_id,
        principal.email,
        principal.display_name,
        principal.locale,
        principal.grants,
    )
