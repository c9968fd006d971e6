"""Test databases: one per xdist worker, built by `alembic upgrade head`."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
# Test runs may share a server (several checkouts, CI beside a developer): every database a run
# creates carries the run's id and the xdist worker's name.
_RUN = (os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex)[:8]


def run_database(purpose: str) -> str:
    return f"firstset_{purpose}_{_RUN}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def server_url() -> str:
    """TEST_DATABASE_URL's server, or the embedded one (var/pgdata-test)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    from api.embedded_pg import server_uri

    return server_uri(ROOT / "var" / "pgdata-test", database="postgres")


def url_for(database: str, base: str | None = None) -> str:
    return (
        make_url(base or server_url()).set(database=database).render_as_string(hide_password=False)
    )


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate_database(name: str, base: str | None = None) -> str:
    base = base or server_url()
    with psycopg.connect(_conninfo(url_for("postgres", base)), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url_for(name, base)


def drop_database(name: str, base: str | None = None) -> None:
    base = base or server_url()
    with psycopg.connect(_conninfo(url_for("postgres", base)), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def server_url_of(server) -> str:  # type: ignore[no-untyped-def]
    """A URL for a pgserver instance (it listens on a Unix socket only)."""
    from urllib.parse import parse_qs, urlsplit

    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgresql://postgres@/postgres?host={socket_dir}"


def stop_cluster(server) -> None:  # type: ignore[no-untyped-def]
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)


def start_cluster(server) -> None:  # type: ignore[no-untyped-def]
    with server._lock:
        server.ensure_postgres_running()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
