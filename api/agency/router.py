"""The OAuth2 token endpoint for agency clients, and the admins' management of those clients."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import timedelta
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse

from api.agency import service
from api.agency.auth import AgencyRoute
from api.agency.schemas import (
    AgencyClientCreate,
    AgencyClientRead,
    AgencyClientUpdate,
    AgencyClientWithSecret,
    ClientSecretRead,
    OAuthError,
    SecretRotate,
    TokenResponse,
)
from api.concurrency import version_etag
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import private_no_store
from api.models import Scope
from api.pagination import Cursor, Limit, Page, build_page, keyset_after, parse_created_key
from api.permissions import AdminPrincipal

router = APIRouter(tags=["agency"], route_class=AgencyRoute)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

GRANT_DESCRIPTION = """OAuth2 client credentials grant (RFC 6749 §4.4). Send a form-encoded body
with `grant_type=client_credentials` and, optionally, `scope` (space-separated, a subset of the
client's scopes). Authenticate with HTTP Basic (`client_id:client_secret`) or with
`client_id` and `client_secret` in the body, not both.

Errors follow RFC 6749 §5.2, not problem+json: a JSON body `{"error", "error_description"}`
with 400 (`invalid_request`, `invalid_scope`, `unsupported_grant_type`), or 401 with
`WWW-Authenticate: Basic` and `invalid_client` when the client could not be authenticated
(credentials wrong or missing, in the header or the body)."""

_SCOPE = "(" + "|".join(re.escape(scope.value) for scope in Scope) + ")"
SCOPE_LIST_PATTERN = f"^{_SCOPE}( {_SCOPE})*$"
GRANT_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {
                            "type": "string",
                            "description": "Space-separated scopes the client holds.",
                            "pattern": SCOPE_LIST_PATTERN,
                        },
                        "client_id": {"type": "string", "minLength": 1},
                        "client_secret": {"type": "string", "minLength": 1},
                    },
                    # Credentials in the body come as a pair (or as HTTP Basic instead).
                    "dependentRequired": {
                        "client_id": ["client_secret"],
                        "client_secret": ["client_id"],
                    },
                }
            }
        },
    }
}


def _oauth_error(error: service.OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    # RFC 6749 §5.2 allows 401 for any failed client authentication (and demands it for Basic);
    # answering every one alike tells a caller nothing about how it tried.
    unauthenticated = error.challenge or error.error == "invalid_client"
    if unauthenticated:
        headers["WWW-Authenticate"] = 'Basic realm="FirstSet", charset="UTF-8"'
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=401 if unauthenticated else 400,
        headers=headers,
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise service.OAuthError(
            "invalid_client", "Malformed Basic credentials.", challenge=True
        ) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise service.OAuthError("invalid_client", "Malformed Basic credentials.", challenge=True)
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    summary="Get an agency bearer token (OAuth2 client credentials)",
    description=GRANT_DESCRIPTION,
    openapi_extra=GRANT_FORM,
    responses={
        400: {"model": OAuthError, "description": "RFC 6749 §5.2 error (invalid_request, …)."},
        401: {"model": OAuthError, "description": "Client authentication failed (invalid_client)."},
    },
)
async def issue_token(request: Request, session: SessionDep) -> Response:
    try:
        form = await request.form()
        fields: dict[str, str] = {}
        for name in ("grant_type", "scope", "client_id", "client_secret"):
            values = [v for v in form.getlist(name) if isinstance(v, str)]
            if len(values) > 1:
                raise service.OAuthError("invalid_request", f"{name} is repeated.")
            if values:
                fields[name] = values[0]
        grant_type = fields.get("grant_type")
        if not grant_type:
            raise service.OAuthError("invalid_request", "grant_type is missing.")
        if grant_type != "client_credentials":
            raise service.OAuthError(
                "unsupported_grant_type", "Only grant_type=client_credentials is supported."
            )
        basic = _basic_credentials(request.headers.get("authorization", ""))
        in_body = "client_id" in fields or "client_secret" in fields
        if basic and in_body:
            raise service.OAuthError(
                "invalid_request", "Send the client credentials either by Basic or in the body."
            )
        if basic:
            client_id, secret = basic
        elif fields.get("client_id") and fields.get("client_secret"):
            client_id, secret = fields["client_id"], fields["client_secret"]
        elif in_body:
            raise service.OAuthError(
                "invalid_request", "Send both client_id and client_secret in the body."
            )
        else:
            raise service.OAuthError(
                "invalid_client", "Client authentication is missing.", challenge=True
            )
        client = await service.authenticate_client(
            session, client_id, secret, basic=basic is not None
        )
        issued = await service.issue_token(session, client, fields.get("scope"))
    except service.OAuthError as error:
        return _oauth_error(error)
    body = TokenResponse(
        access_token=issued.token, expires_in=issued.expires_in, scope=" ".join(issued.scopes)
    )
    return JSONResponse(body.model_dump(), headers=NO_STORE)


# --- admin: clients --------------------------------------------------------------------------


def client_read(view: service.ClientView) -> AgencyClientRead:
    client, org = view.client, view.organization
    return AgencyClientRead(
        id=client.id,
        client_id=client.client_id,
        name=client.name,
        organization_id=client.organization_id,
        organization_name_zh=org.name_zh,
        organization_name_en=org.name_en,
        scopes=[Scope(s) for s in client.scopes],
        allowed_networks=[str(n) for n in client.allowed_networks],
        rate_limit_per_minute=client.rate_limit_per_minute,
        revoked_at=client.revoked_at,
        created_at=client.created_at,
        updated_at=client.updated_at,
        version=client.version,
        secrets=[ClientSecretRead.model_validate(s, from_attributes=True) for s in view.secrets],
    )


def _private(response: Response, view: service.ClientView) -> None:
    private_no_store(response, version_etag(view.client.id, view.client.version))


@router.get(
    "/agency/clients",
    response_model=Page[AgencyClientRead],
    responses=problem_responses(401, 403, 422),
    summary="List agency clients, newest first (admin)",
)
async def list_clients(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AgencyClientRead]:
    after = keyset_after(cursor, parse_created_key)
    views = await service.list_clients(session, after=after, limit=limit + 1)
    return build_page(
        request,
        response,
        views,
        limit,
        client_read,
        lambda v: {"c": v.client.created_at.isoformat(), "id": v.client.id},
    )


@router.post(
    "/agency/clients",
    response_model=AgencyClientWithSecret,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    summary="Register an agency client; its secret is shown only in this answer (admin)",
)
async def create_client(
    data: AgencyClientCreate, response: Response, session: SessionDep, principal: AdminPrincipal
) -> AgencyClientWithSecret:
    client, secret = await service.create_client(session, principal, data)
    view = await service.get_client(session, client.id)
    _private(response, view)
    return AgencyClientWithSecret(client=client_read(view), client_secret=secret)


@router.get(
    "/agency/clients/{client_id}",
    response_model=AgencyClientRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="Read an agency client (admin)",
)
async def read_client(
    client_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> AgencyClientRead:
    view = await service.get_client(session, client_id)
    _private(response, view)
    return client_read(view)


@router.patch(
    "/agency/clients/{client_id}",
    response_model=AgencyClientRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Edit an agency client's name, scopes, networks or rate limit (admin; If-Match)",
)
async def update_client(
    client_id: uuid.UUID,
    data: AgencyClientUpdate,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: Annotated[str | None, Header()] = None,
) -> AgencyClientRead:
    await service.update_client(session, principal, client_id, data, if_match=if_match)
    view = await service.get_client(session, client_id)
    _private(response, view)
    return client_read(view)


@router.post(
    "/agency/clients/{client_id}/rotate-secret",
    response_model=AgencyClientWithSecret,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Issue a new secret; the old ones keep working for the overlap (admin)",
)
async def rotate_secret(
    client_id: uuid.UUID,
    data: SecretRotate,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> AgencyClientWithSecret:
    secret = await service.rotate_secret(
        session, principal, client_id, timedelta(hours=data.overlap_hours)
    )
    view = await service.get_client(session, client_id)
    _private(response, view)
    return AgencyClientWithSecret(client=client_read(view), client_secret=secret)


@router.post(
    "/agency/clients/{client_id}/revoke",
    response_model=AgencyClientRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Revoke an agency client: its secrets and tokens stop working at once (admin)",
)
async def revoke_client(
    client_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> AgencyClientRead:
    await service.revoke_client(session, principal, client_id)
    view = await service.get_client(session, client_id)
    _private(response, view)
    return client_read(view)
