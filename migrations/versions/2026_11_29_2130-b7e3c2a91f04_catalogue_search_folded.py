"""catalogue search: lower-cased text and position-free vectors

Revision ID: b7e3c2a91f04
Revises: 04af4d9aed38
Create Date: 2026-11-29 21:30:00

Searches now check `search_text LIKE lower(pattern)` over a text that PostgreSQL's `lower()`
folded when it was stored (ILIKE's own definition on a multi-byte database, without folding
every row on every search), and ask the index for an AND of n-grams, which needs no positions.
Entries written before this revision are folded and stripped to match.
"""

import re
from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e3c2a91f04"
down_revision: str | None = "04af4d9aed38"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The earlier definition also carried a marker lexeme for texts past the position limits.
    op.execute(
        "UPDATE catalogue_entry SET search_text = lower(search_text), "
        "search_vector = ts_delete(strip(search_vector), '_overflow_')"
    )


# The earlier vector, as its revision defined it (9d2e461da55e), for the downgrade: n-grams at
# character positions, and the marker past PostgreSQL's position limits.
_RUN = re.compile("[a-z0-9]+|[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]+")


def _positional_vector(folded: str) -> str:
    lexemes: list[str] = []
    grams: list[str] = []
    for match in _RUN.finditer(folded):
        run, start = match.group(), match.start() + 1
        n = 3 if run[0] < "\x80" else 2
        run_grams = [run[i : i + n] for i in range(len(run))]
        grams += run_grams
        lexemes += [f"'{g}':{p}" for p, g in enumerate(run_grams, start)]
    if len(folded) > 16383 or (len(grams) > 256 and max(Counter(grams).values()) > 256):
        lexemes.append("'_overflow_'")
    return " ".join(lexemes)


def downgrade() -> None:
    # The folded text still answers the earlier ILIKE exactly (lower-casing again changes
    # nothing); the earlier phrase queries need positions back.
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT award_id, search_text FROM catalogue_entry")).all()
    for award_id, folded in rows:
        conn.execute(
            sa.text(
                "UPDATE catalogue_entry SET search_vector = CAST(:vector AS tsvector) "
                "WHERE award_id = :id"
            ),
            {"vector": _positional_vector(folded), "id": award_id},
        )
