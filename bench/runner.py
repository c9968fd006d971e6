"""The benchmark run: fresh databases, the subject and reference servers, every scenario, a
table and a JSON file of the figures."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import data
from bench.load import ROOT, Server, free_port, python
from bench.scenarios import SCENARIOS, Context, Plan, Row

FULL = Plan(products=100_000, small_products=1_000, applications=20_000, seconds=4, rounds=3,
            connections=32, workers=2, mixed_seconds=60)  # fmt: skip
SMOKE = Plan(products=1_000, small_products=100, applications=200, seconds=1, rounds=1,
             connections=8, workers=1, mixed_seconds=2, mixed_connections=16,
             browser_rounds=1)  # fmt: skip
RESULTS = Path(__file__).resolve().parent / "results"


def _subject(name: str, url: str, workers: int, **settings: str) -> Server:
    port = free_port()
    env = {
        "DATABASE_URL": url,
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "true",
        **{k.upper(): v for k, v in settings.items()},
    }
    argv = [python(), "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)]
    return Server(name, argv, env, port)


def _reference(name: str, kind: str, url: str, workers: int, body_file: str) -> Server:
    port = free_port()
    env = {
        "BENCH_REFERENCE": kind,
        "BENCH_DATABASE_URL": url,
        "BENCH_BODY_FILE": body_file,
    }
    argv = [python(), "-m", "uvicorn", "bench.references:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--no-access-log",
            "--log-level", "warning"]  # fmt: skip
    return Server(name, argv, env, port)


def run(
    plan: Plan,
    server_url: str,
    only: list[str] | None = None,
    out: Path | None = None,
    prefix: str = "firstset_bench",
) -> dict[str, Any]:
    started = time.monotonic()
    big_name, small_name = f"{prefix}_{os.getpid()}", f"{prefix}_small_{os.getpid()}"
    servers: dict[str, Server] = {}
    body = tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False)  # noqa: SIM115
    rows: list[Row] = []
    try:
        with ThreadPoolExecutor(2) as pool:
            big_f = pool.submit(data.build, server_url, big_name, plan.products, plan.applications)
            small_f = pool.submit(data.build, server_url, small_name, plan.small_products, 0)
            big, small = big_f.result(), small_f.result()
        w = plan.workers
        servers = {
            # The list page cold (no response cache) and warm (the cache on, as deployed).
            "cold": _subject("cold", big.url, w, catalogue_cache_entries="0"),
            "warm": _subject("warm", big.url, w),
            "small": _subject("small", small.url, w, catalogue_cache_entries="0"),
            "mixed": _subject("mixed", big.url, plan.workers if plan.workers > 1 else 1),
        }
        servers["ref-list"] = _reference("ref-list", "list", big.url, w, body.name)
        servers["ref-search"] = _reference("ref-search", "search", big.url, w, body.name)
        for s in servers.values():
            if s.name in ("cold", "warm", "small", "mixed"):
                s.wait_ready("/readyz", timeout=120)
        # The bytes references answer a real page of the subject's, byte for byte.
        page = httpx.get(servers["cold"].base + "/api/v1/catalogue/products?field=transport")
        body.write(page.content)
        body.close()
        servers["ref-bytes"] = _reference("ref-bytes", "bytes", big.url, w, body.name)
        servers["ref-fastapi-bytes"] = _reference(
            "ref-fastapi-bytes", "fastapi-bytes", big.url, w, body.name
        )
        for name in ("ref-bytes", "ref-fastapi-bytes"):
            servers[name].wait_ready("/api/v1/catalogue/products", timeout=120)
        servers["ref-list"].wait_ready("/api/v1/catalogue/products?field=transport", 120)
        servers["ref-search"].wait_ready("/api/v1/catalogue/products?q=ab", 120)
        ctx = Context(plan, big.url, servers, big.url, small.url)
        for name, scenario in SCENARIOS.items():
            if only and name not in only:
                continue
            t = time.monotonic()
            found = scenario(ctx)
            for row in found:
                row.details["scenario_seconds"] = round(time.monotonic() - t, 1)
            rows += found
            print_rows(found, header=not rows[: -len(found)])
        report = {
            "date": datetime.now(UTC).date().isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "plan": asdict(plan),
            "data": {
                "products": big.products,
                "applications": big.applications,
                "reviews": big.reviews,
                "build_seconds": round(big.seconds, 1),
            },
            "seconds": round(time.monotonic() - started, 1),
            "rows": [asdict(r) for r in rows],
        }
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return report
    finally:
        for s in servers.values():
            s.stop()
        if not body.closed:
            body.close()
        os.unlink(body.name)
        for name in (big_name, small_name):
            data.drop(server_url, name)


def _figure(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def print_rows(rows: list[Row], header: bool) -> None:
    if header:
        print(f"{'budget':<6} {'measured':>12} {'reference':>12} {'ratio':>7}  {'limit':<26} "
              f"{'':4}  what")  # fmt: skip
    for r in rows:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        print(f"{r.budget:<6} {_figure(r.measured) + ' ' + r.unit:>12} "
              f"{_figure(r.reference):>12} {ratio:>7}  {r.limit:<26} "
              f"{'PASS' if r.passed else 'FAIL':4}  {r.what}", flush=True)  # fmt: skip


def default_out() -> Path:
    return RESULTS / f"{datetime.now(UTC).date().isoformat()}.json"


__all__ = ["FULL", "ROOT", "SMOKE", "default_out", "run"]
