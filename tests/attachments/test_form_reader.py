"""The adapter over python-multipart: parts and their bodies, fed in chunks of every size."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.attachments.form_reader import FormReader, MultipartError, PartInfo, boundary_of

BOUNDARY = "----FirstSetBoundary7MA4YWxkTrZu0gW"
B = BOUNDARY.encode()
# Looks like a boundary in places, and has CRs and hyphens at chunk edges.
FILE = b"%PDF-1.7\r\n--" + b"\r\n----FirstSet" + bytes(range(256)) * 4 + b"\r\n-"


def body(*, epilogue: bytes = b"") -> bytes:
    return (
        b"--" + B + b"\r\n"
        + b'Content-Disposition: form-data; name="kind"\r\n\r\n'
        + b"test_report"
        + b"\r\n--" + B + b"\r\n"
        + 'Content-Disposition: form-data; name="file"; filename="检测报告.pdf"\r\n'.encode()
        + b"Content-Type: application/pdf\r\n\r\n"
        + FILE
        + b"\r\n--" + B + b"--\r\n"
        + epilogue
    )  # fmt: skip


def one_part(disposition: bytes, content: bytes = b"%PDF-") -> bytes:
    return (
        b"--" + B + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n"
        + content + b"\r\n--" + B + b"--"
    )  # fmt: skip


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(data: bytes, size: int) -> list[tuple[PartInfo, bytes]]:
    reader = FormReader(chunked(data, size), BOUNDARY)
    return [(part, b"".join([c async for c in reader.read()])) async for part in reader.parts()]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 38, 39, 40, 41, 64, 1000, 100_000])
async def test_parts_survive_any_chunking(size: int) -> None:
    parts = await collect(body(epilogue=b"ignored"), size)
    assert [(p.name, p.filename, p.content_type) for p, _ in parts] == [
        ("kind", None, None),
        ("file", "检测报告.pdf", "application/pdf"),
    ]
    assert parts[0][1] == b"test_report"
    assert parts[1][1] == FILE


async def test_a_part_left_unread_is_skipped() -> None:
    reader = FormReader(chunked(body(), 5), BOUNDARY)
    names = [part.name async for part in reader.parts()]
    assert names == ["kind", "file"]


async def test_reading_a_part_twice_does_not_reach_into_the_next() -> None:
    reader = FormReader(chunked(body(), 7), BOUNDARY)
    parts = reader.parts()
    assert (await anext(parts)).name == "kind"
    assert b"".join([c async for c in reader.read()]) == b"test_report"
    assert [c async for c in reader.read()] == []
    assert (await anext(parts)).name == "file"


async def test_file_bytes_arrive_before_the_body_ends() -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b"--" + B + b'\r\nContent-Disposition: form-data; name="file"\r\n\r\n'
        while True:
            pulled += 1
            yield b"x" * 1024

    reader = FormReader(endless(), BOUNDARY)
    assert (await anext(reader.parts())).name == "file"
    received = 0
    async for chunk in reader.read():
        received += len(chunk)
        if received > 10_000:
            break
    assert pulled < 15


async def test_nothing_after_the_closing_boundary_is_read() -> None:
    async def then_explode() -> AsyncIterator[bytes]:
        yield body()
        raise AssertionError("read past the closing boundary")

    reader = FormReader(then_explode(), BOUNDARY)
    assert [part.name async for part in reader.parts()] == ["kind", "file"]


@pytest.mark.parametrize(
    "broken",
    [
        body()[:-20],  # cut inside the file
        body().replace(b"--\r\n", b"\r\n")[:-2],  # no closing boundary
        body().replace(b'form-data; name="kind"', b"attachment"),
        body().replace(b'form-data; name="kind"', b'form-data; filename="x"'),
        body().replace(b"Content-Type: application/pdf", b"Content-Type application/pdf"),
        b"--" + B + b"\r\n" + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n",
        b"no boundary anywhere",
        b"",
    ],
)
async def test_malformed_bodies_are_refused(broken: bytes) -> None:
    with pytest.raises(MultipartError):
        await collect(broken, 17)


async def test_too_many_parts() -> None:
    one = b"--" + B + b'\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n'
    reader = FormReader(chunked(one * 20 + b"--" + B + b"--", 50), BOUNDARY, max_parts=16)
    with pytest.raises(MultipartError, match="Too many"):
        async for _ in reader.parts():
            pass


async def test_rfc5987_filename_wins_and_the_last_crlf_is_optional() -> None:
    disposition = (
        b'form-data; name="file"; filename="fallback.pdf"; '
        b"filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6.pdf"
    )
    parts = await collect(one_part(disposition), 9)
    assert parts[0][0].filename == "申报书.pdf"
    assert parts[0][1] == b"%PDF-"


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        # an undecodable or unknown-charset filename* falls back to the plain name
        (b'form-data; name="f"; filename="a.pdf"; filename*=UTF-8\'\'%FF.pdf', "a.pdf"),
        (b'form-data; name="f"; filename="a.pdf"; filename*=koi8-r\'\'x.pdf', "a.pdf"),
        # a filename* inside a quoted value is only text
        (
            b'form-data; name="f"; filename="a; filename*=UTF-8\'\'b.pdf"',
            "a; filename*=UTF-8''b.pdf",
        ),
        (b"form-data; name=\"f\"; filename*=iso-8859-1''%E9t%E9.pdf", "été.pdf"),
        ('form-data; name="f"; filename="报告.pdf"'.encode(), "报告.pdf"),
        (b'form-data; name="f"; filename="\xe9t\xe9.pdf"', "été.pdf"),  # Latin-1, not UTF-8
        (b'form-data; name="f"; filename=""', ""),
        (b'form-data; name="f"', None),
    ],
)
async def test_file_names(disposition: bytes, filename: str | None) -> None:
    parts = await collect(one_part(disposition), 11)
    assert parts[0][0].filename == filename


async def test_quoted_names_are_unescaped() -> None:
    parts = await collect(one_part(b'form-data; name="a\\"b"'), 1000)
    assert parts[0][0].name == 'a"b'


def test_boundary_of() -> None:
    assert boundary_of(f"multipart/form-data; boundary={BOUNDARY}") == BOUNDARY
    assert boundary_of(f'Multipart/Form-Data; charset=utf-8; boundary="{BOUNDARY}"') == BOUNDARY
    assert boundary_of("application/json") is None
    assert boundary_of("application/x-www-form-urlencoded; charset=utf-8") is None
    assert boundary_of(None) is None
    with pytest.raises(MultipartError):
        boundary_of("multipart/form-data")
    with pytest.raises(MultipartError):
        boundary_of("multipart/form-data; boundary=" + "x" * 71)
    with pytest.raises(MultipartError):
        boundary_of('multipart/form-data; boundary="ends in a space "')
