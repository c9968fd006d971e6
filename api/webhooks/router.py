from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi import status as http
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.auth import AgencyRoute, ClientPrincipal, require_scope
from api.agency.idempotency import IdempotentRoute
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import private_no_store
from api.models import DeliveryStatus, Scope, WebhookDelivery, WebhookSubscription
from api.pagination import (
    BIGINT_MAX,
    Cursor,
    Limit,
    Page,
    build_page,
    keyset_after,
    parse_created_key,
)
from api.permissions import AdminPrincipal
from api.webhooks import service
from api.webhooks.schemas import (
    AdminSubscriptionRead,
    AttemptRead,
    DeliveryDetail,
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)


class ClientRoute(IdempotentRoute, AgencyRoute):
    """Agency client routes: `Idempotency-Key` on POSTs and `RateLimit-*` on every answer."""


# The route class leaves admins' cookie requests alone. `client: Client` comes before the route's
# session: the bearer check has a request-scoped session of its own, opened first.
router = APIRouter(tags=["webhooks"], route_class=ClientRoute)
ADMIN = "/admin/webhooks"

Client = Annotated[ClientPrincipal, Depends(require_scope(Scope.webhooks_manage))]
DeliveryId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]


def _private(response: Response, subscription: WebhookSubscription | None = None) -> None:
    private_no_store(response, service.etag(subscription) if subscription is not None else None)


async def _deliveries_page(
    request: Request,
    response: Response,
    session: AsyncSession,
    rows: Sequence[WebhookDelivery],
    limit: int,
) -> Page[DeliveryRead]:
    attempts = await service.attempts_of(session, [d.id for d in rows[:limit]])
    return build_page(
        request,
        response,
        rows,
        limit,
        lambda d: _delivery_read(d, attempts[d.id]),
        lambda d: {"id": d.id},
    )


def _delivery_read(delivery: WebhookDelivery, attempts: Sequence[object]) -> DeliveryRead:
    return DeliveryRead.model_validate(
        {
            **{k: getattr(delivery, k) for k in DeliveryRead.model_fields if k != "attempt_log"},
            "attempt_log": [AttemptRead.model_validate(a) for a in attempts],
        }
    )


async def _delivery_detail(session: AsyncSession, delivery: WebhookDelivery) -> DeliveryDetail:
    attempts = (await service.attempts_of(session, [delivery.id]))[delivery.id]
    context = await service.delivery_context(session, delivery)
    return DeliveryDetail(
        **_delivery_read(delivery, attempts).model_dump(),
        url=context.url,
        client_name=context.client_name,
        occurred_at=context.event.occurred_at,
        data=context.event.payload,
    )


def _before_id(cursor: str | None) -> int | None:
    return keyset_after(cursor, lambda k: int(k["id"]))


# --- agency clients ---------------------------------------------------------------------------


@router.post(
    "/webhooks/subscriptions",
    response_model=SubscriptionWithSecret,
    status_code=http.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422, 429),
    summary="Subscribe a URL to events; the signing secret is shown only now (agency client)",
    description="Each event is POSTed as JSON `{id, type, occurred_at, data}` with "
    "`X-FirstSet-Event-Id`, `X-FirstSet-Event-Type` and `X-FirstSet-Signature: "
    "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<raw body>')>`. Delivery is "
    "at-least-once (de-duplicate on the event id); failures are retried with exponential "
    "backoff, and a subscription failing for a day is disabled. Only events that occur after "
    "the subscription is created are sent. Accepts `Idempotency-Key`.",
)
async def create_subscription(
    data: SubscriptionCreate, response: Response, client: Client, session: SessionDep
) -> SubscriptionWithSecret:
    subscription = await service.create_subscription(session, client, data)
    _private(response, subscription)
    response.headers["Location"] = f"/api/v1/webhooks/subscriptions/{subscription.id}"
    return SubscriptionWithSecret.model_validate(subscription)


@router.get(
    "/webhooks/subscriptions",
    response_model=Page[SubscriptionRead],
    responses=problem_responses(401, 403, 422, 429),
    summary="The calling client's webhook subscriptions (agency client)",
)
async def list_subscriptions(
    request: Request,
    response: Response,
    client: Client,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SubscriptionRead]:
    after = keyset_after(cursor, parse_created_key)
    stmt = service.admin_subscriptions_statement(after=after, limit=limit + 1).where(
        WebhookSubscription.client_id == client.id
    )
    rows = (await session.execute(stmt)).all()
    return build_page(
        request,
        response,
        rows,
        limit,
        lambda r: SubscriptionRead.model_validate(r[0]),
        lambda r: {"c": r[0].created_at.isoformat(), "id": str(r[0].id)},
    )


@router.get(
    "/webhooks/subscriptions/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 422, 429),
    summary="One of the calling client's webhook subscriptions (agency client)",
)
async def read_subscription(
    subscription_id: uuid.UUID, response: Response, client: Client, session: SessionDep
) -> SubscriptionRead:
    subscription = await service.own_subscription(session, client, subscription_id)
    _private(response, subscription)
    return SubscriptionRead.model_validate(subscription)


@router.patch(
    "/webhooks/subscriptions/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 412, 422, 428, 429),
    summary="Change a subscription's URL or events (agency client; If-Match)",
)
async def update_subscription(
    subscription_id: uuid.UUID,
    data: SubscriptionUpdate,
    response: Response,
    client: Client,
    session: SessionDep,
    if_match: Annotated[str | None, Header()] = None,
) -> SubscriptionRead:
    subscription = await service.own_subscription(session, client, subscription_id)
    await service.update_subscription(session, client, subscription, data, if_match=if_match)
    _private(response, subscription)
    return SubscriptionRead.model_validate(subscription)


@router.delete(
    "/webhooks/subscriptions/{subscription_id}",
    status_code=http.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422, 429),
    summary="Delete a subscription and its delivery log (agency client)",
)
async def delete_subscription(
    subscription_id: uuid.UUID, client: Client, session: SessionDep
) -> Response:
    subscription = await service.own_subscription(session, client, subscription_id)
    await service.delete_subscription(session, client, subscription)
    return Response(status_code=http.HTTP_204_NO_CONTENT)


@router.post(
    "/webhooks/subscriptions/{subscription_id}/rotate-secret",
    response_model=SubscriptionWithSecret,
    responses=problem_responses(401, 403, 404, 409, 422, 429),
    summary="Replace the signing secret; the new one is shown only now (agency client)",
)
async def rotate_secret(
    subscription_id: uuid.UUID, response: Response, client: Client, session: SessionDep
) -> SubscriptionWithSecret:
    subscription = await service.own_subscription(session, client, subscription_id)
    await service.rotate_secret(session, client, subscription)
    _private(response, subscription)
    return SubscriptionWithSecret.model_validate(subscription)


@router.get(
    "/webhooks/subscriptions/{subscription_id}/deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(401, 403, 404, 422, 429),
    summary="A subscription's deliveries, newest first, with every attempt (agency client)",
)
async def list_subscription_deliveries(
    subscription_id: uuid.UUID,
    request: Request,
    response: Response,
    client: Client,
    session: SessionDep,
    status: DeliveryStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    await service.own_subscription(session, client, subscription_id)
    stmt = service.deliveries_statement(
        subscription_id=subscription_id,
        status=status,
        before_id=_before_id(cursor),
        limit=limit + 1,
    )
    rows = (await session.scalars(stmt)).all()
    return await _deliveries_page(request, response, session, rows, limit)


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryRead,
    responses=problem_responses(401, 403, 404, 409, 422, 429),
    summary="Send a delivery again now and log the attempt as manual (agency client)",
    description="Answers once the receiver has answered (or the timeout has passed); the "
    "returned delivery carries the new attempt. Accepts `Idempotency-Key`.",
)
async def client_redeliver(
    delivery_id: DeliveryId, response: Response, client: Client, session: SessionDep
) -> DeliveryRead:
    delivery = await service.get_delivery(session, delivery_id, client_id=client.id)
    await service.redeliver(session, delivery, service.client_actor(client))
    _private(response)
    attempts = (await service.attempts_of(session, [delivery.id]))[delivery.id]
    return _delivery_read(delivery, attempts)


# --- admins -----------------------------------------------------------------------------------


@router.get(
    ADMIN + "/subscriptions",
    response_model=Page[AdminSubscriptionRead],
    responses=problem_responses(401, 403, 422),
    summary="Every webhook subscription with its client and failure state (admin)",
)
async def admin_list_subscriptions(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AdminSubscriptionRead]:
    after = keyset_after(cursor, parse_created_key)
    stmt = service.admin_subscriptions_statement(after=after, limit=limit + 1)
    rows = (await session.execute(stmt)).all()
    return build_page(
        request,
        response,
        rows,
        limit,
        lambda r: AdminSubscriptionRead.model_validate(
            {
                **SubscriptionRead.model_validate(r[0]).model_dump(),
                "client_id": r[0].client_id,
                "client_name": r[1],
            }
        ),
        lambda r: {"c": r[0].created_at.isoformat(), "id": str(r[0].id)},
    )


@router.post(
    ADMIN + "/subscriptions/{subscription_id}/enable",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Re-enable a subscription disabled after a day of failures (admin)",
)
async def admin_enable_subscription(
    subscription_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> SubscriptionRead:
    subscription = await service.get_subscription(session, subscription_id)
    await service.enable_subscription(session, principal, subscription)
    _private(response, subscription)
    return SubscriptionRead.model_validate(subscription)


@router.get(
    ADMIN + "/deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(401, 403, 422),
    summary="The delivery log, newest first, by subscription and status (admin)",
)
async def admin_list_deliveries(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    subscription_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    stmt = service.deliveries_statement(
        subscription_id=subscription_id,
        status=status,
        before_id=_before_id(cursor),
        limit=limit + 1,
    )
    rows = (await session.scalars(stmt)).all()
    return await _deliveries_page(request, response, session, rows, limit)


@router.get(
    ADMIN + "/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    responses=problem_responses(401, 403, 404, 422),
    summary="A delivery with its event and every attempt (admin)",
)
async def admin_read_delivery(
    delivery_id: DeliveryId, response: Response, session: SessionDep, principal: AdminPrincipal
) -> DeliveryDetail:
    delivery = await service.get_delivery(session, delivery_id)
    _private(response)
    return await _delivery_detail(session, delivery)


@router.post(
    ADMIN + "/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryDetail,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Send a delivery again now and log the attempt as manual (admin)",
)
async def admin_redeliver(
    delivery_id: DeliveryId, response: Response, session: SessionDep, principal: AdminPrincipal
) -> DeliveryDetail:
    delivery = await service.get_delivery(session, delivery_id)
    await service.redeliver(session, delivery, principal)
    _private(response)
    return await _delivery_detail(session, delivery)
