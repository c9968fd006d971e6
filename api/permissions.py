"""Who is calling, and the permission dependencies every router reuses.

Browser callers carry a server-side session cookie; unsafe methods from such a session must
also send `X-CSRF-Token` equal to the `csrf_token` cookie and to the token bound to the session.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update

from api.config import get_settings
from api.db import SessionDep
from api.errors import Forbidden, NotAuthenticated
from api.models import District, Membership, Organization, Role, User, UserSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
# Writing last_seen_at on every request would turn each read into a write.
_TOUCH_INTERVAL = timedelta(seconds=60)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class RoleGrant:
    role: Role
    organization_id: uuid.UUID
    organization_name_zh: str
    organization_name_en: str | None
    district: District | None


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    email: str
    display_name: str
    locale: str
    session_id: uuid.UUID
    grants: tuple[RoleGrant, ...]

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.admin)

    def organization_ids(self, role: Role) -> frozenset[uuid.UUID]:
        return frozenset(g.organization_id for g in self.grants if g.role == role)

    def districts(self) -> frozenset[District]:
        return frozenset(
            g.district
            for g in self.grants
            if g.role == Role.district_officer and g.district is not None
        )


async def load_grants(session: SessionDep, user_id: uuid.UUID) -> tuple[RoleGrant, ...]:
    rows = await session.execute(
        select(
            Membership.role,
            Organization.id,
            Organization.name_zh,
            Organization.name_en,
            Organization.district,
        )
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.role, Organization.name_zh)
    )
    return tuple(RoleGrant(*row) for row in rows)


async def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """The logged-in caller, or None. Enforces idle/absolute expiry and CSRF."""
    settings = get_settings()
    token = request.cookies.get(settings.session_cookie_name)
    if not token:
        return None
    now = datetime.now(UTC)
    idle_cutoff = now - timedelta(minutes=settings.session_idle_timeout_minutes)
    row = (
        await session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(
                UserSession.token_hash == hash_token(token),
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
                UserSession.last_seen_at > idle_cutoff,
                User.is_active.is_(True),
            )
        )
    ).first()
    if row is None:
        request.state.session_expired = True
        return None
    user_session, user = row
    if request.method not in SAFE_METHODS:
        header = request.headers.get(CSRF_HEADER, "")
        cookie = request.cookies.get(settings.csrf_cookie_name, "")
        if not (
            header
            and hmac.compare_digest(header, cookie)
            and hmac.compare_digest(hash_token(header), user_session.csrf_hash)
        ):
            raise Forbidden(
                f"Unsafe requests must send the {CSRF_HEADER} header matching the "
                f"{settings.csrf_cookie_name} cookie.",
                code="csrf_failed",
            )
    if now - user_session.last_seen_at > _TOUCH_INTERVAL:
        await session.execute(
            update(UserSession).where(UserSession.id == user_session.id).values(last_seen_at=now)
        )
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale=user.locale.value,
        session_id=user_session.id,
        grants=await load_grants(session, user.id),
    )


async def require_login(
    request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> Principal:
    if principal is None:
        if getattr(request.state, "session_expired", False):
            raise NotAuthenticated(
                "Your session has expired; please log in again.", code="session_expired"
            )
        raise NotAuthenticated("Please log in.")
    return principal


def require_role(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    async def dependency(principal: Annotated[Principal, Depends(require_login)]) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(
                "This action needs the role " + " or ".join(r.value for r in roles) + "."
            )
        return principal

    dependency.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return dependency


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_login)]
AdminPrincipal = Annotated[Principal, Depends(require_role(Role.admin))]
ApplicantPrincipal = Annotated[Principal, Depends(require_role(Role.applicant))]
# The awarded enterprise's own records, which admins verify and correct.
ApplicantOrAdminPrincipal = Annotated[Principal, Depends(require_role(Role.applicant, Role.admin))]
DistrictOfficerPrincipal = Annotated[Principal, Depends(require_role(Role.district_officer))]
ExpertPrincipal = Annotated[Principal, Depends(require_role(Role.expert))]
