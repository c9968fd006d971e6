"""The printable certificate: an HTML/CSS template rendered by WeasyPrint, cached in the blob store.

A certificate's PDF is rendered on its first request and kept by sha256; it is rendered again only
when the revocation state it shows is no longer the award's (or the blob went missing).
"""

from __future__ import annotations

import hashlib
import html
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

import anyio
import segno
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service as applications
from api.awards import service, signing
from api.models import Application, Award, Batch, Organization
from api.storage import BlobNotFound, BlobStorage
from api.taxonomy.data import FIELD_LABELS, LEVEL_LABELS, PRODUCT_TYPE_LABELS

TEMPLATES = Path(__file__).parent / "templates"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
CN_NUMERALS = "零一二三四五六七八九十"
# Two first requests for one certificate render it once: the second waits on this lock (an
# arbitrary constant of this module, paired with the award's id hash) and then finds the cache.
_PDF_LOCK = 0x46535044  # "FSPD"
# WeasyPrint's layout is CPU-bound and its font stack is not documented as thread-safe: one
# render at a time per process, off the event loop.
_render_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class CertificateView:
    number: str
    organization_zh: str
    organization_en: str | None
    uscc: str
    product_zh: str
    product_en: str | None
    model: str
    field: tuple[str, str] | None
    product_type: tuple[str, str] | None
    level: tuple[str, str] | None
    batch_year: int
    batch_sequence: int
    issued_on: date
    valid_until: date
    key_id: str
    signature: str
    verify_url: str
    revoked_on: date | None


def _label(labels: Mapping[Any, tuple[str, str]], code: str | None) -> tuple[str, str] | None:
    # The vocabularies are StrEnums, whose members compare and hash as their codes.
    return labels.get(code) if code else None


def certificate_view(
    award: Award, application: Application, organization: Organization, batch: Batch
) -> CertificateView:
    """What the certificate prints: the signed facts from the payload, English names and labels
    from the records."""
    payload = award.payload
    return CertificateView(
        number=award.number,
        organization_zh=payload["organization"],
        organization_en=organization.name_en,
        uscc=payload["uscc"],
        product_zh=payload["product"],
        product_en=application.product_name_en,
        model=payload.get("model") or "",
        field=_label(FIELD_LABELS, application.field),
        product_type=_label(PRODUCT_TYPE_LABELS, application.product_type),
        level=_label(LEVEL_LABELS, payload.get("level")),
        batch_year=batch.year,
        batch_sequence=batch.sequence,
        issued_on=award.issued_at.astimezone(applications.BEIJING).date(),
        valid_until=award.valid_until,
        key_id=award.key_id,
        signature=award.signature,
        verify_url=service.verify_url(award.number),
        revoked_on=award.revoked_at.astimezone(applications.BEIJING).date()
        if award.revoked_at
        else None,
    )


# --- rendering --------------------------------------------------------------------------------


def date_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def date_en(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _numeral_zh(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n]
    if n < 20:
        return "十" + CN_NUMERALS[n % 10]
    return str(n)


def _cell(
    label_zh: str,
    label_en: str,
    zh: str,
    en: str | None = None,
    *,
    wide: bool = False,
    main: bool = False,
) -> str:
    e = html.escape
    second = f'<span class="en">{e(en)}</span>' if en else ""
    classes = ["main"] if main else []
    # Steps of type size by length keep a long name inside its cell and off the footer.
    if len(zh) > (100 if wide else 40):
        classes.append("very-long")
    elif len(zh) > (36 if wide else 20):
        classes.append("long")
    attributes = (' colspan="3"' if wide else "") + (
        f' class="{" ".join(classes)}"' if classes else ""
    )
    return (
        f'<th>{e(label_zh)}<span class="en">{e(label_en)}</span></th>'
        f"<td{attributes}>{e(zh)}{second}</td>"
    )


def _term_cell(label_zh: str, label_en: str, term: tuple[str, str] | None) -> str:
    return _cell(label_zh, label_en, *term) if term else _cell(label_zh, label_en, "—")


def _qr_data_uri(url: str) -> str:
    qr = segno.make(url, error="m")
    return str(qr.svg_data_uri(scale=4, border=4, dark="#1b1b1b", light="#ffffff"))


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((TEMPLATES / "certificate.html").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return (TEMPLATES / "certificate.css").read_text(encoding="utf-8")


def certificate_html(view: CertificateView) -> str:
    e = html.escape
    cells = [
        [_cell("申报单位", "Organisation", view.organization_zh, view.organization_en, wide=True)],
        [_cell("产品名称", "Product", view.product_zh, view.product_en, wide=True, main=True)],
        [
            _cell("统一社会信用代码", "Unified social credit code", view.uscc),
            _cell(
                "认定批次",
                "Batch",
                f"{view.batch_year}年第{_numeral_zh(view.batch_sequence)}批",
                f"{view.batch_year}, batch {view.batch_sequence}",
            ),
        ],
        [
            _cell("型号规格", "Model / specification", view.model or "—"),
            _term_cell("所属领域", "Field", view.field),
        ],
        [
            _term_cell("产品类型", "Product type", view.product_type),
            _term_cell("技术水平", "Technical level", view.level),
        ],
    ]
    rows = "\n".join("<tr>" + "".join(row) + "</tr>" for row in cells)
    revoked = revoked_note = ""
    if view.revoked_on is not None:
        on = f"{e(date_zh(view.revoked_on))} · {e(date_en(view.revoked_on))}"
        revoked = '<div class="revoked"><span class="big">已撤销 REVOKED</span></div>'
        # The same in plain, upright text: readable by text extraction and screen readers.
        revoked_note = f'<p class="revoked-note">已撤销 REVOKED · {on}</p>'

    return _template().substitute(
        number=e(view.number),
        rows=rows,
        issued_zh=e(date_zh(view.issued_on)),
        issued_en=e(date_en(view.issued_on)),
        valid_zh=e(date_zh(view.valid_until)),
        valid_en=e(date_en(view.valid_until)),
        qr=e(_qr_data_uri(view.verify_url)),
        verify_url=e(view.verify_url),
        key_id=e(view.key_id),
        fingerprint=e(signing.signature_fingerprint(view.signature)),
        revoked=revoked,
        revoked_note=revoked_note,
    )


def render_html_pdf(document_html: str) -> bytes:
    """Blocking and CPU-heavy: call it in a worker thread."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    # Only data: URIs (the QR code) are ever loaded; any other URL — http, https, file — stops
    # the render instead of reaching out.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    with _render_lock:
        document = HTML(string=document_html, url_fetcher=fetcher)
        pdf = document.write_pdf(stylesheets=[CSS(string=_stylesheet(), url_fetcher=fetcher)])
    assert pdf is not None
    return bytes(pdf)


def render_certificate_pdf(view: CertificateView) -> bytes:
    return render_html_pdf(certificate_html(view))


# --- the cache --------------------------------------------------------------------------------


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _cached(storage: BlobStorage, award: Award, missing: str | None) -> str | None:
    sha256 = award.pdf_sha256
    if (
        sha256 is None
        or sha256 == missing
        or award.pdf_shows_revoked != (award.revoked_at is not None)
    ):
        return None
    # The blob may have been swept from the store; then it is rendered again.
    return sha256 if await storage.exists(sha256) else None


async def ensure_certificate_pdf(
    session: AsyncSession, storage: BlobStorage, number: str, *, missing: str | None = None
) -> str:
    """The sha256 of the certificate's PDF in `storage`, rendered first if none shows the
    award's current state. `missing`: a blob found gone since, not to be trusted."""
    award, application, organization, batch = await service.certificate_with_context(
        session, number
    )
    if (sha256 := await _cached(storage, award, missing)) is not None:
        return sha256
    await session.execute(
        select(func.pg_advisory_xact_lock(_PDF_LOCK, func.hashtext(str(award.id))))
    )
    await session.refresh(award)
    if (sha256 := await _cached(storage, award, missing)) is not None:
        return sha256
    view = certificate_view(award, application, organization, batch)
    data = await anyio.to_thread.run_sync(render_certificate_pdf, view)
    sha256 = hashlib.sha256(data).hexdigest()
    await storage.put(sha256, _one_chunk(data))
    award.pdf_sha256 = sha256
    award.pdf_shows_revoked = award.revoked_at is not None
    await session.flush()
    return sha256


async def open_certificate_pdf(
    session: AsyncSession, storage: BlobStorage, sha256: str, number: str
) -> tuple[str, AsyncIterator[bytes]]:
    try:
        return sha256, await storage.open(sha256)
    except BlobNotFound:  # swept between the check and the read
        fresh = await ensure_certificate_pdf(session, storage, number, missing=sha256)
        return fresh, await storage.open(fresh)
