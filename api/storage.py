"""Where file bytes live: a content-addressed blob store keyed by sha256.

Blobs are immutable and shared: two attachments with the same bytes point at one blob, so a
blob may only be deleted once no row references it (the caller's business). The local backend
keeps them under `var_dir/files/ab/cd/abcd…`; an S3-compatible backend can implement the same
protocol later.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import anyio
from anyio import AsyncFile

from api.config import Settings, get_settings

CHUNK_BYTES = 64 * 1024
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_FAN_OUT_RE = re.compile(r"^[0-9a-f]{2}$")


class BlobNotFound(LookupError):
    pass


class DigestMismatch(ValueError):
    """The bytes written do not hash to the sha256 they were stored under."""


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size_bytes: int
    modified_at: datetime  # aware, UTC


class BlobStorage(Protocol):
    async def put(self, sha256: str, chunks: AsyncIterable[bytes]) -> bool:
        """Store `chunks` under `sha256`, atomically, verifying the digest. False when the
        blob was already there (then `chunks` is not read)."""
        ...

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks; raises `BlobNotFound` before the first chunk."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def delete(self, sha256: str) -> None:
        """Remove the blob; a missing blob is not an error."""
        ...

    def list_blobs(self) -> AsyncIterator[StoredBlob]:
        """Every stored blob, in no particular order; blobs added or deleted meanwhile may or
        may not be seen."""
        ...


def check_sha256(sha256: str) -> str:
    # The digest becomes a path: anything but 64 lower-case hex digits could escape the root.
    if not _SHA256_RE.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


class LocalStorage:
    """Blobs on local disk: `root/ab/cd/<sha256>`, written to `root/tmp` and renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / "tmp"

    def path_of(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def exists(self, sha256: str) -> bool:
        return await anyio.Path(self.path_of(sha256)).is_file()

    async def put(self, sha256: str, chunks: AsyncIterable[bytes]) -> bool:
        target = self.path_of(sha256)
        if await anyio.Path(target).is_file():
            return False
        await anyio.Path(self.tmp_dir).mkdir(parents=True, exist_ok=True)
        fd, tmp_name = await anyio.to_thread.run_sync(
            lambda: tempfile.mkstemp(dir=self.tmp_dir, prefix=sha256[:12] + ".", suffix=".part")
        )
        tmp = anyio.Path(tmp_name)
        try:
            digest = hashlib.sha256()
            async with await anyio.open_file(fd, "wb") as out:
                async for chunk in chunks:
                    digest.update(chunk)
                    await out.write(chunk)
                await out.flush()
                await anyio.to_thread.run_sync(os.fsync, fd)
            if digest.hexdigest() != sha256:
                raise DigestMismatch(f"content hashes to {digest.hexdigest()}, not {sha256}")
            await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
            # Same file system, so the blob appears whole or not at all.
            await anyio.to_thread.run_sync(os.replace, tmp_name, target)
            await anyio.to_thread.run_sync(_fsync_dir, target.parent)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await tmp.unlink(missing_ok=True)
            raise
        return True

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        try:
            file = await anyio.open_file(self.path_of(sha256), "rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(sha256) from exc
        return _read_chunks(file)

    async def delete(self, sha256: str) -> None:
        await anyio.Path(self.path_of(sha256)).unlink(missing_ok=True)

    async def list_blobs(self) -> AsyncIterator[StoredBlob]:
        # One fan-out directory (1/256 of the store) per thread call: memory stays bounded.
        for top in await anyio.to_thread.run_sync(_subdirectories, self.root, _FAN_OUT_RE):
            for blob in await anyio.to_thread.run_sync(_blobs_under, top):
                yield blob


async def _read_chunks(file: AsyncFile[bytes]) -> AsyncIterator[bytes]:
    async with file:
        while chunk := await file.read(CHUNK_BYTES):
            yield chunk


def _subdirectories(path: Path, name: re.Pattern[str]) -> list[Path]:
    try:
        with os.scandir(path) as entries:
            return [
                Path(e.path)
                for e in entries
                if name.match(e.name) and e.is_dir(follow_symlinks=False)
            ]
    except FileNotFoundError:
        return []


def _blobs_under(top: Path) -> list[StoredBlob]:
    """The blobs in `top/*/`; any other file there is not a blob and is left alone."""
    blobs = []
    for sub in _subdirectories(top, _FAN_OUT_RE):
        try:
            with os.scandir(sub) as entries:
                for entry in entries:
                    sha256 = entry.name
                    if not (
                        _SHA256_RE.match(sha256)
                        and sha256[:2] == top.name
                        and sha256[2:4] == sub.name
                        and entry.is_file(follow_symlinks=False)
                    ):
                        continue
                    try:
                        stat = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:  # deleted since the directory was read
                        continue
                    modified_at = datetime.fromtimestamp(stat.st_mtime, UTC)
                    blobs.append(StoredBlob(sha256, stat.st_size, modified_at))
        except FileNotFoundError:
            continue
    return blobs


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_storage(settings: Settings) -> BlobStorage:
    if settings.storage_backend == "local":
        return LocalStorage(settings.var_dir / "files")
    raise ValueError(f"unknown storage backend {settings.storage_backend!r}")


def get_storage() -> BlobStorage:
    """The configured store; a FastAPI dependency, so tests can point it elsewhere."""
    return build_storage(get_settings())
