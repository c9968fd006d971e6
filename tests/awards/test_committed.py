"""What needs real commits across connections: consumers racing for the same events, the
worker's poll, and `firstset verify-certificate NUMBER` against a live server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.awards import pdf, service
from api.models import ApplicationStatus, Batch, SigningKey
from api.storage import LocalStorage, get_storage
from tests import dbutil
from tests.awards.helpers import awards_of, grant
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org
from tests.servers import running_server

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]


async def granted_batch(sessions: async_sessionmaker[AsyncSession], count: int) -> Batch:
    """A batch with `count` awards granted and committed, none issued yet."""
    async with sessions() as session, session.begin():
        org = await make_org(session)
        batch = await make_batch(session)
        for _ in range(count):
            application = await make_application(
                session, org, batch, status=ApplicationStatus.shortlisted
            )
            await grant(session, application, batch)
    return batch


async def consume(sessions: async_sessionmaker[AsyncSession], *, wait: bool = True) -> int:
    async with sessions() as session, session.begin():
        return await service.process_award_events(session, wait=wait)


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def url_of(sessions: async_sessionmaker[AsyncSession]) -> str:
    engine = sessions.kw["bind"]
    return str(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))


async def test_racing_consumers_issue_each_award_once(committing_app: Committing) -> None:
    sessions = committing_app[1]
    # The cursor row exists already, so nothing but its row lock keeps the consumers apart.
    await consume(sessions)
    batch = await granted_batch(sessions, 6)
    results = await asyncio.gather(*(consume(sessions) for _ in range(4)))
    assert sorted(results) == [0, 0, 0, 6]
    async with sessions() as session:
        awards = await awards_of(session, batch.id)
    assert [a.sequence for a in awards] == [1, 2, 3, 4, 5, 6]
    assert len({a.application_id for a in awards}) == 6
    assert await consume(sessions) == 0


async def test_two_batches_announced_at_once_number_independently(
    committing_app: Committing,
) -> None:
    sessions = committing_app[1]
    first, second = await granted_batch(sessions, 3), await granted_batch(sessions, 2)
    await asyncio.gather(consume(sessions), consume(sessions))
    async with sessions() as session:
        assert [a.sequence for a in await awards_of(session, first.id)] == [1, 2, 3]
        assert [a.sequence for a in await awards_of(session, second.id)] == [1, 2]


async def test_the_worker_poll_skips_a_busy_cursor_and_issues_later(
    committing_app: Committing, key_dir: Path
) -> None:
    sessions = committing_app[1]
    batch = await granted_batch(sessions, 1)
    async with sessions() as holder, holder.begin():
        await service._lock_cursor(holder, wait=True)
        started = time.monotonic()
        assert await asyncio.wait_for(consume(sessions, wait=False), timeout=5) == 0
        assert time.monotonic() - started < 5
    # the worker process, polling once, issues what is pending
    result = cli(
        "worker",
        "--once",
        DATABASE_URL=url_of(sessions),
        SIGNING_KEY_DIR=str(key_dir),
        LOG_JSON="true",
        LOG_LEVEL="INFO",
    )
    assert result.returncode == 0, result.stderr
    assert '"awards_issued"' in result.stderr
    async with sessions() as session:
        (award,) = await awards_of(session, batch.id)
        assert award.sequence == 1
    assert (key_dir / f"{award.key_id}.pem").is_file()


async def test_two_first_pdf_requests_render_once(
    committing_app: Committing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, sessions = committing_app
    batch = await granted_batch(sessions, 1)
    await consume(sessions)
    async with sessions() as session:
        (award,) = await awards_of(session, batch.id)
    renders: list[str] = []
    real = pdf.render_certificate_pdf

    def counting(view: pdf.CertificateView) -> bytes:
        renders.append(view.number)
        return real(view)

    monkeypatch.setattr(pdf, "render_certificate_pdf", counting)
    store = LocalStorage(tmp_path / "files")
    app.dependency_overrides[get_storage] = lambda: store
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            url = f"/api/v1/certificates/{award.number}/pdf"
            responses = await asyncio.gather(*(client.get(url) for _ in range(3)))
    finally:
        app.dependency_overrides.pop(get_storage, None)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({r.content for r in responses}) == 1
    assert renders == [award.number]


@pytest.fixture
def live_server(committing_app: Committing, tmp_path: Path) -> Iterator[str]:
    """`firstset serve` on the committing database."""
    port = dbutil.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url_of(committing_app[1]),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    with running_server(env, tmp_path / "server.log", port=port) as base:
        yield base


async def test_verify_a_number_against_the_live_site(
    committing_app: Committing, live_server: str
) -> None:
    sessions = committing_app[1]
    batch = await granted_batch(sessions, 1)
    await consume(sessions)
    async with sessions() as session:
        (award,) = await awards_of(session, batch.id)

    result = await asyncio.to_thread(cli, "verify-certificate", award.number, "--api", live_server)
    assert result.returncode == 0, result.stderr
    assert f"certificate {award.number} signed by key {award.key_id}" in result.stdout
    assert "status valid" in result.stdout

    unknown = f"BJSTT-{batch.year}-{batch.sequence:02d}-9999"
    missing = await asyncio.to_thread(cli, "verify-certificate", unknown, "--api", live_server)
    assert missing.returncode == 1
    assert "no such certificate" in missing.stderr


async def test_rotate_signing_key_command(committing_app: Committing, key_dir: Path) -> None:
    sessions = committing_app[1]
    async with sessions() as session:
        before = set(await session.scalars(select(SigningKey.key_id)))
    result = await asyncio.to_thread(
        cli,
        "rotate-signing-key",
        DATABASE_URL=url_of(sessions),
        SIGNING_KEY_DIR=str(key_dir),
        ENVIRONMENT="production",
    )
    assert result.returncode == 0, result.stderr
    async with sessions() as session:
        rows = list(await session.scalars(select(SigningKey)))
        active = [k for k in rows if k.retired_at is None]
        assert len(active) == 1
        assert active[0].key_id not in before
        assert {k.key_id for k in rows} >= before  # old keys stay listed
        retired = await session.scalar(
            select(func.count()).select_from(SigningKey).where(SigningKey.retired_at.is_not(None))
        )
        assert retired == len(before)
    assert active[0].key_id in result.stdout
    assert (key_dir / f"{active[0].key_id}.pem").is_file()
