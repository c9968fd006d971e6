"""`firstset` command line: migrate, load-demo, generate-catalogue, create-admin, serve, worker,
gc-files, backup, restore, rotate-signing-key, verify-certificate, export-openapi, config-docs."""

from __future__ import annotations

import asyncio
import getpass
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import ROOT_DIR, get_settings

T = TypeVar("T")

app = typer.Typer(help="FirstSet administration.", no_args_is_help=True)


def _database_url() -> str:
    """Resolve once and export, so child processes (uvicorn workers) share the same server."""
    from api.db import resolve_database_url

    url = resolve_database_url()
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    return url


def run_migrations(url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    # A source checkout has alembic.ini beside api/; an installed package runs from the
    # directory holding alembic.ini and migrations/ (the container's WORKDIR).
    ini = ROOT_DIR / "alembic.ini"
    if not ini.is_file():
        ini = Path.cwd() / "alembic.ini"
    config = Config(str(ini))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)


@app.command()
def migrate(revision: str = "head") -> None:
    """Apply database migrations (to `head` by default)."""
    run_migrations(_database_url(), revision)
    typer.echo(f"database migrated to {revision}")


async def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from api.db import build_engine

    engine = build_engine(_database_url())
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


@app.command("load-demo")
def load_demo(
    force: Annotated[bool, typer.Option(help="Allow in production settings.")] = False,
) -> None:
    """Load the fictional demo organisations and users (idempotent)."""
    from api.demo import load_demo as load

    settings = get_settings()
    if settings.is_production and not (force or settings.load_demo_in_production):
        typer.echo("refusing to load demo data in production (use --force)", err=True)
        raise typer.Exit(2)
    added = asyncio.run(_in_transaction(load))
    typer.echo(
        f"demo data loaded: {added['organizations']} organisations, {added['users']} users, "
        f"{added['applications']} applications added"
    )


@app.command("generate-catalogue")
def generate_catalogue(
    products: Annotated[int, typer.Option(min=1, max=2_000_000, help="Awarded products to add.")],
    seed: Annotated[int, typer.Option(help="Same seed, same names and attributes.")] = 0,
    other_applications: Annotated[
        float,
        typer.Option(min=0, help="Applications that were not awarded, per awarded product."),
    ] = 1.0,
    force: Annotated[bool, typer.Option(help="Allow in production settings.")] = False,
) -> None:
    """Add a large synthetic catalogue (organisations, batches, applications, awards) for
    benchmarks. Its certificates are marked synthetic and not signed."""
    import time

    from api.catalogue.generate import generate_catalogue as generate

    if get_settings().is_production and not force:
        typer.echo("refusing to add synthetic awards in production (use --force)", err=True)
        raise typer.Exit(2)
    started = time.perf_counter()
    report = asyncio.run(
        _in_transaction(
            lambda s: generate(s, products, seed, other_applications=other_applications)
        )
    )
    typer.echo(
        f"generated {report.products} products, {report.organizations} organisations, "
        f"{report.batches} batches, {report.applications} applications "
        f"in {time.perf_counter() - started:.1f} s"
    )


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "Administrator",
    password: Annotated[str | None, typer.Option(help="Omit to be prompted.")] = None,
) -> None:
    """Create an administrator of the municipal development and reform commission."""
    from api.users.bootstrap import create_admin as create

    secret = password or getpass.getpass("Password: ")
    try:
        user_id = asyncio.run(_in_transaction(lambda s: create(s, email, name, secret)))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"admin created: {email} ({user_id})")


def _refuse_unsafe_production() -> None:
    """Checked here, before uvicorn starts: a worker process that fails its start-up is not
    reported by uvicorn's supervisor as a failed exit, so this is where a bad production
    configuration becomes a clear message and a non-zero status."""
    from api.startup_checks import UnsafeProductionConfig, check_production

    settings = get_settings()
    if not settings.is_production:
        return
    try:
        asyncio.run(_in_transaction(lambda session: check_production(settings, session)))
    except UnsafeProductionConfig as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int | None,
        typer.Option(help="uvicorn worker processes (default: 2 with REDIS_URL, else 1)."),
    ] = None,
    reload: bool = False,
) -> None:
    """Serve the API and the built frontend."""
    import uvicorn

    _database_url()
    _refuse_unsafe_production()
    shared_counters = bool(get_settings().redis_url)
    if workers is None:
        workers = 2 if shared_counters else 1
    elif workers > 1 and not shared_counters:
        # In-memory counters are per process: N workers would allow N times the login attempts.
        typer.echo(
            "warning: without REDIS_URL, login rate limits are counted per worker process",
            err=True,
        )
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        proxy_headers=False,
        log_config=None,
        access_log=False,
        # uvicorn's own protocol with a deadline and a size limit for request heads.
        http="api.http_server:GuardedHttpProtocol",
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Start, check the database, and stop.")] = False,
) -> None:
    """Run background jobs until SIGINT/SIGTERM."""
    from api.jobs.worker import run_worker

    _database_url()
    _refuse_unsafe_production()
    asyncio.run(run_worker(once=once))


@app.command("gc-files")
def gc_files(
    older_than_hours: Annotated[
        float,
        typer.Option(
            min=0, help="Grace period: younger files may belong to uploads still in flight."
        ),
    ] = 24,
    dry_run: Annotated[bool, typer.Option(help="Count the orphans; remove nothing.")] = False,
) -> None:
    """Remove stored files that no attachment references."""
    from datetime import timedelta

    from sqlalchemy.ext.asyncio import async_sessionmaker

    from api.attachments.cleanup import CleanupReport, remove_orphaned_blobs
    from api.db import build_engine
    from api.storage import build_storage

    async def run() -> CleanupReport:
        engine = build_engine(_database_url())
        try:
            return await remove_orphaned_blobs(
                async_sessionmaker(engine, expire_on_commit=False),
                build_storage(get_settings()),
                older_than=timedelta(hours=older_than_hours),
                dry_run=dry_run,
            )
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    if dry_run:
        typer.echo(
            f"examined {report.examined} stored files, found {report.orphaned} orphaned "
            "(dry run: none removed)"
        )
    else:
        typer.echo(f"examined {report.examined} stored files, removed {report.removed} orphaned")


@app.command()
def backup(
    output: Annotated[Path, typer.Argument(help="The archive to write (a tar file).")],
    include_keys: Annotated[
        bool,
        typer.Option(help="Also archive the private signing keys (secrets: guard the file)."),
    ] = False,
) -> None:
    """Write a backup: a dump of the database, the stored files and a manifest of checksums
    and row counts, in one tar file. Private signing keys only with --include-keys."""
    from api.awards.signing import key_dir
    from api.ops.backup import BackupError, create_backup

    if include_keys:
        typer.echo(
            "warning: the backup will hold private signing keys; whoever reads it can sign "
            "certificates",
            err=True,
        )
    try:
        report = create_backup(
            _database_url(),
            output,
            var_dir=get_settings().var_dir,
            key_dir=key_dir(),
            include_keys=include_keys,
        )
    except BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from exc
    for sha256 in report.damaged_files:
        typer.echo(f"warning: stored file {sha256} does not match its name; left out", err=True)
    typer.echo(
        f"backup written to {report.path}: {len(report.tables)} tables, "
        f"{sum(report.tables.values())} rows, {report.files} files, {report.keys} keys, "
        f"{report.size_bytes} bytes"
    )


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="An archive written by `firstset backup`.")],
    force: Annotated[
        bool, typer.Option(help="Drop everything in a non-empty database before restoring.")
    ] = False,
) -> None:
    """Restore a backup into an empty database and the var directory, after checking every
    checksum; then compare the row counts with the manifest (exit 1 when they differ)."""
    from api.awards.signing import key_dir
    from api.ops.backup import BackupError, restore_backup

    if not source.is_file():
        typer.echo(f"restore failed: no file {source}", err=True)
        raise typer.Exit(2)
    try:
        report = restore_backup(
            _database_url(), source, var_dir=get_settings().var_dir, key_dir=key_dir(), force=force
        )
    except BackupError as exc:
        typer.echo(f"restore refused: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from exc
    typer.echo(
        f"restored the backup of {report.created_at} (revision {report.alembic_revision}): "
        f"{len(report.tables)} tables, {sum(report.tables.values())} rows, "
        f"{report.files_restored} files restored, {report.files_present} already present, "
        f"{report.keys} keys"
    )
    for table, expected, actual in report.mismatches:
        typer.echo(f"row count differs: {table}: backup {expected}, restored {actual}", err=True)
    if not report.ok:
        raise typer.Exit(1)
    typer.echo("row counts match the manifest")


@app.command("rotate-signing-key")
def rotate_signing_key() -> None:
    """Make a new certificate-signing key the active one; older keys stay published."""
    from api.awards.signing import key_dir
    from api.awards.signing import rotate_signing_key as rotate

    async def run(session: AsyncSession) -> tuple[str, str]:
        key = await rotate(session)
        return key.key_id, key.public_key

    key_id, public_key = asyncio.run(_in_transaction(run))
    typer.echo(f"new signing key {key_id} (public key {public_key}); private key in {key_dir()}")


@app.command("verify-certificate")
def verify_certificate(
    target: Annotated[
        str, typer.Argument(help="A certificate number, or a certificate JSON file.")
    ],
    api: Annotated[
        str | None, typer.Option(help="Site to fetch from (default: PUBLIC_BASE_URL).")
    ] = None,
    keys: Annotated[
        Path | None, typer.Option(help="The keys JSON (as /certificates/keys serves it).")
    ] = None,
) -> None:
    """Check a certificate's signature against the published keys (offline with two files)."""
    from api.applications.service import today
    from api.awards import verification

    try:
        certificate, published = verification.load_documents(
            target, api=api or get_settings().public_base_url, keys_file=keys
        )
        result = verification.verify_certificate(certificate, published, on=today())
    except verification.CannotVerify as exc:
        typer.echo(f"cannot verify: {exc}", err=True)
        raise typer.Exit(2) from exc
    except verification.VerificationFailed as exc:
        typer.echo(f"INVALID: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(verification.describe(result))


def openapi_document() -> str:
    import json

    from api.main import create_app

    return json.dumps(create_app().openapi(), ensure_ascii=False, indent=2) + "\n"


@app.command("export-openapi")
def export_openapi(
    output: Annotated[Path, typer.Option(help="Where to write it.")] = ROOT_DIR
    / "frontend"
    / "openapi.json",
) -> None:
    """Write the OpenAPI document the frontend client is generated from."""
    output.write_text(openapi_document(), encoding="utf-8")
    typer.echo(f"wrote {output}")


@app.command("config-docs")
def config_docs(
    check: Annotated[
        bool, typer.Option(help="Change nothing; exit 1 when the file is not up to date.")
    ] = False,
    output: Annotated[Path, typer.Option(help="Where the reference lives.")] = ROOT_DIR
    / "docs"
    / "configuration.md",
) -> None:
    """Write the configuration reference (every setting, from api/config.py)."""
    from api.config_docs import render_configuration_reference

    expected = render_configuration_reference()
    if check:
        current = output.read_text(encoding="utf-8") if output.is_file() else None
        if current != expected:
            typer.echo(f"{output} is out of date: run `firstset config-docs`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{output} is up to date")
        return
    output.write_text(expected, encoding="utf-8")
    typer.echo(f"wrote {output}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
