"""Rotating the certificate-signing key on a running site, as an operator does: `firstset
rotate-signing-key` in a process of its own beside the serving API. Certificates signed before
still verify (with the published, now retired key); the API, not restarted, signs the next
certificate with the new key."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import DEMO_PASSWORD
from api.db import build_engine
from api.demo import demo_email
from api.models import ApplicationStatus
from tests import dbutil
from tests.awards.helpers import grant
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org
from tests.servers import demo_database, running_server


@dataclass(frozen=True)
class Site:
    base: str
    env: dict[str, str]

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("keys")
    port = dbutil.free_port()
    # The API and the command share the key directory, as they share a secret mount.
    name, env = demo_database(
        "keys", VAR_DIR=str(tmp / "var"), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}"
    )
    try:
        with running_server(env, tmp / "server.log", port=port) as base:
            yield Site(base, env)
    finally:
        dbutil.drop_database(name)


def cli(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=site.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def published_keys(site: Site) -> dict[str, str | None]:
    """key id → retired_at, as verifiers download them."""
    response = httpx.get(f"{site.base}/api/v1/certificates/keys")
    assert response.status_code == 200, response.text
    return {key["key_id"]: key["retired_at"] for key in response.json()["keys"]}


async def grant_one_award(database_url: str) -> None:
    """An award granted and committed, its certificate not issued yet."""
    engine = build_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            org = await make_org(session)
            batch = await make_batch(session)
            application = await make_application(
                session, org, batch, status=ApplicationStatus.shortlisted
            )
            await grant(session, application, batch)
    finally:
        await engine.dispose()


def issue_as_admin(site: Site) -> int:
    with httpx.Client(base_url=site.base) as http:
        login = http.post(
            "/api/v1/auth/login", json={"email": demo_email("admin"), "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200, login.text
        issued = http.post(
            "/api/v1/awards/issue", headers={"X-CSRF-Token": http.cookies["csrf_token"]}
        )
        assert issued.status_code == 200, issued.text
        return int(issued.json()["issued"])


def newest_certificate(database_url: str) -> tuple[str, str]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT number, key_id FROM award ORDER BY issued_at DESC, number DESC LIMIT 1"
        ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def test_rotation_keeps_old_certificates_valid_and_signs_new_ones_with_the_new_key(
    site: Site,
) -> None:
    (old_key,) = published_keys(site)  # the demo's certificates were signed with it
    old_number, signed_with = newest_certificate(site.database_url)
    assert signed_with == old_key
    before = httpx.get(f"{site.base}/api/v1/certificates/{old_number}").json()

    rotated = cli(site, "rotate-signing-key")
    assert rotated.returncode == 0, rotated.stderr
    keys = published_keys(site)
    (new_key,) = set(keys) - {old_key}
    assert f"new signing key {new_key}" in rotated.stdout
    assert keys[old_key] is not None  # retired, and still published
    assert keys[new_key] is None
    assert os.path.isfile(os.path.join(site.env["VAR_DIR"], "keys", f"{new_key}.pem"))

    # The certificate signed before is untouched and still verifies, by the retired key.
    after = httpx.get(f"{site.base}/api/v1/certificates/{old_number}").json()
    assert (after["signature"], after["key_id"]) == (before["signature"], old_key)
    verified = cli(site, "verify-certificate", old_number, "--api", site.base)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"certificate {old_number} signed by key {old_key} (retired since" in verified.stdout

    # The API, running since before the rotation, signs the next certificate with the new key.
    asyncio.run(grant_one_award(site.database_url))
    assert issue_as_admin(site) == 1
    new_number, new_signer = newest_certificate(site.database_url)
    assert new_number != old_number
    assert new_signer == new_key
    verified_new = cli(site, "verify-certificate", new_number, "--api", site.base)
    assert verified_new.returncode == 0, verified_new.stdout + verified_new.stderr
    assert f"certificate {new_number} signed by key {new_key};" in verified_new.stdout
    assert "status valid" in verified_new.stdout
