"""Results as CSV and XLSX files for the joint meeting. Experts are anonymous: each
application's submitted totals appear as 专家A, 专家B … in submission order, and a letter names
a different expert from one application to the next."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from openpyxl import Workbook

from api.models import ApplicationStatus
from api.review.schemas import BatchResults, ResultRow
from api.spreadsheet import FORMULA_TRIGGERS, defuse

Lang = Literal["zh", "en"]
A = ApplicationStatus

STATUS_LABELS: dict[ApplicationStatus, tuple[str, str]] = {
    A.in_review: ("评审中", "In review"),
    A.reviewed: ("已评审", "Reviewed"),
    A.shortlisted: ("拟入选", "Shortlisted"),
    A.not_selected: ("未入选", "Not selected"),
    A.awarded: ("已认定", "Awarded"),
}
HEADERS: list[tuple[str, str]] = [
    ("领域", "Field"),
    ("领域排名", "Rank in field"),
    ("产品名称", "Product"),
    ("申报单位", "Organisation"),
    ("状态", "Status"),
    ("分配专家数", "Assigned"),
    ("已提交", "Submitted"),
    ("已豁免", "Waived"),
    ("汇总分", "Aggregate"),
    ("极差", "Spread"),
    ("意见分歧", "Disagreement"),
    ("推荐", "Recommend"),
    ("中立", "Neutral"),
    ("不推荐", "Not recommend"),
    ("决定", "Decision"),
    ("决定理由", "Decision reason"),
]
YES_NO = {True: ("是", "Yes"), False: ("否", "No")}

Cell = str | int | Decimal | None


def letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, like spreadsheet columns."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def expert_label(index: int, lang: Lang) -> str:
    return f"专家{letter(index)}" if lang == "zh" else f"Expert {letter(index)}"


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _experts(results: BatchResults) -> int:
    return max((len(r.totals) for r in results.items), default=0)


def header(results: BatchResults, lang: Lang) -> list[str]:
    return [_pick(h, lang) for h in HEADERS] + [
        expert_label(i, lang) for i in range(_experts(results))
    ]


def _row(row: ResultRow, lang: Lang, experts: int) -> list[Cell]:
    field = (row.field_zh if lang == "zh" else row.field_en) or row.field
    product = row.product_name_zh if lang == "zh" else row.product_name_en or row.product_name_zh
    organization = (
        row.organization.name_zh if lang == "zh" else row.organization.name_en
    ) or row.organization.name_zh
    status = STATUS_LABELS.get(row.status)
    decision = STATUS_LABELS.get(row.decision) if row.decision else None
    cells: list[Cell] = [
        field,
        row.rank_in_field,
        product,
        organization,
        _pick(status, lang) if status else row.status.value,
        row.n_assigned,
        row.n_submitted,
        row.n_waived,
        row.aggregate,
        row.spread,
        _pick(YES_NO[row.disagreement], lang),
        row.recommendations.recommend,
        row.recommendations.neutral,
        row.recommendations.not_recommend,
        _pick(decision, lang) if decision else None,
        row.decision_reason,
    ]
    # Every row as wide as the header, so that spreadsheets line the columns up.
    return cells + list(row.totals) + [None] * (experts - len(row.totals))


def rows(results: BatchResults, lang: Lang) -> Iterator[list[Cell]]:
    yield list(header(results, lang))
    experts = _experts(results)
    for row in results.items:
        yield _row(row, lang, experts)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    return defuse(value) if isinstance(value, str) else str(value)


def to_csv(results: BatchResults, lang: Lang) -> bytes:
    """UTF-8 with a BOM so that Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in rows(results, lang):
        writer.writerow([_text(c) for c in cells])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(results: BatchResults, lang: Lang) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "评审结果" if lang == "zh" else "Results"
    for cells in rows(results, lang):
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                # openpyxl took it for a formula; Excel's own quote prefix keeps the text
                # exactly as entered and never evaluates it.
                cell.data_type = "s"
                cell.quotePrefix = True
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
