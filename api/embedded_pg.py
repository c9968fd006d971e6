"""Embedded PostgreSQL (pgserver) used when no DATABASE_URL is configured."""

from __future__ import annotations

import fcntl
import logging
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

logging.getLogger("pgserver").setLevel(logging.WARNING)

DEFAULT_DATABASE = "firstset"


def server_uri(pgdata: Path, database: str = DEFAULT_DATABASE) -> str:
    """Start (or join) the embedded server in `pgdata` and return a URL for `database`.

    The server is shared by every process using the same directory and stops when the last
    of them exits.
    """
    from pgserver.postgres_server import get_server

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"not a plain database name: {database!r}")

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # pgserver creates the data directory without tolerating a concurrent creator, and test
    # workers or a server and its worker start together: serialise the first start.
    with open(pgdata.parent / f".{pgdata.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        server = get_server(pgdata, cleanup_mode="stop")
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    # psql takes no bind parameters; the name was checked to be a plain identifier above.
    existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in existing:
        server.psql(f'CREATE DATABASE "{database}";')
    return f"postgresql://postgres@/{database}?host={socket_dir}"
