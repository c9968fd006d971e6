"""The container: the Dockerfile lints clean and its final stage is lean and unprivileged; the
entrypoint migrates and serves from a clean environment; docker-compose.yml sets only variables
something reads. No Docker engine is needed: the entrypoint runs directly, as the image runs it."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml

from api.config import DEMO_PASSWORD, Settings
from api.config_docs import ENTRYPOINT_VARIABLES
from tests import dbutil

ROOT = dbutil.ROOT
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint.sh"
COMPOSE = ROOT / "docker-compose.yml"
VENV_BIN = Path(sys.prefix) / "bin"
PUBLIC_BASE_URL = "https://firstset.example.cn"

# --- the Dockerfile ------------------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = pending + line
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    return result


def final_stage() -> list[tuple[str, str]]:
    steps = instructions(DOCKERFILE.read_text(encoding="utf-8"))
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def apt_packages(run_arguments: str) -> list[str]:
    packages = []
    for command in re.split(r"&&|;", run_arguments):
        words = shlex.split(command)
        if words[:2] == ["apt-get", "install"]:
            packages += [word for word in words[2:] if not word.startswith("-")]
    return packages


def weasyprint_packages_of_setup() -> set[str]:
    """The Debian packages scripts/setup.sh installs for running the app (not for tests)."""
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    first = next(line for line in setup.splitlines() if line.strip().startswith("apt_install "))
    return set(first.split()[1:])


def test_hadolint_finds_nothing(tmp_path: Path) -> None:
    hadolint = VENV_BIN / "hadolint"
    assert hadolint.is_file(), "hadolint comes with the dev dependencies: pip install -e '.[dev]'"
    # A configuration of our own, so no stray one on the machine can ignore rules.
    config = tmp_path / "hadolint.yaml"
    config.write_text("failure-threshold: style\nignored: []\n", encoding="utf-8")
    result = subprocess.run(
        [hadolint, "--no-color", "--format", "json", "--config", config, DOCKERFILE],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout or "null") == [], result.stdout + result.stderr
    assert result.returncode == 0


def test_every_inline_hadolint_ignore_gives_its_reason() -> None:
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            before = lines[number - 1].strip() if number else ""
            assert before.startswith("#"), f"line {number + 1}: say why above the ignore"
            assert "hadolint" not in before


def test_final_stage_is_slim_unprivileged_and_checked() -> None:
    stage = final_stage()
    keywords = [keyword for keyword, _ in stage]
    assert stage[0][1].split()[0] == "python:3.11-slim-bookworm"

    users = [arguments for keyword, arguments in stage if keyword == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")

    (healthcheck,) = [arguments for keyword, arguments in stage if keyword == "HEALTHCHECK"]
    assert "/healthz" in healthcheck
    assert "NONE" not in healthcheck.split()

    installed = [
        package
        for keyword, arguments in stage
        if keyword == "RUN"
        for package in apt_packages(arguments)
    ]
    forbidden = {"build-essential", "gcc", "g++", "make", "nodejs", "npm", "curl"}
    assert not forbidden & set(installed)
    assert not [package for package in installed if package.endswith("-dev")]
    assert weasyprint_packages_of_setup() <= set(installed)
    assert all("[dev]" not in arguments for _, arguments in instructions(DOCKERFILE.read_text()))


def test_final_stage_runs_the_entrypoint_script_in_production() -> None:
    stage = final_stage()
    (entrypoint,) = [
        json.loads(arguments) for keyword, arguments in stage if keyword == "ENTRYPOINT"
    ]
    copies = [arguments.split() for keyword, arguments in stage if keyword == "COPY"]
    (copy,) = [words for words in copies if "scripts/docker-entrypoint.sh" in words]
    assert Path(copy[-1]).name == Path(entrypoint[0]).name == "docker-entrypoint.sh"
    env = " ".join(arguments for keyword, arguments in stage if keyword == "ENV")
    assert "ENVIRONMENT=production" in env.split()
    var_dir = re.search(r"\bVAR_DIR=(\S+)", env)
    assert var_dir is not None
    (volume,) = [json.loads(arguments) for keyword, arguments in stage if keyword == "VOLUME"]
    assert var_dir.group(1) in volume
    assert os.access(ENTRYPOINT, os.X_OK)


# --- the entrypoint, run as the image runs it ----------------------------------------------------


@pytest.fixture
def fresh_database() -> Iterator[str]:
    name = dbutil.run_database(f"entrypoint_{uuid.uuid4().hex[:6]}")
    url = dbutil.recreate_database(name)
    yield url
    dbutil.drop_database(name)


def production_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Only what a container is given: nothing inherited from the test run."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    frontend = tmp_path / "dist"
    frontend.mkdir(exist_ok=True)
    (frontend / "index.html").write_text("<!doctype html><title>FirstSet</title>\n")
    return {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),
        "FRONTEND_DIST": str(frontend),
        "ENVIRONMENT": "production",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        **extra,
    }


def entrypoint(
    env: dict[str, str], *args: str, cwd: Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    # cwd outside the checkout: a developer's .env there must not leak into the "container".
    return subprocess.run(
        [str(ENTRYPOINT), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    pending = ["/healthz", "/readyz"]
    while pending:
        assert process.poll() is None, f"the API exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"the API did not get ready:\n{log.read_text()}"
        try:
            if httpx.get(base + pending[0], timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.3)


# One server at a time on a small machine, whatever the number of test workers.
starts_processes = pytest.mark.xdist_group("container")


@starts_processes
def test_entrypoint_migrates_and_serves_in_production(fresh_database: str, tmp_path: Path) -> None:
    env = production_env(fresh_database, tmp_path)

    migrated = entrypoint(env, "migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "database migrated to head" in migrated.stdout
    # Any other command runs as given: here the one that provisions production's signing key.
    provisioned = entrypoint(env, "firstset", "rotate-signing-key", cwd=tmp_path)
    assert provisioned.returncode == 0, provisioned.stderr
    assert "new signing key" in provisioned.stdout

    port = dbutil.free_port()
    env |= {"PORT": str(port), "WEB_CONCURRENCY": "2"}
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ENTRYPOINT)], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process, log)
        # The image's own health check command, run the same way Docker would.
        (healthcheck,) = [a for k, a in final_stage() if k == "HEALTHCHECK"]
        command = json.loads(healthcheck[healthcheck.index("CMD") + 3 :])
        assert command[0] == "python"
        checked = subprocess.run(
            [sys.executable, *command[1:]], env=env, capture_output=True, timeout=30
        )
        assert checked.returncode == 0, checked.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    output = log.read_text()
    assert returncode == 0, output
    assert "database migrated to head" in output, "the api command migrates before serving"

    worker = entrypoint(env, "worker", "--once", cwd=tmp_path)
    assert worker.returncode == 0, worker.stderr


@starts_processes
def test_production_with_a_demo_secret_refuses_to_start(
    fresh_database: str, tmp_path: Path
) -> None:
    env = production_env(fresh_database, tmp_path, SMTP_PASSWORD=DEMO_PASSWORD)

    api = entrypoint(env, cwd=tmp_path)
    assert api.returncode != 0
    assert "refusing to start with ENVIRONMENT=production" in api.stderr
    assert "SMTP_PASSWORD is a published demo secret" in api.stderr
    assert "No usable certificate-signing key" in api.stderr
    assert DEMO_PASSWORD not in api.stderr
    assert "database migrated to head" in api.stdout, "a fresh database is migrated first"

    worker = entrypoint(env, "worker", cwd=tmp_path)
    assert worker.returncode != 0
    assert "SMTP_PASSWORD is a published demo secret" in worker.stderr


@starts_processes
def test_migrate_on_start_false_leaves_the_database_alone(
    fresh_database: str, tmp_path: Path
) -> None:
    env = production_env(fresh_database, tmp_path, MIGRATE_ON_START="false")
    api = entrypoint(env, cwd=tmp_path)
    assert api.returncode != 0
    assert "database migrated" not in api.stdout
    assert "is the database reachable and migrated" in api.stderr
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() == (None,)


@starts_processes
def test_other_commands_are_executed_as_given(tmp_path: Path) -> None:
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    assert entrypoint(env, "true", cwd=tmp_path).returncode == 0
    assert entrypoint(env, "sh", "-c", "exit 7", cwd=tmp_path).returncode == 7
    echoed = entrypoint(env, "printf", "%s|", "two words", "api", cwd=tmp_path)
    assert echoed.stdout == "two words|api|"


def test_entrypoint_is_posix_sh_and_its_variables_are_documented() -> None:
    script = ENTRYPOINT.read_text(encoding="utf-8")
    assert script.startswith("#!/bin/sh\n")
    assert re.search(r"^set -eu$", script, re.MULTILINE)
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=False).returncode == 0
    assert entrypoint_variables() == set(ENTRYPOINT_VARIABLES)


def entrypoint_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", ENTRYPOINT.read_text(encoding="utf-8")))


# --- docker-compose.yml --------------------------------------------------------------------------


def compose() -> dict[str, object]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def environment_of(service: dict[str, object]) -> set[str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return {item.split("=", 1)[0] for item in environment}
    assert isinstance(environment, dict)
    return set(environment)


def test_compose_services_volumes_and_profiles() -> None:
    document = compose()
    services = document["services"]
    assert isinstance(services, dict)
    assert {"postgres", "api", "worker", "redis"} <= set(services)

    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "healthcheck" in postgres
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])

    api, worker = services["api"], services["worker"]
    assert api["build"] == "."
    assert api["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any(str(port).endswith(":8000") for port in api["ports"])
    assert worker["image"] == api["image"]
    assert worker["command"] == ["worker"]
    assert services["redis"]["profiles"] == ["redis"]

    var_dir = re.search(r"\bVAR_DIR=(\S+)", " ".join(a for k, a in final_stage() if k == "ENV"))
    assert var_dir is not None
    volumes = document["volumes"]
    assert isinstance(volumes, dict)
    for service in (api, worker):
        (mount,) = [v for v in service["volumes"] if v.endswith(":" + var_dir.group(1))]
        assert mount.split(":")[0] in volumes


def test_compose_sets_only_variables_something_reads() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    known = {name.upper() for name in Settings.model_fields} | entrypoint_variables()
    for name in ("api", "worker"):
        environment = environment_of(services[name])
        assert {"DATABASE_URL", "PUBLIC_BASE_URL"} <= environment
        assert environment - known == set(), f"{name} sets variables nothing reads"
