"""The intake checks: the district's preliminary check and the joint office's formal review.
Each passes, returns (with a reason and a deadline in working days) or rejects."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import access
from api.applications.schemas import ReturnRequest
from api.applications.service import S, invalid_state, record_change, snapshot, today
from api.calendar import service as calendar
from api.errors import NotFound
from api.models import Application, ApplicationStatus, CheckStep, Organization
from api.permissions import Principal


async def _for_check(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, step: CheckStep
) -> Application:
    """The application, locked, if `principal` performs `step` on it and it waits for it."""
    application = await access.get_readable_application(
        session, principal, application_id, lock=True
    )
    if step == CheckStep.district:
        org = await session.get(Organization, application.organization_id)
        if org is None or org.district not in principal.districts():
            raise NotFound("No such application.")
        waiting = S.submitted
    else:
        if not principal.is_admin:
            raise NotFound("No such application.")
        waiting = S.recommended
    if application.status != waiting:
        raise invalid_state(application, f"the {step.value} check acts on {waiting.value} ones")
    return application


async def _pass_check(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    step: CheckStep,
    target: ApplicationStatus,
    verb: str,
    reason: str,
) -> Application:
    application = await _for_check(session, principal, application_id, step)
    before = snapshot(application)
    application.status = target
    application.return_step = None
    application.decision_reason = reason or None
    await record_change(session, principal, application, verb, before, note=reason or None)
    return application


async def return_for_correction(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    step: CheckStep,
    data: ReturnRequest,
) -> Application:
    application = await _for_check(session, principal, application_id, step)
    before = snapshot(application)
    application.status = S.returned
    application.return_step = step
    application.return_reason = data.reason
    # n working days counted from the day after the return
    application.return_deadline_on = await calendar.add_working_days(
        session, today() + timedelta(days=1), data.deadline_working_days
    )
    await record_change(
        session, principal, application, f"{step.value}_return", before, note=data.reason
    )
    return application


async def reject_application(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    step: CheckStep,
    reason: str,
) -> Application:
    return await _pass_check(
        session, principal, application_id, step, S.rejected, f"{step.value}_reject", reason
    )


async def recommend_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, reason: str
) -> Application:
    return await _pass_check(
        session,
        principal,
        application_id,
        CheckStep.district,
        S.recommended,
        "district_recommend",
        reason,
    )


async def accept_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, reason: str
) -> Application:
    return await _pass_check(
        session, principal, application_id, CheckStep.formal, S.accepted, "formal_accept", reason
    )
