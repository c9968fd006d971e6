"""Agency clients (registration, secret rotation, revocation) and the OAuth2 token grant."""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import hash_secret, network_allowed
from api.agency.schemas import AgencyClientCreate, AgencyClientUpdate
from api.audit import service as audit
from api.concurrency import check_if_match, version_etag
from api.config import get_settings
from api.errors import Conflict, NotFound, field_error
from api.models import (
    AccessToken,
    AgencyClient,
    ClientSecret,
    Organization,
    OrganizationKind,
    Scope,
)
from api.permissions import Principal
from api.request_context import current_client_ip

HINT_LENGTH = 6


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def snapshot(client: AgencyClient) -> dict[str, Any]:
    return {
        "name": client.name,
        "organization_id": client.organization_id,
        "scopes": list(client.scopes),
        "allowed_networks": [str(n) for n in client.allowed_networks],
        "rate_limit_per_minute": client.rate_limit_per_minute,
        "revoked_at": client.revoked_at,
    }


def active_secrets(now: datetime | None = None) -> Any:
    now = now or datetime.now(UTC)
    return or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > now)


# --- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientView:
    client: AgencyClient
    organization: Organization
    secrets: Sequence[ClientSecret]


async def _views(session: AsyncSession, rows: Sequence[Any]) -> list[ClientView]:
    ids = [client.id for client, _ in rows]
    by_client: dict[uuid.UUID, list[ClientSecret]] = {i: [] for i in ids}
    if ids:
        found = await session.scalars(
            select(ClientSecret)
            .where(ClientSecret.client_id.in_(ids), active_secrets())
            # the current secret first: the ones ending with a rotation's overlap after it
            .order_by(ClientSecret.expires_at.desc().nulls_first(), ClientSecret.id)
        )
        for secret in found:
            by_client[secret.client_id].append(secret)
    return [ClientView(client, org, by_client[client.id]) for client, org in rows]


async def list_clients(
    session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[ClientView]:
    """Newest first."""
    stmt = (
        select(AgencyClient, Organization)
        .join(Organization, Organization.id == AgencyClient.organization_id)
        .order_by(AgencyClient.created_at.desc(), AgencyClient.id.desc())
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(tuple_(AgencyClient.created_at, AgencyClient.id) < tuple_(*after))
    rows = (await session.execute(stmt)).all()
    return await _views(session, rows)


async def get_client(session: AsyncSession, client_id: uuid.UUID) -> ClientView:
    row = (
        await session.execute(
            select(AgencyClient, Organization)
            .join(Organization, Organization.id == AgencyClient.organization_id)
            .where(AgencyClient.id == client_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such agency client.")
    return (await _views(session, [tuple(row)]))[0]


async def _live_client(session: AsyncSession, client_id: uuid.UUID) -> AgencyClient:
    client = await session.get(AgencyClient, client_id, with_for_update=True)
    if client is None:
        raise NotFound("No such agency client.")
    if client.revoked_at is not None:
        raise Conflict("This client was revoked; register a new one.", code="client_revoked")
    return client


# --- admin changes ---------------------------------------------------------------------------


async def _add_secret(
    session: AsyncSession, client: AgencyClient, secret: str | None = None
) -> str:
    secret = secret or new_secret()
    session.add(
        ClientSecret(
            client_id=client.id, secret_hash=hash_secret(secret), hint=secret[:HINT_LENGTH]
        )
    )
    await session.flush()
    return secret


async def create_client(
    session: AsyncSession, actor: Principal, data: AgencyClientCreate
) -> tuple[AgencyClient, str]:
    org = await session.get(Organization, data.organization_id)
    if org is None or org.kind != OrganizationKind.agency:
        raise field_error(
            "organization_id", "Choose an agency organisation.", "organization_not_agency"
        )
    client = AgencyClient(
        client_id="fs-" + secrets.token_hex(8),
        name=data.name,
        organization_id=org.id,
        scopes=[s.value for s in data.scopes],
        allowed_networks=list(data.allowed_networks),
        rate_limit_per_minute=data.rate_limit_per_minute
        or get_settings().agency_default_rate_limit_per_minute,
        created_by=actor.user_id,
    )
    session.add(client)
    await session.flush()
    secret = await _add_secret(session, client)
    await audit.record(
        session,
        actor=actor,
        action="agency_client.create",
        object_type="agency_client",
        object_id=client.id,
        after={**snapshot(client), "client_id": client.client_id},
    )
    await session.refresh(client)
    return client, secret


async def update_client(
    session: AsyncSession,
    actor: Principal,
    client_id: uuid.UUID,
    data: AgencyClientUpdate,
    *,
    if_match: str | None,
) -> AgencyClient:
    client = await _live_client(session, client_id)
    check_if_match(version_etag(client.id, client.version), if_match, what="agency client")
    before = snapshot(client)
    changes = data.model_dump(exclude_unset=True)
    for name in ("name", "scopes", "allowed_networks", "rate_limit_per_minute"):
        if changes.get(name) is None:
            continue  # null in a partial update leaves the field as it is
        value = changes[name]
        client.__setattr__(name, [str(v) for v in value] if isinstance(value, list) else value)
    after = snapshot(client)
    if after != before:
        client.version += 1
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="agency_client.update",
            object_type="agency_client",
            object_id=client.id,
            before=before,
            after=after,
        )
        await session.refresh(client)
    return client


async def rotate_secret(
    session: AsyncSession, actor: Principal, client_id: uuid.UUID, overlap: timedelta
) -> str:
    """A new secret; the ones still working end after `overlap` (or now), whichever is
    earlier."""
    client = await _live_client(session, client_id)
    now = datetime.now(UTC)
    ends = now + overlap
    current = await session.scalars(
        select(ClientSecret).where(ClientSecret.client_id == client.id, active_secrets(now))
    )
    for old in current:
        if old.expires_at is None or old.expires_at > ends:
            old.expires_at = ends
    secret = await _add_secret(session, client)
    client.version += 1
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="agency_client.rotate_secret",
        object_type="agency_client",
        object_id=client.id,
        note=f"old secrets end at {ends.isoformat()}",
    )
    return secret


async def revoke_client(
    session: AsyncSession, actor: Principal, client_id: uuid.UUID
) -> AgencyClient:
    client = await _live_client(session, client_id)
    before = snapshot(client)
    client.revoked_at = datetime.now(UTC)
    client.version += 1
    await session.execute(delete(AccessToken).where(AccessToken.client_id == client.id))
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="agency_client.revoke",
        object_type="agency_client",
        object_id=client.id,
        before=before,
        after=snapshot(client),
    )
    await session.refresh(client)
    return client


# --- the token grant -------------------------------------------------------------------------


class OAuthError(Exception):
    """An RFC 6749 §5.2 error; `challenge` asks for HTTP Basic (401) instead of a 400."""

    def __init__(self, error: str, description: str, *, challenge: bool = False) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.challenge = challenge


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int
    scopes: list[str]


async def authenticate_client(
    session: AsyncSession, client_id: str, secret: str, *, basic: bool
) -> AgencyClient:
    failure = OAuthError("invalid_client", "Client authentication failed.", challenge=basic)
    row = (
        await session.execute(
            select(AgencyClient).where(
                AgencyClient.client_id == client_id, AgencyClient.revoked_at.is_(None)
            )
        )
    ).scalar_one_or_none()
    presented = hash_secret(secret)
    if row is None:
        hmac.compare_digest(presented, presented)  # the same work as for a known client
        raise failure
    hashes = await session.scalars(
        select(ClientSecret.secret_hash).where(ClientSecret.client_id == row.id, active_secrets())
    )
    matched = False
    for stored in hashes:  # every one compared, so timing tells nothing about which matched
        matched |= hmac.compare_digest(presented, stored)
    if not matched:
        raise failure
    return row


def granted_scopes(client: AgencyClient, requested: str | None) -> list[str]:
    """The requested scopes (all the client's when none are asked for), in the enum's order."""
    allowed = set(client.scopes)
    if requested is None or not requested.strip():
        wanted = allowed
    else:
        wanted = set(requested.split())
        unknown = wanted - allowed
        if unknown:
            raise OAuthError(
                "invalid_scope", "Scopes not granted to this client: " + " ".join(sorted(unknown))
            )
    return [s.value for s in Scope if s.value in wanted]


async def issue_token(
    session: AsyncSession, client: AgencyClient, requested_scope: str | None
) -> IssuedToken:
    if not network_allowed(client.allowed_networks, current_client_ip()):
        raise OAuthError("invalid_client", "Tokens are not issued to this client from here.")
    scopes = granted_scopes(client, requested_scope)
    now = datetime.now(UTC)
    lifetime = get_settings().agency_token_lifetime_s
    # Expired tokens are of no use: drop the client's while adding one.
    await session.execute(
        delete(AccessToken).where(AccessToken.client_id == client.id, AccessToken.expires_at < now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            client_id=client.id,
            token_hash=hash_secret(token),
            scopes=scopes,
            expires_at=now + timedelta(seconds=lifetime),
        )
    )
    await session.flush()
    return IssuedToken(token, lifetime, scopes)
