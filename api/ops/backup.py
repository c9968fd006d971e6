"""Backups as one tar file, and restoring them.

Layout of the archive (uncompressed: the dump is compressed already, and most stored files are
PDFs and images):

    database.dump          pg_dump --format=custom
    files/ab/cd/<sha256>   the stored files, as the local store keeps them
    keys/<key_id>.pem      only with `include_keys`: private signing keys are secrets
    manifest.json          written last, once every checksum is known

The manifest's row counts and the dump come from one exported snapshot, so they agree even while
the system keeps writing. The checksums detect a damaged or edited archive; they do not
authenticate it (anyone able to rewrite the archive can rewrite the manifest), so backups belong
where only operators can write.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

FORMAT = "firstset-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
KEYS = "keys"
CHUNK_BYTES = 1024 * 1024

_SHA256 = r"[0-9a-f]{64}"
_FILE_MEMBER = re.compile(rf"^{FILES}/([0-9a-f]{{2}})/([0-9a-f]{{2}})/({_SHA256})$")
_KEY_MEMBER = re.compile(rf"^{KEYS}/([a-z0-9][a-z0-9-]{{0,63}})\.pem$")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class BackupError(Exception):
    """A backup or restore that cannot go on; `exit_code` is what the command returns."""

    exit_code = 2


class BackupCorrupted(BackupError):
    exit_code = 1


class RestoreRefused(BackupError):
    exit_code = 2


@dataclass(slots=True)
class BackupReport:
    path: Path
    tables: dict[str, int]
    files: int
    keys: int
    size_bytes: int
    damaged_files: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RestoreReport:
    created_at: str
    alembic_revision: str | None
    tables: dict[str, int]
    files_restored: int
    files_present: int
    keys: int
    mismatches: list[tuple[str, int | None, int | None]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


# --- connecting and the PostgreSQL tools -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A libpq connection string without the password, which goes to the tools through the
    environment instead of their command line (where any local user could read it)."""

    conninfo: str
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> Target:
        from psycopg.conninfo import make_conninfo

        parsed = make_url(url)
        params: dict[str, str | int | None] = {
            "host": parsed.host,
            "port": parsed.port,
            "user": parsed.username,
            "dbname": parsed.database,
        }
        for key, value in parsed.query.items():
            params[key] = value if isinstance(value, str) else value[-1]
        conninfo = make_conninfo("", **{k: v for k, v in params.items() if v is not None})
        return cls(conninfo, parsed.password)

    def connect(self, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo, password=self.password, autocommit=autocommit)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def _tool_candidates(name: str) -> list[Path]:
    candidates: list[Path] = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    try:  # the embedded server's package ships its own client binaries
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:  # pragma: no cover - a dependency, but an optional one in principle
        pass
    # Debian and Ubuntu keep one directory per installed major version.
    candidates.extend(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}")))
    return [c for c in candidates if c.is_file() and os.access(c, os.X_OK)]


def tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a PostgreSQL tool found by find_tool
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(out)
    return int(match.group(1)) if match else None


def find_tool(name: str, server_major: int, *, at_least: int = 0) -> tuple[Path, int]:
    """The tool of the server's major version, else the oldest newer one: an older pg_dump
    refuses a newer server, and an older pg_restore cannot read a newer archive."""
    versions = [(major, path) for path in _tool_candidates(name) if (major := tool_major(path))]
    floor = max(server_major, at_least)
    usable = sorted((m, str(p)) for m, p in versions if m >= floor)
    if not usable:
        found = ", ".join(f"{p} ({m})" for m, p in versions) or "none"
        raise BackupError(
            f"no {name} of PostgreSQL {floor} or newer found (found: {found}); "
            f"install the PostgreSQL {floor} client tools"
        )
    exact = [(m, p) for m, p in usable if m == server_major]
    major, path = (exact or usable)[0]
    return Path(path), major


def _run_tool(args: list[str], target: Target, what: str) -> None:
    result = subprocess.run(  # noqa: S603 - pg_dump/pg_restore with arguments built here
        args, capture_output=True, text=True, env=target.environment(), check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def _server_major(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    return int(row[0]) // 10000


# --- reading the database ----------------------------------------------------------------------


def row_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Rows of every table outside the system schemas, by `schema.table`."""
    tables = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind = 'r' AND n.nspname !~ '^(pg_|information_schema$)' ORDER BY 1, 2"
    ).fetchall()
    counts = {}
    for schema, table in tables:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        row = conn.execute(query).fetchone()
        assert row is not None
        counts[f"{schema}.{table}"] = int(row[0])
    return counts


def _alembic_revision(conn: psycopg.Connection[Any]) -> str | None:
    exists = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
    if exists is None or exists[0] is None:
        return None
    row = conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
    return str(row[0]) if row else None


def database_objects(conn: psycopg.Connection[Any]) -> int:
    """Tables, sequences, views, types and functions outside the system schemas, and schemas
    other than `public`: zero for a database fresh from CREATE DATABASE."""
    row = conn.execute(
        "SELECT"
        " (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        "   AND n.nspname !~ '^(pg_|information_schema$)')"
        " + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        "   WHERE t.typtype IN ('e', 'd', 'r') AND n.nspname !~ '^(pg_|information_schema$)')"
        " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        "   WHERE n.nspname !~ '^(pg_|information_schema$)')"
        " + (SELECT count(*) FROM pg_namespace n"
        "   WHERE n.nspname <> 'public' AND n.nspname !~ '^(pg_|information_schema$)')"
    ).fetchone()
    assert row is not None
    return int(row[0])


def _wipe(conn: psycopg.Connection[Any]) -> None:
    schemas = conn.execute(
        "SELECT n.nspname FROM pg_namespace n WHERE n.nspname !~ '^(pg_|information_schema$)'"
    ).fetchall()
    with conn.transaction():
        for (schema,) in schemas:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        conn.execute("CREATE SCHEMA public")


# --- writing and reading archives --------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.digest.update(chunk)
        return chunk


def _add(archive: tarfile.TarFile, name: str, path: Path) -> str:
    """Adds the file under `name`; the sha256 of the bytes actually written."""
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
    with path.open("rb") as raw:
        reader = _HashingReader(raw)
        archive.addfile(info, reader)
    return reader.digest.hexdigest()


def stored_files(root: Path) -> Iterator[tuple[str, Path]]:
    """`(sha256, path)` of the blobs in the content-addressed layout; anything else (uploads
    in flight under tmp/, stray files) is not a blob."""
    if not root.is_dir():
        return
    for top in sorted(root.iterdir()):
        if not (top.is_dir() and re.fullmatch(r"[0-9a-f]{2}", top.name)):
            continue
        for sub in sorted(top.iterdir()):
            if not (sub.is_dir() and re.fullmatch(r"[0-9a-f]{2}", sub.name)):
                continue
            for blob in sorted(sub.iterdir()):
                name = blob.name
                if (
                    re.fullmatch(_SHA256, name)
                    and name[:2] == top.name
                    and name[2:4] == sub.name
                    and blob.is_file()
                    and not blob.is_symlink()
                ):
                    yield name, blob


def create_backup(
    url: str, output: Path, *, var_dir: Path, key_dir: Path, include_keys: bool = False
) -> BackupReport:
    """Writes the archive to `output` (mode 0600), whole or not at all."""
    target = Target.from_url(url)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
    }
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".firstset-backup-") as work:
        dump_path = Path(work) / DUMP
        with target.connect(autocommit=False) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            snapshot_row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            assert snapshot_row is not None
            major = _server_major(conn)
            manifest["server_version"] = conn.info.parameter_status("server_version")
            manifest["alembic_revision"] = _alembic_revision(conn)
            manifest["tables"] = tables = row_counts(conn)
            pg_dump, tool_version = find_tool("pg_dump", major)
            manifest["pg_dump_major"] = tool_version
            # The transaction stays open so pg_dump can join its snapshot.
            _run_tool(
                [
                    str(pg_dump),
                    "--format=custom",
                    f"--snapshot={snapshot_row[0]}",
                    "--no-password",
                    f"--file={dump_path}",
                    f"--dbname={target.conninfo}",
                ],
                target,
                "pg_dump",
            )
            conn.rollback()

        partial = Path(work) / "backup.tar"
        damaged: list[str] = []
        files: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as archive:
            manifest["dump"] = {
                "name": DUMP,
                "sha256": _add(archive, DUMP, dump_path),
                "size": dump_path.stat().st_size,
            }
            for sha256, path in stored_files(var_dir / "files"):
                name = f"{FILES}/{sha256[:2]}/{sha256[2:4]}/{sha256}"
                # Hash first: a blob whose bytes no longer match its name is damaged in the
                # store, and a restore must not bring it back as if it were good.
                if _sha256_of(path) != sha256:
                    damaged.append(sha256)
                    continue
                written = _add(archive, name, path)
                files.append({"name": name, "sha256": written, "size": path.stat().st_size})
            if include_keys and key_dir.is_dir():
                for path in sorted(key_dir.glob("*.pem")):
                    name = f"{KEYS}/{path.name}"
                    if not _KEY_MEMBER.match(name):
                        continue
                    written = _add(archive, name, path)
                    keys.append({"name": name, "sha256": written, "size": path.stat().st_size})
            manifest["files"] = files
            manifest["keys"] = keys
            manifest["damaged_files"] = damaged
            body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(datetime.now(UTC).timestamp()), 0o600
            archive.addfile(info, _BytesReader(body))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
    return BackupReport(
        path=output,
        tables=tables,
        files=len(files),
        keys=len(keys),
        size_bytes=output.stat().st_size,
        damaged_files=damaged,
    )


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk, self.offset = self.data[self.offset : end], min(end, len(self.data))
        return chunk


def _member_kind(name: str) -> str | None:
    if name in (MANIFEST, DUMP):
        return name
    if _FILE_MEMBER.match(name):
        return FILES
    if _KEY_MEMBER.match(name):
        return KEYS
    return None


def read_verified(source: Path, into: Path) -> dict[str, Any]:
    """Extracts the archive into `into` and checks it against its manifest; the manifest.
    Raises `BackupCorrupted` on anything but an intact archive of this format."""
    digests: dict[str, str] = {}
    manifest_bytes: bytes | None = None
    try:
        with tarfile.open(source, mode="r:") as archive:
            for member in archive:
                if not member.isfile() or _member_kind(member.name) is None:
                    raise BackupCorrupted(f"unexpected entry {member.name!r} in {source}")
                if member.name in digests or (member.name == MANIFEST and manifest_bytes):
                    raise BackupCorrupted(f"{member.name!r} appears twice in {source}")
                extracted = archive.extractfile(member)
                assert extracted is not None
                if member.name == MANIFEST:
                    manifest_bytes = extracted.read()
                    continue
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := extracted.read(CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
                digests[member.name] = digest.hexdigest()
    except (tarfile.TarError, EOFError) as exc:
        raise BackupCorrupted(f"{source} is not a readable backup archive: {exc}") from exc
    if manifest_bytes is None:
        raise BackupCorrupted(f"{source} has no {MANIFEST}: not a complete backup")
    try:
        manifest: dict[str, Any] = json.loads(manifest_bytes)
        expected = {manifest["dump"]["name"]: manifest["dump"]["sha256"]}
        for entry in [*manifest["files"], *manifest["keys"]]:
            expected[entry["name"]] = entry["sha256"]
        tables = manifest["tables"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupCorrupted(f"the manifest of {source} is unreadable: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupCorrupted(f"{source} is not a {FORMAT} version {FORMAT_VERSION} archive")
    if not isinstance(tables, dict) or expected.get(DUMP) is None:
        raise BackupCorrupted(f"the manifest of {source} lists no database dump")
    problems = []
    for name in sorted(expected.keys() - digests.keys()):
        problems.append(f"{name} is missing")
    for name in sorted(digests.keys() - expected.keys()):
        problems.append(f"{name} is not in the manifest")
    for name in sorted(expected.keys() & digests.keys()):
        if expected[name] != digests[name]:
            problems.append(f"{name} does not match its checksum")
        elif (match := _FILE_MEMBER.match(name)) and match.group(3) != digests[name]:
            problems.append(f"{name} does not hold the content its name promises")
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise BackupCorrupted(f"{source} is damaged or was altered: {shown}{more}")
    return manifest


def restore_backup(
    url: str, source: Path, *, var_dir: Path, key_dir: Path, force: bool = False
) -> RestoreReport:
    """Verifies the archive, restores the database into `url` (empty, unless `force` wipes
    it), puts the stored files and any keys in place, and compares the row counts."""
    target = Target.from_url(url)
    var_dir.mkdir(parents=True, exist_ok=True)
    files_root = var_dir / "files"
    # Extracted beside the store, so each file moves into place with an atomic rename.
    with tempfile.TemporaryDirectory(dir=var_dir, prefix=".firstset-restore-") as work:
        staged = Path(work)
        manifest = read_verified(source, staged)
        key_entries = manifest["keys"]
        for entry in key_entries:
            existing = key_dir / Path(entry["name"]).name
            if existing.is_file() and _sha256_of(existing) != entry["sha256"] and not force:
                raise RestoreRefused(
                    f"{existing} exists with other content; refusing to replace a signing key "
                    "(use --force)"
                )
        with target.connect() as conn:
            major = _server_major(conn)
            found = database_objects(conn)
            if found and not force:
                raise RestoreRefused(
                    f"the target database is not empty ({found} objects); restore into an "
                    "empty database, or use --force to drop everything in it first"
                )
            pg_restore, _ = find_tool(
                "pg_restore", major, at_least=int(manifest.get("pg_dump_major") or 0)
            )
            if found:
                _wipe(conn)
        _run_tool(
            [
                str(pg_restore),
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                f"--dbname={target.conninfo}",
                str(staged / DUMP),
            ],
            target,
            "pg_restore",
        )
        restored = present = 0
        for entry in manifest["files"]:
            destination = files_root / entry["name"].removeprefix(f"{FILES}/")
            if destination.is_file() and _sha256_of(destination) == entry["sha256"]:
                present += 1
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged / entry["name"], destination)
            restored += 1
        if key_entries:
            key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for entry in key_entries:
            destination = key_dir / Path(entry["name"]).name
            os.chmod(staged / entry["name"], 0o600)
            os.replace(staged / entry["name"], destination)
    with target.connect() as conn:
        actual = row_counts(conn)
    expected: dict[str, int] = manifest["tables"]
    mismatches = [
        (table, expected.get(table), actual.get(table))
        for table in sorted(expected.keys() | actual.keys())
        if expected.get(table) != actual.get(table)
    ]
    return RestoreReport(
        created_at=str(manifest["created_at"]),
        alembic_revision=manifest.get("alembic_revision"),
        tables=actual,
        files_restored=restored,
        files_present=present,
        keys=len(key_entries),
        mismatches=mismatches,
    )
