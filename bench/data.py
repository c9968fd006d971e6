"""The benchmark's databases: created fresh on a PostgreSQL server, migrated, filled through
`firstset generate-catalogue`, plus applications, expert reviews and an applicant with drafts,
bulk-inserted with `generate_series` (the services would take minutes for 100,000 reviews)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

from bench.load import ROOT, python

BENCH_PASSWORD = "Bench-only-password-7f3a"  # noqa: S105 - a throwaway database's user
BENCH_EMAIL = "bench-applicant@bench.invalid"
REVIEW_BATCH_TITLE = "基准测试评审批次"
EXPERTS = 60
REVIEWS_PER_APPLICATION = 5


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate(server: str, name: str) -> str:
    with psycopg.connect(_conninfo(database_url(server, "postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(server, name)


def drop(server: str, name: str) -> None:
    with psycopg.connect(_conninfo(database_url(server, "postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "true",
    }


def firstset(url: str, *args: str, timeout: float = 1800) -> None:
    subprocess.run(  # noqa: S603 - our own CLI
        [python(), "-m", "api.cli", *args],
        env=cli_env(url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=timeout,
    )


@dataclass
class Dataset:
    url: str
    products: int
    applications: int
    reviews: int
    seconds: float


def build(server: str, name: str, products: int, applications: int) -> Dataset:
    started = time.monotonic()
    url = recreate(server, name)
    firstset(url, "migrate")
    firstset(url, "generate-catalogue", "--products", str(products), "--other-applications", "0")
    reviews = 0
    if applications:
        reviews = asyncio.run(_reviews_and_applicant(url, applications))
    return Dataset(url, products, applications, reviews, time.monotonic() - started)


async def _reviews_and_applicant(url: str, applications: int) -> int:
    import asyncpg

    from api.auth.passwords import hash_password

    password_hash = await hash_password(BENCH_PASSWORD)
    conn = await asyncpg.connect(_conninfo(url))
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL statement_timeout = 0")
            return await _fill(conn, applications, password_hash)
    finally:
        await conn.close()


async def _fill(conn: object, applications: int, password_hash: str) -> int:
    c: object = conn
    execute = c.execute  # type: ignore[attr-defined]
    fetchval = c.fetchval  # type: ignore[attr-defined]
    # Two batches under review, half of the applications each: one is the 10k batch whose
    # results B6 computes; the other keeps the tables at the intended size.
    await execute(
        """
        INSERT INTO batch (year, sequence, title_zh, title_en, fields, opens_at, closes_at,
                           status, aggregation_rule)
        SELECT extract(year FROM now())::int, 50 + n, $1 || n, 'Benchmark review batch ' || n,
               ARRAY['integrated_circuits','transport','aerospace','pharma_health'],
               now() - interval '60 days', now() - interval '30 days', 'reviewing',
               'trimmed_mean'
        FROM generate_series(1, 2) AS n
        """,
        REVIEW_BATCH_TITLE,
    )
    await execute(
        """
        CREATE TEMP TABLE bench_org AS
        SELECT id, row_number() OVER (ORDER BY id) AS n FROM organization
        """
    )
    orgs = await fetchval("SELECT count(*) FROM bench_org")
    await execute(
        """
        INSERT INTO application (batch_id, organization_id, status, product_name_zh,
                                 product_name_en, model_spec, product_key, field, product_type,
                                 claimed_level, summary_zh, submitted_at)
        SELECT b.id, o.id, 'in_review', '基准评审装备' || g, 'Benchmark equipment ' || g,
               'BM-' || g, 'bm-' || g,
               (ARRAY['integrated_circuits','transport','aerospace','pharma_health'])[1 + g % 4],
               'complete_machine', 'domestic_leading', '用于基准测试的申报。',
               now() - interval '40 days'
        FROM generate_series(1, $1::int) AS g
        JOIN batch b ON b.title_zh = $2 || (1 + g % 2)
        JOIN bench_org o ON o.n = 1 + g % $3::int
        """,
        applications,
        REVIEW_BATCH_TITLE,
        orgs,
    )
    await execute(
        """
        INSERT INTO app_user (email, display_name, password_hash)
        SELECT 'bench-expert' || n || '@bench.invalid', '基准专家' || n, $1
        FROM generate_series(1, $2::int) AS n
        """,
        password_hash,
        EXPERTS,
    )
    await execute(
        """
        INSERT INTO expert_profile (user_id, fields)
        SELECT id, ARRAY['integrated_circuits'] FROM app_user WHERE email LIKE 'bench-expert%'
        """
    )
    await execute(
        """
        CREATE TEMP TABLE bench_expert AS
        SELECT user_id AS id, row_number() OVER (ORDER BY user_id) - 1 AS n FROM expert_profile
        """
    )
    # Five distinct experts per application, scores spread so that ranks tie now and then.
    await execute(
        """
        WITH apps AS (
            SELECT a.id, a.batch_id, row_number() OVER (ORDER BY a.id) AS n
            FROM application a JOIN batch b ON b.id = a.batch_id
            WHERE b.title_zh LIKE $1 || '%'
        ), assigned AS (
            INSERT INTO review_assignment (batch_id, application_id, expert_id, source)
            SELECT apps.batch_id, apps.id, e.id, 'draw'
            FROM apps CROSS JOIN generate_series(0, $2::int - 1) AS k
            JOIN bench_expert e ON e.n = (apps.n + k * 7) % $3::int
            RETURNING id, application_id, expert_id
        )
        INSERT INTO review (assignment_id, application_id, expert_id, status, total,
                            recommendation, submitted_at)
        SELECT id, application_id, expert_id, 'submitted',
               (40 + (hashtext(id::text) & 1023) % 60)::numeric(8, 2),
               (ARRAY['recommend','neutral','not_recommend'])[1 + (hashtext(id::text) & 3) % 3],
               now() - interval '10 days'
        FROM assigned
        """,
        REVIEW_BATCH_TITLE,
        REVIEWS_PER_APPLICATION,
        EXPERTS,
    )
    await _applicant(execute, fetchval, password_hash)
    for table in ("application", "review", "review_assignment", "app_user"):
        await execute(f"ANALYZE {table}")
    return int(await fetchval("SELECT count(*) FROM review"))


async def _applicant(execute: object, fetchval: object, password_hash: str) -> None:
    """An applicant of a generated organisation with a few drafts of its own (the writes of
    the mixed load)."""
    run: object = execute
    await run(  # type: ignore[operator]
        """
        WITH u AS (
            INSERT INTO app_user (email, display_name, password_hash)
            VALUES ($1, '基准申报人', $2) RETURNING id
        )
        INSERT INTO membership (user_id, organization_id, role)
        SELECT u.id, (SELECT id FROM bench_org WHERE n = 1), 'applicant' FROM u
        """,
        BENCH_EMAIL,
        password_hash,
    )
    await run(  # type: ignore[operator]
        """
        INSERT INTO application (batch_id, organization_id, status, product_name_zh,
                                 product_key, field)
        SELECT b.id, (SELECT id FROM bench_org WHERE n = 1), 'draft', '基准草稿' || g,
               'draft-' || g, 'integrated_circuits'
        FROM generate_series(1, 8) AS g, batch b WHERE b.title_zh = $1 || '1'
        """,
        REVIEW_BATCH_TITLE,
    )
