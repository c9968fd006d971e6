"""Login, logout, registration, password change and browser sessions."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import ratelimit
from api.audit import service as audit
from api.audit.service import Actor
from api.auth.passwords import dummy_hash, hash_password, password_problem, verify_password
from api.auth.schemas import RegisterRequest
from api.config import get_settings
from api.errors import Conflict, FieldError, NotAuthenticated, Unprocessable, field_error
from api.models import Locale, Membership, OrganizationKind, Role, User, UserSession
from api.organizations import service as organization_service
from api.organizations.schemas import OrganizationCreate
from api.permissions import Principal, hash_token


@dataclass(frozen=True)
class IssuedSession:
    user: User
    token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class _UserActor:
    user_id: uuid.UUID
    email: str


def actor_of(user: User) -> Actor:
    return _UserActor(user.id, user.email)


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def start_session(
    session: AsyncSession, user: User, *, ip: str | None, user_agent: str | None
) -> IssuedSession:
    settings = get_settings()
    now = datetime.now(UTC)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=settings.session_absolute_timeout_hours)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_token(token),
            csrf_hash=hash_token(csrf),
            last_seen_at=now,
            expires_at=expires_at,
            ip=ip,
            user_agent=(user_agent or "")[:400] or None,
        )
    )
    user.last_login_at = now
    await session.flush()
    return IssuedSession(user, token, csrf, expires_at)


async def revoke_token(session: AsyncSession, token: str | None) -> None:
    """End the session a presented cookie belongs to (fixation defence at login)."""
    if token:
        await session.execute(
            update(UserSession)
            .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )


def login_account_key(email: str) -> tuple[str, str]:
    return "login-account", email.lower()


async def login(
    session: AsyncSession,
    email: str,
    password: str,
    *,
    ip: str | None,
    user_agent: str | None,
    previous_token: str | None,
) -> IssuedSession:
    settings = get_settings()
    account_key, ip_key = login_account_key(email), ("login-ip", ip or "unknown")
    await ratelimit.ensure_allowed(settings.login_limit_per_account, *account_key)
    await ratelimit.ensure_allowed(settings.login_limit_per_ip, *ip_key)

    user = await find_user_by_email(session, email)
    password_ok = await verify_password(user.password_hash if user else dummy_hash(), password)
    if user is None or not password_ok or not user.is_active:
        await ratelimit.count(settings.login_limit_per_account, *account_key)
        await ratelimit.count(settings.login_limit_per_ip, *ip_key)
        if user is not None and password_ok and not user.is_active:
            raise NotAuthenticated("This account has been deactivated.", code="user_inactive")
        raise NotAuthenticated("Wrong e-mail or password.", code="invalid_credentials")

    await ratelimit.reset(settings.login_limit_per_account, *account_key)
    await revoke_token(session, previous_token)
    issued = await start_session(session, user, ip=ip, user_agent=user_agent)
    await audit.record(
        session, actor=actor_of(user), action="auth.login", object_type="user", object_id=user.id
    )
    return issued


async def change_password(
    session: AsyncSession, principal: Principal, current_password: str, new_password: str
) -> int:
    """Replace the caller's password and end their other sessions; the number ended.

    A wrong current password counts against the account's failed-login limit, so a stolen
    session cannot be used to guess the password faster than the login form allows."""
    limit = get_settings().login_limit_per_account
    account_key = login_account_key(principal.email)
    await ratelimit.ensure_allowed(limit, *account_key)
    # Locked, so that of two changes racing from one old password the second finds it gone.
    user = await session.get(User, principal.user_id, with_for_update=True, populate_existing=True)
    if user is None:  # the session's user was loaded a moment ago; deleted since
        raise NotAuthenticated("Please log in.")
    if not await verify_password(user.password_hash, current_password):
        await ratelimit.count(limit, *account_key)
        message = "The current password is wrong."
        raise Unprocessable(
            message,
            code="wrong_password",
            errors=[FieldError(field="current_password", message=message, code="wrong_password")],
        )
    await ratelimit.reset(limit, *account_key)
    if new_password == current_password:
        raise field_error(
            "new_password",
            "The new password must differ from the current one.",
            "password_unchanged",
        )
    check_password_policy(
        new_password, email=user.email, display_name=user.display_name, field="new_password"
    )
    user.password_hash = await hash_password(new_password)
    # Whoever else holds a session of this account (a stolen cookie, a forgotten computer)
    # is signed out; the caller's own session goes on.
    result = await session.execute(
        update(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.id != principal.session_id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
    )
    ended = int(result.rowcount)  # type: ignore[attr-defined]
    await audit.record(
        session,
        actor=principal,
        action="auth.change_password",
        object_type="user",
        object_id=user.id,
        note=f"{ended} other session(s) ended",
    )
    return ended


async def logout(session: AsyncSession, principal: Principal) -> None:
    await session.execute(
        update(UserSession)
        .where(UserSession.id == principal.session_id)
        .values(revoked_at=func.now())
    )
    await audit.record(
        session,
        actor=principal,
        action="auth.logout",
        object_type="user",
        object_id=principal.user_id,
    )


def check_password_policy(
    password: str, *, email: str, display_name: str, field: str = "password"
) -> None:
    problem = password_problem(
        password, user_inputs=[email, email.split("@")[0], display_name, "firstset"]
    )
    if problem:
        raise field_error(field, problem, "weak_password")


async def ensure_email_free(session: AsyncSession, email: str) -> None:
    if await find_user_by_email(session, email):
        raise Conflict(
            "An account with this e-mail already exists.",
            code="email_taken",
            errors=[FieldError(field="email", message="Already registered.", code="email_taken")],
        )


async def add_user(
    session: AsyncSession, *, email: str, display_name: str, locale: Locale, password: str
) -> User:
    """A new account after the password policy and e-mail uniqueness checks."""
    check_password_policy(password, email=email, display_name=display_name)
    await ensure_email_free(session, email)
    user = User(
        email=email,
        display_name=display_name,
        locale=locale,
        password_hash=await hash_password(password),
    )
    session.add(user)
    await session.flush()
    return user


async def register_applicant(
    session: AsyncSession, data: RegisterRequest, *, ip: str | None, user_agent: str | None
) -> IssuedSession:
    # Refused attempts count too: a bulk creator learns nothing by probing.
    limit, client_key = get_settings().registration_limit_per_ip, ("register-ip", ip or "unknown")
    await ratelimit.ensure_allowed(
        limit, *client_key, message="Too many registrations from this address; try again later."
    )
    await ratelimit.count(limit, *client_key)
    user = await add_user(
        session,
        email=data.email,
        display_name=data.display_name,
        locale=data.locale,
        password=data.password,
    )
    actor = actor_of(user)
    org = await organization_service.create_organization(
        session,
        actor,
        OrganizationCreate(**data.organization.model_dump(), kind=OrganizationKind.enterprise),
        field_prefix="organization.",
    )
    session.add(Membership(user_id=user.id, organization_id=org.id, role=Role.applicant))
    await audit.record(
        session,
        actor=actor,
        action="user.register",
        object_type="user",
        object_id=user.id,
        after={
            "email": user.email,
            "display_name": user.display_name,
            "organization_id": org.id,
            "role": Role.applicant,
        },
    )
    return await start_session(session, user, ip=ip, user_agent=user_agent)
