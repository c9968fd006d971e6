"""The printable certificate: its text and QR code as a reader's tools see them, the cache, the
revoked state, and a renderer that fetches nothing."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from weasyprint.urls import FatalURLFetchingError

from api.awards import pdf
from api.awards.pdf import CertificateView
from api.config import get_settings
from api.models import Award
from api.storage import LocalStorage
from tests.awards.helpers import ORG_NAME, announced, awards_of

REASON = "经核查，申报材料中的检测报告不实，依规撤销认定。"


def pdf_text(data: bytes, tmp_path: Path, *, raw: bool = False) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    args = ["pdftotext", *(["-raw"] if raw else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_info(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def qr_codes(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "qr.pdf"
    path.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    found = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.split()


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The numbers of the certificates actually rendered, in order (the real renderer runs)."""
    calls: list[str] = []
    real: Callable[[CertificateView], bytes] = pdf.render_certificate_pdf

    def counting(view: CertificateView) -> bytes:
        calls.append(view.number)
        return real(view)

    monkeypatch.setattr(pdf, "render_certificate_pdf", counting)
    return calls


async def test_text_and_qr_code(
    db: AsyncSession,
    client: httpx.AsyncClient,
    storage: LocalStorage,
    tmp_path: Path,
) -> None:
    p = await announced(db, shortlisted=1)
    (award,) = await awards_of(db, p.batch.id)
    response = await client.get(f"/api/v1/certificates/{award.number}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f"inline; filename={award.number}.pdf"
    assert response.headers["cache-control"].startswith("public")
    assert response.content.startswith(b"%PDF-")

    text = pdf_text(response.content, tmp_path)
    assert ORG_NAME in text
    assert p.shortlisted[0].product_name_zh in text
    assert award.number in text
    assert "首台(套)重大技术装备认定证书" in text.replace(" ", "")
    assert "Certificate of First (Set) of Major Technical Equipment" in text
    assert "北京市首台(套)重大技术装备认定工作联合办公室" in text
    assert p.org.uscc is not None
    assert p.org.uscc in text
    assert award.key_id in text
    assert "已撤销" not in text

    verify_url = f"{get_settings().public_base_url}/verify/{award.number}"
    assert qr_codes(response.content, tmp_path) == [verify_url]

    info = pdf_info(response.content, tmp_path)
    assert "Pages:           1" in info
    assert "841.89 x 595.276 pts (A4)" in info  # landscape


async def test_rendered_once_then_again_after_revocation(
    db: AsyncSession,
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    storage: LocalStorage,
    renders: list[str],
    tmp_path: Path,
) -> None:
    p = await announced(db, shortlisted=1)
    (award,) = await awards_of(db, p.batch.id)
    url = f"/api/v1/certificates/{award.number}/pdf"

    first = await client.get(url)
    second = await client.get(url)
    assert first.status_code == second.status_code == 200
    assert renders == [award.number]
    assert second.content == first.content
    stored = await db.get(Award, award.id, populate_existing=True)
    assert stored is not None
    assert stored.pdf_sha256 is not None
    assert stored.pdf_shows_revoked is False
    assert await storage.exists(stored.pdf_sha256)
    assert first.headers["etag"] == second.headers["etag"] == f'"{stored.pdf_sha256[:32]}"'
    not_modified = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    assert renders == [award.number]

    revoked = await admin.post(f"/api/v1/awards/{award.id}/revoke", json={"reason": REASON})
    assert revoked.status_code == 200, revoked.text
    after = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200
    assert renders == [award.number, award.number]
    assert "已撤销 REVOKED" in pdf_text(after.content, tmp_path, raw=True)
    assert after.headers["etag"] != first.headers["etag"]
    stored = await db.get(Award, award.id, populate_existing=True)
    assert stored is not None
    assert stored.pdf_shows_revoked is True

    assert (await client.get(url)).content == after.content
    assert renders == [award.number, award.number]


async def test_a_blob_gone_from_the_store_is_rendered_again(
    db: AsyncSession, client: httpx.AsyncClient, storage: LocalStorage, renders: list[str]
) -> None:
    p = await announced(db, shortlisted=1)
    (award,) = await awards_of(db, p.batch.id)
    url = f"/api/v1/certificates/{award.number}/pdf"
    first = await client.get(url)
    stored = await db.get(Award, award.id, populate_existing=True)
    assert stored is not None
    assert stored.pdf_sha256 is not None
    await storage.delete(stored.pdf_sha256)
    again = await client.get(url)
    assert again.status_code == 200
    assert again.content.startswith(b"%PDF-")
    assert renders == [award.number, award.number]
    assert first.status_code == 200


@pytest.mark.parametrize(
    "source",
    ["http://127.0.0.1:9/logo.png", "https://example.com/logo.png", "file:///etc/hostname"],
)
def test_the_renderer_fetches_nothing(source: str) -> None:
    with pytest.raises(FatalURLFetchingError):
        pdf.render_html_pdf(f'<html><body><img src="{source}"></body></html>')


def test_long_names_stay_on_one_page(tmp_path: Path) -> None:
    from datetime import date

    view = CertificateView(
        number="BJSTT-2021-01-0001",
        organization_zh="北京" + "超长名称测试" * 30 + "有限公司",
        organization_en="Beijing " + "Very Long Name Testing " * 12 + "Co., Ltd.",
        uscc="91110108MA01ABCD2X",
        product_zh="高精度" + "晶圆缺陷光学检测设备" * 19,
        product_en="High-precision " + "optical wafer defect inspection system " * 7,
        model="M" * 200,
        field=("集成电路", "Integrated circuits"),
        product_type=None,
        level=("国际领先", "International leading"),
        batch_year=2021,
        batch_sequence=1,
        issued_on=date(2024, 2, 29),
        valid_until=date(2027, 2, 28),
        key_id="ed25519-20240229-0123abcd",
        signature="A" * 86 + "==",
        verify_url="http://127.0.0.1:8000/verify/BJSTT-2021-01-0001",
        revoked_on=None,
    )
    data = pdf.render_certificate_pdf(view)
    assert "Pages:           1" in pdf_info(data, tmp_path)
    text = pdf_text(data, tmp_path)
    assert "北京市首台(套)重大技术装备认定工作联合办公室" in text
    assert "BJSTT-2021-01-0001" in text


async def test_a_cached_certificate_pdf_is_not_an_orphan(
    db: AsyncSession, storage: LocalStorage
) -> None:
    """The stored-file cleanup keeps a certificate's cached PDF as it keeps attachments."""
    from api.attachments.service import delete_blob_if_unused

    p = await announced(db, shortlisted=1)
    (award,) = await awards_of(db, p.batch.id)
    content = b"%PDF-1.7\n" + str(award.id).encode()
    sha256 = hashlib.sha256(content).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        yield content

    await storage.put(sha256, chunks())
    award.pdf_sha256 = sha256
    await db.flush()
    assert not await delete_blob_if_unused(db, storage, sha256)
    assert await storage.exists(sha256)

    award.pdf_sha256 = None
    await db.flush()
    assert await delete_blob_if_unused(db, storage, sha256)
    assert not await storage.exists(sha256)
