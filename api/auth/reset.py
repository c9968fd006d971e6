"""Password reset by e-mail: a one-time link to whoever holds the account's mailbox.

The request answers the same whether or not the address has an active account, so the form
tells nobody who is registered. Only the SHA-256 of a link's token is stored; the e-mail queue
drops the text once the message has gone (see `kinds.ONE_TIME_LINK_KINDS`)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import ratelimit
from api.audit import service as audit
from api.auth.passwords import hash_password
from api.auth.service import actor_of, check_password_policy, login_account_key
from api.config import get_settings
from api.errors import Unprocessable
from api.models import Locale, PasswordReset, User, UserSession
from api.notifications import mail
from api.notifications.kinds import RESET_LINK_MAIL
from api.permissions import hash_token

MAIL_KIND = RESET_LINK_MAIL
INVALID = "This reset link is not valid: it is unknown, already used or expired."

_SUBJECT = "重置密码 / Reset your password"
_TEXT = {
    Locale.zh_cn: (
        "{name}，您好：\n\n"
        "有人（可能是您本人）请求重置北京市首台（套）重大技术装备平台账号 {email} 的密码。"
        "请在 {minutes} 分钟内打开以下链接设置新密码（链接只能使用一次）：\n\n{url}\n\n"
        "如果不是您本人的请求，请忽略此邮件，您的密码不会改变。"
    ),
    Locale.en: (
        "Dear {name},\n\n"
        "Someone (probably you) asked to reset the password of the account {email} on the "
        "Beijing First (Set) platform. Open this link within {minutes} minutes to choose a new "
        "password (it works once):\n\n{url}\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is."
    ),
}
_FOOTER = (
    "此邮件由北京市首台（套）重大技术装备平台自动发送，请勿直接回复。\n"
    "This message was sent automatically by the Beijing First (Set) platform; please do not reply."
)


def _mail_text(user: User, url: str, minutes: int) -> str:
    """Both languages, the account's own first."""
    order = [user.locale, *(loc for loc in (Locale.zh_cn, Locale.en) if loc != user.locale)]
    parts = [
        _TEXT[loc].format(name=user.display_name, email=user.email, url=url, minutes=minutes)
        for loc in order
    ]
    return "\n\n".join((*parts, "--\n" + _FOOTER)) + "\n"


async def request_reset(session: AsyncSession, email: str, *, ip: str | None) -> None:
    """Send a reset link when `email` is an active account's; answer alike when it is not."""
    settings = get_settings()
    address = email.strip().lower()
    ip_key = ("password-reset-ip", ip or "unknown")
    account_key = ("password-reset-account", address)
    message = "Too many password-reset requests; try again later."
    await ratelimit.ensure_allowed(settings.password_reset_limit_per_ip, *ip_key, message=message)
    await ratelimit.ensure_allowed(
        settings.password_reset_limit_per_account, *account_key, message=message
    )
    # Every request counts, known address or not: otherwise the limit itself would tell.
    await ratelimit.count(settings.password_reset_limit_per_ip, *ip_key)
    await ratelimit.count(settings.password_reset_limit_per_account, *account_key)

    user = await session.scalar(select(User).where(User.email == address))
    if user is None or not user.is_active:
        await audit.record(
            session,
            actor=None,
            action="auth.request_password_reset",
            object_type="user",
            object_id=None,
            note="no active account with the address; nothing sent",
        )
        return

    now = datetime.now(UTC)
    # The newest link is the only one that works.
    await session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(expires_at=func.now())
    )
    token = secrets.token_urlsafe(32)  # 256 bits
    minutes = settings.password_reset_ttl_minutes
    reset = PasswordReset(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=now + timedelta(minutes=minutes),
        ip=ip,
    )
    session.add(reset)
    await session.flush()
    url = f"{settings.public_base_url.rstrip('/')}/reset-password?token={token}"
    await mail.enqueue(
        session,
        to_address=user.email,
        to_name=user.display_name,
        user_id=user.id,
        locale=user.locale.value,
        kind=MAIL_KIND,
        event_id=reset.id,
        subject=_SUBJECT,
        text=_mail_text(user, url, minutes),
    )
    await audit.record(
        session,
        actor=None,
        action="auth.request_password_reset",
        object_type="user",
        object_id=user.id,
        note=f"reset link {reset.id} sent, valid for {minutes} minutes",
    )


def _invalid() -> Unprocessable:
    return Unprocessable(INVALID, code="reset_token_invalid")


async def confirm_reset(session: AsyncSession, token: str, new_password: str) -> int:
    """Set the password a reset link was sent for; the number of sessions ended.

    The link's row is locked, so of two confirmations racing with one link the second finds
    it used."""
    reset = await session.scalar(
        select(PasswordReset)
        .where(PasswordReset.token_hash == hash_token(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= datetime.now(UTC):
        raise _invalid()
    user = await session.get(User, reset.user_id, with_for_update=True, populate_existing=True)
    if user is None or not user.is_active:
        raise _invalid()
    check_password_policy(
        new_password, email=user.email, display_name=user.display_name, field="new_password"
    )
    reset.used_at = func.now()
    user.password_hash = await hash_password(new_password)
    # Whoever holds a session of the account may be the reason for the reset: all end.
    result = await session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    ended = int(result.rowcount)  # type: ignore[attr-defined]
    # The account's owner proved it: failed logins of whoever guessed before no longer count.
    await ratelimit.reset(get_settings().login_limit_per_account, *login_account_key(user.email))
    await audit.record(
        session,
        actor=actor_of(user),
        action="auth.reset_password",
        object_type="user",
        object_id=user.id,
        note=f"reset link {reset.id} used; {ended} session(s) ended",
    )
    return ended
