"""Idempotent agency POSTs: the `Idempotency-Key` header.

An agency client's POST that carries `Idempotency-Key` takes effect once. The first request
claims the key (committed at once, in a transaction of its own, so that a concurrent repeat sees
it), runs, and its answer is stored; a repeat with the same key and the same request gets that
answer replayed, with `Idempotent-Replayed: true`; the same key with another request is a 422
`idempotency_key_reused`; a repeat while the first still runs is a 409 `idempotency_in_flight`.
A request that fails with a server error or an exception releases its key, so it can be retried.
Keys belong to the client (not to a token, which expires) and are kept for 24 hours.

Use: `APIRouter(route_class=IdempotentRoute)` for the routes agency clients POST to. Requests
without the header, other methods and callers without an agency token are not affected.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.agency.auth import bearer_token, hash_secret
from api.db import SessionDep
from api.errors import Conflict, field_error
from api.models import AccessToken, AgencyClient, IdempotencyRecord, IdempotencyState

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETENTION = timedelta(hours=24)
# Printable ASCII without spaces, as RFC 9110 field values allow; UUIDs fit comfortably.
KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
# Headers worth replaying; the rest (dates, request ids) belong to the response that carries them.
KEPT_HEADERS = ("content-type", "location", "etag", "cache-control")


@dataclass(frozen=True, slots=True)
class Claim:
    client_id: uuid.UUID
    key: str
    engine: AsyncEngine | None  # None: the request's own session is all there is (tests)
    session: AsyncSession


class Replay(Exception):
    """Raised by the dependency to answer with the stored response instead of running again."""

    def __init__(self, response: Response) -> None:
        super().__init__("replayed")
        self.response = response


async def _client_of(session: AsyncSession, token: str) -> uuid.UUID | None:
    """The live client a token belongs to; the route's own scope check says the rest."""
    digest = hash_secret(token)
    client_id: uuid.UUID | None = await session.scalar(
        select(AccessToken.client_id)
        .join(AgencyClient, AgencyClient.id == AccessToken.client_id)
        .where(
            AccessToken.token_hash == digest,
            AccessToken.expires_at > datetime.now(UTC),
            AgencyClient.revoked_at.is_(None),
        )
    )
    return client_id


@asynccontextmanager
async def _own_transaction(
    claim_engine: AsyncEngine | None, fallback: AsyncSession
) -> AsyncIterator[AsyncSession]:
    if claim_engine is None:
        yield fallback
        return
    async with AsyncSession(claim_engine, expire_on_commit=False) as session, session.begin():
        yield session


def _request_hash(request: Request, body: bytes) -> bytes:
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    return hashlib.sha256(request.method.encode() + b"\n" + target.encode() + b"\n" + body).digest()


def _replayed(record: IdempotencyRecord) -> Response:
    headers = {k: str(v) for k, v in (record.response_headers or {}).items()}
    headers[REPLAYED_HEADER] = "true"
    return Response(
        content=record.response_body or b"",
        status_code=record.response_status or 200,
        headers=headers,
    )


async def claim_key(request: Request, session: SessionDep) -> None:
    """Claims the request's key, or answers for it: replay, 409 in flight, 422 reused."""
    key = request.headers.get(HEADER)
    token = bearer_token(request) or None
    if request.method != "POST" or key is None or token is None:
        return
    if not KEY.match(key):
        raise field_error(
            HEADER,
            "Idempotency-Key must be 1–200 printable ASCII characters without spaces.",
            "invalid_idempotency_key",
        )
    digest = _request_hash(request, await request.body())
    bind = session.bind
    engine = bind if isinstance(bind, AsyncEngine) else None
    now = datetime.now(UTC)
    # One connection at a time per request: the claim's own, then the request's.
    async with _own_transaction(engine, session) as own:
        client_id = await _client_of(own, token)
        if client_id is None:
            return  # not an agency caller: the route's authentication answers
        claimed = await own.scalar(
            insert(IdempotencyRecord)
            .values(
                client_id=client_id,
                key=key,
                method=request.method,
                path=request.url.path[:2000],
                request_hash=digest,
                expires_at=now + RETENTION,
            )
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        )
        if claimed is None:
            record = await own.scalar(
                select(IdempotencyRecord)
                .where(IdempotencyRecord.client_id == client_id, IdempotencyRecord.key == key)
                .with_for_update()
            )
            assert record is not None  # held by the conflicting row
            if record.expires_at <= now:
                # A key past its retention starts over.
                record.request_hash, record.state = digest, IdempotencyState.in_flight
                record.response_status = record.response_headers = record.response_body = None
                record.expires_at, record.created_at = now + RETENTION, now
            elif record.request_hash != digest:
                raise field_error(
                    HEADER,
                    "This Idempotency-Key was used for a different request; use a new key.",
                    "idempotency_key_reused",
                )
            elif record.state is IdempotencyState.in_flight:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed; retry shortly.",
                    code="idempotency_in_flight",
                    headers={"Retry-After": "1"},
                )
            else:
                raise Replay(_replayed(record))
    request.state.idempotency = Claim(client_id, key, engine, session)


async def _complete(claim: Claim, response: Response) -> None:
    headers = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
    async with _own_transaction(claim.engine, claim.session) as own:
        await own.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.client_id == claim.client_id, IdempotencyRecord.key == claim.key
            )
            .values(
                state=IdempotencyState.completed,
                response_status=response.status_code,
                response_headers=headers,
                response_body=bytes(response.body),
            )
        )


async def _release(claim: Claim) -> None:
    async with _own_transaction(claim.engine, claim.session) as own:
        await own.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.client_id == claim.client_id,
                IdempotencyRecord.key == claim.key,
                IdempotencyRecord.state == IdempotencyState.in_flight,
            )
        )


class IdempotentRoute(APIRoute):
    """A route class whose POST routes honour `Idempotency-Key` for agency clients."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "POST" in (kwargs.get("methods") or ()):
            kwargs["dependencies"] = [Depends(claim_key), *(kwargs.get("dependencies") or [])]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                response = await handler(request)
            except Replay as replay:
                return replay.response
            except BaseException:
                claim = getattr(request.state, "idempotency", None)
                if claim is not None:
                    await _release(claim)
                raise
            claim = getattr(request.state, "idempotency", None)
            if claim is not None:
                if response.status_code >= 500 or not hasattr(response, "body"):
                    await _release(claim)
                else:
                    await _complete(claim, response)
            return response

        return run
