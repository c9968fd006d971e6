"""Applications: drafting, submission and the intake checks (district preliminary check and
the joint office's formal review). One named function per state change."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api import concurrency
from api.applications import access, eligibility
from api.applications.schemas import (
    ApplicationContent,
    ApplicationCreate,
    ApplicationUpdate,
    Eligibility,
)
from api.audit import service as audit
from api.batches import service as batch_service
from api.concurrency import version_etag
from api.errors import (
    Conflict,
    FieldError,
    NotFound,
    Unprocessable,
    field_error,
)
from api.events import service as events
from api.models import (
    Application,
    ApplicationStatus,
    Batch,
    CheckStep,
    District,
    Organization,
    Role,
)
from api.permissions import Principal

BEIJING = ZoneInfo("Asia/Shanghai")
S = ApplicationStatus
WITHDRAWABLE = frozenset(
    {
        S.draft,
        S.submitted,
        S.returned,
        S.recommended,
        S.accepted,
        S.in_review,
        S.reviewed,
        S.shortlisted,
    }
)
AUDITED = (
    "status",
    "product_name_zh",
    "product_name_en",
    "model_spec",
    "field",
    "product_type",
    "claimed_level",
    "summary_zh",
    "summary_en",
    "indicators",
    "ip_rights",
    "sales",
    "licences",
    "price_yuan",
    "expected_demonstration_use",
    "return_step",
    "return_reason",
    "return_deadline_on",
    "decision_reason",
)


def today() -> date:
    return datetime.now(BEIJING).date()


def is_overdue(application: Application) -> bool:
    return (
        application.status == S.returned
        and application.return_deadline_on is not None
        and application.return_deadline_on < today()
    )


def etag(application: Application) -> str:
    return version_etag(application.id, application.version)


def snapshot(application: Application) -> dict[str, Any]:
    return {f: getattr(application, f) for f in AUDITED}


def _content_values(data: ApplicationContent, *, exclude_unset: bool) -> dict[str, Any]:
    values = data.model_dump(
        mode="json", exclude_unset=exclude_unset, exclude={"batch_id", "organization_id"}
    )
    if "price_yuan" in values and values["price_yuan"] is not None:
        values["price_yuan"] = data.price_yuan  # keep Decimal, not its JSON string
    return values


def _check_field(batch: Batch, field: str | None) -> None:
    if field is not None and field not in batch.fields:
        raise field_error(
            "field", f"The batch does not offer the field {field!r}.", "field_not_offered"
        )


def invalid_state(application: Application, wanted: str) -> Conflict:
    return Conflict(
        f"The application is {application.status.value}; {wanted}.",
        code="invalid_state",
        extra={"current_state": application.status.value},
    )


async def record_change(
    session: AsyncSession,
    actor: Principal,
    application: Application,
    verb: str,
    before: dict[str, Any],
    note: str | None = None,
) -> None:
    application.version += 1
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"application.{verb}",
        object_type="application",
        object_id=application.id,
        before=before,
        after=snapshot(application),
        note=note,
    )
    if before.get("status") != application.status:
        await events.emit(
            session,
            "application.status_changed",
            object_type="application",
            object_id=application.id,
            payload={
                "application_id": application.id,
                "batch_id": application.batch_id,
                "from": before.get("status"),
                "to": application.status,
            },
        )


# --- reads -----------------------------------------------------------------------------------

ListRow = Row[Application, Organization, Batch]


async def list_applications(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    batch_id: uuid.UUID | None,
    statuses: Sequence[ApplicationStatus],
    district: District | None,
    overdue: bool | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[ListRow]:
    """Newest first; one query with the organisation and batch of each row. `visible` is what
    the caller may read (a filter on Application joined with Organization and Batch)."""
    stmt = (
        select(Application, Organization, Batch)
        .join(Organization, Organization.id == Application.organization_id)
        .join(Batch, Batch.id == Application.batch_id)
        .where(visible)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(limit)
    )
    if batch_id:
        stmt = stmt.where(Application.batch_id == batch_id)
    if statuses:
        stmt = stmt.where(Application.status.in_(statuses))
    if district:
        stmt = stmt.where(Organization.district == district)
    if overdue is not None:
        late = (Application.status == S.returned) & (Application.return_deadline_on < today())
        stmt = stmt.where(late if overdue else ~late)
    if after:
        stmt = stmt.where(tuple_(Application.created_at, Application.id) < tuple_(*after))
    return (await session.execute(stmt)).all()


async def read_with_context(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, Organization, Batch]:
    application = await access.get_readable_application(
        session, principal, application_id, material=True
    )
    org = await session.get(Organization, application.organization_id)
    batch = await session.get(Batch, application.batch_id)
    assert org is not None
    assert batch is not None
    return application, org, batch


# --- the applicant's side ---------------------------------------------------------------------


def _applicant_organization(principal: Principal, requested: uuid.UUID | None) -> uuid.UUID:
    own = principal.organization_ids(Role.applicant)
    if requested is not None:
        if requested not in own:
            raise field_error(
                "organization_id", "You do not apply for this organisation.", "not_member"
            )
        return requested
    if len(own) != 1:
        raise field_error("organization_id", "Choose the organisation you apply for.", "required")
    return next(iter(own))


async def create_application(
    session: AsyncSession, principal: Principal, data: ApplicationCreate
) -> Application:
    organization_id = _applicant_organization(principal, data.organization_id)
    try:
        batch = await batch_service.get_batch(session, data.batch_id)
    except NotFound as exc:
        raise field_error("batch_id", "No such batch.", "not_found") from exc
    batch_service.ensure_accepting(batch)
    _check_field(batch, data.field)
    values = _content_values(data, exclude_unset=False)
    application = Application(
        batch_id=batch.id,
        organization_id=organization_id,
        status=S.draft,
        version=1,
        product_key=eligibility.product_key(data.product_name_zh, data.model_spec),
        created_by=principal.user_id,
        **{k: v for k, v in values.items() if v is not None},
    )
    session.add(application)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="application.create",
        object_type="application",
        object_id=application.id,
        after=snapshot(application),
    )
    return application


def check_if_match(application: Application, if_match: str | None) -> None:
    concurrency.check_if_match(etag(application), if_match, what="application")


async def update_application(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    data: ApplicationUpdate,
    if_match: str | None,
) -> Application:
    application = await access.get_editable_application(session, principal, application_id)
    check_if_match(application, if_match)
    values = _content_values(data, exclude_unset=True)
    if "product_name_zh" in values and values["product_name_zh"] is None:
        raise field_error("product_name_zh", "The product name cannot be empty.", "required")
    if "field" in values:
        _check_field(await batch_service.get_batch(session, application.batch_id), values["field"])
    before = snapshot(application)
    for name, value in values.items():
        setattr(
            application,
            name,
            []
            if value is None and name in ("indicators", "ip_rights", "sales", "licences")
            else value,
        )
    application.product_key = eligibility.product_key(
        application.product_name_zh, application.model_spec
    )
    await record_change(session, principal, application, "update", before)
    return application


async def check_eligibility(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Eligibility:
    application = await access.get_readable_application(session, principal, application_id)
    return await eligibility.check(session, application)


def _ineligible(result: Eligibility) -> Unprocessable:
    failing = [r for r in result.rules if not r.passed]
    return Unprocessable(
        "The application does not meet every eligibility rule yet.",
        code="not_eligible",
        errors=[FieldError(field=r.rule, message=r.reason, code="rule_failed") for r in failing],
    )


async def submit_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    application = await access.get_editable_application(session, principal, application_id)
    if application.status != S.draft:
        raise invalid_state(application, "use resubmit for a returned application")
    batch_service.ensure_accepting(await batch_service.get_batch(session, application.batch_id))
    result = await eligibility.check(session, application)
    if not result.eligible:
        raise _ineligible(result)
    before = snapshot(application)
    application.status = S.submitted
    application.submitted_at = datetime.now(UTC)
    await record_change(session, principal, application, "submit", before)
    return application


async def resubmit_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    """A corrected application re-enters the check that returned it."""
    application = await access.get_editable_application(session, principal, application_id)
    if application.status != S.returned:
        raise invalid_state(application, "only returned applications are resubmitted")
    if is_overdue(application):
        raise Conflict(
            f"The correction deadline {application.return_deadline_on} has passed.",
            code="deadline_passed",
            extra={"current_state": application.status.value},
        )
    result = await eligibility.check(session, application)
    if not result.eligible:
        raise _ineligible(result)
    before = snapshot(application)
    application.status = (
        S.submitted if application.return_step == CheckStep.district else S.recommended
    )
    application.return_reason = None
    application.return_deadline_on = None
    application.submitted_at = datetime.now(UTC)
    await record_change(
        session,
        principal,
        application,
        "resubmit",
        before,
        note=f"re-enters the {application.return_step} check",
    )
    return application


async def withdraw_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    application = await access.get_readable_application(
        session, principal, application_id, lock=True
    )
    if not access.is_owner(principal, application):
        raise NotFound("No such application.")
    if application.status not in WITHDRAWABLE:
        raise invalid_state(application, "it can no longer be withdrawn")
    before = snapshot(application)
    application.status = S.withdrawn
    await record_change(session, principal, application, "withdraw", before)
    return application
