"""Real API processes for the tests that need one over HTTP: `firstset serve` on a free port,
on a database of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
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
def running_process(
    command: Sequence[str],
    log_path: Path,
    ready_url: str,
    *,
    env: Mapping[str, str] | None = None,
    ready_status: int | None = 200,
    timeout_s: float = 30,
    name: str = "server",
) -> Iterator[None]:
    """`command` in a process of its own, until `ready_url` answers `ready_status` (None: any
    answer will do), and stopped afterwards. Its output goes to `log_path`, quoted when it does
    not start."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    answer = httpx.get(ready_url, timeout=1)
                    if ready_status is None or answer.status_code == ready_status:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"{name} did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield
        finally:
            process.terminate()
            process.wait(timeout=15)


@contextmanager
def running_server(
    env: dict[str, str], log_path: Path, port: int | None = None, timeout_s: float = 30
) -> Iterator[str]:
    """`firstset serve` with `env`; yields its base URL once `/readyz` answers 200, and stops
    it afterwards. Its output goes to `log_path`, quoted when it does not start."""
    port = port or dbutil.free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*CLI, "serve", "--port", str(port), "--workers", "1"]
    with running_process(command, log_path, f"{base}/readyz", env=env, timeout_s=timeout_s):
        yield base
