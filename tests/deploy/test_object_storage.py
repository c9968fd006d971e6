"""The s3 storage backend keeps the blob store's contract as the local one does, against a real
S3-compatible HTTP server (moto's, started here); an API process with STORAGE_BACKEND=s3 stores
and serves attachments and certificate PDFs from the bucket; production refuses the backend
without its bucket and keys."""

from __future__ import annotations

import hashlib
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from api.config import DEMO_PASSWORD, Settings
from api.demo import demo_email
from api.startup_checks import settings_problems
from api.storage import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobStorage,
    DigestMismatch,
    LocalStorage,
    S3Storage,
    build_storage,
    s3_client,
)
from tests import dbutil
from tests.servers import demo_database, running_process, running_server

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

CONTENT = b"%PDF-1.7\n" + bytes(range(256)) * 600  # three chunks and a bit
SHA = hashlib.sha256(CONTENT).hexdigest()
OTHER = b"%PDF-1.4 another"
OTHER_SHA = hashlib.sha256(OTHER).hexdigest()
PREFIX = "deploy/files/"
# moto accepts any keys; a real service would check them.
ACCESS_KEY, SECRET_KEY, REGION = "firstset-test", "firstset-test-secret", "us-east-1"


def layout(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


async def chunks_of(data: bytes, size: int = 10_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: BlobStorage, sha256: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(sha256)])


# --- the object store ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3-compatible server in a process of its own, on a free port."""
    port = dbutil.free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with running_process(command, log, endpoint, ready_status=None, name="the S3 server"):
        yield endpoint


def client_for(endpoint: str) -> S3Client:
    return s3_client(endpoint, REGION, "path", ACCESS_KEY, SECRET_KEY)


def new_bucket(endpoint: str) -> str:
    bucket = f"firstset-{uuid.uuid4().hex[:12]}"
    client_for(endpoint).create_bucket(Bucket=bucket)
    return bucket


def keys_in(endpoint: str, bucket: str) -> list[str]:
    listed = client_for(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@dataclass
class Backend:
    store: BlobStorage
    names: Callable[[], list[str]]  # everything the store holds, blob or not
    add_stray: Callable[[str, bytes], None]  # a file or object that is no blob, by name
    prefix: str  # what precedes `layout(sha)` in `names()`


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        root = tmp_path / "files"

        def local_names() -> list[str]:
            return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

        def local_stray(name: str, data: bytes) -> None:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)

        return Backend(LocalStorage(root), local_names, local_stray, "")

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint)

    def s3_stray(name: str, data: bytes) -> None:
        client_for(endpoint).put_object(Bucket=bucket, Key=PREFIX + name, Body=data)

    return Backend(
        S3Storage(client_for(endpoint), bucket, PREFIX),
        lambda: keys_in(endpoint, bucket),
        s3_stray,
        PREFIX,
    )


# --- the contract, for both backends ------------------------------------------------------------


async def test_put_stores_under_the_sha256_layout_and_reads_back_in_chunks(
    backend: Backend,
) -> None:
    store = backend.store
    assert not await store.exists(SHA)
    assert await store.put(SHA, chunks_of(CONTENT)) is True
    assert backend.names() == [backend.prefix + layout(SHA)]  # nothing temporary left
    assert await store.exists(SHA)
    chunks = [chunk async for chunk in await store.open(SHA)]
    assert len(chunks) > 1
    assert all(len(chunk) <= CHUNK_BYTES for chunk in chunks)
    assert b"".join(chunks) == CONTENT


async def test_identical_content_is_stored_once_without_reading_it_again(
    backend: Backend,
) -> None:
    await backend.store.put(SHA, chunks_of(CONTENT))

    async def must_not_be_read() -> AsyncIterator[bytes]:
        raise AssertionError("the second put read its content")
        yield b""  # pragma: no cover

    assert await backend.store.put(SHA, must_not_be_read()) is False
    assert backend.names() == [backend.prefix + layout(SHA)]


async def test_the_blob_appears_only_once_complete(backend: Backend) -> None:
    seen_while_writing: list[bool] = []

    async def watched() -> AsyncIterator[bytes]:
        async for chunk in chunks_of(CONTENT):
            seen_while_writing.append(await backend.store.exists(SHA))
            yield chunk

    await backend.store.put(SHA, watched())
    assert len(seen_while_writing) > 1
    assert not any(seen_while_writing)
    assert await backend.store.exists(SHA)


async def test_bytes_that_do_not_match_the_digest_leave_nothing(backend: Backend) -> None:
    with pytest.raises(DigestMismatch):
        await backend.store.put(SHA, chunks_of(CONTENT + b"tampered"))
    assert backend.names() == []
    assert not await backend.store.exists(SHA)


async def test_a_write_cut_short_leaves_nothing(backend: Backend) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield CONTENT[:1000]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await backend.store.put(SHA, broken())
    assert backend.names() == []


async def test_a_missing_blob_is_reported_before_any_byte(backend: Backend) -> None:
    await backend.store.put(SHA, chunks_of(CONTENT))
    await backend.store.delete(SHA)
    assert not await backend.store.exists(SHA)
    assert backend.names() == []
    await backend.store.delete(SHA)  # deleting twice is fine
    with pytest.raises(BlobNotFound):
        await backend.store.open(SHA)  # raised by open itself, not by the first chunk


async def test_list_blobs_with_size_and_age_and_nothing_else(backend: Backend) -> None:
    assert [blob async for blob in backend.store.list_blobs()] == []
    await backend.store.put(SHA, chunks_of(CONTENT))
    await backend.store.put(OTHER_SHA, chunks_of(OTHER))
    # Not blobs: a stray beside a blob, a blob's name in the wrong place, a file at the top.
    backend.add_stray(f"{SHA[:2]}/{SHA[2:4]}/notes.txt", b"x")
    backend.add_stray(f"{SHA[:2]}/{SHA[2:4]}/{OTHER_SHA}", b"in the wrong directory")
    backend.add_stray("README", b"x")

    blobs = {blob.sha256: blob async for blob in backend.store.list_blobs()}
    assert blobs.keys() == {SHA, OTHER_SHA}
    assert blobs[SHA].size_bytes == len(CONTENT)
    assert blobs[OTHER_SHA].size_bytes == len(OTHER)
    assert abs(blobs[SHA].modified_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert blobs[SHA].modified_at.tzinfo is not None


@pytest.mark.parametrize("bad", ["../" * 5 + "etc/passwd", SHA.upper(), SHA[:-1], SHA + "0"])
async def test_only_hex_digests_name_blobs(backend: Backend, bad: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        await backend.store.exists(bad)
    with pytest.raises(ValueError, match="sha256"):
        await backend.store.open(bad)


# --- the s3 backend from the settings -----------------------------------------------------------


def s3_settings(endpoint: str, bucket: str, **changes: object) -> Settings:
    return Settings.model_validate(
        {
            "storage_backend": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": endpoint,
            "s3_region": REGION,
            "s3_addressing_style": "path",
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SECRET_KEY,
            **changes,
        }
    )


def test_local_storage_is_the_default() -> None:
    assert Settings.model_fields["storage_backend"].default == "local"


async def test_the_settings_choose_the_bucket_and_prefix(s3_endpoint: str) -> None:
    bucket = new_bucket(s3_endpoint)
    store = build_storage(s3_settings(s3_endpoint, bucket, s3_prefix="/site-a/files"))
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix) == (bucket, "site-a/files/")
    await store.put(SHA, chunks_of(CONTENT))
    assert keys_in(s3_endpoint, bucket) == ["site-a/files/" + layout(SHA)]
    # The same settings give the same client: one per process, not one per request.
    again = build_storage(s3_settings(s3_endpoint, bucket, s3_prefix="site-a/files/"))
    assert isinstance(again, S3Storage)
    assert again.client is store.client
    assert await read_all(again, SHA) == CONTENT


def test_the_s3_backend_needs_a_bucket() -> None:
    with pytest.raises(ValueError, match="S3_BUCKET"):
        build_storage(Settings(storage_backend="s3"))


async def test_a_local_store_copied_key_for_key_is_read_by_the_s3_backend(
    s3_endpoint: str, tmp_path: Path
) -> None:
    """How a site moves its files to an object store: copy var_dir/files under the prefix
    (what an S3 sync tool does), then switch the backend."""
    local = LocalStorage(tmp_path / "files")
    await local.put(SHA, chunks_of(CONTENT))
    await local.put(OTHER_SHA, chunks_of(OTHER))
    bucket = new_bucket(s3_endpoint)
    for path in (tmp_path / "files").rglob("*"):
        if path.is_file():
            key = PREFIX + path.relative_to(tmp_path / "files").as_posix()
            client_for(s3_endpoint).put_object(Bucket=bucket, Key=key, Body=path.read_bytes())

    remote = S3Storage(client_for(s3_endpoint), bucket, PREFIX)
    assert {blob.sha256 async for blob in remote.list_blobs()} == {SHA, OTHER_SHA}
    assert await read_all(remote, SHA) == CONTENT
    assert await read_all(remote, OTHER_SHA) == OTHER


# --- production start-up ------------------------------------------------------------------------

PRODUCTION = {
    "environment": "production",
    "public_base_url": "https://firstset.example.cn",
    "database_url": "postgresql://firstset:a-real-db-secret@db.example.cn:5432/firstset",
}


def test_production_refuses_the_s3_backend_without_bucket_or_keys() -> None:
    problems = settings_problems(Settings.model_validate({**PRODUCTION, "storage_backend": "s3"}))
    assert len(problems) == 2
    assert problems[0].startswith("STORAGE_BACKEND is s3 but S3_BUCKET is not set")
    assert "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY" in problems[1]

    only_the_id = {
        **PRODUCTION,
        "storage_backend": "s3",
        "s3_bucket": "firstset-files",
        "s3_access_key_id": "AKIAFIRSTSET",
    }
    (problem,) = settings_problems(Settings.model_validate(only_the_id))
    assert "S3_SECRET_ACCESS_KEY" in problem


def test_production_accepts_the_s3_backend_with_bucket_and_keys() -> None:
    settings = Settings.model_validate(
        {
            **PRODUCTION,
            "storage_backend": "s3",
            "s3_bucket": "firstset-files",
            "s3_access_key_id": "AKIAFIRSTSET",
            "s3_secret_access_key": "a-real-object-store-secret",
        }
    )
    assert settings_problems(settings) == []
    assert isinstance(settings.s3_secret_access_key, SecretStr)
    assert "a-real-object-store-secret" not in repr(settings)


def test_production_refuses_a_demo_secret_as_the_object_store_key() -> None:
    settings = Settings.model_validate(
        {
            **PRODUCTION,
            "storage_backend": "s3",
            "s3_bucket": "firstset-files",
            "s3_access_key_id": "AKIAFIRSTSET",
            "s3_secret_access_key": DEMO_PASSWORD,
        }
    )
    (problem,) = settings_problems(settings)
    assert problem.startswith("S3_SECRET_ACCESS_KEY is a published demo secret")


# --- end to end ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    base: str
    endpoint: str
    bucket: str
    var_dir: Path
    database_url: str


@pytest.fixture(scope="module")
def site(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("objects")
    bucket = new_bucket(s3_endpoint)
    # The demo data is loaded with the same settings: whatever it stores goes to the bucket.
    name, env = demo_database(
        "objects",
        VAR_DIR=str(tmp / "var"),
        STORAGE_BACKEND="s3",
        S3_BUCKET=bucket,
        S3_PREFIX=PREFIX,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION=REGION,
        S3_ADDRESSING_STYLE="path",
        S3_ACCESS_KEY_ID=ACCESS_KEY,
        S3_SECRET_ACCESS_KEY=SECRET_KEY,
    )
    try:
        with running_server(env, tmp / "server.log") as base:
            yield Site(base, s3_endpoint, bucket, tmp / "var", env["DATABASE_URL"])
    finally:
        dbutil.drop_database(name)


def local_files(site: Site) -> list[Path]:
    return [p for p in (site.var_dir / "files").rglob("*") if p.is_file()]


def test_attachments_are_uploaded_to_and_downloaded_from_the_bucket(site: Site) -> None:
    with httpx.Client(base_url=site.base) as http:
        login = http.post(
            "/api/v1/auth/login",
            json={"email": demo_email("applicant"), "password": DEMO_PASSWORD},
        )
        assert login.status_code == 200, login.text
        http.headers["X-CSRF-Token"] = http.cookies["csrf_token"]
        with psycopg.connect(site.database_url) as conn:
            batch = conn.execute("SELECT id FROM batch WHERE status = 'open'").fetchone()
        assert batch is not None
        draft = http.post(
            "/api/v1/applications",
            json={"batch_id": str(batch[0]), "product_name_zh": "对象存储验证装备"},
        )
        assert draft.status_code == 201, draft.text
        attachments = f"/api/v1/applications/{draft.json()['id']}/attachments"
        content = CONTENT + uuid.uuid4().bytes  # no other attachment shares this blob
        sha256 = hashlib.sha256(content).hexdigest()

        uploaded = http.post(
            attachments,
            data={"kind": "test_report"},
            files={"file": ("检测报告.pdf", content, "application/pdf")},
        )
        assert uploaded.status_code == 201, uploaded.text
        assert uploaded.json()["sha256"] == sha256
        assert PREFIX + layout(sha256) in keys_in(site.endpoint, site.bucket)
        assert local_files(site) == []

        url = f"{attachments}/{uploaded.json()['id']}"
        downloaded = http.get(url)
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.content == content
        assert downloaded.headers["content-type"] == "application/pdf"

        # The last attachment of the blob deleted, the object goes too.
        assert http.delete(url).status_code == 204
        assert PREFIX + layout(sha256) not in keys_in(site.endpoint, site.bucket)

        # An object lost from the bucket is a 404 problem, not a download cut off midway.
        again = http.post(
            attachments,
            data={"kind": "test_report"},
            files={"file": ("检测报告.pdf", content, "application/pdf")},
        )
        assert again.status_code == 201, again.text
        client_for(site.endpoint).delete_object(Bucket=site.bucket, Key=PREFIX + layout(sha256))
        lost = http.get(f"{attachments}/{again.json()['id']}")
        assert lost.status_code == 404
        assert lost.json()["code"] == "file_missing"


def test_certificate_pdfs_are_kept_in_the_bucket(site: Site) -> None:
    with psycopg.connect(site.database_url) as conn:
        row = conn.execute("SELECT number FROM award ORDER BY number LIMIT 1").fetchone()
    assert row is not None
    before = set(keys_in(site.endpoint, site.bucket))
    response = httpx.get(f"{site.base}/api/v1/certificates/{row[0]}/pdf", timeout=60)
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")
    sha256 = hashlib.sha256(response.content).hexdigest()
    assert set(keys_in(site.endpoint, site.bucket)) - before == {PREFIX + layout(sha256)}
    assert local_files(site) == []
