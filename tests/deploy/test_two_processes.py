"""The API is stateless: two `firstset serve` processes on one database and one Redis behave as
one site. A session begun on one is good on the other and ends everywhere at logout, a login
rate limit counted on one is enforced by the other, and an idempotent agency request replayed
on the other takes effect once.

The processes trust 127.0.0.1 as their proxy, so each test names its own client address in
X-Forwarded-For, as a load balancer would: the per-address counters of one test (or of another
run sharing the Redis server) never meet another's."""

from __future__ import annotations

import ipaddress
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import redis

from api.agency.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from api.config import DEMO_PASSWORD
from api.demo import demo_email
from tests import dbutil
from tests.servers import demo_database, running_server

# Not the database test_ratelimit_shared.py empties; every key here is unique to the run anyway.
REDIS_URL = os.environ.get("TEST_REDIS_URL_STATELESS", "redis://127.0.0.1:6379/14")
LOGIN_LIMIT = 3


@dataclass(frozen=True)
class Site:
    a: str
    b: str
    database_url: str


def client_ip() -> str:
    """An address of the benchmarking range (RFC 2544), only ever written in a header."""
    return str(ipaddress.ip_address("198.18.0.0") + uuid.uuid4().int % 2**17)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at {REDIS_URL}: {exc}")
    logs = tmp_path_factory.mktemp("stateless")
    name, env = demo_database(
        "stateless",
        REDIS_URL=REDIS_URL,
        LOGIN_LIMIT_PER_IP=f"{LOGIN_LIMIT}/15 minutes",
        TRUSTED_PROXIES='["127.0.0.1/32"]',
        VAR_DIR=str(logs / "var"),
    )
    try:
        with ExitStack() as stack:
            a = stack.enter_context(running_server(env, logs / "a.log"))
            b = stack.enter_context(running_server(env, logs / "b.log"))
            assert a != b
            yield Site(a, b, env["DATABASE_URL"])
    finally:
        dbutil.drop_database(name)


def login(base: str, email: str, password: str, ip: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": ip},
    )


def test_a_session_from_one_process_works_on_the_other_and_logout_ends_it_on_both(
    site: Site,
) -> None:
    ip = client_ip()
    logged_in = login(site.a, demo_email("applicant"), DEMO_PASSWORD, ip)
    assert logged_in.status_code == 200, logged_in.text
    cookies = dict(logged_in.cookies)
    assert set(cookies) == {"firstset_session", "csrf_token"}
    headers = {"X-Forwarded-For": ip}

    with (
        httpx.Client(base_url=site.a, cookies=cookies, headers=headers) as on_a,
        httpx.Client(base_url=site.b, cookies=cookies, headers=headers) as on_b,
    ):
        me = on_b.get("/api/v1/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["email"] == demo_email("applicant")
        assert on_a.get("/api/v1/auth/me").json()["id"] == me.json()["id"]

        logout = on_b.post("/api/v1/auth/logout", headers={"X-CSRF-Token": cookies["csrf_token"]})
        assert logout.status_code == 204, logout.text

        # The client still holds the cookie: only the shared session store can refuse it.
        after = on_a.get("/api/v1/auth/me")
        assert after.status_code == 401
        assert after.headers["content-type"].startswith("application/problem+json")
        assert on_b.get("/api/v1/auth/me").status_code == 401


def test_a_login_limit_counted_on_one_process_is_enforced_by_the_other(site: Site) -> None:
    ip = client_ip()
    # A new account each time: only the per-address limit is being counted.
    for _ in range(LOGIN_LIMIT):
        failed = login(site.a, f"nobody-{uuid.uuid4().hex[:8]}@example.cn", "Wrong-pass-123", ip)
        assert failed.status_code == 401, failed.text

    refused = login(site.b, demo_email("applicant"), DEMO_PASSWORD, ip)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "rate_limited"
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "firstset_session" not in refused.cookies

    # The limit is the address's, not the site's: another client logs in on either process.
    other = client_ip()
    assert login(site.a, demo_email("applicant"), DEMO_PASSWORD, other).status_code == 200
    assert login(site.b, demo_email("applicant"), DEMO_PASSWORD, other).status_code == 200


def subscriptions_to(database_url: str, url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM webhook_subscription WHERE url = %s", (url,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_an_idempotent_request_replayed_on_the_other_process_takes_effect_once(
    site: Site,
) -> None:
    token = httpx.post(
        f"{site.a}/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )
    assert token.status_code == 200, token.text
    headers = {
        "Authorization": f"Bearer {token.json()['access_token']}",
        "Idempotency-Key": str(uuid.uuid4()),
    }
    hook = f"https://hooks.example.cn/firstset/{uuid.uuid4().hex}"
    body = {"url": hook, "events": ["award.granted"]}

    first = httpx.post(f"{site.a}/api/v1/webhooks/subscriptions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    again = httpx.post(f"{site.b}/api/v1/webhooks/subscriptions", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()  # the same subscription, its secret included
    assert again.headers["location"] == first.headers["location"]
    assert subscriptions_to(site.database_url, hook) == 1

    # The key is taken for every process: another body under it is refused on either.
    other = {"url": hook + "/other", "events": ["award.granted"]}
    reused = httpx.post(f"{site.a}/api/v1/webhooks/subscriptions", json=other, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert subscriptions_to(site.database_url, hook + "/other") == 0
