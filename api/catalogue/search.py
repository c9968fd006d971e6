"""Catalogue search (DESIGN §5). Not yet: CJK bigrams — until then the document is the plain
`simple` configuration over the searchable text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func


def search_document(*texts: str | None) -> Any:
    """The `tsvector` expression stored in `catalogue_entry.search_vector`."""
    return func.to_tsvector("simple", " ".join(t for t in texts if t))
