"""`firstset backup` and `firstset restore` as an operator runs them: the demo data and stored
attachment files are backed up, restored into another database and var directory, and compared
table by table and file by file with queries of the test's own."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from api.storage import LocalStorage
from tests import dbutil

pytestmark = pytest.mark.xdist_group("subprocess-db")


@dataclass(frozen=True)
class Site:
    url: str
    var_dir: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "VAR_DIR": str(self.var_dir),
            "SIGNING_KEY_DIR": str(self.var_dir / "keys"),
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
        }

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        counts = {}
        for schema, table in tables:
            row = conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()  # noqa: S608
            assert row is not None
            counts[f"{schema}.{table}"] = row[0]
    return counts


def content_digest(url: str, table: str, order: str) -> str:
    """A digest of every row's text form: equal only when the contents are equal."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        row = conn.execute(
            f"SELECT md5(string_agg(t::text, '|' ORDER BY {order})) FROM {table} t"  # noqa: S608
        ).fetchone()
    assert row is not None
    return str(row[0])


def files_under(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def relation_count(url: str) -> int:
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname !~ '^pg_'"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def fresh_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Site]]:
    """Empty databases and var directories, handed out by the tests that need them."""
    made: list[str] = []
    sites: list[Site] = []

    def _make() -> None:
        name = dbutil.run_database(f"restore{len(made)}")
        made.append(name)
        sites.append(Site(dbutil.recreate_database(name), tmp_path_factory.mktemp("var")))

    for _ in range(4):
        _make()
    try:
        yield sites
    finally:
        for name in made:
            dbutil.drop_database(name)


ATTACHMENTS = [
    ("测试报告.pdf", "application/pdf", b"%PDF-1.4 test report " + bytes(range(256)) * 40),
    ("查新报告.pdf", "application/pdf", b"%PDF-1.4 novelty search " + os.urandom(5000)),
    ("licence.png", "image/png", b"\x89PNG\r\n\x1a\n" + os.urandom(3000)),
]


async def _store_attachments(site: Site) -> list[str]:
    """Blobs through the store, and attachment rows pointing at them on a demo application."""
    storage = LocalStorage(site.var_dir / "files")
    digests = []
    for _, _, content in ATTACHMENTS:
        sha256 = hashlib.sha256(content).hexdigest()

        async def chunks(data: bytes = content) -> AsyncIterator[bytes]:
            yield data[:1000]
            yield data[1000:]

        assert await storage.put(sha256, chunks())
        digests.append(sha256)
    with psycopg.connect(conninfo(site.url), autocommit=True) as conn:
        application_id, user_id = conn.execute(
            "SELECT a.id, u.id FROM application a, app_user u"
            " WHERE u.email = 'applicant@demo.firstset.cn' ORDER BY a.created_at LIMIT 1"
        ).fetchone() or (None, None)
        assert application_id is not None
        for (filename, content_type, content), sha256 in zip(ATTACHMENTS, digests, strict=True):
            conn.execute(
                "INSERT INTO attachment (id, application_id, kind, filename, content_type,"
                " size_bytes, sha256, uploaded_by) VALUES (%s, %s, 'test_report', %s, %s, %s,"
                " %s, %s)",
                (
                    uuid.uuid4(),
                    application_id,
                    filename,
                    content_type,
                    len(content),
                    sha256,
                    user_id,
                ),
            )
    return digests


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A migrated database with the demo data, attachment files and a signing key."""
    name = dbutil.run_database("backup")
    site = Site(dbutil.recreate_database(name), tmp_path_factory.mktemp("var"))
    try:
        for command in (("migrate",), ("load-demo",), ("rotate-signing-key",)):
            result = site.cli(*command)
            assert result.returncode == 0, result.stderr
        asyncio.run(_store_attachments(site))
        yield site
    finally:
        dbutil.drop_database(name)


@pytest.fixture(scope="module")
def archive(source: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backups") / "firstset.tar"
    result = source.cli("backup", str(path))
    assert result.returncode == 0, result.stderr
    assert "backup written" in result.stdout
    return path


def rewrite(archive: Path, into: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the archive with members replaced (bytes) or left out (None)."""
    with tarfile.open(archive) as src, tarfile.open(into, "w") as dst:
        for member in src:
            data = src.extractfile(member)
            assert data is not None
            content = data.read()
            if member.name in change:
                replacement = change[member.name]
                if replacement is None:
                    continue
                content = replacement
                member.size = len(content)
            dst.addfile(member, io.BytesIO(content))
    return into


def test_the_archive_holds_dump_files_and_manifest_but_no_keys(source: Site, archive: Path) -> None:
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        dump = tar.extractfile("database.dump").read()  # type: ignore[union-attr]
    assert not [n for n in names if n.startswith("keys/")]
    assert list((source.var_dir / "keys").glob("*.pem")), "the source has a key to leave out"
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
    assert manifest["dump"]["sha256"] == hashlib.sha256(dump).hexdigest()
    assert manifest["alembic_revision"]
    assert manifest["created_at"]
    assert manifest["tables"] == table_counts(source.url)
    assert manifest["tables"]["public.application"] > 50
    stored = files_under(source.var_dir / "files")
    assert len(stored) == len(ATTACHMENTS)
    assert {f"files/{name}": sha for name, sha in stored.items()} == {
        entry["name"]: entry["sha256"] for entry in manifest["files"]
    }


def test_restore_into_a_fresh_database_reproduces_every_table_and_file(
    source: Site, archive: Path, fresh_sites: list[Site]
) -> None:
    target = fresh_sites[0]
    result = target.cli("restore", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "row counts match the manifest" in result.stdout

    assert table_counts(target.url) == table_counts(source.url)
    for table, order in (
        ("application", "t.id"),
        ("audit_event", "t.id"),
        ("award", "t.id"),
        ("attachment", "t.id"),
    ):
        assert content_digest(target.url, table, order) == content_digest(
            source.url, table, order
        ), table
    assert files_under(target.var_dir / "files") == files_under(source.var_dir / "files")
    # The keys stay behind unless asked for.
    assert not list((target.var_dir / "keys").glob("*.pem"))
    # No staging directory is left in the var directory.
    assert sorted(p.name for p in target.var_dir.iterdir()) == ["files"]


def test_a_tampered_or_truncated_backup_is_refused_before_anything_changes(
    archive: Path, fresh_sites: list[Site], tmp_path: Path
) -> None:
    target = fresh_sites[1]
    with tarfile.open(archive) as tar:
        dump = tar.extractfile("database.dump").read()  # type: ignore[union-attr]
        blob_name = next(n for n in tar.getnames() if n.startswith("files/"))
    flipped = bytearray(dump)
    flipped[len(flipped) // 2] ^= 0x01
    cases = {
        "dump": (
            rewrite(archive, tmp_path / "dump.tar", {"database.dump": bytes(flipped)}),
            "database.dump does not match its checksum",
        ),
        "file": (
            rewrite(archive, tmp_path / "file.tar", {blob_name: b"replaced"}),
            f"{blob_name} does not match its checksum",
        ),
        "missing file": (
            rewrite(archive, tmp_path / "missing.tar", {blob_name: None}),
            f"{blob_name} is missing",
        ),
        "no manifest": (
            rewrite(archive, tmp_path / "nomanifest.tar", {"manifest.json": None}),
            "has no manifest.json",
        ),
    }
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases["truncated"] = (truncated, "")

    for case, (path, message) in cases.items():
        result = target.cli("restore", str(path))
        assert result.returncode == 1, (case, result.stdout, result.stderr)
        assert "restore refused" in result.stderr, case
        assert message in result.stderr, (case, result.stderr)
        assert relation_count(target.url) == 0, case
        assert not (target.var_dir / "files").exists(), case
    assert sorted(p.name for p in target.var_dir.iterdir()) == []


def test_restore_refuses_a_database_that_is_not_empty(
    source: Site, archive: Path, fresh_sites: list[Site]
) -> None:
    before = table_counts(source.url)
    result = source.cli("restore", str(archive))
    assert result.returncode == 2
    assert "not empty" in result.stderr
    assert table_counts(source.url) == before

    # --force replaces whatever was there (here: a migrated database with one extra user).
    target = fresh_sites[2]
    assert target.cli("migrate").returncode == 0
    with psycopg.connect(conninfo(target.url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO app_user (email, display_name, password_hash)"
            " VALUES ('extra@example.cn', 'Extra', 'x')"
        )
    assert target.cli("restore", str(archive)).returncode == 2
    result = target.cli("restore", "--force", str(archive))
    assert result.returncode == 0, result.stderr
    assert table_counts(target.url) == before


def test_keys_travel_only_when_asked_and_arrive_private(
    source: Site, fresh_sites: list[Site], tmp_path: Path
) -> None:
    path = tmp_path / "with-keys.tar"
    result = source.cli("backup", "--include-keys", str(path))
    assert result.returncode == 0, result.stderr
    assert "private signing keys" in result.stderr
    target = fresh_sites[3]
    result = target.cli("restore", str(path))
    assert result.returncode == 0, result.stderr
    source_keys = files_under(source.var_dir / "keys")
    assert source_keys
    assert files_under(target.var_dir / "keys") == source_keys
    for key in (target.var_dir / "keys").iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
