"""Where file bytes live: a content-addressed blob store keyed by sha256.

Blobs are immutable and shared: two attachments with the same bytes point at one blob, so a
blob may only be deleted once no row references it (the caller's business). The local backend
keeps them under `var_dir/files/ab/cd/abcd…`; the s3 backend keeps them in a bucket under the
same names (behind an optional prefix), so a store moves from one to the other with any S3
sync tool.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import anyio
from anyio import AsyncFile
from botocore.exceptions import ClientError

from api.config import Settings, get_settings

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from types_boto3_s3.client import S3Client

CHUNK_BYTES = 64 * 1024
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_FAN_OUT_RE = re.compile(r"^[0-9a-f]{2}$")
_S3_NAME_RE = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
# What the s3 backend keeps in memory of a blob being put before it spills to a temporary file.
S3_SPOOL_MEMORY_BYTES = 1024 * 1024
# A stalled object store fails the request after these rather than holding a worker thread
# for ever; the SDK's standard mode retries throttling and 5xx answers.
S3_CONNECT_TIMEOUT_S = 5.0
S3_READ_TIMEOUT_S = 30.0
S3_MAX_ATTEMPTS = 3
# Connections to the object store a process keeps open for reuse; a streaming download holds
# one for its duration, and past this many the SDK opens more and closes them after use.
S3_MAX_CONNECTIONS = 32
# Error codes of a key that is not there: a HEAD answers a bare 404 (it has no body).
_S3_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


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


class S3Storage:
    """Blobs in an S3-compatible bucket: `prefix + ab/cd/<sha256>`.

    boto3 (the AWS SDK, the client S3-compatible services document and test against) runs in
    worker threads: its client is thread-safe and bound to no event loop, so one client per
    process serves every request, the CLI and the worker alike, and each call is a network
    round trip next to which the thread hop is negligible. aiobotocore, the asynchronous
    alternative, pins one exact botocore release and ties each client to the loop that made it.
    """

    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def key_of(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    async def exists(self, sha256: str) -> bool:
        key = self.key_of(sha256)
        try:
            await anyio.to_thread.run_sync(
                lambda: self.client.head_object(Bucket=self.bucket, Key=key)
            )
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    async def put(self, sha256: str, chunks: AsyncIterable[bytes]) -> bool:
        key = self.key_of(sha256)
        if await self.exists(sha256):
            return False
        # One PUT makes the object appear whole or not at all; the bytes are hashed (and
        # spooled) first, so that nothing is written under a digest they do not have.
        with tempfile.SpooledTemporaryFile(max_size=S3_SPOOL_MEMORY_BYTES) as spool:
            digest = hashlib.sha256()
            md5 = hashlib.md5(usedforsecurity=False)
            async for chunk in chunks:
                digest.update(chunk)
                md5.update(chunk)
                await anyio.to_thread.run_sync(spool.write, chunk)
            if digest.hexdigest() != sha256:
                raise DigestMismatch(f"content hashes to {digest.hexdigest()}, not {sha256}")
            await anyio.to_thread.run_sync(spool.seek, 0)
            content_md5 = base64.b64encode(md5.digest()).decode()
            # Content-MD5 has the service refuse bytes damaged on the way: every S3-compatible
            # service checks it, where the newer SHA-256 checksum header is not known to all.
            await anyio.to_thread.run_sync(
                lambda: self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=spool,
                    ContentMD5=content_md5,
                    ContentType="application/octet-stream",
                )
            )
        return True

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        key = self.key_of(sha256)
        try:
            response = await anyio.to_thread.run_sync(
                lambda: self.client.get_object(Bucket=self.bucket, Key=key)
            )
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(sha256) from exc
            raise
        return _body_chunks(response["Body"])

    async def delete(self, sha256: str) -> None:
        key = self.key_of(sha256)
        try:
            await anyio.to_thread.run_sync(
                lambda: self.client.delete_object(Bucket=self.bucket, Key=key)
            )
        except ClientError as exc:
            # S3 answers 204 for a missing key; some compatible services answer 404.
            if not _is_missing(exc):
                raise

    async def list_blobs(self) -> AsyncIterator[StoredBlob]:
        # A page (up to 1000 keys) per thread call: memory stays bounded.
        paginator = self.client.get_paginator("list_objects_v2")
        pages = iter(paginator.paginate(Bucket=self.bucket, Prefix=self.prefix))
        while (page := await anyio.to_thread.run_sync(next, pages, None)) is not None:
            for item in page.get("Contents", []):
                match = _S3_NAME_RE.match(item["Key"][len(self.prefix) :])
                # Anything else under the prefix is not a blob and is left alone.
                if match is None or match[3][:2] != match[1] or match[3][2:4] != match[2]:
                    continue
                yield StoredBlob(match[3], item["Size"], item["LastModified"].astimezone(UTC))


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _S3_MISSING_CODES


async def _body_chunks(body: StreamingBody) -> AsyncIterator[bytes]:
    try:
        while chunk := await anyio.to_thread.run_sync(body.read, CHUNK_BYTES):
            yield chunk
    finally:
        # Back to the pool when read to the end; a download cut short drops its connection.
        body.close()


@lru_cache(maxsize=4)
def s3_client(
    endpoint_url: str | None,
    region: str | None,
    addressing_style: Literal["auto", "path", "virtual"],
    access_key_id: str | None,
    secret_access_key: str | None,
) -> S3Client:
    """One client per configuration and process: making one loads the service's model, too
    slow for every request. Without keys the SDK's own chain (environment, instance role)."""
    import boto3  # a third of a second to import: only processes that use the s3 backend pay
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": addressing_style},
        retries={"mode": "standard", "max_attempts": S3_MAX_ATTEMPTS},
        connect_timeout=S3_CONNECT_TIMEOUT_S,
        read_timeout=S3_READ_TIMEOUT_S,
        max_pool_connections=S3_MAX_CONNECTIONS,
        # Since boto3 1.36 every upload carries a CRC32 checksum in an aws-chunked body unless
        # told otherwise, which many S3-compatible services refuse; puts send Content-MD5.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    # A session of its own: boto3's default session is not safe to share between threads.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )


def build_storage(settings: Settings) -> BlobStorage:
    if settings.storage_backend == "local":
        return LocalStorage(settings.var_dir / "files")
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        secret = settings.s3_secret_access_key
        client = s3_client(
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_addressing_style,
            settings.s3_access_key_id,
            secret.get_secret_value() if secret is not None else None,
        )
        return S3Storage(client, settings.s3_bucket, settings.s3_prefix)
    raise ValueError(f"unknown storage backend {settings.storage_backend!r}")


def get_storage() -> BlobStorage:
    """The configured store; a FastAPI dependency, so tests can point it elsewhere."""
    return build_storage(get_settings())
