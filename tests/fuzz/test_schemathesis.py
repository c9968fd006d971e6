"""Schemathesis against the app's own OpenAPI document, over real HTTP to a live server with the
demo data: every check, every phase (stateful included), at least 100 examples per operation,
as an anonymous caller over every operation. A run with any failure fails the test, naming it.

(The runs as each role, over the operations the permission matrix opens to it, come next.)"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import dbutil
from tests.servers import demo_database, running_server

# Each run is minutes of HTTP; the module shares one server and goes as one xdist group.
pytestmark = [pytest.mark.xdist_group("schemathesis"), pytest.mark.timeout(900)]

HERE = Path(__file__).parent
EXAMPLES = 100


@dataclass(frozen=True)
class Server:
    base: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    var = tmp_path_factory.mktemp("fuzz-var")
    name, env = demo_database(
        "fuzz",
        VAR_DIR=str(var),
        # The fuzzer logs in and files objections far more often than a person could.
        LOGIN_LIMIT_PER_IP="100000/minute",
        LOGIN_LIMIT_PER_ACCOUNT="100000/minute",
        OBJECTION_LIMIT_PER_IP="100000/minute",
    )
    log = var / "server.log"
    try:
        with running_server(env, log) as base:
            yield Server(base, log)
    finally:
        dbutil.drop_database(name)


def fuzz(server: Server, tmp_path: Path, headers: list[str], names: list[str] | None) -> None:
    report = tmp_path / "report.ndjson"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{server.base}/api/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        # One thread: with two, hypothesis's lambda-source lookup now and then fails inside
        # schemathesis ("AST constructor recursion depth mismatch"), a runtime error of the tool.
        "--workers",
        "1",
        "--seed",
        "20211022",
        "--request-timeout",
        "30",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
    ]
    for header in headers:
        command += ["--header", header]
    for name in names or []:
        command += ["--include-name", name]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(dbutil.ROOT)}
    run = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1500
    )
    output = run.stdout + run.stderr
    assert "Selected:" in output, output[-5000:]
    assert run.returncode == 0, output[-20000:]
    # The summary counts what ran: a filter that selected nothing would pass vacuously.
    tested = [line for line in output.splitlines() if line.strip().startswith("Tested:")]
    assert tested, output[-3000:]
    assert int(tested[0].split()[1]) > 0, output[-3000:]
    assert report.stat().st_size > 0
    server_errors = [
        line for line in server.log.read_text().splitlines() if "unhandled_exception" in line
    ]
    assert not server_errors, "\n".join(server_errors[:5])


def test_anonymous(server: Server, tmp_path: Path) -> None:
    fuzz(server, tmp_path, [], None)
