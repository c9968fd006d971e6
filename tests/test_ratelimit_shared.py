"""Two API worker processes share login counters through Redis: the eighth wrong password in a
row is refused whichever process answers it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest
import redis

from tests.dbutil import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def two_worker_server(database_url: str) -> object:
    try:
        # A database of the tests' own: earlier runs' counters (same IP) must not carry over.
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at {REDIS_URL} (set TEST_REDIS_URL): {exc}")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "server exited"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=15)


def test_eighth_wrong_password_is_429_across_workers(two_worker_server: str) -> None:
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.cn"
    statuses = []
    for _ in range(8):
        # a new connection each time, so the kernel spreads them over both workers
        response = httpx.post(
            f"{two_worker_server}/api/v1/auth/login",
            json={"email": email, "password": "Wrong-password-123"},
        )
        statuses.append(response.status_code)
    assert statuses == [401] * 7 + [429]
    assert int(response.headers["retry-after"]) > 0
