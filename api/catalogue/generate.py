"""A large synthetic catalogue for benchmarks and tests (`firstset generate-catalogue`).

Organisations, announced batches, applications (the awarded ones and, for the statistics funnel,
some that fell out on the way), awards and their catalogue entries and change-feed rows, written
with COPY rather than through the award services, which would take minutes for 100,000 products.
Names are built from bilingual parts (智能 + 刻蚀机 → 智能刻蚀机 / Intelligent etcher).

The catalogue entries get exactly the search text and vector `index_award` would give them: the
documents are built by the same function in Python and copied through a staging table (COPY's
binary format has no `tsvector` encoder). Certificates are not signed: every award names the
retired key `synthetic-not-signed`, a payload field `synthetic` and a signature-sized value that
decodes to "SYNTHETIC BENCHMARK DATA, NOT SIGNED", so no synthetic certificate verifies.
"""

from __future__ import annotations

import base64
import json
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.eligibility import product_key
from api.catalogue.index import lock_change_feed
from api.catalogue.items import SHANGHAI
from api.catalogue.search import search_document
from api.catalogue.vocabulary import (
    BRANDS,
    CORES,
    DISTRICT_WEIGHTS,
    DISTRICTS,
    FEATURES,
    FORMS,
    INDICATORS,
    LEVEL_WEIGHTS,
    LEVELS,
    LOST_STATUSES,
    LOST_WEIGHTS,
    PREFIXES,
    PRODUCT_TYPE_WEIGHTS,
    PRODUCT_TYPES,
    SITES,
    TECHNIQUES,
    TRADES,
)
from api.demo import make_uscc
from api.taxonomy.data import DEFAULT_FIELDS, LEVEL_LABELS

SYNTHETIC_KEY_ID = "synthetic-not-signed"
# Ed25519-sized (64 bytes), valid base64, and saying what it is once decoded; never verifies.
SYNTHETIC_SIGNATURE = base64.b64encode(
    b"SYNTHETIC BENCHMARK DATA, NOT SIGNED".ljust(64, b"\0")
).decode()
# USCC serials of synthetic organisations start here (demo and test data use lower ones).
USCC_SERIAL_BASE = 8_000_000
MAX_AWARDS_PER_BATCH = 9_000  # the certificate number has four digits for the sequence
ANALYZE_FROM = 1_000  # smaller additions are left to autovacuum
CHUNK = 5_000


@dataclass
class GenerateReport:
    products: int
    organizations: int
    batches: int
    applications: int


def _shanghai(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _model(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTXYZ") for _ in range(rng.randint(2, 3)))
    suffix = rng.choice(["", "A", "B", "Pro", "-II", "-X", "S"])
    return f"{letters}-{rng.randint(100, 9999)}{suffix}"


async def _copy(
    session: AsyncSession, table: str, columns: list[str], records: list[tuple[Any, ...]]
) -> None:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table, records=records, columns=columns)


async def ensure_synthetic_key(session: AsyncSession) -> None:
    await session.execute(
        text(
            "INSERT INTO signing_key (key_id, public_key, retired_at) "
            "VALUES (:key, :public, now()) ON CONFLICT (key_id) DO NOTHING"
        ),
        {"key": SYNTHETIC_KEY_ID, "public": "A" * 43 + "="},
    )


async def _organizations(
    session: AsyncSession, rng: random.Random, count: int
) -> list[dict[str, Any]]:
    start = USCC_SERIAL_BASE + int(
        await session.scalar(text("SELECT count(*) FROM organization")) or 0
    )
    orgs = []
    for i in range(count):
        brand, trade, form = rng.choice(BRANDS), rng.choice(TRADES), rng.choice(FORMS)
        district = rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0]
        orgs.append(
            {
                "id": uuid.uuid4(),
                "name_zh": f"北京{brand[0]}{trade[0]}{form[0]}",
                "name_en": f"Beijing {brand[1]} {trade[1]} {form[1]}",
                "uscc": make_uscc("91", district, start + i),
                "district": district.value,
            }
        )
    await _copy(
        session,
        "organization",
        ["id", "name_zh", "name_en", "uscc", "district", "kind"],
        [
            (o["id"], o["name_zh"], o["name_en"], o["uscc"], o["district"], "enterprise")
            for o in orgs
        ],
    )
    return orgs


async def _batches(session: AsyncSession, count: int, this_year: int) -> list[dict[str, Any]]:
    years = list(range(this_year - 8, this_year))
    taken: dict[int, int] = {
        int(year): int(top)
        for year, top in await session.execute(
            text("SELECT year, max(sequence) FROM batch GROUP BY year")
        )
    }
    batches: list[dict[str, Any]] = []
    for i in range(count):
        year = years[i % len(years)]
        taken[year] = sequence = taken.get(year, 0) + 1
        fields = [*DEFAULT_FIELDS, "new_infrastructure"] if year == 2024 else list(DEFAULT_FIELDS)
        batches.append(
            {
                "id": uuid.uuid4(),
                "year": year,
                "sequence": sequence,
                "fields": fields,
                "title_zh": f"{year}年度第{sequence}批首台（套）重大技术装备",
                "title_en": f"{year} batch {sequence}: first (set) major technical equipment",
            }
        )
    await _copy(
        session,
        "batch",
        [
            "id",
            "year",
            "sequence",
            "title_zh",
            "title_en",
            "fields",
            "opens_at",
            "closes_at",
            "status",
            "publicity_starts_on",
            "publicity_ends_on",
        ],
        [
            (
                b["id"],
                b["year"],
                b["sequence"],
                b["title_zh"],
                b["title_en"],
                b["fields"],
                _shanghai(date(b["year"], 3, 1), 9, 0),
                _shanghai(date(b["year"], 4, 30), 17, 0),
                "announced",
                date(b["year"], 8, 20),
                date(b["year"], 8, 26),
            )
            for b in batches
        ],
    )
    return batches


def _product(rng: random.Random, field: str) -> dict[str, Any]:
    prefix, core = rng.choice(PREFIXES), rng.choice(CORES[field])
    level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
    level_zh, level_en = LEVEL_LABELS[level]
    technique, feature, site = rng.choice(TECHNIQUES), rng.choice(FEATURES), rng.choice(SITES)
    name_zh = f"{prefix[0]}{core[0]}"
    name_en = f"{prefix[1]} {core[1]}"
    return {
        "product_name_zh": name_zh,
        "product_name_en": name_en,
        "model_spec": _model(rng),
        "field": field,
        "product_type": rng.choices(PRODUCT_TYPES, PRODUCT_TYPE_WEIGHTS)[0].value,
        "claimed_level": level.value,
        "summary_zh": f"{name_zh}采用{technique[0]}技术，{feature[0]}，关键指标达到{level_zh}"
        f"水平，已在{site[0]}示范应用。",
        "summary_en": f"The {name_en.lower()} uses {technique[1]} technology with "
        f"{feature[1]}; its key indicators reach the {level_en.lower()} level, and it is in "
        f"demonstration use at {site[1]}.",
        "indicators": [
            {
                "indicator": indicator,
                "unit": unit,
                "own_value": str(rng.randint(1, 900)),
                "best_domestic": str(rng.randint(1, 900)),
                "best_international": str(rng.randint(1, 900)),
                "evidence": "",
            }
            for indicator, unit in rng.sample(INDICATORS, 2)
        ],
        "price_yuan": Decimal(rng.randint(50, 50_000)) * 1000,
    }


APPLICATION_COLUMNS = [
    "id", "batch_id", "organization_id", "status", "product_name_zh", "product_name_en",
    "model_spec", "product_key", "field", "product_type", "claimed_level", "summary_zh",
    "summary_en", "indicators", "price_yuan", "submitted_at",
]  # fmt: skip
AWARD_COLUMNS = [
    "id", "application_id", "batch_id", "organization_id", "number", "sequence", "issued_at",
    "valid_until", "payload", "signature", "key_id", "revoked_at", "revoked_reason",
]  # fmt: skip
ENTRY_COLUMNS = [
    "award_id", "application_id", "batch_id", "organization_id", "certificate_number", "year",
    "batch_sequence", "product_name_zh", "product_name_en", "model_spec", "summary_zh",
    "summary_en", "field", "product_type", "level", "organization_name_zh",
    "organization_name_en", "district", "price_yuan", "indicators", "issued_at", "valid_until",
    "revoked_at", "search_text", "search_vector",
]  # fmt: skip


def _application(
    p: dict[str, Any], batch: dict[str, Any], org: dict[str, Any], status: str, day: date
) -> tuple[Any, ...]:
    return (
        p["id"],
        batch["id"],
        org["id"],
        status,
        p["product_name_zh"],
        p["product_name_en"],
        p["model_spec"],
        product_key(p["product_name_zh"], p["model_spec"]),
        p["field"],
        p["product_type"],
        p["claimed_level"],
        p["summary_zh"],
        p["summary_en"],
        json.dumps(p["indicators"], ensure_ascii=False),
        p["price_yuan"],
        _shanghai(day, 10, 0),
    )


def _awarded(
    rng: random.Random,
    batch: dict[str, Any],
    org: dict[str, Any],
    sequence: int,
    revoked_share: float,
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """The application, award and catalogue entry rows of one awarded product."""
    p = _product(rng, rng.choice(batch["fields"]))
    p["id"] = uuid.uuid4()
    year = batch["year"]
    application = _application(
        p, batch, org, "awarded", date(year, 3, 1) + timedelta(rng.randint(0, 59))
    )
    number = f"BJSTT-{year}-{batch['sequence']:02d}-{sequence:04d}"
    issued_on = date(year, 9, 1) + timedelta(days=rng.randint(0, 100))
    issued_at = _shanghai(issued_on, rng.randint(9, 17), rng.randint(0, 59))
    valid_until = _plus_years(issued_on, 3)
    revoked_at = (
        issued_at + timedelta(days=rng.randint(30, 700)) if rng.random() < revoked_share else None
    )
    award_id = uuid.uuid4()
    # The shape the award service signs (all strings), and a field that says what it is.
    payload = {
        "number": number,
        "organization": org["name_zh"],
        "uscc": org["uscc"],
        "product": p["product_name_zh"],
        "model": p["model_spec"],
        "level": p["claimed_level"],
        "batch": f"{year:04d}-{batch['sequence']:02d}",
        "issued_at": issued_at.astimezone(SHANGHAI).isoformat(),
        "valid_until": valid_until.isoformat(),
        "synthetic": "benchmark data, not signed",
    }
    award = (
        award_id,
        p["id"],
        batch["id"],
        org["id"],
        number,
        sequence,
        issued_at,
        valid_until,
        json.dumps(payload, ensure_ascii=False),
        SYNTHETIC_SIGNATURE,
        SYNTHETIC_KEY_ID,
        revoked_at,
        "合成数据 synthetic" if revoked_at else None,
    )
    document = search_document(
        p["product_name_zh"],
        p["product_name_en"],
        p["model_spec"],
        p["summary_zh"],
        p["summary_en"],
        org["name_zh"],
        org["name_en"],
    )
    entry = (
        award_id,
        p["id"],
        batch["id"],
        org["id"],
        number,
        year,
        batch["sequence"],
        p["product_name_zh"],
        p["product_name_en"],
        p["model_spec"],
        p["summary_zh"],
        p["summary_en"],
        p["field"],
        p["product_type"],
        p["claimed_level"],
        org["name_zh"],
        org["name_en"],
        org["district"],
        p["price_yuan"],
        json.dumps(p["indicators"], ensure_ascii=False),
        issued_at,
        valid_until,
        revoked_at,
        document.text,
        document.vector,
    )
    return application, award, entry


async def generate_catalogue(
    session: AsyncSession,
    products: int,
    seed: int = 0,
    *,
    other_applications: float = 1.0,
    revoked_share: float = 0.01,
) -> GenerateReport:
    """Add `products` awarded products (and `other_applications` × as many applications that
    were not awarded) to the database in the session's transaction."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    this_year = datetime.now(SHANGHAI).year
    await lock_change_feed(session)  # also opens the transaction the COPYs below run in
    # A bulk load outlasts the per-statement limit meant for requests.
    await session.execute(text("SET LOCAL statement_timeout = 0"))
    await ensure_synthetic_key(session)
    orgs = await _organizations(session, rng, max(1, math.ceil(products / 3)))
    n_batches = max(min(8, products), math.ceil(products / MAX_AWARDS_PER_BATCH))
    batches = await _batches(session, n_batches, this_year)
    await _create_stage(session)

    sequences = dict.fromkeys((b["id"] for b in batches), 0)
    award_ids: list[uuid.UUID] = []
    # A chunk at a time: memory stays bounded, and each statement stays well inside the
    # driver's command timeout.
    for first in range(0, products, CHUNK):
        rows = []
        for i in range(first, min(first + CHUNK, products)):
            batch = batches[i % n_batches]
            org = rng.choice(orgs)
            sequences[batch["id"]] += 1
            rows.append(_awarded(rng, batch, org, sequences[batch["id"]], revoked_share))
        await _copy(session, "application", APPLICATION_COLUMNS, [r[0] for r in rows])
        await _copy(session, "award", AWARD_COLUMNS, [r[1] for r in rows])
        await _copy_entries(session, [r[2] for r in rows])
        award_ids += [r[1][0] for r in rows]

    lost = round(products * other_applications)
    for first in range(0, lost, CHUNK):
        applications = []
        for _ in range(first, min(first + CHUNK, lost)):
            batch = rng.choice(batches)
            p = _product(rng, rng.choice(batch["fields"]))
            p["id"] = uuid.uuid4()
            status = rng.choices(LOST_STATUSES, LOST_WEIGHTS)[0]
            day = date(batch["year"], 3, 1) + timedelta(rng.randint(0, 59))
            applications.append(_application(p, batch, rng.choice(orgs), status, day))
        await _copy(session, "application", APPLICATION_COLUMNS, applications)

    await _feed(session, award_ids)
    await session.execute(text("DROP TABLE catalogue_entry_stage"))
    if products >= ANALYZE_FROM:
        # Fresh statistics, or the planner takes every search term for a rare one.
        for table in ("organization", "batch", "application", "award", "catalogue_entry"):
            await session.execute(text(f"ANALYZE {table}"))
    return GenerateReport(
        products=products,
        organizations=len(orgs),
        batches=len(batches),
        applications=products + lost,
    )


async def _create_stage(session: AsyncSession) -> None:
    # COPY's binary format has no tsvector encoder: the vectors go in as text and are cast.
    await session.execute(
        text("CREATE TEMP TABLE catalogue_entry_stage (LIKE catalogue_entry INCLUDING DEFAULTS)")
    )
    await session.execute(
        text("ALTER TABLE catalogue_entry_stage ALTER COLUMN search_vector TYPE text")
    )


async def _copy_entries(session: AsyncSession, entries: list[tuple[Any, ...]]) -> None:
    await _copy(session, "catalogue_entry_stage", ENTRY_COLUMNS, entries)
    columns = ", ".join(ENTRY_COLUMNS)
    # As `SearchDocument.text_expression` and `vector_expression` store them.
    staged = {"search_text": "lower(search_text)", "search_vector": "search_vector::tsvector"}
    selected = ", ".join(staged.get(c, c) for c in ENTRY_COLUMNS)
    await session.execute(
        text(
            f"INSERT INTO catalogue_entry ({columns}) "  # noqa: S608 - fixed column names
            f"SELECT {selected} FROM catalogue_entry_stage"
        )
    )
    await session.execute(text("TRUNCATE catalogue_entry_stage"))


async def _feed(session: AsyncSession, award_ids: list[uuid.UUID]) -> None:
    """The change feed: the awards in issue order, then the revocations in theirs."""
    for kind, moment in (("awarded", "issued_at"), ("revoked", "revoked_at")):
        await session.execute(
            text(
                "INSERT INTO catalogue_change (award_id, kind, occurred_at) "  # noqa: S608
                f"SELECT award_id, '{kind}', {moment} FROM catalogue_entry "
                f"WHERE award_id = ANY(:ids) AND {moment} IS NOT NULL "
                f"ORDER BY {moment}, award_id"
            ),
            {"ids": award_ids},
        )
