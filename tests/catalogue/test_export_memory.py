"""Exports stream in constant memory: 100,000 entries go out while the serving process grows by
a small fraction of the bytes it sends."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.catalogue.generate import APPLICATION_COLUMNS, ENTRY_COLUMNS, generate_catalogue
from api.db import build_engine
from tests import dbutil

ROWS = 100_000
DISTINCT = 1_000
APPLICATION_COPY = [c for c in APPLICATION_COLUMNS if c != "id"]


def _copy_sql(table: str, columns: list[str], replace: dict[str, str], join: str) -> str:
    values = ", ".join(replace.get(c, f"src.{c}") for c in columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "  # noqa: S608 - fixed names
        f"FROM copies c JOIN {table} src ON {join} WHERE c.k BETWEEN :low AND :high"
    )


COPIES = (
    "CREATE TEMP TABLE copies AS SELECT aw.id AS award_id, aw.application_id, k, "
    "gen_random_uuid() AS new_award, gen_random_uuid() AS new_app "
    "FROM award aw, generate_series(1, :copies) k"
)
MULTIPLY = [
    _copy_sql(
        "application",
        ["id", *APPLICATION_COPY],
        {"id": "c.new_app"},
        "src.id = c.application_id",
    ),
    _copy_sql(
        "award",
        [
            "id",
            "application_id",
            "batch_id",
            "organization_id",
            "number",
            "sequence",
            "issued_at",
            "valid_until",
            "payload",
            "signature",
            "key_id",
        ],
        {
            "id": "c.new_award",
            "application_id": "c.new_app",
            "number": "src.number || '-' || c.k",
            "sequence": "src.sequence + c.k * 10000",
        },
        "src.id = c.award_id",
    ),
    _copy_sql(
        "catalogue_entry",
        ENTRY_COLUMNS,
        {
            "award_id": "c.new_award",
            "application_id": "c.new_app",
            "certificate_number": "src.certificate_number || '-' || c.k",
        },
        "src.award_id = c.award_id",
    ),
]


@pytest.fixture(scope="module")
async def big_catalogue() -> AsyncIterator[str]:
    """A database of its own with 100,000 entries: 1,000 generated ones, each copied 99 times
    in SQL (the exports read every column; none searches, so the search index is left out of
    this database to save building it)."""
    name = dbutil.run_database("export")
    url = dbutil.recreate_database(name)
    await asyncio.to_thread(command.upgrade, dbutil.alembic_config(url), "head")
    engine = build_engine(url)
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await session.execute(text("SET LOCAL statement_timeout = 0"))
            await session.execute(text("DROP INDEX ix_catalogue_entry_search"))
            await generate_catalogue(session, DISTINCT, seed=99, other_applications=0)
            copies = ROWS // DISTINCT - 1
            await session.execute(text(COPIES), {"copies": copies})
            # A few copies per statement: each stays well inside the driver's command timeout.
            for low in range(1, copies + 1, 10):
                for statement in MULTIPLY:
                    await session.execute(text(statement), {"low": low, "high": low + 9})
            assert await session.scalar(text("SELECT count(*) FROM catalogue_entry")) == ROWS
            warm_org = await session.scalar(text("SELECT organization_id FROM award LIMIT 1"))
        await engine.dispose()
        yield f"{url}|organisation={warm_org}"
    finally:
        await engine.dispose()
        dbutil.drop_database(name)


async def test_export_memory_stays_flat_for_100k_rows(big_catalogue: str) -> None:
    url, warm = big_catalogue.split("|")
    probe = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.catalogue.memory_probe", url, warm],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "LOG_LEVEL": "WARNING", "LOG_JSON": "false"},
        check=False,
        cwd=dbutil.ROOT,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    # The bodies are tens of megabytes: holding either would show many times over.
    assert report["csv_bytes"] > 40_000_000
    assert report["json_bytes"] > report["csv_bytes"]
    assert report["warm_bytes"] < report["csv_bytes"] / 50
    for fmt in ("csv", "json"):
        assert report[f"{fmt}_growth_mb"] < 20, report
