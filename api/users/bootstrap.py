"""Creating the first administrator from the command line."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.auth import service as auth_service
from api.errors import AppError
from api.models import Locale, Membership, Organization, OrganizationKind, Role

MUNICIPAL_DRC_ZH = "北京市发展和改革委员会"
MUNICIPAL_DRC_EN = "Beijing Municipal Commission of Development and Reform"


async def create_admin(session: AsyncSession, email: str, name: str, password: str) -> uuid.UUID:
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError("not an e-mail address")
    try:
        user = await auth_service.add_user(
            session, email=email, display_name=name, locale=Locale.zh_cn, password=password
        )
    except AppError as exc:
        raise ValueError(exc.detail) from exc
    org = await session.scalar(
        select(Organization).where(
            Organization.kind == OrganizationKind.agency, Organization.name_zh == MUNICIPAL_DRC_ZH
        )
    )
    if org is None:
        org = Organization(
            name_zh=MUNICIPAL_DRC_ZH, name_en=MUNICIPAL_DRC_EN, kind=OrganizationKind.agency
        )
        session.add(org)
        await session.flush()
    session.add(Membership(user_id=user.id, organization_id=org.id, role=Role.admin))
    await audit.record(
        session,
        actor=None,
        action="user.create_admin",
        object_type="user",
        object_id=user.id,
        after={"email": email, "display_name": name, "role": Role.admin},
        note="created from the command line",
    )
    return user.id
