"""Embedded PostgreSQL (pgserver) used when no DATABASE_URL is configured."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

logging.getLogger("pgserver").setLevel(logging.WARNING)

DEFAULT_DATABASE = "firstset"


def server_uri(pgdata: Path, database: str = DEFAULT_DATABASE) -> str:
    """Start (or join) the embedded server in `pgdata` and return a URL for `database`.

    The server is shared by every process using the same directory and stops when the last
    of them exits.
    """
    import pgserver

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in existing:
        server.psql(f'CREATE DATABASE "{database}";')
    return f"postgresql://postgres@/{database}?host={socket_dir}"
