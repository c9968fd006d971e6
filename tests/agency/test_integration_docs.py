"""The examples of docs/integration.md, run as written against a live server with demo data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from api.agency.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests import dbutil
from tests.servers import demo_database, running_server

DOC = dbutil.ROOT / "docs" / "integration.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(DOC.read_text()) if lang == language]


@pytest.fixture(scope="module")
def docs_server() -> Iterator[str]:
    """A uvicorn subprocess on a database of its own, loaded with the demo data (as the e2e
    suite's `live_server`, without the built SPA)."""
    name, env = demo_database("agency-docs")
    try:
        log = dbutil.ROOT / "var" / f"agency-docs-server-{os.getpid()}.log"
        with running_server(env, log) as base:
            yield base
    finally:
        dbutil.drop_database(name)


def run(command: list[str], base: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIRSTSET_URL": base}
    for name in ("CLIENT_ID", "CLIENT_SECRET"):
        env.pop(name, None)  # the documented demo defaults
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{command[:2]}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_documented_demo_credentials() -> None:
    text = DOC.read_text()
    assert DEMO_CLIENT_ID in text
    assert DEMO_CLIENT_SECRET in text
    readme = (dbutil.ROOT / "README.md").read_text()
    assert DEMO_CLIENT_SECRET in readme
    assert "docs/integration.md" in readme


def test_curl_examples(docs_server: str) -> None:
    script = "\n".join(blocks("bash"))
    assert "curl" in script
    out = run(["bash", "-euo", "pipefail", "-c", script], docs_server).stdout
    assert '"access_token"' in out
    assert '"scope":"catalogue:read statistics:read"' in out
    assert '"items"' in out  # the catalogue page, the oversight lists
    assert '"reviews"' not in out  # lists carry no reviews
    assert '"signing_secret"' in out  # the new subscription, its secret shown once


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_examples(docs_server: str, index: int) -> None:
    out = run([sys.executable, "-c", blocks("python")[index]], docs_server).stdout
    assert out.strip()
