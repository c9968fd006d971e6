"""procrastinate job queue

Revision ID: 5b1f0c7e9d42
Revises: 3cce65d15abc
Create Date: 2026-11-29 14:00:00

procrastinate's tables, types and functions live in a schema of their own, `procrastinate`: they
stay out of the models' schema (and so out of autogenerate's comparison), and the downgrade drops
them all at once. Job connections put that schema on their `search_path` (api/jobs/worker.py).
A procrastinate upgrade that changes its schema needs a migration applying the matching files of
`procrastinate/sql/migrations/`.
"""

import inspect
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_only

revision: str = "5b1f0c7e9d42"
down_revision: str | None = "3cce65d15abc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "procrastinate"


def _run_script(script: str) -> None:
    """Runs a multi-statement script as it is: no bind-parameter parsing (it holds `%`s) and no
    prepared statement (which takes one command only)."""
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    if inspect.iscoroutinefunction(driver.execute):  # asyncpg: the simple query protocol
        await_only(driver.execute(script))
    else:  # psycopg: a query without parameters is sent unchanged
        with driver.cursor() as cursor:
            cursor.execute(script)


def upgrade() -> None:
    bind = op.get_bind()
    previous = bind.exec_driver_sql("SHOW search_path").scalar_one()
    op.execute(f"CREATE SCHEMA {SCHEMA}")
    op.execute(f"SET LOCAL search_path TO {SCHEMA}")
    _run_script(SchemaManager.get_schema())
    # Later migrations in this transaction run with the usual path again.
    bind.execute(sa.text("SELECT set_config('search_path', :path, true)"), {"path": previous})


def downgrade() -> None:
    op.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
