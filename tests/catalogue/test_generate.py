"""`firstset generate-catalogue`: a synthetic catalogue that looks like the real one, is marked
synthetic, repeats itself for a seed, and is indexed exactly as awards are."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import subprocess
import sys
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.catalogue.generate import SYNTHETIC_KEY_ID, SYNTHETIC_SIGNATURE, generate_catalogue
from api.catalogue.search import search_document
from api.models import (
    Application,
    Award,
    Batch,
    CatalogueChange,
    CatalogueEntry,
    Organization,
    SigningKey,
)
from api.organizations.uscc import uscc_problem
from api.taxonomy.data import FIELD_LABELS

Committing = tuple[FastAPI, async_sessionmaker[AsyncSession]]
E = CatalogueEntry


async def _products(db: AsyncSession) -> list[tuple[Any, ...]]:
    rows = await db.execute(
        select(E.product_name_zh, E.product_name_en, E.field, E.level, E.year).order_by(
            E.year, E.batch_sequence, E.certificate_number
        )
    )
    return [tuple(r) for r in rows.all()]


async def test_same_seed_same_catalogue(db: AsyncSession) -> None:
    runs = []
    for _ in range(2):
        savepoint = await db.begin_nested()
        await generate_catalogue(db, 30, seed=42, other_applications=0)
        runs.append(await _products(db))
        await savepoint.rollback()
    assert runs[0] == runs[1]
    assert len(runs[0]) == 30
    await generate_catalogue(db, 30, seed=43, other_applications=0)
    assert await _products(db) != runs[0]


async def test_generated_rows_are_plausible_synthetic_and_indexed(db: AsyncSession) -> None:
    report = await generate_catalogue(db, 60, seed=1, other_applications=1.5)
    assert report.products == 60
    assert report.applications == 60 + 90
    entries = list((await db.scalars(select(E))).all())
    assert len(entries) == 60
    for entry in entries:
        assert re.fullmatch(r"BJSTT-\d{4}-\d{2}-\d{4}", entry.certificate_number)
        assert re.search(r"[\u4e00-\u9fff]{3,}", entry.product_name_zh)
        assert entry.product_name_en
        assert entry.field in FIELD_LABELS
        assert entry.organization_name_zh.startswith("北京")
        document = search_document(
            entry.product_name_zh,
            entry.product_name_en,
            entry.model_spec,
            entry.summary_zh,
            entry.summary_en,
            entry.organization_name_zh,
            entry.organization_name_en,
        )
        assert entry.search_text == await db.scalar(select(func.lower(document.text)))
    awards = list((await db.scalars(select(Award))).all())
    assert {a.key_id for a in awards} == {SYNTHETIC_KEY_ID}
    assert {a.signature for a in awards} == {SYNTHETIC_SIGNATURE}
    assert base64.b64decode(SYNTHETIC_SIGNATURE).startswith(b"SYNTHETIC")
    assert all(a.payload["synthetic"] for a in awards)
    assert all(isinstance(v, str) for a in awards for v in a.payload.values())
    key = await db.get(SigningKey, SYNTHETIC_KEY_ID)
    assert key is not None
    assert key.retired_at is not None  # never the active key
    usccs = (await db.scalars(select(Application.organization_id).distinct())).all()
    assert usccs

    codes = (await db.scalars(select(Organization.uscc).where(Organization.id.in_(usccs)))).all()
    assert all(uscc_problem(c) is None for c in codes if c)
    changes = await db.scalar(select(func.count()).select_from(CatalogueChange))
    revoked = sum(1 for e in entries if e.revoked_at is not None)
    assert changes == 60 + revoked
    statuses = set((await db.scalars(select(Batch.status).distinct())).all())
    assert statuses == {"announced"}


def url_of(sessions: async_sessionmaker[AsyncSession]) -> str:
    engine = sessions.kw["bind"]
    return str(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "LOG_LEVEL": "WARNING", "LOG_JSON": "false", **env},
        check=False,
    )


async def test_the_command(committing_app: Committing) -> None:
    sessions = committing_app[1]
    url = url_of(sessions)
    done = await asyncio.to_thread(
        cli, "generate-catalogue", "--products", "25", "--seed", "3", DATABASE_URL=url
    )
    assert done.returncode == 0, done.stderr
    assert "generated 25 products" in done.stdout
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(E)) >= 25
    refused = await asyncio.to_thread(
        cli, "generate-catalogue", "--products", "5", DATABASE_URL=url, ENVIRONMENT="production"
    )
    assert refused.returncode == 2
    assert "refusing" in refused.stderr
