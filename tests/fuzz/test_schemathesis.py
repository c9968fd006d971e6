"""Schemathesis against the app's own OpenAPI document, over real HTTP to a live server with the
demo data: every check, every phase (stateful included), at least 100 examples per operation.
A run with any failure, or any unhandled exception in the server's log, fails its test.

Runs:
- anonymous, over every operation;
- as each role (applicant, district officer, expert, agency officer, admin: a demo user's session
  cookie and CSRF header), over the operations the permission matrix (tests/test_permissions.py)
  opens to the role beyond the public ones, and the public ones that read the session;
- as the demo agency client (a bearer token), over the agency-only operations and the public
  ones that take its token (scope checked, rate limited; its limit is raised for the run).

The anonymous run covers the public operations; a role's run repeats only those whose answer
depends on the caller. `POST /auth/logout` is left out of the role runs: it would end the
session the rest of the run needs (tests/auth covers it). The admin may change what the demo
data offers the other callers (close a batch, revoke a certificate or the agency client,
deactivate a user), so its run has a server and database of its own, and a hook
(hooks.before_call) keeps its writes off the admin's own account."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from api.agency.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from api.config import DEMO_PASSWORD, get_settings
from api.demo import demo_email
from api.main import create_app
from api.models import Role
from api.permissions import optional_principal
from tests import dbutil
from tests.access import ROLE_ACCESS, Access
from tests.servers import demo_database, running_server
from tests.test_permissions import ACCESS

# Each run is minutes of HTTP; the runs on the shared server go as one xdist group.
pytestmark = [pytest.mark.xdist_group("schemathesis"), pytest.mark.timeout(1200)]

HERE = Path(__file__).parent
EXAMPLES = 100

# The demo user each role's run logs in as.
DEMO_LOGINS: dict[Role, str] = {
    Role.applicant: "applicant",
    Role.district_officer: "district",
    Role.expert: "expert1",
    Role.agency_officer: "agency",
    Role.admin: "admin",
}
# Would end the run's own session mid-run; tests/auth covers it.
SESSION_ENDING = frozenset({"POST /api/v1/auth/logout"})


@dataclass(frozen=True)
class Server:
    base: str
    log: Path


@contextmanager
def demo_server(tmp_path_factory: pytest.TempPathFactory, purpose: str) -> Iterator[Server]:
    var = tmp_path_factory.mktemp(f"{purpose}-var")
    log = var / "server.log"
    try:
        _, env = demo_database(
            purpose,
            VAR_DIR=str(var),
            # The fuzzer logs in and files objections far more often than a person could.
            LOGIN_LIMIT_PER_IP="100000/minute",
            LOGIN_LIMIT_PER_ACCOUNT="100000/minute",
            OBJECTION_LIMIT_PER_IP="100000/minute",
            REGISTRATION_LIMIT_PER_IP="100000/minute",
            # A bearer token must outlast the agency client's run.
            AGENCY_TOKEN_LIFETIME_S="7200",
        )
        with running_server(env, log) as base:
            yield Server(base, log)
    finally:
        # Also when loading the demo data failed, after the database was made.
        dbutil.drop_database(dbutil.run_database(purpose))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Shared by the anonymous run and every caller but the admin."""
    with demo_server(tmp_path_factory, "fuzz") as running:
        yield running


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory, "fuzzadmin") as running:
        yield running


# --- what each run covers -----------------------------------------------------------------------


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


@cache
def route_dependencies() -> dict[str, frozenset[Callable[..., Any]]]:
    """`METHOD path` (as the permission matrix names it) → every dependency the route calls."""
    table: dict[str, frozenset[Callable[..., Any]]] = {}
    for ctx in iter_route_contexts(create_app().routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            calls = frozenset(_calls(route.dependant))
            for method in route.methods or ():
                table[f"{method} {ctx.path_format}"] = calls
    return table


def _is_bearer_dependency(call: Callable[..., Any]) -> bool:
    # `agency_scope(scope)`: a public route that also takes an agency client's token.
    return getattr(call, "__qualname__", "").startswith("agency_scope.")


def public_operations(reads_caller: Callable[[Callable[..., Any]], bool]) -> set[str]:
    routes = route_dependencies()
    return {
        key
        for key, access in ACCESS.items()
        if access is Access.public and any(reads_caller(call) for call in routes[key])
    }


def role_operations(role: Role) -> list[str]:
    opened = {
        key
        for key, access in ACCESS.items()
        if access is Access.login or role in ROLE_ACCESS.get(access, frozenset())
    }
    reads_session = public_operations(lambda call: call is optional_principal)
    return sorted((opened | reads_session) - SESSION_ENDING)


def agency_client_operations() -> list[str]:
    agency_only = {key for key, access in ACCESS.items() if access is Access.agency}
    return sorted(agency_only | public_operations(_is_bearer_dependency))


# --- callers ------------------------------------------------------------------------------------


def session_of(server: Server, role: Role) -> tuple[list[str], str]:
    """Headers carrying the demo user's session, and the user's id."""
    response = httpx.post(
        f"{server.base}/api/v1/auth/login",
        json={"email": demo_email(DEMO_LOGINS[role]), "password": DEMO_PASSWORD},
    )
    assert response.status_code == 200, response.text
    cookies = "; ".join(f"{name}={value}" for name, value in response.cookies.items())
    csrf = response.cookies[get_settings().csrf_cookie_name]
    return [f"Cookie: {cookies}", f"X-CSRF-Token: {csrf}"], response.json()["id"]


def bearer_of_demo_client(server: Server) -> list[str]:
    # The demo client may make 600 requests a minute: a run answered 429 from its second minute
    # on would test little else. An admin raises its limit, as for a bulk job (the 429 stays
    # documented, and tests/agency covers it).
    admin = dict(header.split(": ", 1) for header in session_of(server, Role.admin)[0])
    clients = httpx.get(f"{server.base}/api/v1/agency/clients", headers=admin).json()["items"]
    (demo,) = [c for c in clients if c["client_id"] == DEMO_CLIENT_ID]
    url = f"{server.base}/api/v1/agency/clients/{demo['id']}"
    etag = httpx.get(url, headers=admin).headers["etag"]
    raised = httpx.patch(
        url, json={"rate_limit_per_minute": 100_000}, headers={**admin, "If-Match": etag}
    )
    assert raised.status_code == 200, raised.text
    response = httpx.post(
        f"{server.base}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    )
    assert response.status_code == 200, response.text
    return [f"Authorization: Bearer {response.json()['access_token']}"]


# --- the run ------------------------------------------------------------------------------------


def fuzz(
    server: Server,
    tmp_path: Path,
    headers: list[str],
    names: list[str] | None,
    env: dict[str, str] | None = None,
) -> None:
    report = tmp_path / "report.ndjson"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{server.base}/api/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        # One thread: with two, hypothesis's lambda-source lookup now and then fails inside
        # schemathesis ("AST constructor recursion depth mismatch"), a runtime error of the tool.
        "--workers",
        "1",
        "--seed",
        "20211022",
        "--request-timeout",
        "30",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
    ]
    for header in headers:
        command += ["--header", header]
    for name in names or []:
        command += ["--include-name", name]
    environ = {
        **os.environ,
        **(env or {}),
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "PYTHONPATH": str(dbutil.ROOT),
    }
    log_start = server.log.stat().st_size
    run = subprocess.run(
        command, env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=1500
    )
    output = run.stdout + run.stderr
    assert "Selected:" in output, output[-5000:]
    assert run.returncode == 0, output[-20000:]
    # The summary counts what ran: a filter that selected nothing would pass vacuously.
    tested = [line for line in output.splitlines() if line.strip().startswith("Tested:")]
    assert tested, output[-3000:]
    assert int(tested[0].split()[1]) > 0, output[-3000:]
    if names:
        assert int(tested[0].split()[1]) == len(names), output[-3000:]
    assert report.stat().st_size > 0
    with server.log.open() as log:
        log.seek(log_start)
        server_errors = [line for line in log if "unhandled_exception" in line]
    assert not server_errors, "".join(server_errors[:5])


def test_anonymous(server: Server, tmp_path: Path) -> None:
    fuzz(server, tmp_path, [], None)


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.admin], ids=str)
def test_role(role: Role, server: Server, tmp_path: Path) -> None:
    headers, _ = session_of(server, role)
    fuzz(server, tmp_path, headers, role_operations(role))


# Its own server, so its own xdist group: under `-n 2` it runs beside the other runs.
@pytest.mark.xdist_group("schemathesis-admin")
def test_admin(admin_server: Server, tmp_path: Path) -> None:
    headers, user_id = session_of(admin_server, Role.admin)
    # See hooks.before_call: the admin could otherwise deactivate itself, strip its own role or
    # revoke its own session through an id the stateful phase found.
    own = {"FUZZ_OWN_USER_ID": user_id}
    fuzz(admin_server, tmp_path, headers, role_operations(Role.admin), own)


def test_agency_client(server: Server, tmp_path: Path) -> None:
    fuzz(server, tmp_path, bearer_of_demo_client(server), agency_client_operations())
