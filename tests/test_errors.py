"""Every error the API returns is RFC 9457 problem+json with a stable code."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.passwords import password_problem
from api.db import build_engine, database
from api.main import create_app
from api.models import Role
from tests import dbutil
from tests.auth.test_router import assert_problem
from tests.factories.identity import logged_in


async def test_unknown_route(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/does-not-exist"), 404, "not_found")
    assert body["request_id"]


async def test_unknown_api_path_is_not_swallowed_by_spa(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/anything/else"), 404, "not_found")


async def test_method_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/auth/me")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        # Allow lists every method of the path, not just those of the first route matched.
        ("OPTIONS", "/api/v1/agency/clients", "GET, POST"),
        # A GET on a POST-only API path: a wrong method, not a missing page of the SPA.
        ("GET", "/api/v1/auth/login", "POST"),
        # A static segment beside a path parameter: the parameter's route does not claim it.
        ("GET", "/api/v1/awards/issue", "POST"),
        ("PUT", "/api/v1/experts/me/conflicts", "POST"),
    ],
)
async def test_method_not_allowed_lists_every_method_of_the_path(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allowed


async def test_a_malformed_id_where_only_uuids_route_is_not_found(
    client: httpx.AsyncClient,
) -> None:
    """`/experts/{user_id:uuid}` takes no other id: no route serves the path, so it is a 404
    (not a 405 borrowed from the SPA's fallback)."""
    for method in ("PUT", "POST", "DELETE"):
        response = await client.request(method, "/api/v1/experts/null,null")
        assert_problem(response, 404, "not_found")


async def test_an_undeliverable_email_has_a_code_of_its_own(client: httpx.AsyncClient) -> None:
    registration = {
        "email": "someone@example.test",
        "password": "a long enough passphrase 2021",
        "display_name": "某人",
        "organization": {"name_zh": "某公司", "uscc": "91110108MA01ABCD2X", "district": "haidian"},
    }
    response = await client.post("/api/v1/auth/register", json=registration)
    body = assert_problem(response, 422, "validation_error")
    codes = {e["field"]: e["code"] for e in body["errors"]}
    assert codes["email"] == "email_undeliverable"


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["code"] == "json_invalid"


async def test_field_errors_are_listed(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.post("/api/v1/auth/login", json={"email": "a@b.cn"}), 422, "validation_error"
    )
    assert [e["field"] for e in body["errors"]] == ["password"]


async def test_bad_query_parameter(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/taxonomy/districts/x"), 404, "not_found")
    assert body["status"] == 404


@pytest.fixture
def boom_app(engine) -> FastAPI:  # type: ignore[no-untyped-def]
    router = APIRouter()

    @router.get("/test-boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    return create_app(extra_routers=[router])


async def test_unexpected_exception_is_500_without_internals(
    boom_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    transport = httpx.ASGITransport(app=boom_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/v1/test-boom", headers={"X-Request-ID": "req-12345678"})
    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.text
    assert body["request_id"] == "req-12345678" == response.headers["x-request-id"]


class TestDatabaseOutage:
    """A test-owned PostgreSQL cluster is stopped under the app and started again."""

    @pytest.fixture
    async def cluster(self) -> AsyncIterator[tuple[object, str]]:
        import pgserver

        pgdata = Path(tempfile.mkdtemp(prefix="firstset-outage-"))
        server = pgserver.get_server(pgdata, cleanup_mode="delete")
        base = dbutil.server_url_of(server)
        url = dbutil.recreate_database("outage", base)
        await asyncio.to_thread(command.upgrade, dbutil.alembic_config(url), "head")
        try:
            yield server, url
        finally:
            server.cleanup()
            shutil.rmtree(pgdata, ignore_errors=True)

    async def test_503_while_down_and_recovery_without_restart(
        self, cluster: tuple[object, str]
    ) -> None:
        server, url = cluster
        app = create_app()
        engine = build_engine(url, pool_size=2, max_overflow=0)
        previous = database._engine
        database.use(engine)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/readyz")).status_code == 200
                assert (await client.get("/api/v1/auth/me")).status_code == 401

                await asyncio.to_thread(dbutil.stop_cluster, server)
                started = time.monotonic()
                response = await client.post(
                    "/api/v1/auth/login",
                    json={"email": "a@example.cn", "password": "Whatever-pass-1"},
                )
                assert time.monotonic() - started < 2.5
                assert_problem(response, 503, "service_unavailable")
                assert response.headers["retry-after"] == "5"
                assert_problem(await client.get("/readyz"), 503, "service_unavailable")
                assert (await client.get("/healthz")).status_code == 200

                await asyncio.to_thread(dbutil.start_cluster, server)
                response = await client.post(
                    "/api/v1/auth/login",
                    json={"email": "a@example.cn", "password": "Whatever-pass-1"},
                )
                assert_problem(response, 401, "invalid_credentials")
                assert (await client.get("/readyz")).status_code == 200
        finally:
            await engine.dispose()
            if previous is not None:
                database.use(previous)


async def test_an_id_beyond_bigint_is_a_422_not_a_driver_error(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await logged_in(db, client, Role.admin)
    for path in (
        "/api/v1/notifications/4007400504511311336439808/read",
        "/api/v1/admin/webhooks/deliveries/269939024732536045568/redeliver",
    ):
        body = assert_problem(await client.post(path), 422, "validation_error")
        assert body["errors"][0]["code"] == "less_than_equal"
    mail = await client.get("/api/v1/admin/mail/9616551483952659100073984")
    assert_problem(mail, 422, "validation_error")


def test_a_passphrase_longer_than_the_strength_meter_reads_is_judged() -> None:
    """zxcvbn refuses input over 72 characters: the policy must not pass that on as a 500."""
    long_and_strong = "correct horse battery staple " * 4  # 116 characters
    assert password_problem(long_and_strong.strip(), user_inputs=[]) is None
    assert password_problem("a" * 129, user_inputs=[]) == "Use at most 128 characters."
