"""Catalogue search (DESIGN §5): an n-gram `tsvector` finds candidates through its GIN index,
and a LIKE over the stored, lower-cased search text decides, so that results equal a
case-insensitive substring match (ILIKE) exactly.

Text is NFKC-normalised (full-width letters, digits and punctuation become their ASCII forms) and
lower-cased, then cut into runs of Han characters and runs of ASCII letters and digits. Each run
is indexed as its overlapping n-grams — bigrams for Han (as Lucene's CJKBigramFilter and MySQL's
ngram parser do), trigrams for Latin, because Latin bigrams are too common to narrow anything —
and, where fewer than n characters are left at the end of a run, as the run's suffixes.

A query is cut the same way. Every Han or Latin fragment of it lies inside one run of any text
that contains the query, so its n-grams are all lexemes of that text: a fragment of at least n
characters becomes the AND of its n-grams, a shorter one a prefix (`:*`) that an n-gram or a
suffix starting there always matches. The candidate set is therefore a superset of the
substring matches, and the LIKE re-check removes the rest — an exact result by construction,
whatever the tokens (punctuation, a Latin fragment inside a word such as "ech" in "etcher", Han
and Latin mixed).

The vector holds no positions. A phrase query (`<->`) would narrow a little further, but the
GIN index cannot check positions, so every candidate's vector would be read back from its
(TOASTed) row to check them; an AND of lexemes is answered by the index alone, and the stored
text is checked anyway. Without positions, PostgreSQL's limits on them (16383, and 256 per
lexeme) do not apply either.

The stored text is lower-cased by PostgreSQL's own `lower()` when written, and a query's
pattern by the same function when read: PostgreSQL's ILIKE on a multi-byte database is exactly
`lower(text) LIKE lower(pattern)`, so LIKE over the stored text gives ILIKE's answer without
folding every row's text on every search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, literal
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

# CJK unified ideographs (with extension A, the compatibility block and extensions B–H) and 〇.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_RUN = re.compile(f"[a-z0-9]+|[{_HAN}]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LIKE_SPECIAL = re.compile(r"([\\%_])")

HAN_N = 2
LATIN_N = 3
# Fields of the search text are joined by a newline, which a query never contains (control
# characters become spaces), so no match spans two fields.
SEPARATOR = "\n"


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _fold(text: str) -> str:
    """Lower-case, one character for one, so offsets stay those of the text. Only 'İ' lowers to
    two characters; its first is the 'i' PostgreSQL's ILIKE also compares it as."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(ch.lower()[0] for ch in text)


def _n(run: str) -> int:
    return LATIN_N if run[0] < "\x80" else HAN_N


def search_text(*texts: str | None) -> str:
    """The searchable text of an entry: the given fields, normalised (and lower-cased by
    PostgreSQL when stored, `SearchDocument.text_expression`)."""
    return normalize(SEPARATOR.join(t for t in texts if t is not None))


def vector_literal(text: str) -> str:
    """The `tsvector` (input syntax) of an already normalised search text: its distinct n-grams
    and run suffixes, without positions."""
    lexemes: set[str] = set()
    for match in _RUN.finditer(_fold(text)):
        run = match.group()
        n = _n(run)
        lexemes.update(run[i : i + n] for i in range(len(run)))
    return " ".join(f"'{lexeme}'" for lexeme in sorted(lexemes))


@dataclass(frozen=True)
class SearchDocument:
    text: str
    vector: str

    def text_expression(self) -> Any:
        """What is stored: the text lower-cased by PostgreSQL (see the module's docstring)."""
        return func.lower(literal(self.text))

    def vector_expression(self) -> Any:
        return cast(cast(literal(self.vector), Text), TSVECTOR)


def search_document(*texts: str | None) -> SearchDocument:
    """The `search_text` and `search_vector` of a catalogue entry, from its searchable fields in
    a fixed order (names, model, summaries, organisation names)."""
    text = search_text(*texts)
    return SearchDocument(text=text, vector=vector_literal(text))


# --- queries ---------------------------------------------------------------------------------


class EmptyQuery(ValueError):
    """Nothing is left of the query once normalised."""


@dataclass(frozen=True)
class SearchQuery:
    text: str  # normalised; what the LIKE looks for, once lower-cased by PostgreSQL
    tsquery: str | None  # candidates from the index; None: the LIKE scans alone

    @property
    def like_pattern(self) -> str:
        return "%" + _LIKE_SPECIAL.sub(r"\\\1", self.text) + "%"

    def tsquery_expression(self) -> Any:
        return cast(cast(literal(self.tsquery), Text), TSQUERY)


def normalize_query(q: str) -> str:
    text = _CONTROL.sub(" ", normalize(q)).strip()
    if not text:
        raise EmptyQuery(q)
    return text


def parse_query(q: str) -> SearchQuery:
    text = normalize_query(q)
    grams: list[str] = []
    prefixes: list[tuple[int, int, str]] = []
    for match in _RUN.finditer(_fold(text)):
        fragment = match.group()
        n = _n(fragment)
        if len(fragment) >= n:
            grams += [fragment[i : i + n] for i in range(len(fragment) - n + 1)]
        else:
            # Han before Latin, longer before shorter: the likelier to be selective.
            prefixes.append((n == HAN_N, len(fragment), f"'{fragment}':*"))
    if grams:
        # Each distinct n-gram once; in the query's order, which keeps the text predictable.
        return SearchQuery(text=text, tsquery=" & ".join(f"'{g}'" for g in dict.fromkeys(grams)))
    if prefixes:
        # One prefix is enough for a candidate filter; several would only widen the scan.
        return SearchQuery(text=text, tsquery=max(prefixes)[2])
    return SearchQuery(text=text, tsquery=None)
