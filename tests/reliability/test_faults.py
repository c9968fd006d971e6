"""Faults injected into running processes: the PostgreSQL cluster stopped under load and
started again, and the worker killed in the middle of webhook deliveries.

Everything runs as in production — `firstset serve` and `firstset worker` subprocesses against
a cluster the test owns — so what is measured is what a client or a receiver would see."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from api.config import get_settings
from tests import dbutil
from tests.factories.identity import valid_uscc

pytestmark = pytest.mark.xdist_group("subprocess-db")

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Cluster:
    server: Any
    url: str
    var_dir: Path

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "VAR_DIR": str(self.var_dir),
            "SIGNING_KEY_DIR": str(self.var_dir / "keys"),
            "ENVIRONMENT": "test",
            "LOG_JSON": "true",
            "LOG_LEVEL": "INFO",
            # The write load is registrations from one address, far more than a person makes.
            "REGISTRATION_LIMIT_PER_IP": "100000/minute",
            **extra,
        }

    def connect(self) -> psycopg.Connection[Any]:
        conninfo = make_url(self.url).render_as_string(hide_password=False)
        return psycopg.connect(conninfo, autocommit=True)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *args]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of the test's own (it gets stopped), migrated, with the demo data."""
    import pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="firstset-faults-"))
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:
        url = dbutil.recreate_database("faults", dbutil.server_url_of(server))
        site = Cluster(server, url, pgdata / "var")
        for command in ("migrate", "load-demo"):
            result = subprocess.run(
                cli(command), env=site.env(), capture_output=True, text=True, timeout=300
            )
            assert result.returncode == 0, result.stderr
        yield site
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Started subprocesses, each ended (and waited for) after the test."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start(
    processes: list[subprocess.Popen[bytes]], args: list[str], env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    processes.append(process)
    return process


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.1) -> float:
    """Polls until `predicate()` is true; the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - started


@pytest.fixture
def api(cluster: Cluster, processes: list[subprocess.Popen[bytes]], tmp_path: Path) -> str:
    port = dbutil.free_port()
    process = start(
        processes,
        cli("serve", "--port", str(port), "--workers", "1"),
        cluster.env(),
        tmp_path / "api.log",
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert process.poll() is None, (tmp_path / "api.log").read_text()
        try:
            return httpx.get(f"{base}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, 60, "the API starts")
    return base


# --- the database stopped under load ----------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str  # "read" or "write"
    started: float
    latency: float
    status: int | None  # None: no HTTP answer at all
    content_type: str
    code: str | None
    email: str | None = None


@dataclass
class Load:
    base: str
    samples: list[Sample] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    serial: Iterator[int] = field(default_factory=itertools.count)

    async def _record(self, kind: str, request: Any, email: str | None = None) -> None:
        started = time.monotonic()
        try:
            response = await request
        except httpx.HTTPError:
            self.samples.append(Sample(kind, started, time.monotonic() - started, None, "", None))
            return
        latency = time.monotonic() - started
        content_type = response.headers.get("content-type", "")
        code = response.json().get("code") if content_type.startswith(PROBLEM) else None
        self.samples.append(
            Sample(kind, started, latency, response.status_code, content_type, code, email)
        )

    async def reader(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                await self._record("read", client.get("/api/v1/catalogue/products?limit=20"))
                await asyncio.sleep(0.05)

    async def writer(self) -> None:
        """Registrations: a user, an enterprise, a membership, audit rows and a session in one
        transaction — the write whose parts must never be found apart."""
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                n = next(self.serial)
                email = f"fault-{n}@example.cn"
                body = {
                    "email": email,
                    "password": "Quiet-Lathe-Harbour-42",
                    "display_name": f"故障测试{n}",
                    "organization": {
                        "name_zh": f"北京故障测试装备有限公司{n}",
                        "uscc": valid_uscc(),
                        "district": "chaoyang",
                    },
                }
                client.cookies.clear()
                await self._record("write", client.post("/api/v1/auth/register", json=body), email)
                await asyncio.sleep(0.1)

    def between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if s.started >= start and s.started + s.latency <= end]

    def ok(self, kind: str) -> int:
        return sum(1 for s in self.samples if s.kind == kind and s.status in (200, 201))


async def eventually(predicate: Any, within: float, what: str) -> float:
    started = time.monotonic()
    while not await predicate():
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_a_database_outage_is_503_at_once_and_heals_without_a_restart(
    cluster: Cluster,
    api: str,
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    worker_log = tmp_path / "worker.log"
    worker = start(processes, cli("worker"), cluster.env(), worker_log)
    load = Load(api)
    tasks = [asyncio.create_task(load.reader()) for _ in range(3)]
    tasks.append(asyncio.create_task(load.writer()))
    probe = httpx.AsyncClient(base_url=api, timeout=10)
    try:

        async def warmed_up() -> bool:
            return load.ok("read") >= 5 and load.ok("write") >= 1

        await eventually(warmed_up, 30, "the load runs")

        await asyncio.to_thread(dbutil.stop_cluster, cluster.server)
        down_at = time.monotonic()
        # A worker (re)started by its supervisor while the database is still away.
        late_log = tmp_path / "worker-late.log"
        late = start(processes, cli("worker"), cluster.env(), late_log)
        # The worker's one-round check, while the database is away: a clear failure, no crash.
        once = await asyncio.to_thread(
            subprocess.run,
            cli("worker", "--once"),
            env=cluster.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        ready = await probe.get("/readyz")
        health = await probe.get("/healthz")
        up_at = time.monotonic()
        await asyncio.to_thread(dbutil.start_cluster, cluster.server)

        async def serving() -> bool:
            response = await probe.get("/api/v1/catalogue/products?limit=1")
            return response.status_code == 200

        recovery = await eventually(serving, 10, "reads succeed again after the restart")
        healed_at = time.monotonic()

        async def writes_after_healing() -> bool:
            return any(
                s.kind == "write" and s.status == 201 and s.started > healed_at
                for s in load.samples
            )

        await eventually(writes_after_healing, 15, "writes succeed again after the restart")
        await asyncio.sleep(1)  # a little load on the healed system: no transient error left
    finally:
        load.stop.set()
        await asyncio.gather(*tasks)
        await probe.aclose()

    assert once.returncode == 1, once.stderr
    assert "worker_database_unavailable_giving_up" in once.stderr
    assert "Traceback" not in once.stderr

    assert ready.status_code == 503
    assert ready.headers["content-type"].startswith(PROBLEM)
    assert health.status_code == 200

    # Catalogue pages may still come from an API process's memory while the catalogue version
    # it read last is fresh (up to a second); after that every request needs the database.
    grace = get_settings().catalogue_version_ttl_ms / 1000
    for sample in load.between(down_at, down_at + grace):
        assert sample.status in (200, 503), sample
        assert sample.latency < 2.0, sample
    during = load.between(down_at + grace, up_at)
    assert sum(1 for s in during if s.kind == "read") >= 10, "the outage saw read traffic"
    assert sum(1 for s in during if s.kind == "write") >= 3, "the outage saw write traffic"
    for sample in during:
        assert sample.status == 503, sample
        assert sample.content_type.startswith(PROBLEM), sample
        assert sample.code == "service_unavailable", sample
        assert sample.latency < 2.0, sample
    # Nothing but successes and 503s, before, during and after; never a dropped connection.
    assert {s.status for s in load.samples} <= {200, 201, 503}
    assert recovery < 5, "no app restart was needed, and the pool reconnected promptly"
    after = [s for s in load.samples if s.started > healed_at + 0.5]
    assert after
    assert all(s.status in (200, 201) for s in after), [s for s in after if s.status >= 300]

    # The worker rode out the outage and is still running; the one started during it waited
    # for the database and then started its job runner.
    assert worker.poll() is None, worker_log.read_text()[-3000:]
    assert "worker_database_unavailable" in worker_log.read_text()
    await asyncio.to_thread(
        wait_until,
        lambda: "Starting worker on queues" in late_log.read_text(),
        60,
        "the worker started during the outage runs jobs once the database is back",
    )
    assert late.poll() is None, late_log.read_text()[-3000:]
    assert "worker_database_unavailable" in late_log.read_text()

    acknowledged = {s.email for s in load.samples if s.kind == "write" and s.status == 201}
    with cluster.connect() as conn:
        users = dict(
            conn.execute(
                "SELECT email, id FROM app_user WHERE email LIKE 'fault-%%@example.cn'"
            ).fetchall()
        )
        assert acknowledged <= users.keys(), "every acknowledged write is there"
        # No partial writes: each registration is all there or not at all.
        broken = conn.execute(
            """
            SELECT u.email FROM app_user u
             WHERE u.email LIKE 'fault-%%@example.cn'
               AND (
                 (SELECT count(*) FROM membership m JOIN organization o ON o.id = m.organization_id
                   WHERE m.user_id = u.id) <> 1
                 OR (SELECT count(*) FROM audit_event a
                      WHERE a.action = 'user.register' AND a.object_id = u.id::text) <> 1
                 OR NOT EXISTS (SELECT 1 FROM user_session s WHERE s.user_id = u.id)
               )
            """
        ).fetchall()
        assert broken == []
        orphaned_audit = conn.execute(
            "SELECT a.object_id FROM audit_event a WHERE a.action = 'user.register'"
            " AND NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id::text = a.object_id)"
        ).fetchall()
        assert orphaned_audit == []
        orphaned_orgs = conn.execute(
            "SELECT o.id FROM organization o WHERE o.name_zh LIKE '北京故障测试装备有限公司%%'"
            " AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.organization_id = o.id)"
        ).fetchall()
        assert orphaned_orgs == []


# --- the worker killed mid-delivery -----------------------------------------------------------


@dataclass
class SlowReceiver:
    """Answers 204 after a pause, so a delivery can be caught in flight."""

    pause_s: float = 1.5
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    event_ids: list[str] = field(default_factory=list)
    body_ids: list[str] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def slow_receiver() -> Iterator[SlowReceiver]:
    state = SlowReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.in_flight += 1
                state.event_ids.append(self.headers["X-FirstSet-Event-Id"])
                state.body_ids.append(str(json.loads(body)["id"]))
            time.sleep(state.pause_s)
            try:
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender is gone
                pass
            finally:
                with state.lock:
                    state.in_flight -= 1

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


async def _subscribe_and_emit(cluster: Cluster, url: str, count: int) -> list[int]:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from api.db import build_engine
    from api.events import service as events
    from api.models import AgencyClient, WebhookSubscription

    engine = build_engine(cluster.url, pool_size=1, max_overflow=0)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            client_id = await session.scalar(select(AgencyClient.id).limit(1))
            assert client_id is not None, "the demo data hold an agency client"
            session.add(
                WebhookSubscription(
                    client_id=client_id,
                    url=url,
                    events=["batch.status_changed"],
                    signing_secret="whsec_faults",
                )
            )
        ids = []
        async with sessions() as session, session.begin():
            for n in range(count):
                event = await events.emit(
                    session,
                    "batch.status_changed",
                    object_type="batch",
                    object_id=f"fault-{n}",
                    payload={"n": n},
                )
                ids.append(event.id)
        return ids
    finally:
        await engine.dispose()


async def test_deliveries_resume_after_the_worker_is_killed_mid_delivery(
    cluster: Cluster,
    slow_receiver: SlowReceiver,
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    expected = {str(i) for i in await _subscribe_and_emit(cluster, slow_receiver.url, 5)}
    env = cluster.env(
        WEBHOOK_POLL_S="0.2",
        WEBHOOK_TIMEOUT_S="5",
        WEBHOOK_BACKOFF_S="0.5",
        JOB_STALLED_AFTER_S="3",
    )
    first = start(processes, cli("worker"), env, tmp_path / "worker-1.log")
    await asyncio.to_thread(
        wait_until, lambda: slow_receiver.in_flight > 0, 60, "a delivery is in flight"
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    caught_in_flight = set(slow_receiver.event_ids)
    assert caught_in_flight

    second = start(processes, cli("worker"), env, tmp_path / "worker-2.log")
    await asyncio.to_thread(
        wait_until,
        lambda: set(slow_receiver.event_ids) >= expected,
        60,
        "every event reaches the receiver after the restart",
    )
    assert second.poll() is None

    # Those cut off by the kill come again: at least once, not exactly once. (Not necessarily
    # before the others arrive: a job its dead worker still holds runs once it is recovered.)
    def seen() -> Counter[str]:
        with slow_receiver.lock:
            return Counter(slow_receiver.event_ids)

    await asyncio.to_thread(
        wait_until,
        lambda: all(seen()[event_id] >= 2 for event_id in caught_in_flight),
        30,
        f"the deliveries cut off by the kill ({sorted(caught_in_flight)}) come again",
    )
    # Each request names its event, in the header and the body alike: the receiver can
    # de-duplicate, and after de-duplication it has every event exactly once.
    with slow_receiver.lock:
        assert slow_receiver.event_ids == slow_receiver.body_ids
        assert set(slow_receiver.event_ids) == expected

    def settled() -> bool:
        with cluster.connect() as conn:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE d.status <> 'succeeded'),"
                " (SELECT count(*) FROM procrastinate.procrastinate_jobs j"
                "   WHERE j.status IN ('todo', 'doing'))"
                " FROM webhook_delivery d WHERE d.event_id = ANY(%s)",
                ([int(i) for i in expected],),
            ).fetchone()
        return row == (0, 0)

    await asyncio.to_thread(wait_until, settled, 30, "deliveries and jobs settle")
    assert "stalled_jobs_retried" in (tmp_path / "worker-2.log").read_text()


async def test_finished_jobs_older_than_the_retention_are_pruned(cluster: Cluster) -> None:
    from api.jobs.worker import job_app, prune_finished_jobs

    with cluster.connect() as conn:
        conn.execute("SET search_path TO procrastinate")
        for n, status in enumerate(("succeeded", "failed", "succeeded", "todo")):
            (job_id,) = conn.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status)"
                " VALUES ('webhooks', 'webhooks.deliver', %s, %s) RETURNING id",
                (json.dumps({"delivery_id": -1 - n}), status),
            ).fetchone() or (None,)
            # The first two finished long ago; the third just now.
            age = "200 hours" if n < 2 else "1 minute"
            conn.execute(
                "INSERT INTO procrastinate_events (job_id, type) VALUES (%s, 'deferred')",
                (job_id,),
            )
            conn.execute(
                "UPDATE procrastinate_events SET at = now() - %s::interval WHERE job_id = %s",
                (age, job_id),
            )
        conn.execute("RESET search_path")

    queue = job_app(cluster.url)
    async with queue.open_async():
        await prune_finished_jobs(queue)

    with cluster.connect() as conn:
        left = conn.execute(
            "SELECT status::text FROM procrastinate.procrastinate_jobs"
            " WHERE (args->>'delivery_id')::int < 0 ORDER BY id"
        ).fetchall()
    assert left == [("succeeded",), ("todo",)]


# --- a worker dying between queueing jobs and committing their lease -------------------------


def _deliveries_and_jobs(cluster: Cluster, url: str) -> list[tuple[int, bool, int]]:
    """Per delivery of the subscription to `url`: its id, whether it is due now, and how many
    unfinished jobs it has."""
    with cluster.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                "SELECT d.id, d.next_attempt_at <= now(),"
                " (SELECT count(*) FROM procrastinate.procrastinate_jobs j"
                "   WHERE j.lock = 'webhook-delivery:' || d.id AND j.status IN ('todo', 'doing'))"
                " FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id"
                " WHERE s.url = %s ORDER BY d.id",
                (url,),
            ).fetchall()
        ]


def _forget_subscription(cluster: Cluster, url: str) -> None:
    """Deletes the subscription, its deliveries and their jobs, so later tests see none of it."""
    with cluster.connect() as conn:
        conn.execute("SET search_path TO procrastinate, public")  # for its triggers
        conn.execute(
            "DELETE FROM procrastinate_jobs WHERE lock IN ("
            " SELECT 'webhook-delivery:' || d.id FROM webhook_delivery d"
            " JOIN webhook_subscription s ON s.id = d.subscription_id WHERE s.url = %s)",
            (url,),
        )
        conn.execute("DELETE FROM webhook_subscription WHERE url = %s", (url,))


async def test_a_poll_cut_off_before_its_lease_commits_leaves_no_delivery_without_a_job(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from api.db import build_engine
    from api.jobs.worker import job_app
    from api.webhooks import tasks as webhook_tasks

    url = "http://127.0.0.1:9/cut-off"
    with cluster.connect() as conn:  # only this test's subscription gets deliveries
        conn.execute("UPDATE webhook_subscription SET active = false")
    await _subscribe_and_emit(cluster, url, 4)
    engine = build_engine(cluster.url, pool_size=2, max_overflow=0)
    queue = job_app(cluster.url)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with queue.open_async():
            configure_task = queue.configure_task
            calls = itertools.count(1)

            def dies_at_the_third(*args: Any, **kwargs: Any) -> Any:
                if next(calls) == 3:
                    raise ConnectionError("the worker is gone")
                return configure_task(*args, **kwargs)

            monkeypatch.setattr(queue, "configure_task", dies_at_the_third)
            with pytest.raises(ConnectionError):
                await webhook_tasks.poll(queue, sessions)
            # The lease went with the worker: every delivery is due again at once, the first
            # two with the jobs queued before the end. None waits out a lease without a job.
            assert [(due, jobs) for _, due, jobs in _deliveries_and_jobs(cluster, url)] == [
                (True, 1),
                (True, 1),
                (True, 0),
                (True, 0),
            ]

            monkeypatch.setattr(queue, "configure_task", configure_task)
            # The next poll queues the other two; the first two are still queued.
            assert await webhook_tasks.poll(queue, sessions) == 2
        assert [(due, jobs) for _, due, jobs in _deliveries_and_jobs(cluster, url)] == [
            (False, 1)
        ] * 4
    finally:
        await engine.dispose()
        _forget_subscription(cluster, url)


def _returned_id(cursor: psycopg.Cursor[Any]) -> int:
    row = cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_a_stalled_job_whose_delivery_is_queued_anew_gives_way(cluster: Cluster) -> None:
    """The dead worker's job is aborted rather than retried: retried, it would break the
    queueing lock; left `doing`, its lock would hold the new job back for ever."""
    from api.jobs.worker import job_app, recover_stalled_jobs

    with cluster.connect() as conn:
        conn.execute("SET search_path TO procrastinate")
        dead = _returned_id(
            conn.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat)"
                " VALUES (now() - interval '1 hour') RETURNING id"
            )
        )
        jobs: dict[str, int] = {}
        for name, delivery_id, status, worker in (
            ("stalled", -10, "doing", dead),
            ("queued anew", -10, "todo", None),
            ("stalled alone", -11, "doing", dead),
        ):
            lock = f"webhook-delivery:{delivery_id}"
            jobs[name] = _returned_id(
                conn.execute(
                    "INSERT INTO procrastinate_jobs"
                    " (queue_name, task_name, lock, queueing_lock, args, status, worker_id)"
                    " VALUES ('webhooks', 'webhooks.deliver', %s, %s, %s, %s, %s) RETURNING id",
                    (lock, lock, json.dumps({"delivery_id": delivery_id}), status, worker),
                )
            )
        conn.execute("RESET search_path")
    try:
        queue = job_app(cluster.url)
        async with queue.open_async():
            assert await recover_stalled_jobs(queue) == 2
        with cluster.connect() as conn:
            statuses = dict(
                conn.execute(
                    "SELECT id, status::text FROM procrastinate.procrastinate_jobs"
                    " WHERE id = ANY(%s)",
                    (list(jobs.values()),),
                ).fetchall()
            )
        assert {name: statuses[job_id] for name, job_id in jobs.items()} == {
            "stalled": "aborted",
            "queued anew": "todo",
            "stalled alone": "todo",
        }
    finally:
        with cluster.connect() as conn:
            conn.execute("SET search_path TO procrastinate")  # for its triggers
            conn.execute("DELETE FROM procrastinate_jobs WHERE id = ANY(%s)", [list(jobs.values())])
            conn.execute("DELETE FROM procrastinate_workers WHERE id = %s", (dead,))
