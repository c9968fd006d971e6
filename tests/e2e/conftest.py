"""A live server (uvicorn subprocess, demo data, built SPA) and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from bench.browser import CHROMIUM_ARGS
from tests import dbutil
from tests.servers import demo_database, running_server

ROOT = dbutil.ROOT
ARTIFACTS = ROOT / "artifacts" / "screenshots"


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
    name, env = demo_database("e2e")
    try:
        with running_server(env, ROOT / "var" / f"e2e-server-{worker}.log") as base:
            yield base
    finally:
        dbutil.drop_database(name)


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
