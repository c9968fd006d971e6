"""Load generation with wrk and the processes under load: a server started on a free loopback
port, its resident memory, and the interleaved rounds every figure is the median of."""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua" / "requests.lua"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def line(self) -> str:
        headers = "|".join(f"{k}: {v}" for k, v in self.headers.items())
        return "\t".join([self.method, self.path, headers, self.body])


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    latency_ms: dict[str, float]
    statuses: dict[str, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(
    base_url: str,
    requests: Sequence[Request],
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    statuses: bool = False,
) -> LoadResult:
    """One wrk run over `requests` in rotation; socket errors and 4xx/5xx count as errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(r.line() for r in requests) + "\n")
        listing = f.name
    try:
        args = [
            wrk_binary(), f"-t{threads}", f"-c{max(connections, threads)}",
            f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(LUA), base_url,
            "--", listing, "statuses" if statuses else "",
        ]  # fmt: skip
        out = subprocess.run(  # noqa: S603 - wrk with our arguments
            args, capture_output=True, text=True, check=True, timeout=seconds + 60
        )
    finally:
        os.unlink(listing)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH-JSON "))
    data = json.loads(line.removeprefix("BENCH-JSON "))
    errors = data["errors"]
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=sum(errors.values()),
        latency_ms={k: v / 1000 for k, v in data["latency_us"].items()},
        statuses=data["statuses"],
    )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed (scripts/setup.sh --test installs it)")
    return found


def interleaved(
    subjects: dict[str, Callable[[], LoadResult]], rounds: int
) -> dict[str, list[LoadResult]]:
    """Runs each subject once per round, alternating, so that a slow moment of the machine
    weighs on all of them alike."""
    results: dict[str, list[LoadResult]] = {name: [] for name in subjects}
    for i in range(rounds):
        order = list(subjects) if i % 2 == 0 else list(reversed(subjects))
        for name in order:
            results[name].append(subjects[name]())
    return results


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


class Server:
    """A server process on a free port, stopped (with its workers) on `stop`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name = name
        self.port = port
        self.base = f"http://{HOST}:{port}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            "w+", prefix=f"bench-{name}-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(  # noqa: S603 - our servers
            argv,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.base + path, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.log.seek(0)
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read()[-3000:]}")

    def pids(self) -> list[int]:
        """The server process and its children (uvicorn's workers)."""
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        if not self.log.closed:
            self.log.close()
            os.unlink(self.log.name)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RssSampler:
    """The peak resident size of some processes while something runs."""

    def __init__(self, pids: list[int], every_s: float = 0.02) -> None:
        self.pids = pids
        self.every_s = every_s
        self.peak: dict[int, int] = {p: rss_kb(p) for p in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for p in self.pids:
                self.peak[p] = max(self.peak[p], rss_kb(p))
            time.sleep(self.every_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def python() -> str:
    return sys.executable
