"""Migrations: a full round trip on an empty database, and no drift against the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

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


def test_search_documents_are_folded_and_stripped_and_restored() -> None:
    """b7e3c2a91f04 on an entry written by the earlier definition: the text lower-cased by
    PostgreSQL, the vector without positions or the overflow marker; and back."""
    name = dbutil.run_database("migrations-search")
    url = dbutil.recreate_database(name)
    config = dbutil.alembic_config(url)
    engine = create_engine(_sync_url(url))
    earlier_vector = "'cnc':1 'nc':2 'c':3 '数控':5 '控':6"
    try:
        command.upgrade(config, "04af4d9aed38")
        with engine.begin() as conn:
            # The entry alone: its award, batch and organisation do not matter here.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                text(
                    "INSERT INTO catalogue_entry (award_id, application_id, batch_id, "
                    "organization_id, certificate_number, year, batch_sequence, "
                    "product_name_zh, field, organization_name_zh, issued_at, valid_until, "
                    "search_text, search_vector) VALUES (gen_random_uuid(), gen_random_uuid(), "
                    "gen_random_uuid(), gen_random_uuid(), 'BJSTT-2026-01-0001', 2026, 1, '数控', "
                    "'f', '北京', now(), current_date, :text, CAST(:vector AS tsvector))"
                ),
                {"text": "CNC 数控\nİnce", "vector": earlier_vector + " '_overflow_'"},
            )

        def stored() -> tuple[str, str]:
            with engine.connect() as conn:
                row = conn.execute(
                    text("SELECT search_text, search_vector::text FROM catalogue_entry")
                ).one()
            return row[0], row[1]

        command.upgrade(config, "b7e3c2a91f04")
        folded, vector = stored()
        with engine.connect() as conn:
            assert folded == conn.scalar(text("SELECT lower('CNC 数控\nİnce')"))
        assert folded.startswith("cnc 数控")
        assert vector == "'c' 'cnc' 'nc' '控' '数控'"

        command.downgrade(config, "04af4d9aed38")
        folded_after, vector = stored()
        assert folded_after == folded
        with engine.connect() as conn:
            expected = conn.scalar(
                text("SELECT CAST(:v AS tsvector)::text"),
                {"v": earlier_vector + " 'inc':8 'nce':9 'ce':10 'e':11"},
            )
        assert vector == expected
    finally:
        engine.dispose()
        dbutil.drop_database(name)
