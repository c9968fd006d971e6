from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.demo import ORGS, USERS, demo_email, load_demo
from api.models import Application, Batch, Membership, Organization, User
from api.organizations.uscc import uscc_problem
from api.storage import LocalStorage
from api.users.bootstrap import create_admin
from tests.attachments.test_cleanup import attached, put_blob, unique_pdf


async def test_demo_data_is_idempotent_and_valid(db: AsyncSession) -> None:
    first = await load_demo(db)
    assert first == {"organizations": len(ORGS), "users": len(USERS), "applications": 88}
    assert await load_demo(db) == {"organizations": 0, "users": 0, "applications": 0}
    states = dict(
        (
            await db.execute(select(Application.status, func.count()).group_by(Application.status))
        ).all()
    )
    # every intake state is represented
    assert set(states) >= {
        "draft",
        "submitted",
        "returned",
        "recommended",
        "accepted",
        "rejected",
        "withdrawn",
    }
    batches = {
        (year, seq): status
        for year, seq, status in (
            await db.execute(select(Batch.year, Batch.sequence, Batch.status))
        ).all()
    }
    assert batches[(2021, 1)] == "announced"
    assert batches[(2025, 2)] == "publicity"
    assert {"open", "reviewing"} <= set(batches.values())
    codes = (
        await db.scalars(select(Organization.uscc).where(Organization.uscc.like("%MA000%")))
    ).all()
    assert len(codes) >= len(ORGS)
    assert all(uscc_problem(c) is None for c in codes if c)
    districts = set(
        (await db.scalars(select(Organization.district).where(Organization.uscc.in_(codes)))).all()
    )
    assert len(districts) >= 10
    roles = set(
        (
            await db.execute(
                select(User.email, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .where(User.email.like("%@demo.firstset.cn"))
            )
        ).all()
    )
    assert (demo_email("district"), "district_officer") in roles
    assert (demo_email("expert12"), "expert") in roles
    assert (
        await db.scalar(
            select(func.count()).select_from(User).where(User.email.like("%@demo.firstset.cn"))
        )
        == 16
    )


async def test_create_admin_refuses_weak_password_and_duplicates(db: AsyncSession) -> None:
    with pytest.raises(ValueError, match="at least 10"):
        await create_admin(db, "root@example.cn", "Root", "short")
    user_id = await create_admin(db, "Root@example.cn", "Root", "Sturdy-Admin-Pass-77")
    assert await db.scalar(select(Membership.role).where(Membership.user_id == user_id)) == "admin"
    with pytest.raises(ValueError, match="already exists"):
        await create_admin(db, "root@example.cn", "Root", "Sturdy-Admin-Pass-77")


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def test_load_demo_refused_in_production(database_url: str) -> None:
    result = run_cli("load-demo", ENVIRONMENT="production", DATABASE_URL=database_url)
    assert result.returncode == 2
    assert "refusing" in result.stderr


def test_worker_starts_and_stops(database_url: str) -> None:
    result = run_cli(
        "worker", "--once", DATABASE_URL=database_url, LOG_JSON="true", LOG_LEVEL="INFO"
    )
    assert result.returncode == 0, result.stderr
    assert '"worker_started"' in result.stderr
    assert '"worker_stopped"' in result.stderr


async def test_gc_files(
    committing_app: tuple[FastAPI, async_sessionmaker[AsyncSession]], tmp_path: Path
) -> None:
    sessions = committing_app[1]
    store = LocalStorage(tmp_path / "files")
    in_use = unique_pdf()
    await attached(sessions, in_use)
    kept = await put_blob(store, in_use, hours_old=48)
    fresh = await put_blob(store, unique_pdf(), hours_old=2)
    old = await put_blob(store, unique_pdf(), hours_old=48)
    engine = sessions.kw["bind"]
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "VAR_DIR": str(tmp_path),
    }

    async def gc_files(*args: str) -> str:
        result = await asyncio.to_thread(run_cli, "gc-files", *args, **env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    dry = await gc_files("--dry-run")
    assert dry == "examined 3 stored files, found 1 orphaned (dry run: none removed)\n"
    assert [await store.exists(sha256) for sha256 in (kept, fresh, old)] == [True, True, True]

    assert await gc_files() == "examined 3 stored files, removed 1 orphaned\n"
    assert [await store.exists(sha256) for sha256 in (kept, fresh, old)] == [True, True, False]

    assert (
        await gc_files("--older-than-hours", "1") == "examined 2 stored files, removed 1 orphaned\n"
    )
    assert [await store.exists(sha256) for sha256 in (kept, fresh)] == [True, False]
