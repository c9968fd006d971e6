"""The streaming multipart reader, fed in chunks of every size."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.attachments.formdata import (
    MultipartError,
    MultipartReader,
    PartInfo,
    boundary_of,
    parse_options_header,
)

BOUNDARY = "----FirstSetBoundary7MA4YWxkTrZu0gW"
FILE = b"%PDF-1.7\r\n--" + b"\r\n----FirstSet" + bytes(range(256)) * 4 + b"\r\n-"


def body(*, preamble: bytes = b"", epilogue: bytes = b"") -> bytes:
    b = BOUNDARY.encode()
    return (
        preamble
        + b"--" + b + b"\r\n"
        + b'Content-Disposition: form-data; name="kind"\r\n\r\n'
        + b"test_report"
        + b"\r\n--" + b + b"\r\n"
        + 'Content-Disposition: form-data; name="file"; filename="检测报告.pdf"\r\n'.encode()
        + b"Content-Type: application/pdf\r\n\r\n"
        + FILE
        + b"\r\n--" + b + b"--\r\n"
        + epilogue
    )  # fmt: skip


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(data: bytes, size: int) -> list[tuple[PartInfo, bytes]]:
    reader = MultipartReader(chunked(data, size), BOUNDARY)
    return [(part, b"".join([c async for c in reader.read()])) async for part in reader.parts()]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 38, 39, 40, 41, 64, 1000, 100_000])
async def test_parts_survive_any_chunking(size: int) -> None:
    parts = await collect(body(preamble=b"ignored\r\n", epilogue=b"also ignored"), size)
    assert [(p.name, p.filename, p.content_type) for p, _ in parts] == [
        ("kind", None, None),
        ("file", "检测报告.pdf", "application/pdf"),
    ]
    assert parts[0][1] == b"test_report"
    assert parts[1][1] == FILE


async def test_a_part_left_unread_is_skipped() -> None:
    reader = MultipartReader(chunked(body(), 5), BOUNDARY)
    names = [part.name async for part in reader.parts()]
    assert names == ["kind", "file"]


async def test_file_bytes_arrive_before_the_body_ends() -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b"--" + BOUNDARY.encode() + b'\r\nContent-Disposition: form-data; name="file"\r\n\r\n'
        while True:
            pulled += 1
            yield b"x" * 1024

    reader = MultipartReader(endless(), BOUNDARY)
    assert (await reader.next_part()) is not None
    received = 0
    async for chunk in reader.read():
        received += len(chunk)
        if received > 10_000:
            break
    assert pulled < 15


@pytest.mark.parametrize(
    "broken",
    [
        body()[:-20],  # cut inside the file
        body().replace(b"--\r\n", b"\r\n")[:-2],  # no closing boundary
        body().replace(b'form-data; name="kind"', b"attachment"),
        body().replace(b"Content-Type: application/pdf", b"Content-Type application/pdf"),
        b"--" + BOUNDARY.encode() + b"\r\n" + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n",
        b"no boundary anywhere",
    ],
)
async def test_malformed_bodies_are_refused(broken: bytes) -> None:
    with pytest.raises(MultipartError):
        await collect(broken, 17)


async def test_too_many_parts() -> None:
    b = BOUNDARY.encode()
    one = b"--" + b + b'\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n'
    reader = MultipartReader(chunked(one * 20 + b"--" + b + b"--", 50), BOUNDARY, max_parts=16)
    with pytest.raises(MultipartError, match="Too many"):
        async for _ in reader.parts():
            pass


async def test_rfc5987_filename_wins_and_the_last_crlf_is_optional() -> None:
    header = (
        'Content-Disposition: form-data; name="file"; filename="fallback.pdf"; '
        "filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6.pdf\r\n\r\n"
    )
    b = BOUNDARY.encode()
    data = b"--" + b + b"\r\n" + header.encode() + b"%PDF-\r\n--" + b + b"--"
    parts = await collect(data, 9)
    assert parts[0][0].filename == "申报书.pdf"
    assert parts[0][1] == b"%PDF-"


def test_options_header() -> None:
    assert parse_options_header('form-data; name="a\\"b"; filename="C:\\x\\y.pdf"') == (
        "form-data",
        {"name": 'a"b', "filename": "C:\\x\\y.pdf"},
    )
    assert boundary_of(f"multipart/form-data; boundary={BOUNDARY}") == BOUNDARY
    assert boundary_of(f'Multipart/Form-Data; charset=utf-8; boundary="{BOUNDARY}"') == BOUNDARY
    assert boundary_of("application/json") is None
    assert boundary_of(None) is None
    with pytest.raises(MultipartError):
        boundary_of("multipart/form-data")
    with pytest.raises(MultipartError):
        boundary_of("multipart/form-data; boundary=" + "x" * 71)
