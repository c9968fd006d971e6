"""Who hears what: each outbox event mapped to its recipients, with what the message says about
it. Payloads that lack what a message needs (a return reason, a product name) are completed from
the database, so that other domains' events stay as they are."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Membership,
    Objection,
    ObjectionStatus,
    Organization,
    OutboxEvent,
    ReviewAssignment,
    Role,
    User,
)
from api.notifications.kinds import Kind

S = ApplicationStatus
DECISIONS = frozenset(
    {S.recommended, S.accepted, S.rejected, S.shortlisted, S.not_selected, S.awarded}
)
WITH_REASON = frozenset({S.rejected, S.not_selected})
RESOLVED = frozenset({ObjectionStatus.upheld, ObjectionStatus.dismissed})


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: uuid.UUID | None
    email: str | None
    name: str | None
    locale: str

    @property
    def key(self) -> str:
        return str(self.user_id) if self.user_id else f"mailto:{self.email}"


@dataclass(frozen=True, slots=True)
class Delivery:
    kind: Kind
    recipient: Recipient
    item: dict[str, Any]
    path: str  # the SPA page of this item
    event_id: int = 0  # set by the consumer


def of_user(user: User) -> Recipient:
    return Recipient(user.id, user.email, user.display_name, user.locale.value)


async def _members(
    session: AsyncSession, role: Role, *where: Any, organization: bool = True
) -> list[Recipient]:
    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == role, User.is_active.is_(True), *where)
        .distinct()
        .order_by(User.id)
    )
    if organization:
        stmt = stmt.join(Organization, Organization.id == Membership.organization_id)
    return [of_user(u) for u in await session.scalars(stmt)]


async def applicants(session: AsyncSession, organization_id: uuid.UUID) -> list[Recipient]:
    """The applicant members of the organisation."""
    return await _members(
        session, Role.applicant, Membership.organization_id == organization_id, organization=False
    )


async def district_officers(session: AsyncSession, organization: Organization) -> list[Recipient]:
    """The officers of the district office of the organisation's district."""
    if organization.district is None:
        return []
    return await _members(
        session, Role.district_officer, Organization.district == organization.district
    )


async def admins(session: AsyncSession) -> list[Recipient]:
    return await _members(session, Role.admin, organization=False)


def _product(application: Application) -> dict[str, Any]:
    return {
        "application_id": str(application.id),
        "product_zh": application.product_name_zh,
        "product_en": application.product_name_en,
    }


async def _application(
    session: AsyncSession, application_id: Any
) -> tuple[Application, Organization] | None:
    row = (
        await session.execute(
            select(Application, Organization)
            .join(Organization, Organization.id == Application.organization_id)
            .where(Application.id == uuid.UUID(str(application_id)))
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def _status_changed(session: AsyncSession, payload: dict[str, Any]) -> list[Delivery]:
    found = await _application(session, payload["application_id"])
    if found is None:
        return []
    application, organization = found
    before, after = payload.get("from"), payload.get("to")
    path = f"/applications/{application.id}"
    item = _product(application)
    if after == S.returned:
        item |= {
            "reason": application.return_reason,
            "deadline": application.return_deadline_on,
        }
        users = await applicants(session, organization.id)
        return [Delivery(Kind.application_returned, r, item, path) for r in users]
    if after in DECISIONS:
        item["decision"] = after
        if after in WITH_REASON and application.decision_reason:
            item["reason"] = application.decision_reason
        users = await applicants(session, organization.id)
        return [Delivery(Kind.application_decision, r, item, path) for r in users]
    if after == S.submitted and before in (S.draft, S.returned):
        kind = Kind.application_submitted if before == S.draft else Kind.application_resubmitted
        item |= {"organization_zh": organization.name_zh, "organization_en": organization.name_en}
        officers = await district_officers(session, organization)
        district_path = f"/district/applications/{application.id}"
        return [Delivery(kind, r, item, district_path) for r in officers]
    return []


async def _certificate(
    session: AsyncSession, kind: Kind, payload: dict[str, Any]
) -> list[Delivery]:
    found = await _application(session, payload["application_id"])
    if found is None:
        return []
    application, organization = found
    item = _product(application) | {"number": payload.get("number")}
    if kind == Kind.certificate_issued:
        item["valid_until"] = payload.get("valid_until")
    else:
        item["reason"] = payload.get("reason")
    users = await applicants(session, organization.id)
    return [Delivery(kind, r, item, f"/applications/{application.id}") for r in users]


async def _assignments(session: AsyncSession, payload: dict[str, Any]) -> list[Delivery]:
    """The experts of a draw's assignments (`draw_id`), or of one added by hand
    (`assignment_id`), still active."""
    if payload.get("draw_id") is not None:
        chosen = ReviewAssignment.draw_id == uuid.UUID(str(payload["draw_id"]))
    elif payload.get("assignment_id") is not None:
        chosen = ReviewAssignment.id == uuid.UUID(str(payload["assignment_id"]))
    else:
        return []
    rows = await session.execute(
        select(ReviewAssignment, Application, User)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(User, User.id == ReviewAssignment.expert_id)
        .where(chosen, ReviewAssignment.status == AssignmentStatus.active, User.is_active.is_(True))
        .order_by(ReviewAssignment.id)
    )
    # The expert's own page; no applicant details beyond the product, as in the expert's queue.
    return [
        Delivery(
            Kind.assignment_new,
            of_user(user),
            _product(application) | {"assignment_id": str(assignment.id)},
            f"/expert/assignments/{assignment.id}",
        )
        for assignment, application, user in rows
    ]


async def _objection(session: AsyncSession, event: OutboxEvent) -> list[Delivery]:
    objection = await session.get(Objection, uuid.UUID(str(event.payload["objection_id"])))
    if objection is None:
        return []
    application = await session.get(Application, objection.application_id)
    item: dict[str, Any] = {"objection_id": str(objection.id), "reference": objection.reference}
    if application is not None:
        item |= _product(application)
    # An objector has no account and no language of record: Chinese, as the form they filled.
    objector = (
        Recipient(None, objection.objector_email, objection.objector_name, "zh-CN")
        if objection.objector_email
        else None
    )
    deliveries: list[Delivery] = []
    if event.event_type == "objection.filed":
        path = f"/admin/objections/{objection.id}"
        deliveries += [Delivery(Kind.objection_filed, r, item, path) for r in await admins(session)]
        if objector:
            deliveries.append(Delivery(Kind.objection_received, objector, item, "/publicity"))
    elif event.payload.get("to") in RESOLVED and objector:
        resolved = item | {"outcome": event.payload["to"], "resolution": objection.resolution}
        deliveries.append(Delivery(Kind.objection_resolved, objector, resolved, "/publicity"))
    return deliveries


async def for_event(session: AsyncSession, event: OutboxEvent) -> list[Delivery]:
    """Everybody who hears of `event`, and what they hear; nobody for events nobody hears of."""
    payload = event.payload
    match event.event_type:
        case "application.status_changed":
            return await _status_changed(session, payload)
        case "certificate.issued":
            return await _certificate(session, Kind.certificate_issued, payload)
        case "certificate.revoked":
            return await _certificate(session, Kind.certificate_revoked, payload)
        case "assignment.drawn" | "assignment.added":
            return await _assignments(session, payload)
        case "objection.filed" | "objection.status_changed":
            return await _objection(session, event)
        case "webhook.subscription_disabled":
            item = {"url": payload.get("url"), "reason": payload.get("reason")}
            return [
                Delivery(Kind.webhook_disabled, r, item, "/admin/webhooks")
                for r in await admins(session)
            ]
    return []


def fold_certificates(deliveries: list[Delivery]) -> list[Delivery]:
    """An award and its certificate issued by one action make one message: the certificate
    number joins the award's line instead of a second e-mail."""
    awarded = {
        (d.recipient.key, d.item["application_id"]): d
        for d in deliveries
        if d.kind == Kind.application_decision and d.item.get("decision") == S.awarded
    }
    kept = []
    for d in deliveries:
        if d.kind == Kind.certificate_issued:
            award = awarded.get((d.recipient.key, d.item["application_id"]))
            if award is not None:
                award.item["number"] = d.item["number"]
                continue
        kept.append(d)
    return kept
