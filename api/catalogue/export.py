"""Open data: the catalogue as CSV, XLSX or JSON, streamed in constant memory.

Rows come through a server-side cursor a chunk at a time (`yield_per`); CSV and JSON chunks go
out as soon as they are encoded. An XLSX file is a zip whose directory comes last, so the
workbook is written (openpyxl's write-only mode, in a worker thread, into a temporary file) and
then sent from that file.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime
from typing import IO, Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    Select,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
)
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue import items, queries
from api.spreadsheet import FORMULA_TRIGGERS, defuse, is_formula_like

Format = Literal["csv", "xlsx", "json"]
Lang = Literal["zh", "en"]
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
CHUNK_ROWS = 1000
FILE_CHUNK_BYTES = 256 * 1024

Cell = str | int | float | date | datetime | None


def _label(terms: dict[str, dict[str, str]], code: str | None, lang: Lang) -> str | None:
    found = items.term(terms, code)
    return found["name_zh" if lang == "zh" else "name_en"] if found else None


def _local(moment: datetime | None) -> datetime | None:
    """Beijing wall-clock time: what the certificates show, and what spreadsheets can hold."""
    return moment.astimezone(items.SHANGHAI).replace(tzinfo=None) if moment else None


STATUS_LABELS = {
    "valid": ("有效", "Valid"),
    "expired": ("已过期", "Expired"),
    "revoked": ("已撤销", "Revoked"),
}

# (zh header, en header, value of a row)
COLUMNS: list[tuple[str, str, Callable[[Any, Lang, date], Cell]]] = [
    ("证书编号", "Certificate number", lambda r, lang, on: r.certificate_number),
    (
        "状态",
        "Status",
        lambda r, lang, on: STATUS_LABELS[items.entry_status(r.valid_until, r.revoked_at, on)][
            0 if lang == "zh" else 1
        ],
    ),
    ("年度", "Year", lambda r, lang, on: r.year),
    ("批次", "Batch", lambda r, lang, on: r.batch_sequence),
    ("产品名称", "Product name (zh)", lambda r, lang, on: r.product_name_zh),
    ("英文名称", "Product name (en)", lambda r, lang, on: r.product_name_en),
    ("型号规格", "Model", lambda r, lang, on: r.model_spec),
    ("领域", "Field", lambda r, lang, on: _label(items.FIELD_TERMS, r.field, lang)),
    (
        "产品类型",
        "Product type",
        lambda r, lang, on: _label(items.PRODUCT_TYPE_TERMS, r.product_type, lang),
    ),
    ("技术水平", "Technical level", lambda r, lang, on: _label(items.LEVEL_TERMS, r.level, lang)),
    ("申报单位", "Organisation (zh)", lambda r, lang, on: r.organization_name_zh),
    ("单位英文名称", "Organisation (en)", lambda r, lang, on: r.organization_name_en),
    ("所在区", "District", lambda r, lang, on: _label(items.DISTRICT_TERMS, r.district, lang)),
    (
        "价格（元）",
        "Price (yuan)",
        lambda r, lang, on: float(r.price_yuan) if r.price_yuan is not None else None,
    ),
    ("认定时间", "Issued at", lambda r, lang, on: _local(r.issued_at)),
    ("有效期至", "Valid until", lambda r, lang, on: r.valid_until),
    ("撤销时间", "Revoked at", lambda r, lang, on: _local(r.revoked_at)),
    ("产品简介", "Summary (zh)", lambda r, lang, on: r.summary_zh),
    ("英文简介", "Summary (en)", lambda r, lang, on: r.summary_en),
]


def header(lang: Lang) -> list[str]:
    return [zh if lang == "zh" else en for zh, en, _ in COLUMNS]


def cells(row: Any, lang: Lang, on: date) -> list[Cell]:
    return [value(row, lang, on) for _, _, value in COLUMNS]


async def _chunks(
    session: AsyncSession, flt: queries.CatalogueFilter, ordering: queries.Ordering
) -> AsyncIterator[Sequence[Row[Any]]]:
    stmt = queries.entries(items.DETAIL_COLUMNS, flt.conditions()).order_by(*ordering.keys(flt.q))
    async with queries.timeout_as_503():
        result = await session.stream(stmt.execution_options(yield_per=CHUNK_ROWS))
        async for partition in result.partitions():
            yield partition


# --- CSV -------------------------------------------------------------------------------------
# Each row's line is built by PostgreSQL (as a list page's JSON is): the process only joins and
# encodes text. The output is the one Python's csv writer gives for `cells` (quoting as needed,
# CRLF line ends, formula triggers prefixed with an apostrophe).

CSV_CHUNK_ROWS = 2000


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, float):
        return f"{value:.2f}"
    return defuse(value) if isinstance(value, str) else str(value)


def _csv_lines(rows: Sequence[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_csv_text(c) for c in row] for row in rows)
    return buffer.getvalue().encode()


def _sql_text(value: str) -> ColumnElement[str]:
    """A constant written into the statement (labels, separators)."""
    return literal_column("'" + value.replace("'", "''") + "'", Text())


def _sql_cell(text: ColumnElement[Any]) -> ColumnElement[str]:
    """A text cell as the csv writer writes it once defused: quoted when it holds a comma, a
    quote or a line break, with quotes doubled; NULL as nothing."""
    defused = case(
        (func.left(text, 1).in_([_sql_text(t) for t in FORMULA_TRIGGERS]), _sql_text("'") + text),
        else_=text,
    )
    return case(
        (text.is_(None), _sql_text("")),
        (
            text.regexp_match(_sql_text('[",\r\n]')),
            _sql_text('"')
            + func.replace(defused, _sql_text('"'), _sql_text('""'))
            + _sql_text('"'),
        ),
        else_=defused,
    )


def _sql_plain(text: ColumnElement[Any]) -> ColumnElement[str]:
    """A number or a date: never quoted, never defused (as the csv writer leaves them)."""
    return func.coalesce(text, _sql_text(""))


def _sql_label(terms: dict[str, dict[str, str]], column: Any, lang: Lang) -> ColumnElement[str]:
    """The label of a code in `lang`; a code the taxonomy no longer knows names itself."""
    key = "name_zh" if lang == "zh" else "name_en"
    whens = [(column == _sql_text(code), _sql_text(term[key])) for code, term in terms.items()]
    return _sql_cell(case(*whens, else_=column))


def _sql_local(column: Any) -> ColumnElement[str]:
    """Beijing wall-clock time to the second, as `_local(...).isoformat(sep=" ")` writes it."""
    local = func.timezone(_sql_text(items.SHANGHAI.key), column)
    return _sql_plain(func.to_char(local, _sql_text("YYYY-MM-DD HH24:MI:SS")))


def csv_line(lang: Lang) -> ColumnElement[str]:
    """One CSV line (with its CRLF) per entry, the `COLUMNS` in order; the date that decides
    validity is the `today` parameter."""
    E = items.E
    on = bindparam("today", type_=Date())
    zh = 0 if lang == "zh" else 1
    status = case(
        (E.revoked_at.is_not(None), _sql_text(STATUS_LABELS["revoked"][zh])),
        (E.valid_until >= on, _sql_text(STATUS_LABELS["valid"][zh])),
        else_=_sql_text(STATUS_LABELS["expired"][zh]),
    )
    cells = [
        _sql_cell(E.certificate_number),
        status,
        _sql_plain(cast(E.year, Text)),
        _sql_plain(cast(E.batch_sequence, Text)),
        _sql_cell(E.product_name_zh),
        _sql_cell(E.product_name_en),
        _sql_cell(E.model_spec),
        _sql_label(items.FIELD_TERMS, E.field, lang),
        _sql_label(items.PRODUCT_TYPE_TERMS, E.product_type, lang),
        _sql_label(items.LEVEL_TERMS, E.level, lang),
        _sql_cell(E.organization_name_zh),
        _sql_cell(E.organization_name_en),
        _sql_label(items.DISTRICT_TERMS, E.district, lang),
        # numeric(18, 2) prints two decimals, as the float formatting did (exactly so below
        # 10^13 yuan, where a float still holds every cent).
        _sql_plain(cast(E.price_yuan, Text)),
        _sql_local(E.issued_at),
        _sql_plain(func.to_char(E.valid_until, _sql_text("YYYY-MM-DD"))),
        _sql_local(E.revoked_at),
        _sql_cell(E.summary_zh),
        _sql_cell(E.summary_en),
    ]
    assert len(cells) == len(COLUMNS)
    line = cells[0]
    for cell in cells[1:]:
        line = line + _sql_text(",") + cell
    return (line + _sql_text("\r\n")).label("line")


def csv_statement(
    flt: queries.CatalogueFilter, ordering: queries.Ordering, lang: Lang
) -> Select[Any]:
    return queries.entries([csv_line(lang)], flt.conditions()).order_by(*ordering.keys(flt.q))


async def csv_stream(
    session: AsyncSession,
    flt: queries.CatalogueFilter,
    ordering: queries.Ordering,
    lang: Lang,
) -> AsyncIterator[bytes]:
    # The BOM tells Excel the file is UTF-8, so Chinese text opens unmangled.
    yield "\ufeff".encode() + _csv_lines([header(lang)])
    stmt = csv_statement(flt, ordering, lang).execution_options(yield_per=CSV_CHUNK_ROWS)
    async with queries.timeout_as_503():
        result = await session.stream(stmt, {"today": flt.on})
        async for lines in result.scalars().partitions():
            yield "".join(lines).encode()


# --- JSON ------------------------------------------------------------------------------------


async def json_stream(chunks: AsyncIterator[Sequence[Row[Any]]], on: date) -> AsyncIterator[bytes]:
    yield b"["
    first = True
    async for rows in chunks:
        body = b",".join(items.json_dumps(items.detail(r, on)) for r in rows)
        if body:
            yield body if first else b"," + body
            first = False
    yield b"]"


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx_append(sheet: WriteOnlyWorksheet, rows: list[list[Cell]]) -> None:
    for row in rows:
        out: list[Any] = []
        for value in row:
            if isinstance(value, str) and is_formula_like(value):
                # openpyxl would store it as a formula; Excel's quote prefix keeps the text as
                # entered and never evaluates it.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cell.quotePrefix = True
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)


def _xlsx_save(workbook: Workbook, target: IO[bytes]) -> None:
    workbook.save(target)  # a binary file object works as a path
    target.seek(0)


async def xlsx_stream(
    chunks: AsyncIterator[Sequence[Row[Any]]], lang: Lang, on: date
) -> AsyncIterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("认定产品目录" if lang == "zh" else "Catalogue")
    sheet.freeze_panes = "A2"
    await asyncio.to_thread(_xlsx_append, sheet, [list(header(lang))])
    async for rows in chunks:
        await asyncio.to_thread(_xlsx_append, sheet, [cells(r, lang, on) for r in rows])
    with tempfile.TemporaryFile() as target:
        await asyncio.to_thread(_xlsx_save, workbook, target)
        while data := await asyncio.to_thread(target.read, FILE_CHUNK_BYTES):
            yield data


def stream(
    session: AsyncSession,
    flt: queries.CatalogueFilter,
    ordering: queries.Ordering,
    fmt: Format,
    lang: Lang,
) -> AsyncIterator[bytes]:
    if fmt == "csv":
        return csv_stream(session, flt, ordering, lang)
    chunks = _chunks(session, flt, ordering)
    if fmt == "xlsx":
        return xlsx_stream(chunks, lang, flt.on)
    return json_stream(chunks, flt.on)
