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
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue import items, queries
from api.spreadsheet import defuse, is_formula_like

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


async def csv_stream(
    chunks: AsyncIterator[Sequence[Row[Any]]], lang: Lang, on: date
) -> AsyncIterator[bytes]:
    # The BOM tells Excel the file is UTF-8, so Chinese text opens unmangled.
    yield "\ufeff".encode() + _csv_lines([header(lang)])
    async for rows in chunks:
        yield _csv_lines([cells(r, lang, on) for r in rows])


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
    chunks = _chunks(session, flt, ordering)
    if fmt == "csv":
        return csv_stream(chunks, lang, flt.on)
    if fmt == "xlsx":
        return xlsx_stream(chunks, lang, flt.on)
    return json_stream(chunks, flt.on)
