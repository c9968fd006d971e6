"""Search (DESIGN §5): the documents and queries, and the result set of `q` equal to a plain
case-insensitive substring match (ILIKE) over the same fields."""

from __future__ import annotations

import random
import re

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.generate import generate_catalogue
from api.catalogue.search import (
    EmptyQuery,
    parse_query,
    search_document,
    search_text,
    vector_literal,
)
from api.models import CatalogueEntry
from tests.catalogue.helpers import make_entry, walk

FIELDS = (
    "product_name_zh",
    "product_name_en",
    "model_spec",
    "summary_zh",
    "summary_en",
    "organization_name_zh",
    "organization_name_en",
)
# The reference: PostgreSQL's own NFKC and ILIKE over the raw fields, nothing of ours, under the
# database's collation (the Chinese name's own collation only orders names).
CONCATENATED = (
    "SELECT award_id, normalize(concat_ws(E'\\n', "  # noqa: S608 - fixed column names
    + ", ".join(FIELDS)
    + '), NFKC) COLLATE "default" AS t FROM catalogue_entry'
)
REFERENCE = text(
    "SELECT award_id FROM ({source}) AS entry WHERE t ILIKE '%' || replace(replace(replace("
    "normalize(:q, NFKC), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"
)
HAN = re.compile(r"[\u4e00-\u9fff]{2,}")
WORD = re.compile(r"[A-Za-z0-9]{2,}")


def lexemes(vector: str) -> list[str]:
    return re.findall(r"'([^']+)'", vector)


class TestDocument:
    def test_text_is_nfkc_and_keeps_fields_apart(self) -> None:
        assert search_text("ＣＭＰ抛光机（北京）", None, "5µm") == "CMP抛光机(北京)\n5μm"

    def test_han_bigrams_latin_trigrams_and_run_suffixes_without_positions(self) -> None:
        assert vector_literal("刻蚀机 Etcher") == (
            "'che' 'er' 'etc' 'her' 'r' 'tch' '刻蚀' '机' '蚀机'"
        )

    def test_han_and_latin_runs_split_where_the_script_changes(self) -> None:
        assert set(lexemes(vector_literal("X射线5G"))) == {"x", "射线", "线", "5g", "g"}

    def test_each_lexeme_once_however_long_the_text(self) -> None:
        # Past PostgreSQL's position limits (16383, 256 per lexeme) nothing is lost: the
        # vector keeps no positions.
        assert lexemes(vector_literal("数控" * 10_000)) == ["控", "控数", "数控"]
        assert lexemes(vector_literal("ab " * 300 + "abz")) == ["ab", "abz", "b", "bz", "z"]


class TestQuery:
    def test_han_run_is_the_and_of_its_bigrams(self) -> None:
        assert parse_query("数控机床").tsquery == "'数控' & '控机' & '机床'"

    def test_two_han_characters_are_one_bigram(self) -> None:
        assert parse_query("机床").tsquery == "'机床'"

    def test_latin_fragments_are_lower_cased_trigrams(self) -> None:
        assert parse_query("ETCHer").tsquery == "'etc' & 'tch' & 'che' & 'her'"

    def test_repeated_ngrams_are_asked_for_once(self) -> None:
        assert parse_query("数控数控").tsquery == "'数控' & '控数'"

    def test_mixed_query_ands_its_fragments_and_drops_short_ones(self) -> None:
        query = parse_query("X射线 scanner")
        assert query.tsquery == "'射线' & 'sca' & 'can' & 'ann' & 'nne' & 'ner'"
        assert query.like_pattern == "%X射线 scanner%"

    def test_short_fragments_fall_back_to_a_prefix(self) -> None:
        assert parse_query("刻").tsquery == "'刻':*"
        assert parse_query("5G").tsquery == "'5g':*"
        assert parse_query("a-刻").tsquery == "'刻':*"

    def test_punctuation_only_is_an_ilike_scan(self) -> None:
        query = parse_query("%_\\")
        assert query.tsquery is None
        assert query.like_pattern == "%\\%\\_\\\\%"

    def test_full_width_and_control_characters_are_normalised(self) -> None:
        assert parse_query("  ＣＭＰ\n抛光 ").text == "CMP 抛光"

    def test_blank_query(self) -> None:
        with pytest.raises(EmptyQuery):
            parse_query(" \t ")


async def ids(client: httpx.AsyncClient, q: str) -> set[str]:
    items = await walk(client, "/api/v1/catalogue/products", q=q)
    found = {i["id"] for i in items}
    assert len(found) == len(items), f"{q!r} listed an entry twice"
    return found


async def reference(db: AsyncSession, q: str, source: str = CONCATENATED) -> set[str]:
    stmt = text(REFERENCE.text.format(source=source))
    return {str(r) for r in (await db.scalars(stmt, {"q": q})).all()}


class TestSpecialCases:
    async def test_substring_inside_a_word_mixed_scripts_and_punctuation(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        etcher = await make_entry(db, product_name_zh="等离子刻蚀机", product_name_en="Etcher")
        xray = await make_entry(
            db, product_name_zh="便携式X射线安检机（北京）", product_name_en="X-ray scanner"
        )
        other = await make_entry(db, product_name_zh="数控机床", product_name_en="CNC lathe")
        assert await ids(client, "tche") == {str(etcher.id)}  # inside the word "etcher"
        assert await ids(client, "ech") == set()
        assert await ids(client, "ETCH") == {str(etcher.id)}
        assert await ids(client, "X射线") == {str(xray.id)}
        assert await ids(client, "x-RAY sc") == {str(xray.id)}
        assert await ids(client, "(北京)") == {str(xray.id)}
        assert await ids(client, "机") == {str(etcher.id), str(xray.id), str(other.id)}
        assert await ids(client, "床数") == set()
        assert await ids(client, "刻蚀机 Etcher") == set()  # fields are never joined

    async def test_full_width_document_and_query(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        cmp = await make_entry(db, product_name_zh="ＣＭＰ抛光机", model_spec="ＣＭＰ－３００")
        assert await ids(client, "cmp-300") == {str(cmp.id)}
        assert await ids(client, "ＣＭＰ抛光") == {str(cmp.id)}

    async def test_dotted_capital_i_matches_as_postgresql_compares_it(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        entry = await make_entry(db, product_name_en="İnce Makine")
        for q in ("ince", "İnce", "nce"):
            assert await ids(client, q) == await reference(db, q)
        assert str(entry.id) in await ids(client, "İnce")

    async def test_texts_past_postgresqls_position_limits_are_still_found(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        long = await make_entry(db, summary_zh="设备" * 9_000 + "尾部独有词组")
        repeated = await make_entry(db, summary_en="ab " * 300 + "abz")
        assert await ids(client, "尾部独有") == {str(long.id)}
        assert await ids(client, "ab abz") == {str(repeated.id)}

    async def test_the_stored_document_is_the_search_modules(self, db: AsyncSession) -> None:
        award = await make_entry(
            db, product_name_zh="高精度刻蚀机", product_name_en="Precision Etcher"
        )
        entry = await db.get(CatalogueEntry, award.id)
        assert entry is not None
        expected = search_document(*(getattr(entry, f) for f in FIELDS))
        assert entry.search_text == await db.scalar(select(func.lower(expected.text)))
        assert entry.search_text != expected.text  # folded: the query's LIKE relies on it
        stored = await db.scalar(
            select(CatalogueEntry.search_vector).where(CatalogueEntry.award_id == award.id)
        )
        assert stored == await db.scalar(
            text("SELECT CAST(:v AS tsvector)"), {"v": expected.vector}
        )


def sample_queries(corpus: list[tuple[str, ...]], rng: random.Random) -> list[str]:
    # Distinct pieces, so that the summaries' boilerplate ("technology", "技术") is drawn no
    # more often than a brand or a product name.
    texts = sorted({t for row in corpus for t in row if t})
    han = sorted({run for t in texts for run in HAN.findall(t)})
    words = sorted({w for t in texts for w in WORD.findall(t)})
    long_words = [w for w in words if len(w) >= 5]
    queries: list[str] = []
    for _ in range(90):  # 2–4 Han characters from inside a Han run
        run = rng.choice(han)
        size = rng.randint(2, min(4, len(run)))
        start = rng.randint(0, len(run) - size)
        queries.append(run[start : start + size])
    for _ in range(40):  # whole Latin words, in their own case, upper or lower case
        word = rng.choice(words)
        queries.append(rng.choice([word, word.upper(), word.lower()]))
    for _ in range(40):  # Latin substrings inside words ("ech" in "etcher")
        word = rng.choice(long_words)
        size = rng.randint(2, 4)
        start = rng.randint(1, len(word) - size)
        queries.append(word[start : start + size])
    while len(queries) < 200:  # anything: punctuation, spaces, both scripts
        source = rng.choice(texts)
        size = rng.randint(2, 6)
        if len(source) <= size:
            continue
        start = rng.randint(0, len(source) - size)
        piece = source[start : start + size]
        if piece.strip() == piece and "\n" not in piece:
            queries.append(piece)
    for _ in range(10):  # Han pairs that may well occur nowhere
        queries.append(rng.choice(han)[0] + rng.choice(han)[-1])
    return queries


async def test_search_equals_a_substring_match_on_a_generated_catalogue(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await generate_catalogue(db, 1000, seed=7, other_applications=0)
    corpus = [
        tuple(row)
        for row in (await db.execute(select(*(getattr(CatalogueEntry, f) for f in FIELDS)))).all()
    ]
    assert len(corpus) >= 1000
    queries = sample_queries(corpus, random.Random(20261129))
    assert len(queries) >= 200
    # The concatenation once, rather than once per query.
    await db.execute(text(f"CREATE TEMP TABLE concatenated AS {CONCATENATED}"))
    mismatches = []
    matched = 0
    for q in queries:
        expected = await reference(db, q, "SELECT * FROM concatenated")
        got = await ids(client, q)
        matched += bool(expected)
        if got != expected:
            mismatches.append((q, len(got - expected), len(expected - got)))
    assert mismatches == []
    # The sample is not vacuous: most queries find something, some find nothing.
    assert matched >= 180
    assert matched < len(queries)
