"""Factories for organisations, users and logged-in clients."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import httpx
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo import make_uscc
from api.models import (
    District,
    Membership,
    Organization,
    OrganizationKind,
    PasswordReset,
    Role,
    User,
)
from api.permissions import hash_token

PASSWORD = "Correct-Horse-Battery-9"
_serial = itertools.count(5_000_000)


@lru_cache
def password_hash(password: str = PASSWORD) -> str:
    return PasswordHasher().hash(password)


def valid_uscc(district: District = District.haidian, prefix: str = "91") -> str:
    return make_uscc(prefix, district, next(_serial))


async def make_org(
    db: AsyncSession,
    *,
    kind: OrganizationKind = OrganizationKind.enterprise,
    district: District | None = District.haidian,
    name_zh: str | None = None,
) -> Organization:
    n = next(_serial)
    org = Organization(
        name_zh=name_zh or f"测试机构{n}",
        name_en=f"Test Organisation {n}",
        uscc=valid_uscc(district or District.haidian)
        if kind == OrganizationKind.enterprise
        else None,
        district=district,
        kind=kind,
    )
    db.add(org)
    await db.flush()
    return org


ROLE_ORG_KIND = {
    Role.applicant: OrganizationKind.enterprise,
    Role.district_officer: OrganizationKind.district_office,
    Role.expert: OrganizationKind.other,
    Role.agency_officer: OrganizationKind.agency,
    Role.admin: OrganizationKind.agency,
}


async def make_user(
    db: AsyncSession,
    role: Role | None = None,
    *,
    org: Organization | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    is_active: bool = True,
    district: District = District.haidian,
) -> User:
    n = next(_serial)
    user = User(
        email=email or f"user{n}@example.cn",
        display_name=f"测试用户 {n}",
        password_hash=password_hash(password),
        is_active=is_active,
    )
    db.add(user)
    await db.flush()
    if role is not None:
        org = org or await make_org(db, kind=ROLE_ORG_KIND[role], district=district)
        db.add(Membership(user_id=user.id, organization_id=org.id, role=role))
        await db.flush()
    return user


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Log in and send the CSRF header on later requests, as the SPA does."""
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if response.status_code == 200:
        client.headers["X-CSRF-Token"] = client.cookies["csrf_token"]
    return response


async def logged_in(
    db: AsyncSession, client: httpx.AsyncClient, role: Role | None, **kwargs: object
) -> User:
    user = await make_user(db, role, **kwargs)  # type: ignore[arg-type]
    response = await login(client, user.email)
    assert response.status_code == 200, response.text
    return user


async def make_password_reset(
    db: AsyncSession, user: User, *, valid_for: timedelta = timedelta(minutes=30)
) -> str:
    """A reset link's token for `user`, stored as the service stores it (its hash only)."""
    token = secrets.token_urlsafe(32)
    db.add(
        PasswordReset(
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=datetime.now(UTC) + valid_for,
        )
    )
    await db.flush()
    return token
