"""The permission matrix, generated from the route table: every route × every caller kind.

A route without an entry in ACCESS fails the suite, so each new route must state who may call it;
a route that names an object in its path also needs an entry in OBJECT_ACCESS
(tests/object_access.py), which says what each kind of caller gets on a real object that is, or
is not, theirs — and a caller refused an object must not learn that it exists.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession

from api import ratelimit
from api.db import get_read_session, get_session
from api.models import Role, Scope
from api.storage import LocalStorage, get_storage
from tests.access import BEARER_SCOPES, ROLE_ACCESS, Access
from tests.agency.factories import bearer, make_client, make_token
from tests.factories.files import minimal_pdf
from tests.factories.identity import logged_in
from tests.factories.permission_world import World, permission_world
from tests.object_access import OBJECT_ACCESS, Caller, Entry, Outcome, gate

CORE_ACCESS: dict[str, Access] = {
    "GET /healthz": Access.public,
    "GET /readyz": Access.public,
    "GET /metrics": Access.public,
    "GET /api/v1/taxonomy": Access.public,
    "GET /api/v1/taxonomy/districts": Access.public,
    "POST /api/v1/auth/login": Access.public,
    "POST /api/v1/auth/register": Access.public,
    "POST /api/v1/auth/logout": Access.login,
    "POST /api/v1/auth/password": Access.login,
    "POST /api/v1/auth/password-reset": Access.public,
    "POST /api/v1/auth/password-reset/confirm": Access.public,
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

# Agency clients call with a bearer token and no session: one with every scope, one with none.
CLIENT_SCOPED, CLIENT_UNSCOPED = "client_scoped", "client_unscoped"
CALLERS: list[Role | str | None] = [None, *Role, CLIENT_SCOPED, CLIENT_UNSCOPED]


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes: list[tuple[str, str]] = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            routes.extend((method, ctx.path_format or "") for method in sorted(route.methods or ()))
    return routes


def test_every_route_has_a_matrix_entry(app: FastAPI) -> None:
    keys = {f"{m} {p}" for m, p in api_routes(app)}
    missing = keys - ACCESS.keys()
    assert not missing, f"routes without a permission entry: {sorted(missing)}"
    assert not ACCESS.keys() - keys, "stale entries"


def expected_denial(route: str, caller: Role | str | None) -> int | None:
    access = ACCESS[route]
    if access is Access.public:
        return 403 if caller == CLIENT_UNSCOPED and route in BEARER_SCOPES else None
    if caller in (CLIENT_SCOPED, CLIENT_UNSCOPED):
        if access is Access.agency:
            return 403 if caller == CLIENT_UNSCOPED else None
        return 401  # a bearer token opens no session route
    if caller is None or access is Access.agency:
        return 401
    if access in ROLE_ACCESS and caller not in ROLE_ACCESS[access]:
        return 403
    return None


def test_bearer_scopes_are_those_the_routes_ask_for(app: FastAPI) -> None:
    """BEARER_SCOPES lists exactly the routes whose dependencies ask a bearer token for a scope
    without requiring one (`agency_scope`)."""

    def scoped(dependant: Any) -> bool:
        return any(
            getattr(d.call, "__name__", "").startswith("agency_scope_") or scoped(d)
            for d in dependant.dependencies
        )

    asking: set[str] = set()
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and scoped(route.dependant):
            asking.update(f"{m} {ctx.path_format}" for m in route.methods or ())
    assert asking == BEARER_SCOPES.keys()


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: str(c) if c else "anonymous")
async def test_matrix(
    app: FastAPI, db: AsyncSession, client: httpx.AsyncClient, caller: Role | str | None
) -> None:
    if isinstance(caller, Role):
        await logged_in(db, client, caller)
    elif caller is not None:
        scopes = list(Scope) if caller == CLIENT_SCOPED else []
        agency_client, _ = await make_client(db, scopes=scopes)
        client.headers.update(bearer(await make_token(db, agency_client)))
    failures = []
    for method, path in api_routes(app):
        if path == "/api/v1/auth/logout":
            continue  # would end the caller's session mid-matrix; covered in tests/auth
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        body: list[Any] | dict[str, Any] = [] if path.endswith("/roles") else {}
        response = await client.request(method, url, json=body if method != "GET" else None)
        denial = expected_denial(f"{method} {path}", caller)
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


# --- objects: every route with a path parameter × every kind of caller -------------------------

PATH_PARAM = re.compile(r"\{([^}]+)\}")
# Path parameters that name no object: the same value is sent for a real and a missing object.
NOT_OBJECTS = frozenset({"kind", "action", "year"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def object_routes(app: FastAPI) -> set[str]:
    return {f"{m} {p}" for m, p in api_routes(app) if PATH_PARAM.search(p)}


def expected_outcome(route: str, caller: Caller) -> Outcome | None:
    return gate(route, ACCESS[route], caller) or OBJECT_ACCESS[route].rule.outcome(caller)


def test_every_object_route_has_object_entries(app: FastAPI) -> None:
    routes = object_routes(app)
    missing = routes - OBJECT_ACCESS.keys()
    assert not missing, f"routes without object-level entries: {sorted(missing)}"
    assert not OBJECT_ACCESS.keys() - routes, "stale object-level entries"
    unstated = [
        f"{route}: {caller.value}"
        for route in sorted(routes)
        for caller in Caller
        if expected_outcome(route, caller) is None
    ]
    assert not unstated, "rules that do not say what these callers get:\n" + "\n".join(unstated)


def url_of(path: str, ids: Mapping[str, str]) -> str:
    return PATH_PARAM.sub(lambda m: ids[m.group(1)], path)


def path_ids(path: str, entry: Entry, world: World) -> dict[str, str]:
    return {name: world.ids[entry.params.get(name, name)] for name in PATH_PARAM.findall(path)}


def missing_ids(ids: Mapping[str, str]) -> dict[str, str]:
    """The same parameters naming objects that do not exist."""

    def missing(name: str, value: str) -> str:
        if name in NOT_OBJECTS:
            return value
        if value.isdigit():
            return str(9_000_000_000 + int(value))
        try:
            uuid.UUID(value)
        except ValueError:
            return "BJSTT-1999-09-9999"  # a certificate number nobody was given
        return str(uuid.uuid4())

    return {name: missing(name, value) for name, value in ids.items()}


async def send(
    db: AsyncSession,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    entry: Entry,
    world: World,
) -> httpx.Response:
    """One request in a savepoint that is rolled back after it: each caller finds the objects
    as the world made them, whatever the callers before it changed."""
    kwargs: dict[str, Any] = {}
    if method in UNSAFE:
        kwargs["headers"] = {"If-Match": "*"}
    body = entry.body(world.ids) if callable(entry.body) else entry.body
    form = entry.form(world.ids) if callable(entry.form) else entry.form
    if form is not None:
        kwargs["data"] = dict(form)
        if entry.file:
            kwargs["files"] = {entry.file: ("evidence.pdf", minimal_pdf(), "application/pdf")}
    elif body is not None:
        kwargs["json"] = dict(body)
    elif method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = {}
    await ratelimit.limiter().storage.reset()  # rate limits are not what this is about
    savepoint = await db.begin_nested()
    try:
        return await client.request(method, url, **kwargs)
    finally:
        await savepoint.rollback()


def problem_of(response: httpx.Response) -> tuple[Any, ...]:
    """What a caller can tell apart in a refusal (the request id aside)."""
    document = (
        response.json()
        if response.headers.get("content-type", "").startswith("application/problem+json")
        else {}
    )
    return (
        response.status_code,
        document.get("type"),
        document.get("code"),
        document.get("title"),
        document.get("detail"),
    )


STATUS_OF = {Outcome.hidden: 404, Outcome.forbidden: 403, Outcome.login: 401}


def judge(
    expected: Outcome, real: httpx.Response, missing: httpx.Response | None, *, public: bool
) -> str | None:
    """Why the answers do not match `expected`, or None."""
    status = real.status_code
    if status >= 500:
        return f"server error {status}"
    if expected is Outcome.ok:
        if status in (401, 403, 404, 429):
            return f"expected to be let through, got {status}: {real.text[:200]}"
        return None
    if status != STATUS_OF[expected]:
        return f"expected {STATUS_OF[expected]} ({expected.value}), got {status}: {real.text[:200]}"
    assert missing is not None
    if public and expected is not Outcome.hidden:
        return None
    if problem_of(real) != problem_of(missing):
        return (
            f"refused differently than for a missing object: {problem_of(real)} "
            f"vs {problem_of(missing)}"
        )
    return None


@pytest.fixture
def storage(app: FastAPI, tmp_path: Path) -> Iterator[LocalStorage]:
    store = LocalStorage(tmp_path / "files")
    app.dependency_overrides[get_storage] = lambda: store
    yield store
    app.dependency_overrides.pop(get_storage, None)


@pytest.fixture
async def world(app: FastAPI, db: AsyncSession, storage: LocalStorage) -> AsyncIterator[World]:
    async with permission_world(app, db, storage) as built:
        yield built


@pytest.fixture
def nested_sessions(app: FastAPI, db: AsyncSession) -> Iterator[None]:
    """The test session for every session dependency of a request, each in a savepoint of its
    own. In production each dependency has a session (and transaction) of its own; here they
    share one, and a route whose dependencies end out of order (the agency client's session
    outliving the route's) finds its savepoint released with the enclosing one — its writes
    kept, nothing left to release."""

    async def override() -> AsyncIterator[AsyncSession]:
        savepoint = await db.begin_nested()
        try:
            yield db
        except BaseException:
            if savepoint.is_active:
                await savepoint.rollback()
            raise
        else:
            if savepoint.is_active:
                await savepoint.commit()

    saved = {dep: app.dependency_overrides[dep] for dep in (get_session, get_read_session)}
    app.dependency_overrides.update(dict.fromkeys(saved, override))
    yield
    app.dependency_overrides.update(saved)


@pytest.mark.parametrize("route", sorted(OBJECT_ACCESS))
@pytest.mark.usefixtures("nested_sessions")
async def test_object_matrix(db: AsyncSession, world: World, route: str) -> None:
    """Each kind of caller on a real object: let through, refused, or told it does not exist —
    and every refusal answered exactly as for an object that does not exist."""
    method, path = route.split(" ", 1)
    entry = OBJECT_ACCESS[route]
    ids = path_ids(path, entry, world)
    failures = []
    for caller in Caller:
        expected = expected_outcome(route, caller)
        assert expected is not None
        client = world.callers[caller]
        real = await send(db, client, method, url_of(path, ids), entry, world)
        missing = None
        if expected is not Outcome.ok:
            missing = await send(db, client, method, url_of(path, missing_ids(ids)), entry, world)
        if (why := judge(expected, real, missing, public=entry.public)) is not None:
            failures.append(f"{caller.value}: {why}")
    assert not failures, f"{route}\n" + "\n".join(failures)
