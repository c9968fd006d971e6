"""Notifications: the outbox consumer that turns events into inbox entries and e-mails, the
inbox, and the preferences.

An action only writes its outbox events; this consumer, run by the worker, does the rest — so a
slow or broken mail server never touches the action. Events written by one transaction share
its `occurred_at` (the transaction's `now()`): they make one message per recipient and kind."""

from __future__ import annotations

import math
import time
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import groupby

import structlog
from fastapi.encoders import jsonable_encoder
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.applications import service as application_service
from api.config import get_settings
from api.errors import NotFound, field_error
from api.models import (
    EmailDelivery,
    MailMessage,
    MailStatus,
    Notification,
    NotificationEventSeen,
    NotificationPreference,
    NotificationSetting,
    OutboxCursor,
    OutboxEvent,
    Role,
)
from api.notifications import mail, recipients, reminders, templates
from api.notifications.kinds import DAILY_DIGEST, SPECS, Kind, kinds_for
from api.notifications.recipients import Delivery
from api.notifications.schemas import Preference, PreferenceRead, Preferences

log = structlog.get_logger("api.notifications")

CONSUMER = "notifications"
# Outbox ids are taken at insert but become visible at commit: events this young are looked at
# again unless `notification_event_seen` has them.
LOOKBACK = timedelta(hours=1)
SEEN_KEPT = LOOKBACK * 2
# Reminders change with the day, not the minute: looked for now and then, not on every poll.
REMIND_EVERY_S = 600.0
_reminded_at = -math.inf


# --- the consumer ------------------------------------------------------------------------------


async def _lock_cursor(session: AsyncSession) -> OutboxCursor | None:
    await session.execute(insert(OutboxCursor).values(consumer=CONSUMER).on_conflict_do_nothing())
    return await session.scalar(
        select(OutboxCursor)
        .where(OutboxCursor.consumer == CONSUMER)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


async def _deliveries(session: AsyncSession, event: OutboxEvent) -> list[Delivery]:
    # One broken event must not stop every later one: it is logged and passed over.
    try:
        async with session.begin_nested():
            found = await recipients.for_event(session, event)
    except Exception:
        log.exception("notification_event_failed", event_id=event.id, type=event.event_type)
        return []
    return [replace(d, event_id=event.id) for d in found]


def _groups(
    by_transaction: dict[datetime, list[Delivery]],
) -> list[tuple[Kind, recipients.Recipient, list[Delivery]]]:
    groups: list[tuple[Kind, recipients.Recipient, list[Delivery]]] = []
    for deliveries in by_transaction.values():
        keyed: dict[tuple[str, Kind], list[Delivery]] = defaultdict(list)
        first: dict[tuple[str, Kind], recipients.Recipient] = {}
        for d in recipients.fold_certificates(deliveries):
            key = (d.recipient.key, d.kind)
            keyed[key].append(d)
            first.setdefault(key, d.recipient)
        groups += [(kind, first[(r, kind)], ds) for (r, kind), ds in keyed.items()]
    return groups


async def _preferences(
    session: AsyncSession, user_ids: set[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], NotificationPreference]:
    if not user_ids:
        return {}
    rows = await session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
    )
    return {(p.user_id, p.kind): p for p in rows}


async def _daily_users(session: AsyncSession, user_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not user_ids:
        return set()
    rows = await session.scalars(
        select(NotificationSetting.user_id).where(
            NotificationSetting.user_id.in_(user_ids),
            NotificationSetting.email_delivery == EmailDelivery.daily,
        )
    )
    return set(rows)


def _public_url(path: str) -> str:
    return get_settings().public_base_url.rstrip("/") + path


async def _write(
    session: AsyncSession,
    kind: Kind,
    recipient: recipients.Recipient,
    deliveries: list[Delivery],
    preference: NotificationPreference | None,
    daily: bool,
) -> tuple[int, int]:
    spec = SPECS[kind]
    in_app = recipient.user_id is not None and (
        spec.required or preference is None or preference.in_app
    )
    by_mail = bool(recipient.email) and (spec.required or preference is None or preference.email)
    items = [jsonable_encoder(d.item) for d in deliveries]
    path = deliveries[0].path if len(deliveries) == 1 else spec.list_path
    url = _public_url(path)
    rendered = templates.render(kind, recipient.locale, recipient.name, items, url)
    event_id = min(d.event_id for d in deliveries)
    written = (0, 0)
    if in_app:
        inserted = await session.scalar(
            insert(Notification)
            .values(
                user_id=recipient.user_id,
                kind=kind.value,
                event_id=event_id,
                title=rendered.subject,
                body=rendered.body,
                link=url,
                data={"items": items, "event_ids": sorted({d.event_id for d in deliveries})},
            )
            .on_conflict_do_nothing()
            .returning(Notification.id)
        )
        written = (int(inserted is not None), 0)
    if by_mail:
        assert recipient.email is not None
        inserted = await session.scalar(
            insert(MailMessage)
            .values(
                to_address=recipient.email,
                to_name=recipient.name,
                user_id=recipient.user_id,
                locale=templates.locale_of(recipient.locale),
                kind=kind.value,
                event_id=event_id,
                subject=rendered.subject,
                text=rendered.text,
                body=rendered.body,
                link=url,
                # A required notice does not wait for the digest: it may carry a deadline.
                **(
                    {"status": MailStatus.held, "next_attempt_at": None}
                    if daily and not spec.required
                    else {}
                ),
            )
            .on_conflict_do_nothing()
            .returning(MailMessage.id)
        )
        written = (written[0], int(inserted is not None))
    return written


async def _write_all(
    session: AsyncSession, groups: list[tuple[Kind, recipients.Recipient, list[Delivery]]]
) -> tuple[int, int]:
    user_ids = {r.user_id for _, r, _ in groups if r.user_id is not None}
    preferences = await _preferences(session, user_ids)
    daily = await _daily_users(session, user_ids)
    entries = mails = 0
    for kind, recipient, deliveries in groups:
        preference = preferences.get((recipient.user_id, kind.value)) if recipient.user_id else None
        added = await _write(
            session, kind, recipient, deliveries, preference, recipient.user_id in daily
        )
        entries, mails = entries + added[0], mails + added[1]
    return entries, mails


async def fan_out(session: AsyncSession) -> tuple[int, int]:
    """Inbox entries and e-mails for the events not handled yet: (entries, e-mails) created.
    Another worker holding the cursor makes this a no-op."""
    cursor = await _lock_cursor(session)
    if cursor is None:
        return (0, 0)
    seen = select(NotificationEventSeen.event_id).where(
        NotificationEventSeen.event_id == OutboxEvent.id
    )
    events = (
        await session.scalars(
            select(OutboxEvent)
            .where(
                or_(
                    OutboxEvent.id > cursor.last_event_id,
                    OutboxEvent.occurred_at > func.now() - LOOKBACK,
                ),
                ~exists(seen),
            )
            .order_by(OutboxEvent.id)
        )
    ).all()
    if not events:
        return (0, 0)
    by_transaction: dict[datetime, list[Delivery]] = defaultdict(list)
    for event in events:
        by_transaction[event.occurred_at] += await _deliveries(session, event)
    entries, mails = await _write_all(session, _groups(by_transaction))
    await session.execute(
        insert(NotificationEventSeen)
        .values([{"event_id": e.id} for e in events])
        .on_conflict_do_nothing()
    )
    await session.execute(
        delete(NotificationEventSeen).where(NotificationEventSeen.seen_at < func.now() - SEEN_KEPT)
    )
    cursor.last_event_id = max(cursor.last_event_id, events[-1].id)
    await session.flush()
    return (entries, mails)


async def remind(session: AsyncSession, today: date) -> tuple[int, int]:
    """Inbox entries and e-mails for the reminders due `today` not sent yet: (entries, e-mails)
    created."""
    return await _write_all(session, await reminders.due(session, today))


def digest_cutoff(now: datetime) -> datetime:
    """Today's digest hour in Beijing: what was held before it goes out in today's digest."""
    hour = clock_time(get_settings().mail_digest_hour, tzinfo=application_service.BEIJING)
    return datetime.combine(now.astimezone(application_service.BEIJING).date(), hour)


async def collect_digests(session: AsyncSession, now: datetime) -> int:
    """Once the digest hour has come, each recipient's held e-mails become one digest e-mail,
    due at once: digests created."""
    cutoff = digest_cutoff(now)
    if now < cutoff:
        return 0
    held = (
        await session.scalars(
            select(MailMessage)
            .where(MailMessage.status == MailStatus.held, MailMessage.created_at < cutoff)
            .order_by(MailMessage.user_id, MailMessage.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    day = cutoff.date()
    created = 0
    for user_id, group in groupby(held, key=lambda m: m.user_id):
        messages = list(group)
        latest = messages[-1]
        rendered = templates.render_digest(
            latest.locale,
            latest.to_name,
            day,
            [templates.DigestEntry(m.subject, m.body or m.text, m.link) for m in messages],
            _public_url("/notifications/preferences"),
        )
        digest_id = await session.scalar(
            insert(MailMessage)
            .values(
                to_address=latest.to_address,
                to_name=latest.to_name,
                user_id=user_id,
                locale=latest.locale,
                kind=DAILY_DIGEST,
                event_id=reminders.reminder_key(DAILY_DIGEST, user_id, day),
                subject=rendered.subject,
                text=rendered.text,
                body=rendered.body,
                link=_public_url("/notifications"),
            )
            .on_conflict_do_nothing()
            .returning(MailMessage.id)
        )
        if digest_id is None:  # today's digest went out already: these wait for tomorrow's
            continue
        await session.execute(
            update(MailMessage)
            .where(MailMessage.id.in_([m.id for m in messages]))
            .values(status=MailStatus.digested, digest_id=digest_id)
            .execution_options(synchronize_session=False)
        )
        created += 1
    return created


async def _periodic(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """The day's reminders, then the digests; each in its own transaction."""
    async with sessions() as session, session.begin():
        entries, mails = await remind(session, application_service.today())
    async with sessions() as session, session.begin():
        digests = await collect_digests(session, datetime.now(UTC))
    return entries, mails + digests


async def run_once(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """The worker's step: new events fanned out, now and then the day's reminders and digests,
    then every due e-mail tried once."""
    global _reminded_at
    async with sessions() as session, session.begin():
        entries, mails = await fan_out(session)
    if time.monotonic() - _reminded_at >= REMIND_EVERY_S:
        # A broken reminder must not hold up the e-mail: logged, and tried again next poll.
        try:
            added = await _periodic(sessions)
        except Exception:
            log.exception("notification_reminders_failed")
        else:
            entries, mails = entries + added[0], mails + added[1]
            _reminded_at = time.monotonic()
    tried = await mail.send_due(sessions)
    if entries or mails or tried:
        log.info("notifications", entries=entries, mails=mails, tried=tried)
    return entries, mails, tried


# --- the inbox ---------------------------------------------------------------------------------


async def inbox(
    session: AsyncSession, user_id: uuid.UUID, *, limit: int, before_id: int | None
) -> list[Notification]:
    """Newest first; `limit + 1` rows, the extra one telling that a next page exists."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    return list(await session.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return count or 0


async def mark_read(
    session: AsyncSession, user_id: uuid.UUID, notification_id: int
) -> Notification:
    """Marking an entry read twice keeps the first time."""
    notification = await session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )
    if notification is None:  # someone else's entries do not exist for the caller
        raise NotFound("No such notification.", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = await session.scalar(select(func.now()))
        await session.flush()
    return notification


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID) -> int:
    marked = await session.scalars(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=func.now())
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return len(marked.all())


# --- preferences -------------------------------------------------------------------------------


async def preferences(session: AsyncSession, user_id: uuid.UUID, roles: set[Role]) -> Preferences:
    """Every kind the caller's roles hear of, with the caller's choice or the default."""
    stored = await _preferences(session, {user_id})
    daily = await _daily_users(session, {user_id})
    result = []
    for kind in kinds_for(roles):
        row = stored.get((user_id, kind.value))
        required = SPECS[kind].required
        result.append(
            PreferenceRead(
                kind=kind,
                in_app=required or row is None or row.in_app,
                email=required or row is None or row.email,
                required=required,
            )
        )
    delivery = EmailDelivery.daily if daily else EmailDelivery.immediate
    return Preferences(items=result, email_delivery=delivery)


async def _set_email_delivery(
    session: AsyncSession, user_id: uuid.UUID, delivery: EmailDelivery
) -> None:
    await session.execute(
        insert(NotificationSetting)
        .values(user_id=user_id, email_delivery=delivery)
        .on_conflict_do_update(
            index_elements=["user_id"], set_={"email_delivery": delivery, "updated_at": func.now()}
        )
    )
    if delivery == EmailDelivery.immediate:
        # Back to one e-mail per message: what waited for the digest goes now.
        await session.execute(
            update(MailMessage)
            .where(MailMessage.user_id == user_id, MailMessage.status == MailStatus.held)
            .values(status=MailStatus.pending, next_attempt_at=func.now())
            .execution_options(synchronize_session=False)
        )


async def set_preferences(
    session: AsyncSession,
    user_id: uuid.UUID,
    roles: set[Role],
    items: list[Preference],
    email_delivery: EmailDelivery | None,
) -> Preferences:
    for index, item in enumerate(items):
        spec = SPECS[item.kind]
        if spec.role is None:
            raise field_error(
                f"items.{index}.kind",
                "This kind goes to people without an account.",
                "notification_kind_unavailable",
            )
        if spec.required and not (item.in_app and item.email):
            raise field_error(
                f"items.{index}",
                "This notice is required and cannot be switched off.",
                "notification_required",
            )
    for item in items:
        await session.execute(
            insert(NotificationPreference)
            .values(user_id=user_id, kind=item.kind.value, in_app=item.in_app, email=item.email)
            .on_conflict_do_update(
                index_elements=["user_id", "kind"],
                set_={"in_app": item.in_app, "email": item.email, "updated_at": func.now()},
            )
        )
    if email_delivery is not None:
        await _set_email_delivery(session, user_id, email_delivery)
    await session.flush()
    return await preferences(session, user_id, roles)


# --- the send log ------------------------------------------------------------------------------


async def mail_log(
    session: AsyncSession, *, limit: int, before_id: int | None, status: MailStatus | None
) -> list[MailMessage]:
    stmt = select(MailMessage)
    if before_id is not None:
        stmt = stmt.where(MailMessage.id < before_id)
    if status is not None:
        stmt = stmt.where(MailMessage.status == status)
    return list(await session.scalars(stmt.order_by(MailMessage.id.desc()).limit(limit + 1)))


async def get_mail(session: AsyncSession, mail_id: int) -> MailMessage:
    message = await session.get(MailMessage, mail_id)
    if message is None:
        raise NotFound("No such e-mail.", code="mail_not_found")
    return message
