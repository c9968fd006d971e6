from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import private_no_store
from api.models import MailMessage, MailStatus, Notification, Role
from api.notifications import service
from api.notifications.schemas import (
    Inbox,
    MailDetail,
    MailRead,
    NotificationRead,
    Preferences,
    PreferencesUpdate,
    ReadAll,
    UnreadCount,
)
from api.pagination import BIGINT_MAX, Cursor, Limit, Page, build_page, keyset_after
from api.permissions import AdminPrincipal, CurrentPrincipal, Principal

router = APIRouter(tags=["notifications"])

NotificationId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
MailId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]


def _id_key(row: Notification | MailMessage) -> dict[str, int]:
    return {"id": row.id}


def _id_of(key: dict[str, object]) -> int:
    return int(str(key["id"]))


def _roles(principal: Principal) -> set[Role]:
    return {g.role for g in principal.grants}


@router.get(
    "/notifications",
    response_model=Inbox,
    summary="The caller's notifications, newest first, with the unread count",
    responses=problem_responses(401, 422),
)
async def list_notifications(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Inbox:
    rows = await service.inbox(
        session, principal.user_id, limit=limit, before_id=keyset_after(cursor, _id_of)
    )
    page = build_page(request, response, rows, limit, NotificationRead.model_validate, _id_key)
    unread = await service.unread_count(session, principal.user_id)
    return Inbox(items=page.items, next=page.next, unread=unread)


@router.get(
    "/notifications/unread-count",
    response_model=UnreadCount,
    summary="How many of the caller's notifications are unread (for the badge)",
    responses=problem_responses(401),
)
async def unread_count(
    response: Response, session: SessionDep, principal: CurrentPrincipal
) -> UnreadCount:
    private_no_store(response)
    return UnreadCount(unread=await service.unread_count(session, principal.user_id))


@router.post(
    "/notifications/read-all",
    response_model=ReadAll,
    summary="Mark every notification of the caller read",
    responses=problem_responses(401, 403),
)
async def read_all(session: SessionDep, principal: CurrentPrincipal) -> ReadAll:
    marked = await service.mark_all_read(session, principal.user_id)
    return ReadAll(marked=marked, unread=await service.unread_count(session, principal.user_id))


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationRead,
    summary="Mark one of the caller's notifications read",
    responses=problem_responses(401, 403, 404),
)
async def read_notification(
    notification_id: NotificationId, session: SessionDep, principal: CurrentPrincipal
) -> NotificationRead:
    notification = await service.mark_read(session, principal.user_id, notification_id)
    return NotificationRead.model_validate(notification)


@router.get(
    "/notifications/preferences",
    response_model=Preferences,
    summary="The caller's choice of channels per kind of notification",
    responses=problem_responses(401),
)
async def get_preferences(
    response: Response, session: SessionDep, principal: CurrentPrincipal
) -> Preferences:
    private_no_store(response)
    return await service.preferences(session, principal.user_id, _roles(principal))


@router.put(
    "/notifications/preferences",
    response_model=Preferences,
    summary="Switch channels per kind and choose immediate or daily e-mail; required notices "
    "cannot be switched off (422)",
    responses=problem_responses(401, 403, 422),
)
async def put_preferences(
    data: PreferencesUpdate, session: SessionDep, principal: CurrentPrincipal
) -> Preferences:
    return await service.set_preferences(
        session, principal.user_id, _roles(principal), data.items, data.email_delivery
    )


@router.get(
    "/admin/mail",
    response_model=Page[MailRead],
    summary="The e-mail send log, newest first (admin)",
    responses=problem_responses(401, 403, 422),
)
async def list_mail(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[MailStatus | None, Query(description="Only e-mails in this state.")] = None,
) -> Page[MailRead]:
    rows = await service.mail_log(
        session, limit=limit, before_id=keyset_after(cursor, _id_of), status=status
    )
    return build_page(request, response, rows, limit, MailRead.model_validate, _id_key)


@router.get(
    "/admin/mail/{mail_id}",
    response_model=MailDetail,
    summary="One e-mail of the send log, with its text (admin)",
    responses=problem_responses(401, 403, 404),
)
async def get_mail(
    mail_id: MailId, response: Response, session: SessionDep, principal: AdminPrincipal
) -> MailDetail:
    private_no_store(response)
    return MailDetail.model_validate(await service.get_mail(session, mail_id))
