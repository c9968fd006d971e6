"""Slow and greedy clients against a real `firstset serve` process, over raw sockets: slowloris
headers, idle connections, stalled bodies, endless headers and huge declared bodies. The server
cuts each of them off with a problem document and stays responsive to everybody else."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import urlsplit

import httpx
import pytest

from tests import dbutil
from tests.servers import CLI, running_server

HEAD_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 2.0
# The deadline plus room for a loaded test machine.
CUT_OFF_WITHIN_S = HEAD_TIMEOUT_S + 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = dbutil.run_database("slow")
    url = dbutil.recreate_database(name)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "REQUEST_HEADER_TIMEOUT_S": str(HEAD_TIMEOUT_S),
        "REQUEST_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S),
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    try:
        with ExitStack() as stack:
            for attempt in (1, 2):
                log = tmp_path_factory.mktemp("slow") / "server.log"
                try:
                    base = stack.enter_context(running_server(env, log, timeout_s=60))
                    break
                except pytest.fail.Exception:
                    # The free port chosen may be taken by another process before the server
                    # binds it (tests run beside other work): one more try on another port.
                    if attempt == 2:
                        raise
            yield base
    finally:
        dbutil.drop_database(name)


async def _connect(base: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(base)
    assert parts.hostname is not None
    return await asyncio.open_connection(parts.hostname, parts.port)


async def _answer(reader: asyncio.StreamReader, within_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started = time.monotonic()
    data = await asyncio.wait_for(reader.read(), within_s)  # read() returns at EOF only
    return data, time.monotonic() - started


def _problem(data: bytes, status: int, code: str) -> dict[str, object]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} "), lines[0]
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert fields["content-type"].startswith("application/problem+json")
    assert fields["connection"] == "close"
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["code"] == code
    return problem


async def test_slowloris_headers_are_cut_off_while_others_are_served(server: str) -> None:
    """Twenty clients trickle a header line every half second, for ever if allowed."""
    async with httpx.AsyncClient(base_url=server, timeout=5) as client:
        assert (await client.get("/healthz")).status_code == 200  # warm
    connections = [await _connect(server) for _ in range(20)]
    for _, writer in connections:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: firstset\r\n")
        await writer.drain()

    async def trickle(writer: asyncio.StreamWriter) -> None:
        for n in range(40):
            await asyncio.sleep(0.5)
            try:
                writer.write(b"X-Slow-%d: still here\r\n" % n)
                await writer.drain()
            except ConnectionError:
                return

    trickling = [asyncio.create_task(trickle(w)) for _, w in connections]
    latencies = []
    async with httpx.AsyncClient(base_url=server, timeout=5) as client:
        for _ in range(15):
            started = time.monotonic()
            response = await client.get("/healthz")
            latencies.append(time.monotonic() - started)
            assert response.status_code == 200
            await asyncio.sleep(0.1)
    answers = await asyncio.gather(*(_answer(r, CUT_OFF_WITHIN_S) for r, _ in connections))
    for task in trickling:
        task.cancel()
    for _, writer in connections:
        writer.close()

    assert max(latencies) < 1.0, latencies
    for data, _ in answers:
        _problem(data, 408, "request_timeout")


async def test_an_idle_connection_is_closed(server: str) -> None:
    reader, writer = await _connect(server)
    data, waited = await _answer(reader, CUT_OFF_WITHIN_S)
    writer.close()
    _problem(data, 408, "request_timeout")
    assert waited >= HEAD_TIMEOUT_S - 0.5


async def test_a_stalled_body_is_answered_408_and_closed(server: str) -> None:
    """Headers promise 100 bytes; 10 come, then nothing: the request holds no worker slot and
    no database connection beyond the body timeout."""
    reader, writer = await _connect(server)
    writer.write(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: firstset\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        b'{"email": '
    )
    await writer.drain()
    data, waited = await _answer(reader, BODY_TIMEOUT_S + 4)
    writer.close()
    _problem(data, 408, "request_timeout")
    assert waited >= BODY_TIMEOUT_S - 0.5


async def test_an_endless_header_is_refused_431(server: str) -> None:
    """Header bytes that never end; uvicorn alone would keep every one of them in memory."""
    reader, writer = await _connect(server)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: firstset\r\nX-Big: ")
    try:
        for _ in range(64):  # 4 MiB, far past any real head
            writer.write(b"a" * 65536)
            await writer.drain()
    except ConnectionError:
        pass  # refused while still sending
    data, _ = await _answer(reader, 5)
    writer.close()
    _problem(data, 431, "request_header_fields_too_large")


async def test_a_huge_declared_body_is_refused_before_it_is_sent(server: str) -> None:
    reader, writer = await _connect(server)
    writer.write(
        b"POST /api/v1/auth/register HTTP/1.1\r\nHost: firstset\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
    )
    await writer.drain()
    data, waited = await _answer(reader, 5)
    writer.close()
    problem = _problem(data, 413, "payload_too_large")
    assert problem["max_bytes"] == 1024 * 1024
    assert waited < BODY_TIMEOUT_S  # at once, not after waiting for bytes that never come


async def test_keep_alive_requests_each_get_a_fresh_head_deadline(server: str) -> None:
    """A kept-alive connection serves several quick requests; only a slow head is cut off."""
    reader, writer = await _connect(server)
    for _ in range(3):
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: firstset\r\n\r\n")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        assert status.startswith(b"HTTP/1.1 200"), status
        length = 0
        while (line := await reader.readline()) != b"\r\n":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        await asyncio.sleep(HEAD_TIMEOUT_S * 0.6)  # together longer than one deadline
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    await writer.drain()
    data, _ = await _answer(reader, CUT_OFF_WITHIN_S)
    writer.close()
    _problem(data, 408, "request_timeout")
