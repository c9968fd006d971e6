"""What the catalogue shows of an entry: its status, its bilingual labels, a list item and the
public detail, and the JSON they are written as (a list item is built by PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
)
from sqlalchemy.ext.compiler import compiles

from api.catalogue.schemas import EntryStatus
from api.models import CatalogueEntry
from api.taxonomy.data import DISTRICT_LABELS, FIELD_LABELS, LEVEL_LABELS, PRODUCT_TYPE_LABELS

SHANGHAI = ZoneInfo("Asia/Shanghai")
E = CatalogueEntry.__table__.c


LIST_COLUMNS = (
    E.award_id,
    E.certificate_number,
    E.year,
    E.batch_id,
    E.batch_sequence,
    E.product_name_zh,
    E.product_name_en,
    E.model_spec,
    E.field,
    E.product_type,
    E.level,
    E.district,
    E.organization_id,
    E.organization_name_zh,
    E.organization_name_en,
    E.issued_at,
    E.valid_until,
    E.revoked_at,
)
DETAIL_COLUMNS = (*LIST_COLUMNS, E.summary_zh, E.summary_en, E.price_yuan, E.indicators)


def today() -> date:
    """Validity is judged by the calendar date in Beijing."""
    return datetime.now(SHANGHAI).date()


def entry_status(valid_until: date, revoked_at: datetime | None, on: date) -> EntryStatus:
    if revoked_at is not None:
        return EntryStatus.revoked
    return EntryStatus.valid if valid_until >= on else EntryStatus.expired


# --- labels ----------------------------------------------------------------------------------


def _terms(labels: dict[Any, tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {
        str(code): {"code": str(code), "name_zh": zh, "name_en": en}
        for code, (zh, en) in labels.items()
    }


FIELD_TERMS = _terms(FIELD_LABELS)
LEVEL_TERMS = _terms(LEVEL_LABELS)
PRODUCT_TYPE_TERMS = _terms(PRODUCT_TYPE_LABELS)
DISTRICT_TERMS = _terms(DISTRICT_LABELS)


def term(terms: dict[str, dict[str, str]], code: str | None) -> dict[str, str] | None:
    """The bilingual label of a code; a code the taxonomy no longer knows names itself."""
    if code is None:
        return None
    return terms.get(code) or {"code": code, "name_zh": code, "name_en": code}


def item(row: Row[Any] | Any, on: date) -> dict[str, Any]:
    """A list item as JSON-ready values (the `CatalogueItem` shape)."""
    return {
        "id": row.award_id,
        "certificate_number": row.certificate_number,
        "status": entry_status(row.valid_until, row.revoked_at, on).value,
        "year": row.year,
        "batch_id": row.batch_id,
        "batch_sequence": row.batch_sequence,
        "product_name_zh": row.product_name_zh,
        "product_name_en": row.product_name_en,
        "model_spec": row.model_spec,
        "field": term(FIELD_TERMS, row.field),
        "product_type": term(PRODUCT_TYPE_TERMS, row.product_type),
        "level": term(LEVEL_TERMS, row.level),
        "district": term(DISTRICT_TERMS, row.district),
        "organization": {
            "id": row.organization_id,
            "name_zh": row.organization_name_zh,
            "name_en": row.organization_name_en,
        },
        "issued_at": row.issued_at,
        "valid_until": row.valid_until,
        "revoked_at": row.revoked_at,
    }


def _inline(value: str) -> ColumnElement[Any]:
    """A constant written into the statement, so that a prepared plan parses it once."""
    return literal_column("'" + value.replace("'", "''") + "'")


# Each vocabulary's labels as one jsonb constant {code: term}, looked up by the row's code.
_LABELS: dict[str, ColumnElement[Any]] = {
    kind: literal_column(
        "'" + json.dumps(terms, ensure_ascii=False).replace("'", "''") + "'::jsonb"
    )
    for kind, terms in (
        ("field", FIELD_TERMS),
        ("product_type", PRODUCT_TYPE_TERMS),
        ("level", LEVEL_TERMS),
        ("district", DISTRICT_TERMS),
    )
}


def _label(kind: str, column: Any) -> ColumnElement[Any]:
    fallback = func.jsonb_build_object(
        _inline("code"), column, _inline("name_zh"), column, _inline("name_en"), column
    )
    known = _LABELS[kind].op("->")(column)
    return case((column.is_(None), null()), else_=func.coalesce(known, fallback))


def _utc(column: Any) -> ColumnElement[str]:
    """`2025-12-10T09:44:00Z`, as `json_dumps` writes it (to the second, UTC)."""
    return func.to_char(
        func.timezone(_inline("UTC"), column), _inline('YYYY-MM-DD"T"HH24:MI:SS"Z"')
    )


def _item_json() -> ColumnElement[str]:
    """A list item (the `CatalogueItem` shape) as JSON text, built by PostgreSQL: the hot list
    path then only joins strings. Built once; the date that decides validity is a parameter."""
    on = bindparam("today", type_=Date())
    pairs: dict[str, Any] = {
        "id": E.award_id,
        "certificate_number": E.certificate_number,
        "status": case(
            (E.revoked_at.is_not(None), _inline(EntryStatus.revoked.value)),
            (E.valid_until >= on, _inline(EntryStatus.valid.value)),
            else_=_inline(EntryStatus.expired.value),
        ),
        "year": E.year,
        "batch_id": E.batch_id,
        "batch_sequence": E.batch_sequence,
        "product_name_zh": E.product_name_zh,
        "product_name_en": E.product_name_en,
        "model_spec": E.model_spec,
        "field": _label("field", E.field),
        "product_type": _label("product_type", E.product_type),
        "level": _label("level", E.level),
        "district": _label("district", E.district),
        "organization": func.json_build_object(
            _inline("id"),
            E.organization_id,
            _inline("name_zh"),
            E.organization_name_zh,
            _inline("name_en"),
            E.organization_name_en,
        ),
        "issued_at": _utc(E.issued_at),
        "valid_until": E.valid_until,
        "revoked_at": _utc(E.revoked_at),
    }
    arguments = [part for key, value in pairs.items() for part in (_inline(key), value)]
    return cast(func.json_build_object(*arguments), Text)


class _ItemJson(ColumnElement[str]):
    """`_item_json()` as one statement element. Its cache key is its class: the hot list path
    skips walking the dozens of nodes of the JSON expression on every request (the SQL is
    compiled once and cached like any other)."""

    inherit_cache = True
    _traverse_internals = []  # noqa: RUF012 - no state: the class alone is the key
    type = Text()


_ITEM_JSON_EXPRESSION = _item_json()


@compiles(_ItemJson)
def _compile_item_json(element: _ItemJson, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(_ITEM_JSON_EXPRESSION, **kw))


ITEM_JSON = _ItemJson().label("item")


JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def json_dumps(value: Any) -> bytes:
    """JSON as the catalogue writes it everywhere: UTC times to the second, decimals as text."""
    return orjson.dumps(value, option=JSON_OPTIONS, default=str)


INDICATOR_KEYS = ("indicator", "unit", "own_value", "best_domestic", "best_international")


def detail(row: Row[Any] | Any, on: date) -> dict[str, Any]:
    """The public detail: the item, summaries, price and the indicators table (without the
    applicant's evidence notes, which are review material)."""
    indicators = [
        {k: str(ind.get(k) or "") for k in INDICATOR_KEYS}
        for ind in (row.indicators or [])
        if isinstance(ind, dict) and ind.get("indicator")
    ]
    return {
        **item(row, on),
        "summary_zh": row.summary_zh,
        "summary_en": row.summary_en,
        "price_yuan": row.price_yuan,
        "indicators": indicators,
    }
