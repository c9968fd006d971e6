"""The budgets: each scenario measures the subject and its reference in interleaved rounds and
returns rows of the report (figures are medians over the rounds)."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.load import (
    ROOT,
    LoadResult,
    Request,
    RssSampler,
    Server,
    interleaved,
    median,
    rss_kb,
    wrk,
)

API = "/api/v1/catalogue"
FIELDS = ["integrated_circuits", "transport", "aerospace", "pharma_health", "energy_environment"]


@dataclass
class Row:
    budget: str
    what: str
    measured: float
    unit: str
    reference: float | None
    ratio: float | None
    limit: str
    passed: bool
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    products: int
    small_products: int
    applications: int
    seconds: float
    rounds: int
    connections: int
    workers: int
    mixed_seconds: float
    mixed_connections: int = 64
    latency_connections: int = 4
    browser_rounds: int = 3


@dataclass
class Context:
    plan: Plan
    big_url: str
    servers: dict[str, Server]
    dsn: str  # the big database, for psycopg
    small_dsn: str


def _conninfo(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def list_paths() -> list[Request]:
    return [Request(f"{API}/products?field={f}") for f in FIELDS]


def _run(ctx: Context, server: str, requests: list[Request], **kw: Any) -> LoadResult:
    kw.setdefault("seconds", ctx.plan.seconds)
    kw.setdefault("connections", ctx.plan.connections)
    return wrk(ctx.servers[server].base, requests, **kw)


def _throughput_pair(
    ctx: Context, subject: tuple[str, list[Request]], reference: tuple[str, list[Request]]
) -> tuple[float, float, dict[str, Any]]:
    runs = interleaved(
        {
            "subject": lambda: _run(ctx, subject[0], subject[1]),
            "reference": lambda: _run(ctx, reference[0], reference[1]),
        },
        ctx.plan.rounds,
    )
    s = median(r.rps for r in runs["subject"])
    r = median(r.rps for r in runs["reference"])
    details = {
        name: {
            "rps": [round(x.rps, 1) for x in rs],
            "errors": sum(x.errors for x in rs),
            "p95_ms": [x.latency_ms["p95"] for x in rs],
        }
        for name, rs in runs.items()
    }
    return s, r, details


def _errors(details: dict[str, Any]) -> int:
    return sum(int(d["errors"]) for d in details.values())


def b1(ctx: Context) -> list[Row]:
    s, r, d = _throughput_pair(ctx, ("cold", list_paths()), ("ref-list", list_paths()))
    ratio = s / r if r else 0
    return [
        Row("B1", "list page, cold (req/s) vs raw asyncpg + json_agg", s, "req/s", r, ratio,
            "≥ 0.5×", ratio >= 0.5 and _errors(d) == 0, d),
    ]  # fmt: skip


def b1w(ctx: Context) -> list[Row]:
    paths = list_paths()
    for p in paths:  # warm every worker's cache
        for _ in range(ctx.plan.workers * 4):
            httpx.get(ctx.servers["warm"].base + p.path)
    s, r, d = _throughput_pair(ctx, ("warm", paths), ("ref-fastapi-bytes", paths))
    errors = _errors(d)
    bare = _run(ctx, "ref-bytes", paths).rps
    ratio = s / r if r else 0
    return [
        Row("B1w", "list page, warm (req/s) vs FastAPI pre-built bytes", s, "req/s", r, ratio,
            "≥ 0.5×", ratio >= 0.5 and errors == 0, {**d, "starlette_bytes_rps": round(bare, 1)}),
    ]  # fmt: skip


def search_words(ctx: Context) -> dict[str, str]:
    with psycopg.connect(ctx.small_dsn) as conn:
        rows = conn.execute(
            "SELECT product_name_zh, product_name_en FROM catalogue_entry "
            "WHERE char_length(product_name_zh) >= 4 ORDER BY award_id LIMIT 50"
        ).fetchall()
    zh, en = rows[len(rows) // 2]
    return {"zh2": zh[:2], "zh4": zh[:4], "en": en.split()[-1].lower()}


def b2(ctx: Context) -> list[Row]:
    words = search_words(ctx)
    rows: list[Row] = []
    for kind, word in words.items():
        requests = [Request(str(httpx.URL(f"{API}/products", params={"q": word})))]
        runs = interleaved(
            {
                "big": lambda r=requests: _run(
                    ctx, "cold", r, connections=ctx.plan.latency_connections
                ),
                "small": lambda r=requests: _run(
                    ctx, "small", r, connections=ctx.plan.latency_connections
                ),
            },
            ctx.plan.rounds,
        )
        big = median(x.latency_ms["p95"] for x in runs["big"])
        small = median(x.latency_ms["p95"] for x in runs["small"])
        errors = sum(x.errors for rs in runs.values() for x in rs)
        ratio = big / small if small else 0
        rows.append(
            Row("B2", f"search p95 '{word}' ({kind}) at {ctx.plan.products} vs "
                f"{ctx.plan.small_products} products", big, "ms", small, ratio, "≤ 2×",
                ratio <= 2 and errors == 0, {"errors": errors})
        )  # fmt: skip
    requests = [Request(str(httpx.URL(f"{API}/products", params={"q": w}))) for w in words.values()]
    s, r, d = _throughput_pair(ctx, ("cold", requests), ("ref-search", requests))
    ratio = s / r if r else 0
    rows.append(
        Row("B2", "search throughput vs raw asyncpg", s, "req/s", r, ratio, "≥ 0.7×",
            ratio >= 0.7 and _errors(d) == 0, d)
    )  # fmt: skip
    return rows


def _deep_cursor(ctx: Context) -> str:
    from api.pagination import encode_cursor

    with psycopg.connect(ctx.dsn) as conn:
        total = conn.execute("SELECT count(*) FROM catalogue_entry").fetchone()
        assert total is not None
        offset = max(0, int(total[0]) - 21)
        row = conn.execute(
            "SELECT issued_at, award_id FROM catalogue_entry "
            "ORDER BY issued_at DESC, award_id DESC OFFSET %s LIMIT 1",
            (offset,),
        ).fetchone()
    assert row is not None
    return encode_cursor({"o": "newest", "i": str(row[1]), "t": row[0].isoformat()})


def b3(ctx: Context) -> list[Row]:
    deep = [Request(str(httpx.URL(f"{API}/products", params={"cursor": _deep_cursor(ctx)})))]
    first = [Request(f"{API}/products")]
    runs = interleaved(
        {
            "deep": lambda: _run(ctx, "cold", deep, connections=1),
            "first": lambda: _run(ctx, "cold", first, connections=1),
        },
        ctx.plan.rounds,
    )
    d = median(x.latency_ms["p50"] for x in runs["deep"])
    f = median(x.latency_ms["p50"] for x in runs["first"])
    errors = sum(x.errors for rs in runs.values() for x in rs)
    ratio = d / f if f else 0
    return [
        Row("B3", f"keyset page near row {ctx.plan.products - 20} (median latency)", d, "ms", f,
            ratio, "≤ 2×", ratio <= 2 and errors == 0, {"errors": errors})
    ]  # fmt: skip


def _explain_ms(ctx: Context, flt: Any) -> float:
    from sqlalchemy.dialects import postgresql

    from api.catalogue import queries

    stmt = queries.facets_statement(flt)
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    times = []
    with psycopg.connect(ctx.dsn) as conn:
        for _ in range(max(3, ctx.plan.rounds)):
            plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchone()
            assert plan is not None
            times.append(float(plan[0][0]["Execution Time"]))
    return median(times)


def b4(ctx: Context) -> list[Row]:
    from api.catalogue import queries
    from api.models import District

    with psycopg.connect(ctx.dsn) as conn:
        shares = conn.execute(
            "SELECT district, count(*)::float / sum(count(*)) OVER () FROM catalogue_entry "
            "GROUP BY district"
        ).fetchall()
    district, share = min(shares, key=lambda s: abs(s[1] - 0.05))
    rows = []
    for what, flt in (
        ("unfiltered", queries.CatalogueFilter()),
        (
            f"district={district} ({share:.1%})",
            queries.CatalogueFilter(district=District(district)),
        ),
    ):
        ms = _explain_ms(ctx, flt)
        rows.append(Row("B4", f"facet counts, {what} (EXPLAIN ANALYZE)", ms, "ms", None, None,
                        "≤ 20 ms", ms <= 20))  # fmt: skip
    return rows


def b5(ctx: Context) -> list[Row]:
    paths = list_paths()
    tagged = []
    for p in paths:
        etag = httpx.get(ctx.servers["cold"].base + p.path).headers["etag"]
        tagged.append(Request(p.path, headers={"If-None-Match": etag}))
    s, r, d = _throughput_pair(ctx, ("cold", tagged), ("cold", paths))
    ratio = s / r if r else 0
    return [
        Row("B5", "list page If-None-Match → 304 vs 200 (req/s)", s, "req/s", r, ratio, "≥ 2×",
            ratio >= 2 and _errors(d) == 0, d)
    ]  # fmt: skip


async def _results_seconds(url: str, rounds: int) -> tuple[float, int]:
    from sqlalchemy import select

    from api.db import build_engine
    from api.models import Batch, Role
    from api.permissions import Principal, RoleGrant
    from api.review import results

    engine = build_engine(url, pool_size=1, max_overflow=0)
    admin = Principal(
        user_id=uuid.uuid4(),
        email="bench@bench.invalid",
        display_name="bench",
        locale="zh-CN",
        session_id=uuid.uuid4(),
        grants=(RoleGrant(Role.admin, uuid.uuid4(), "基准", None, None),),
    )
    times = []
    items = 0
    try:
        from sqlalchemy.ext.asyncio import AsyncSession

        for _ in range(rounds + 1):
            async with AsyncSession(engine) as session:
                batch_id = await session.scalar(
                    select(Batch.id).where(Batch.title_zh.like("基准测试评审批次1"))
                )
                started = time.perf_counter()
                document = await results.results_document(session, admin, batch_id)
                times.append(time.perf_counter() - started)
                items = len(json.loads(document)["items"])
                await session.rollback()
    finally:
        await engine.dispose()
    return median(times[1:]), items


def b6(ctx: Context) -> list[Row]:
    seconds, items = asyncio.run(_results_seconds(ctx.big_url, max(3, ctx.plan.rounds)))
    return [
        Row("B6", f"results and ranks of a {items}-application batch, 5 reviews each", seconds,
            "s", None, None, "≤ 1 s", seconds <= 1.0, {"applications": items})
    ]  # fmt: skip


def b7(ctx: Context) -> list[Row]:
    server = ctx.servers["cold"]
    pids = server.pids()
    before = {p: rss_kb(p) for p in pids}
    rows_seen = 0
    started = time.perf_counter()
    with (
        RssSampler(pids) as sampler,
        httpx.stream("GET", server.base + f"{API}/export.csv", timeout=300) as response,
    ):
        response.raise_for_status()
        for chunk in response.iter_bytes():
            rows_seen += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    growth_mb = max(sampler.peak[p] - before[p] for p in pids) / 1024
    rate = (rows_seen - 1) / elapsed
    return [
        Row("B7", f"CSV export of {rows_seen - 1} products: server RSS growth", growth_mb, "MB",
            None, None, "≤ 50 MB", growth_mb <= 50, {"seconds": round(elapsed, 2)}),
        Row("B7", "CSV export speed", rate, "rows/s", None, None, "≥ 20k rows/s",
            rate >= 20_000),
    ]  # fmt: skip


def initial_js_kb() -> tuple[float, list[str]]:
    """gzip size of the JS the catalogue route loads on first paint: the entry, the route's
    chunk, and their static imports."""
    dist = ROOT / "frontend" / "dist"
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text())
    route = next(k for k in manifest if k.endswith("pages/catalogue/CataloguePage.vue"))
    entry = next(k for k, v in manifest.items() if v.get("isEntry"))
    seen: list[str] = []

    def walk(key: str) -> None:
        if key in seen:
            return
        seen.append(key)
        for imported in manifest[key].get("imports", []):
            walk(imported)

    walk(entry)
    walk(route)
    files = [manifest[k]["file"] for k in seen if manifest[k]["file"].endswith(".js")]
    total = sum(len(gzip.compress((dist / f).read_bytes(), 9)) for f in files)
    return total / 1024, files


async def _first_results_ms(base: str, rounds: int) -> list[float]:
    from playwright.async_api import async_playwright

    from bench.browser import CHROMIUM_ARGS, chromium_path

    times = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for _ in range(rounds + 1):
                context = await browser.new_context()
                page = await context.new_page()
                started = time.perf_counter()
                await page.goto(base + "/catalogue")
                await page.locator("[data-testid=catalogue-results] li").first.wait_for(
                    timeout=15_000
                )
                times.append((time.perf_counter() - started) * 1000)
                await context.close()
        finally:
            await browser.close()
    return times[1:]


def b8(ctx: Context) -> list[Row]:
    kb, files = initial_js_kb()
    times = asyncio.run(_first_results_ms(ctx.servers["warm"].base, ctx.plan.browser_rounds))
    ms = median(times)
    return [
        Row("B8", "initial JS of the catalogue route (gzip)", kb, "KB", None, None, "≤ 150 KB",
            kb <= 150, {"files": files}),
        Row("B8", f"first catalogue results in headless Chromium ({ctx.plan.products} products)",
            ms, "ms", None, None, "≤ 1500 ms", ms <= 1500, {"runs_ms": times}),
    ]  # fmt: skip


def _login(base: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    from bench.data import BENCH_EMAIL, BENCH_PASSWORD

    with httpx.Client(base_url=base) as client:
        r = client.post(
            "/api/v1/auth/login", json={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
        )
        r.raise_for_status()
        cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        csrf = client.cookies.get("csrf_token", "")
        headers = {"Cookie": cookies, "X-CSRF-Token": csrf}
        mine = client.get("/api/v1/applications", params={"limit": 100}).json()["items"]
        drafts = []
        for a in mine:
            if a["status"] == "draft":
                etag = client.get(f"/api/v1/applications/{a['id']}").headers["etag"]
                drafts.append((a["id"], etag))
    return headers, drafts


def b9(ctx: Context) -> list[Row]:
    server = ctx.servers["mixed"]
    # The other subjects hold pooled connections to the same database: only the mixed load's
    # server may be counted against its pools (B9 runs last).
    for name in ("cold", "warm", "small"):
        ctx.servers[name].stop()
    headers, drafts = _login(server.base)
    with psycopg.connect(ctx.dsn) as conn:
        found = conn.execute("SELECT award_id FROM catalogue_entry ORDER BY award_id LIMIT 30")
        ids = [str(r[0]) for r in found.fetchall()]
    words = search_words(ctx)
    reads = [*list_paths(), *[Request(str(httpx.URL(f"{API}/products", params={"q": w})))
             for w in words.values()], Request(f"{API}/facets")]  # fmt: skip
    mix: list[Request] = []
    for i in range(100):
        if i % 20 == 19:
            app_id = drafts[i % len(drafts)][0]
            mix.append(Request(
                f"/api/v1/applications/{app_id}", "PATCH",
                {**headers, "If-Match": "{etag}", "Content-Type": "application/json"},
                json.dumps({"summary_zh": f"基准修改 {i}"}, ensure_ascii=False),
            ))  # fmt: skip
        elif i % 20 >= 16:
            mix.append(Request(f"{API}/products/{ids[i % len(ids)]}"))
        else:
            mix.append(reads[i % len(reads)])
    peak = {"connections": 0}
    stop = threading.Event()

    def sample() -> None:
        with psycopg.connect(ctx.dsn, autocommit=True) as conn:
            while not stop.is_set():
                n = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'firstset'"
                ).fetchone()
                peak["connections"] = max(peak["connections"], int(n[0]) if n else 0)
                time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = wrk(server.base, mix, seconds=ctx.plan.mixed_seconds,
                     connections=ctx.plan.mixed_connections, threads=2, statuses=True)  # fmt: skip
    finally:
        stop.set()
        sampler.join()
    expected = sum(v for k, v in result.statuses.items() if k in ("409", "412"))
    unexpected = sum(
        v
        for k, v in result.statuses.items()
        if not k.startswith(("2", "3")) and k not in ("409", "412")
    )
    socket_errors = result.errors - sum(v for k, v in result.statuses.items() if int(k) >= 400)
    server.log.flush()
    log_text = Path(server.log.name).read_text(errors="replace")
    pool_timeouts = log_text.count("QueuePool limit") + log_text.count("TimeoutError")
    from api.config import get_settings

    settings = get_settings()
    # Per process: the primary's pool and its overflow (as large), and the catalogue's reads.
    pool_limit = (2 * settings.db_pool_size + settings.db_read_pool_size) * ctx.plan.workers
    ok = unexpected == 0 and socket_errors == 0 and pool_timeouts == 0
    ok = ok and peak["connections"] <= pool_limit
    lat = result.latency_ms
    return [
        Row("B9", f"mixed load, {ctx.plan.mixed_connections} connections, "
            f"{ctx.plan.workers} workers: p50 {lat['p50']:.1f} / p95 {lat['p95']:.1f} / "
            f"p99 {lat['p99']:.1f} ms", result.rps, "req/s", None, None,
            f"0 errors, DB conns ≤ {pool_limit}", ok,
            {"statuses": result.statuses, "unexpected": unexpected, "expected_conflicts": expected,
             "socket_errors": socket_errors, "pool_timeouts": pool_timeouts,
             "peak_db_connections": peak["connections"], "latency_ms": lat,
             "server_errors": _server_errors(log_text)}),
    ]  # fmt: skip


def _server_errors(log_text: str, most: int = 3) -> list[str]:
    """The first few errors the server logged (unhandled exceptions, refusals), so that a
    failed run says why without the server's log, which goes with the server."""
    events = []
    for line in log_text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("level") in ("error", "critical"):
            events.append(f"{event.get('event')}: {str(event.get('exception', ''))[-600:]}")
            if len(events) == most:
                break
    return events


SCENARIOS = {"B1": b1, "B1w": b1w, "B2": b2, "B3": b3, "B4": b4, "B5": b5, "B6": b6,
             "B7": b7, "B8": b8, "B9": b9}  # fmt: skip
