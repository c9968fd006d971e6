"""catalogue search text and name order

Revision ID: 9d2e461da55e
Revises: 3e28de740bcb
Create Date: 2026-11-29 09:30:00

The searchable text of each catalogue entry, which searches re-check with ILIKE, and the
n-gram search vector rebuilt to the catalogue search's definition (the earlier one was a
placeholder). Product names sort by the `catalogue_name` collation: a copy of ICU's Chinese
collation (pinyin order) where the server has ICU, of "C" (code point order) where it does not
(the embedded server), so that one index serves the name order on either.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d2e461da55e"
down_revision: str | None = "3e28de740bcb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("catalogue_entry", sa.Column("search_text", sa.Text(), nullable=True))
    # Entries written before this revision get the document as the application now defines it.
    from api.catalogue.search import search_document

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT award_id, product_name_zh, product_name_en, model_spec, summary_zh, "
            "summary_en, organization_name_zh, organization_name_en FROM catalogue_entry"
        )
    ).all()
    for award_id, *texts in rows:
        document = search_document(*texts)
        conn.execute(
            sa.text(
                "UPDATE catalogue_entry SET search_text = :text, "
                "search_vector = CAST(:vector AS tsvector) WHERE award_id = :id"
            ),
            {"text": document.text, "vector": document.vector, "id": award_id},
        )
    op.alter_column("catalogue_entry", "search_text", nullable=False)

    icu = conn.scalar(sa.text("SELECT 1 FROM pg_collation WHERE collname = 'zh-x-icu'"))
    op.execute(f'CREATE COLLATION catalogue_name FROM "{"zh-x-icu" if icu else "C"}"')
    op.alter_column(
        "catalogue_entry",
        "product_name_zh",
        type_=sa.String(length=200, collation="catalogue_name"),
        existing_nullable=False,
    )
    op.create_index(
        "ix_catalogue_entry_name", "catalogue_entry", ["product_name_zh", "award_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_catalogue_entry_name", table_name="catalogue_entry")
    op.alter_column(
        "catalogue_entry",
        "product_name_zh",
        type_=sa.String(length=200),
        existing_nullable=False,
    )
    op.execute("DROP COLLATION catalogue_name")
    op.drop_column("catalogue_entry", "search_text")
