"""DATABASE_READ_URL: the public catalogue reads through it, everything else through
DATABASE_URL. It points at a second PostgreSQL role of its own that may only SELECT — a stand-in
for a streaming replica, which refuses writes the same way — so what each role runs can be seen
in pg_stat_activity and changed with GRANT and REVOKE."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from api.config import DEMO_PASSWORD
from api.demo import demo_email
from tests import dbutil
from tests.servers import demo_database, running_server

CATALOGUE = "/api/v1/catalogue"


@dataclass(frozen=True)
class Replica:
    base: str
    primary_url: str  # the server's superuser, as the test sees it
    reader: str  # the read role's name
    reader_url: str
    # Connections of the read role once the server was ready, before any catalogue request.
    reader_sessions_at_start: int


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    tmp = tmp_path_factory.mktemp("replica")
    name, env = demo_database("replica", VAR_DIR=str(tmp / "var"))
    primary_url = env["DATABASE_URL"]
    # Roles belong to the whole server: the name carries the run's and the worker's ids.
    reader = "firstset_reader_" + name.removeprefix("firstset_replica_")
    role = sql.Identifier(reader)
    try:
        with psycopg.connect(_conninfo(primary_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
            conn.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(name), role)
            )
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role))
        reader_url = make_url(primary_url).set(username=reader, password=None)
        server_env = {
            **env,
            "DATABASE_READ_URL": reader_url.render_as_string(hide_password=False),
            # Every catalogue request reaches the database: nothing is answered from memory.
            "CATALOGUE_CACHE_ENTRIES": "0",
            "CATALOGUE_VERSION_TTL_MS": "0",
        }
        with running_server(server_env, tmp / "server.log") as base:
            at_start = len(sessions_of(primary_url, reader))
            yield Replica(base, primary_url, reader, server_env["DATABASE_READ_URL"], at_start)
    finally:
        dbutil.drop_database(name)
        with psycopg.connect(_conninfo(dbutil.server_url()), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


def sessions_of(database_url: str, role: str) -> list[tuple[str, str]]:
    """(application_name, last statement) of each server connection of `role` to the site's
    database, other than the test's own."""
    with psycopg.connect(_conninfo(database_url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT application_name, query FROM pg_stat_activity"
            " WHERE usename = %s AND datname = current_database() AND pid <> pg_backend_pid()",
            (role,),
        ).fetchall()
    return [(str(app), str(query)) for app, query in rows]


def set_reader_access(replica: Replica, allowed: bool) -> None:
    statement = "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}"
    if not allowed:
        statement = "REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM {}"
    with psycopg.connect(_conninfo(replica.primary_url), autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(replica.reader)))


def test_the_read_role_can_only_read(replica: Replica) -> None:
    """The set-up the rest relies on: a write sent through the read URL would fail."""
    with psycopg.connect(_conninfo(replica.reader_url), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM award").fetchone() == (40,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE award SET number = number")


def test_catalogue_reads_go_through_the_read_url_and_writes_through_the_primary(
    replica: Replica,
) -> None:
    # Starting and answering /readyz took no connection of the read pool.
    assert replica.reader_sessions_at_start == 0

    with httpx.Client(base_url=replica.base) as http:
        page = http.get(f"{CATALOGUE}/products", params={"limit": 5})
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert len(items) == 5
        assert http.get(f"{CATALOGUE}/facets").status_code == 200
        detail = http.get(f"{CATALOGUE}/products/{items[0]['id']}")
        assert detail.status_code == 200, detail.text

        reading = sessions_of(replica.primary_url, replica.reader)
        assert reading, "no connection of the read role: the catalogue read the primary"
        assert {app for app, _ in reading} == {"firstset"}
        assert all(query.lstrip().upper().startswith("SELECT") for _, query in reading)

        # A login writes a session row and an audit record: the read role could do neither.
        login = http.post(
            "/api/v1/auth/login",
            json={"email": demo_email("applicant"), "password": DEMO_PASSWORD},
        )
        assert login.status_code == 200, login.text
        assert http.get("/api/v1/auth/me").status_code == 200


def test_without_the_read_role_the_catalogue_fails_and_the_rest_of_the_site_does_not(
    replica: Replica,
) -> None:
    with httpx.Client(base_url=replica.base) as http:
        assert http.get(f"{CATALOGUE}/products").status_code == 200
        number = http.get(f"{CATALOGUE}/products").json()["items"][0]["certificate_number"]
        set_reader_access(replica, allowed=False)
        try:
            refused = http.get(f"{CATALOGUE}/products")
            assert refused.status_code >= 500
            assert refused.headers["content-type"].startswith("application/problem+json")
            # Certificates are verified against the primary, which still answers.
            certificate = http.get(f"/api/v1/certificates/{number}")
            assert certificate.status_code == 200, certificate.text
            assert certificate.json()["status"] == "valid"
        finally:
            set_reader_access(replica, allowed=True)
        assert http.get(f"{CATALOGUE}/products").status_code == 200
