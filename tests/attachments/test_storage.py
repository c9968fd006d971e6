"""The local blob store: content-addressed paths, atomic writes, de-duplication."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.config import get_settings
from api.storage import BlobNotFound, DigestMismatch, LocalStorage, build_storage

CONTENT = b"%PDF-1.7\n" + bytes(range(256)) * 600  # several chunks
SHA = hashlib.sha256(CONTENT).hexdigest()


async def chunks_of(data: bytes, size: int = 10_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: LocalStorage, sha256: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(sha256)])


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_put_stores_under_a_sha256_fan_out_and_reads_back(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    assert await store.put(SHA, chunks_of(CONTENT)) is True
    path = tmp_path / SHA[:2] / SHA[2:4] / SHA
    assert files_under(tmp_path) == [path]  # no temporary file left behind
    assert path.read_bytes() == CONTENT
    assert await store.exists(SHA)
    assert await read_all(store, SHA) == CONTENT


async def test_the_blob_appears_only_once_complete(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    target = store.path_of(SHA)
    seen_while_writing: list[bool] = []

    async def watched() -> AsyncIterator[bytes]:
        async for chunk in chunks_of(CONTENT):
            seen_while_writing.append(target.exists())
            yield chunk

    await store.put(SHA, watched())
    assert len(seen_while_writing) > 1
    assert not any(seen_while_writing)
    assert target.exists()


async def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)

    async def broken() -> AsyncIterator[bytes]:
        yield CONTENT[:1000]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(SHA, broken())
    assert files_under(tmp_path) == []
    assert not await store.exists(SHA)


async def test_bytes_that_do_not_match_the_digest_are_refused(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    with pytest.raises(DigestMismatch):
        await store.put(SHA, chunks_of(CONTENT + b"tampered"))
    assert files_under(tmp_path) == []


async def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    assert await store.put(SHA, chunks_of(CONTENT)) is True
    before = store.path_of(SHA).stat()

    async def must_not_be_read() -> AsyncIterator[bytes]:
        raise AssertionError("the second put read its content")
        yield b""  # pragma: no cover

    assert await store.put(SHA, must_not_be_read()) is False
    after = store.path_of(SHA).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(files_under(tmp_path)) == 1


async def test_delete_and_missing_blobs(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    await store.put(SHA, chunks_of(CONTENT))
    await store.delete(SHA)
    assert not await store.exists(SHA)
    await store.delete(SHA)  # deleting twice is fine
    with pytest.raises(BlobNotFound):
        await store.open(SHA)


@pytest.mark.parametrize(
    "bad", ["../" * 5 + "etc/passwd", SHA.upper(), SHA[:-1], SHA + "0", "a" * 62 + "/b"]
)
def test_only_hex_digests_become_paths(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        LocalStorage(tmp_path).path_of(bad)


def test_the_local_backend_lives_under_var_dir(tmp_path: Path) -> None:
    settings = get_settings().model_copy(update={"var_dir": tmp_path, "storage_backend": "local"})
    store = build_storage(settings)
    assert isinstance(store, LocalStorage)
    assert store.root == tmp_path / "files"


async def test_list_blobs_with_their_size_and_age(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    assert [blob async for blob in store.list_blobs()] == []  # not even created yet
    other = b"%PDF-1.4 another"
    other_sha = hashlib.sha256(other).hexdigest()
    await store.put(SHA, chunks_of(CONTENT))
    await store.put(other_sha, chunks_of(other))
    week_ago = int(time.time()) - 7 * 86400
    os.utime(store.path_of(other_sha), (week_ago, week_ago))
    # Not blobs: a temporary file of a write in progress, and strays in the fan-out.
    (tmp_path / "tmp").mkdir(exist_ok=True)
    (tmp_path / "tmp" / f"{SHA[:12]}.x.part").write_bytes(b"half")
    (store.path_of(SHA).parent / "notes.txt").write_bytes(b"x")
    (store.path_of(SHA).parent / other_sha).write_bytes(b"in the wrong directory")
    (tmp_path / "README").write_bytes(b"x")

    blobs = {blob.sha256: blob async for blob in store.list_blobs()}
    assert blobs.keys() == {SHA, other_sha}
    assert blobs[SHA].size_bytes == len(CONTENT)
    assert abs(blobs[SHA].modified_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert blobs[other_sha].modified_at == datetime.fromtimestamp(week_ago, UTC)
    assert blobs[other_sha].modified_at.tzinfo is not None
