"""Migrations: a full round trip on an empty database, and no drift against the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from api.models import Base
from tests import dbutil


def _sync_url(url: str) -> str:
    from api.db import with_driver

    return with_driver(url, "psycopg").render_as_string(hide_password=False)


def test_upgrade_downgrade_upgrade_and_no_drift() -> None:
    name = dbutil.run_database("migrations")
    url = dbutil.recreate_database(name)
    config = dbutil.alembic_config(url)
    engine = create_engine(_sync_url(url))
    try:
        command.upgrade(config, "head")
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert {"organization", "app_user", "membership", "user_session", "audit_event"} <= tables

        command.downgrade(config, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {"alembic_version"}

        command.upgrade(config, "head")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()
        dbutil.drop_database(name)
