"""Real API processes for the tests that need one over HTTP: `firstset serve` on a free port,
on a database of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests import dbutil

CLI = [sys.executable, "-m", "api.cli"]


def demo_database(purpose: str, **env: str) -> tuple[str, dict[str, str]]:
    """A fresh database of this run with the schema and the demo data: its name, and the
    environment a process needs to use it (`env` added)."""
    name = dbutil.run_database(purpose)
    url = dbutil.recreate_database(name)
    environ = {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    subprocess.run([*CLI, "migrate"], env=environ, check=True, capture_output=True, timeout=120)
    subprocess.run([*CLI, "load-demo"], env=environ, check=True, capture_output=True, timeout=180)
    return name, environ


@contextmanager
def running_server(
    env: dict[str, str], log_path: Path, port: int | None = None, timeout_s: float = 30
) -> Iterator[str]:
    """`firstset serve` with `env`; yields its base URL once `/readyz` answers 200, and stops
    it afterwards. Its output goes to `log_path`, quoted when it does not start."""
    port = port or dbutil.free_port()
    base = f"http://127.0.0.1:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"server did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=15)
