"""E-mail: a `mail_message` row made into a MIME message and handed to the SMTP server, or, with
no server configured, written to var_dir/mail as an `.eml` file.

The row is the schedule and the log. `lease_due` moves due rows out of sight for a while;
`attempt` makes one try with no transaction open and records the outcome (sent, or the next
attempt after a doubling back-off, or failed once the attempts are used)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

import aiosmtplib
import anyio
import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings, get_settings
from api.models import MailMessage, MailStatus
from api.notifications.kinds import LINK_TEXT_REMOVED, ONE_TIME_LINK_KINDS

log = structlog.get_logger("api.notifications.mail")

LEASE_BATCH = 50
MAX_ERROR_CHARS = 500


def mail_dir(settings: Settings) -> Path:
    return settings.var_dir / "mail"


def _address(value: str) -> Address:
    name, addr = parseaddr(value)
    return Address(display_name=name, addr_spec=addr)


def build(message: MailMessage, settings: Settings, now: datetime) -> EmailMessage:
    """UTF-8 throughout; names in From and To are RFC 2047-encoded by the policy."""
    sender = _address(settings.mail_from)
    mime = EmailMessage()
    mime["Subject"] = message.subject
    mime["From"] = sender
    mime["To"] = Address(display_name=message.to_name or "", addr_spec=message.to_address)
    mime["Date"] = format_datetime(now)
    # Kept across retries, so that a receiver can tell a repeat from a new message; short
    # enough not to be folded.
    domain = sender.domain or "firstset.localhost"
    mime["Message-ID"] = message.message_id or f"<{secrets.token_hex(8)}.{message.id}@{domain}>"
    mime["Auto-Submitted"] = "auto-generated"
    # Quoted-printable: 7-bit safe for any server, and still readable in an .eml file.
    mime.set_content(message.text, charset="utf-8", cte="quoted-printable")
    # After set_content, which replaces every Content-* header.
    mime["Content-Language"] = message.locale
    return mime


@dataclass(frozen=True, slots=True)
class Outcome:
    message_id: str
    error: str | None = None
    eml_path: str | None = None


async def send(message: MailMessage, settings: Settings) -> Outcome:
    """One attempt. Never raises for a server's failure: the error is the outcome."""
    now = datetime.now(UTC)
    mime = build(message, settings, now)
    message_id = str(mime["Message-ID"])
    if not settings.smtp_host:
        directory = mail_dir(settings)
        path = directory / f"{now:%Y%m%d-%H%M%S}-{message.id}.eml"
        await anyio.Path(directory).mkdir(parents=True, exist_ok=True)
        await anyio.Path(path).write_bytes(mime.as_bytes(policy=SMTP))
        return Outcome(message_id, eml_path=str(path))
    try:
        await aiosmtplib.send(
            mime,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_s,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Outcome(message_id, error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS])
    return Outcome(message_id)


async def enqueue(
    session: AsyncSession,
    *,
    to_address: str,
    to_name: str | None,
    user_id: uuid.UUID | None,
    locale: str,
    kind: str,
    event_id: int,
    subject: str,
    text: str,
) -> None:
    """Queue an e-mail that is not a notice (no inbox entry, no preference, no digest): the
    worker sends it, or writes it to var_dir/mail, like every other message."""
    session.add(
        MailMessage(
            to_address=to_address,
            to_name=to_name,
            user_id=user_id,
            locale=locale,
            kind=kind,
            event_id=event_id,
            subject=subject,
            text=text,
        )
    )
    await session.flush()


def backoff(attempts: int, settings: Settings) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2×base, 4×base …"""
    return timedelta(seconds=settings.mail_backoff_s * 2 ** max(0, attempts - 1))


def lease_seconds(settings: Settings) -> float:
    return settings.smtp_timeout_s * 2 + 60


async def lease_due(session: AsyncSession, limit: int = LEASE_BATCH) -> list[int]:
    """Due pending messages, oldest due first, out of sight for the lease; their ids."""
    lease_until = datetime.now(UTC) + timedelta(seconds=lease_seconds(get_settings()))
    due = (
        select(MailMessage.id)
        .where(MailMessage.status == MailStatus.pending, MailMessage.next_attempt_at <= func.now())
        .order_by(MailMessage.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    leased = await session.scalars(
        update(MailMessage)
        .where(MailMessage.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=lease_until)
        .returning(MailMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(leased.all())


def record(message: MailMessage, outcome: Outcome, settings: Settings) -> None:
    message.attempts += 1
    message.message_id = outcome.message_id
    if outcome.error is None:
        message.status = MailStatus.sent
        message.sent_at = datetime.now(UTC)
        message.next_attempt_at = None
        message.last_error = None
        message.eml_path = outcome.eml_path
    elif message.attempts >= settings.mail_max_attempts:
        message.status = MailStatus.failed
        message.next_attempt_at = None
        message.last_error = outcome.error
    else:
        message.next_attempt_at = datetime.now(UTC) + backoff(message.attempts, settings)
        message.last_error = outcome.error
        return
    if message.kind in ONE_TIME_LINK_KINDS:
        message.text = LINK_TEXT_REMOVED


async def attempt(sessions: async_sessionmaker[AsyncSession], message_id: int) -> None:
    settings = get_settings()
    async with sessions() as session:
        message = await session.get(MailMessage, message_id)
    if message is None or message.status != MailStatus.pending:
        return
    outcome = await send(message, settings)
    async with sessions() as session, session.begin():
        row = await session.get(MailMessage, message_id, with_for_update=True)
        if row is None or row.status != MailStatus.pending:
            return
        record(row, outcome, settings)
    log.info("mail_attempt", mail_id=message_id, kind=message.kind, error=outcome.error)


async def send_due(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Every due message tried once; the number tried."""
    async with sessions() as session, session.begin():
        ids = await lease_due(session)
    for message_id in ids:
        await attempt(sessions, message_id)
    return len(ids)
