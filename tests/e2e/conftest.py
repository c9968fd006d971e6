"""A live server (uvicorn subprocess, demo data, built SPA) and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests import dbutil

ROOT = dbutil.ROOT
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed (scripts/setup.sh --test installs it)")
    return path


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    if not (ROOT / "frontend" / "dist" / "index.html").is_file():
        pytest.fail("frontend/dist is missing: the test command builds it (scripts/setup.sh)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = dbutil.recreate_database(dbutil.run_database("e2e"))
    env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([*cli, "load-demo"], env=env, check=True, capture_output=True, timeout=120)
    port = dbutil.free_port()
    (ROOT / "var").mkdir(exist_ok=True)
    log = (ROOT / "var" / f"e2e-server-{worker}.log").open("w")
    process = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"live server did not start; see {log.name}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
        dbutil.drop_database(dbutil.run_database("e2e"))


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
