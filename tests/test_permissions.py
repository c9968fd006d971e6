"""The permission matrix, generated from the route table: every route × every caller kind.

A route without an entry in ACCESS fails the suite, so each new route must state who may call it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Role
from tests.access import ROLE_ACCESS, Access
from tests.factories.identity import logged_in

CORE_ACCESS: dict[str, Access] = {
    "GET /healthz": Access.public,
    "GET /readyz": Access.public,
    "GET /metrics": Access.public,
    "GET /api/v1/taxonomy": Access.public,
    "GET /api/v1/taxonomy/districts": Access.public,
    "POST /api/v1/auth/login": Access.public,
    "POST /api/v1/auth/register": Access.public,
    "POST /api/v1/auth/logout": Access.login,
    "GET /api/v1/auth/me": Access.login,
    "GET /api/v1/organizations": Access.admin,
    "POST /api/v1/organizations": Access.admin,
    "GET /api/v1/organizations/{organization_id}": Access.login,  # own organisation or admin
    "GET /api/v1/users": Access.admin,
    "POST /api/v1/users": Access.admin,
    "GET /api/v1/users/{user_id}": Access.admin,
    "PUT /api/v1/users/{user_id}/roles": Access.admin,
    "POST /api/v1/users/{user_id}/deactivate": Access.admin,
    "POST /api/v1/users/{user_id}/revoke-sessions": Access.admin,
    "GET /api/v1/audit": Access.admin,
    "GET /api/v1/batches": Access.public,
    "POST /api/v1/batches": Access.admin,
    "GET /api/v1/batches/{batch_id}": Access.public,
    "PATCH /api/v1/batches/{batch_id}": Access.admin,
    "POST /api/v1/batches/{batch_id}/transitions/{action}": Access.admin,
    # applications: reads are scoped per object (tests/applications), writes per role
    "GET /api/v1/applications": Access.login,
    "POST /api/v1/applications": Access.applicant,
    "GET /api/v1/applications/{application_id}": Access.login,
    "PATCH /api/v1/applications/{application_id}": Access.applicant,
    "GET /api/v1/applications/{application_id}/eligibility": Access.login,
    "GET /api/v1/applications/{application_id}/timeline": Access.login,
    "POST /api/v1/applications/{application_id}/submit": Access.applicant,
    "POST /api/v1/applications/{application_id}/resubmit": Access.applicant,
    "POST /api/v1/applications/{application_id}/withdraw": Access.applicant,
    "POST /api/v1/applications/{application_id}/district/recommend": Access.district_officer,
    "POST /api/v1/applications/{application_id}/district/return": Access.district_officer,
    "POST /api/v1/applications/{application_id}/district/reject": Access.district_officer,
    "POST /api/v1/applications/{application_id}/formal/accept": Access.admin,
    "POST /api/v1/applications/{application_id}/formal/return": Access.admin,
    "POST /api/v1/applications/{application_id}/formal/reject": Access.admin,
    "POST /api/v1/applications/{application_id}/attachments": Access.applicant,
    "GET /api/v1/applications/{application_id}/attachments": Access.login,
    "GET /api/v1/applications/{application_id}/attachments/{attachment_id}": Access.login,
    "DELETE /api/v1/applications/{application_id}/attachments/{attachment_id}": Access.applicant,
}


def domain_access() -> dict[str, Access]:
    """Each domain states its routes in `tests/<domain>/access.py` as `ACCESS`."""
    merged: dict[str, Access] = {}
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.ispkg and (Path(__file__).parent / module.name / "access.py").exists():
            entries = importlib.import_module(f"tests.{module.name}.access").ACCESS
            assert not merged.keys() & entries.keys(), f"{module.name} repeats a route"
            merged.update(entries)
    return merged


ACCESS = {**CORE_ACCESS, **domain_access()}

CALLERS: list[Role | None] = [None, *Role]


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            routes.extend((method, ctx.path_format or "") for method in sorted(route.methods))
    return routes


def test_every_route_has_a_matrix_entry(app: FastAPI) -> None:
    keys = {f"{m} {p}" for m, p in api_routes(app)}
    missing = keys - ACCESS.keys()
    assert not missing, f"routes without a permission entry: {sorted(missing)}"
    assert not ACCESS.keys() - keys, "stale entries"


def expected_denial(access: Access, caller: Role | None) -> int | None:
    if access is Access.public:
        return None
    if caller is None or access is Access.agency:
        return 401
    if access in ROLE_ACCESS and caller not in ROLE_ACCESS[access]:
        return 403
    return None


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.value if c else "anonymous")
async def test_matrix(
    app: FastAPI, db: AsyncSession, client: httpx.AsyncClient, caller: Role | None
) -> None:
    if caller is not None:
        await logged_in(db, client, caller)
    failures = []
    for method, path in api_routes(app):
        if path == "/api/v1/auth/logout":
            continue  # would end the caller's session mid-matrix; covered in tests/auth
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        body = [] if path.endswith("/roles") else {}
        response = await client.request(method, url, json=body if method != "GET" else None)
        denial = expected_denial(ACCESS[f"{method} {path}"], caller)
        if denial is not None and response.status_code != denial:
            failures.append(f"{method} {path}: expected {denial}, got {response.status_code}")
        if denial is None and response.status_code in (401, 403):
            failures.append(f"{method} {path}: unexpectedly denied ({response.status_code})")
        if response.status_code >= 500:
            failures.append(f"{method} {path}: server error {response.status_code}")
    assert not failures, "\n".join(failures)


async def test_organization_read_is_scoped_to_members(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    from tests.factories.identity import make_org

    user = await logged_in(db, client, Role.applicant)
    me = (await client.get("/api/v1/auth/me")).json()
    own = me["roles"][0]["organization_id"]
    assert (await client.get(f"/api/v1/organizations/{own}")).status_code == 200
    other = await make_org(db)
    # another organisation's record answers exactly like a missing one
    hidden = await client.get(f"/api/v1/organizations/{other.id}")
    missing = await client.get(f"/api/v1/organizations/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"]
    assert user.id
