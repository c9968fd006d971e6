"""Run in a process of its own by test_export_memory: serve exports of a large catalogue through
the ASGI app, drop the bytes as they come, and report the bytes and the peak RSS growth."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from typing import Any


async def drive(app: Any, path: str, query: str = "") -> int:
    """A minimal ASGI client that counts the body and keeps none of it."""
    received = 0
    status = 0
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    requested = False
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays connected until the body is complete
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal received, status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            received += len(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    done.set()
    assert status == 200, status
    return received


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def main(url: str, warm_query: str) -> None:
    os.environ["DATABASE_URL"] = url
    from api.main import create_app

    app = create_app()
    report: dict[str, float] = {}
    # A small export first: imports, connections and caches are in place before measuring.
    report["warm_bytes"] = await drive(app, "/api/v1/catalogue/export.csv", warm_query)
    base = peak_rss_mb()
    for fmt in ("csv", "json"):
        report[f"{fmt}_bytes"] = await drive(app, f"/api/v1/catalogue/export.{fmt}")
        report[f"{fmt}_growth_mb"] = peak_rss_mb() - base
    report["base_mb"] = base
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
