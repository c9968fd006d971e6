"""catalogue facet counts: precomputed counts per facet value, kept by triggers

Revision ID: 04af4d9aed38
Revises: 4427807a4486
Create Date: 2026-11-29 15:00:00

The unfiltered facets, those filtered by one attribute (batch, year, field, product type,
level or district) and those filtered by status alone are read from two small tables of counts
instead of a scan of the catalogue: `catalogue_facet_count` per facet value and revoked or not,
over the whole catalogue and within each value of each of those attributes;
`catalogue_facet_expiry` per facet value and validity end for the entries that are not
revoked. Statement triggers on `catalogue_entry` apply each statement's rows (its transition
tables) to both, in the writing transaction, so every writer keeps them exact: the award
service, the catalogue generator's bulk inserts, cascades from a deleted award.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "04af4d9aed38"
down_revision: str | None = "4427807a4486"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The change feed's lock (api/catalogue/index.py): writers of the counts take it first, so two
# transactions never wait on each other's count rows in opposite orders.
CHANGE_FEED_LOCK = 0x46535443

# Each entry counts once under every facet value it has, and once in the total.
APPLY = """
WITH entry AS ({source}),
facet AS (
    SELECT s.scope, s.scope_value, d.dimension, d.value, e.revoked_at IS NOT NULL AS revoked,
        e.valid_until, e.sign
    FROM entry e
    CROSS JOIN LATERAL (VALUES
        ('', ''),
        ('batch', e.batch_id::text),
        ('year', e.year::text),
        ('field', e.field),
        ('product_type', e.product_type),
        ('level', e.level),
        ('district', e.district)
    ) AS s (scope, scope_value)
    CROSS JOIN LATERAL (VALUES
        ('field', e.field),
        ('level', e.level),
        ('product_type', e.product_type),
        ('district', e.district),
        ('year', e.year::text),
        ('total', '')
    ) AS d (dimension, value)
    WHERE d.value IS NOT NULL AND s.scope_value IS NOT NULL
),
counted AS (
    INSERT INTO catalogue_facet_count AS c (scope, scope_value, dimension, value, revoked, n)
    SELECT scope, scope_value, dimension, value, revoked, sum(sign) FROM facet
    GROUP BY scope, scope_value, dimension, value, revoked HAVING sum(sign) <> 0
    ORDER BY scope, scope_value, dimension, value, revoked
    ON CONFLICT (scope, scope_value, dimension, value, revoked)
    DO UPDATE SET n = c.n + excluded.n
)
INSERT INTO catalogue_facet_expiry AS c (dimension, value, valid_until, n)
SELECT dimension, value, valid_until, sum(sign) FROM facet WHERE scope = '' AND NOT revoked
GROUP BY dimension, value, valid_until HAVING sum(sign) <> 0
ORDER BY dimension, value, valid_until
ON CONFLICT (dimension, value, valid_until) DO UPDATE SET n = c.n + excluded.n
"""

# Fixed text (no input): the columns the counts depend on, from each statement's rows.
SOURCES = {
    "insert": "SELECT 1 AS sign, batch_id, field, level, product_type, district, year, revoked_at, valid_until FROM new_rows",
    "update": "SELECT 1 AS sign, batch_id, field, level, product_type, district, year, revoked_at, valid_until FROM new_rows "
    "UNION ALL SELECT -1, batch_id, field, level, product_type, district, year, revoked_at, valid_until FROM old_rows",
    "delete": "SELECT -1 AS sign, batch_id, field, level, product_type, district, year, revoked_at, valid_until FROM old_rows",
}
EXISTING = "SELECT 1 AS sign, batch_id, field, level, product_type, district, year, revoked_at, valid_until FROM catalogue_entry"
REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


def upgrade() -> None:
    op.create_table(
        "catalogue_facet_count",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_value", sa.Text(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "scope",
            "scope_value",
            "dimension",
            "value",
            "revoked",
            name=op.f("pk_catalogue_facet_count"),
        ),
    )
    op.create_table(
        "catalogue_facet_expiry",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dimension", "value", "valid_until", name=op.f("pk_catalogue_facet_expiry")
        ),
    )
    for event, source in SOURCES.items():
        op.execute(
            f"CREATE FUNCTION catalogue_facet_count_{event}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"PERFORM pg_advisory_xact_lock({CHANGE_FEED_LOCK});\n"
            f"{APPLY.format(source=source)};\nRETURN NULL;\nEND\n$$"
        )
        op.execute(
            f"CREATE TRIGGER catalogue_facet_count_{event} AFTER {event.upper()} "
            f"ON catalogue_entry REFERENCING {REFERENCING[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION catalogue_facet_count_{event}()"
        )
    op.execute(
        "CREATE FUNCTION catalogue_facet_count_truncate() RETURNS trigger "
        "LANGUAGE plpgsql AS $$\nBEGIN\n"
        "DELETE FROM catalogue_facet_count;\nDELETE FROM catalogue_facet_expiry;\n"
        "RETURN NULL;\nEND\n$$"
    )
    op.execute(
        "CREATE TRIGGER catalogue_facet_count_truncate AFTER TRUNCATE ON catalogue_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalogue_facet_count_truncate()"
    )
    # The entries already there.
    op.execute(APPLY.format(source=EXISTING))


def downgrade() -> None:
    for event in [*SOURCES, "truncate"]:
        op.execute(f"DROP TRIGGER catalogue_facet_count_{event} ON catalogue_entry")
        op.execute(f"DROP FUNCTION catalogue_facet_count_{event}()")
    op.drop_table("catalogue_facet_expiry")
    op.drop_table("catalogue_facet_count")
