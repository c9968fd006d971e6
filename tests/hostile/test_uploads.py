"""Path traversal through upload file names, against both routes that take files: an applicant's
attachment and a citizen's objection evidence.

Whatever the name — climbing paths, absolute paths, Windows drive and share paths, NUL and
control characters, look-alike slashes and dots that Windows' "best fit" conversion turns back
into real ones — the upload is either refused with a problem document and nothing stored, or
stored under a plain file name, and the bytes land nowhere but in the content-addressed store.
The download's Content-Disposition then carries that plain name and nothing else."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Application, Attachment, Objection, Role
from api.storage import LocalStorage
from tests.factories.applications import make_application, make_batch
from tests.factories.files import minimal_pdf
from tests.factories.identity import login, make_org, make_user
from tests.hostile.conftest import assert_problem, files_under
from tests.publicity.helpers import Publicity, know_calendar_years, make_publicity

pytestmark = pytest.mark.usefixtures("storage")

BOUNDARY = "HostileUploadBoundary0123456789"
PDF = minimal_pdf("hostile")

TRAVERSALS = {
    "dot-dot-slash": "../../etc/passwd",
    "dot-dot-slash-pdf": "../../../../../../tmp/escaped.pdf",
    "absolute": "/etc/passwd",
    "absolute-pdf": "/var/lib/firstset/escaped.pdf",
    "backslashes": "..\\..\\..\\windows\\system32\\escaped.pdf",
    "drive": "C:\\Windows\\Temp\\escaped.pdf",
    "unc-share": "\\\\fileserver\\share\\escaped.pdf",
    "mixed": "..\\../..\\../escaped.pdf",
    "doubled-dots": "....//....//escaped.pdf",
    "nul-byte": "escaped.pdf\x00.png",
    "nul-then-exe": "report\x00.pdf.exe",
    "control-chars": "\x1b[31mred\x07\x08.pdf",
    "fullwidth-dot-dot-slash": "．．／．．／etc／escaped.pdf",
    "fullwidth-backslash": "．．＼．．＼escaped.pdf",
    "two-dot-leader": "‥/‥/escaped.pdf",
    "division-slash": "..∕..∕escaped.pdf",
    "percent-encoded-literal": "%2e%2e%2f%2e%2e%2fescaped.pdf",
    "right-to-left-override": "invoice\u202efdp.exe",
    "only-dots": "..",
    "trailing-dots-and-spaces": "escaped.pdf . . ",
    "header-injection": 'escaped.pdf"; filename="evil.exe',
}


def multipart(fields: dict[str, str], file_field: str, disposition: bytes) -> bytes:
    """A multipart body written by hand, so that the file name reaches the server byte for byte
    (a client library would escape it)."""
    out = b""
    for name, value in fields.items():
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    out += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '.encode()
        + disposition
        + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
        + PDF
        + b"\r\n"
    )
    return out + f"--{BOUNDARY}--\r\n".encode()


def plain(name: str) -> bytes:
    return b'filename="' + name.encode() + b'"'


def extended(name: str) -> bytes:
    return b"filename*=UTF-8''" + quote(name, safe="").encode()


def assert_plain_name(stored: str) -> None:
    """A name that is a single, ordinary path component on every system."""
    assert stored
    assert not re.search(
        r"[/\\\x00-\x1f\x7f\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c]", stored
    ), stored
    assert ".." not in stored
    assert "．．" not in stored
    assert "‥" not in stored
    assert not stored.startswith((".", " "))
    assert not stored.endswith((".", " "))
    assert not re.match(r"^[A-Za-z]:", stored)
    assert "\u202e" not in stored


def assert_safe_disposition(header: str, stored: str) -> None:
    """`attachment`, an ASCII fallback that cannot break out of its quotes, and the exact name
    percent-encoded — nothing an attacker can use to add a header or a second file name."""
    assert header.isascii()
    assert "\r" not in header
    assert "\n" not in header
    match = re.fullmatch(
        r"attachment; filename=\"([ -!#-\[\]-~]*)\"; filename\*=UTF-8''([!-~]*)", header
    )
    assert match, header
    assert unquote(match.group(2)) == stored
    assert header.count("filename=") == 1
    assert header.count("filename*=") == 1


def assert_only_in_store(store: LocalStorage, tmp_path: Path) -> None:
    for path in files_under(tmp_path):
        assert path.is_relative_to(store.root), f"{path} was written outside the store"
        if not path.is_relative_to(store.tmp_dir):
            # every stored file is a blob named by its own digest
            assert path.name == hashlib.sha256(path.read_bytes()).hexdigest()


# --- attachments -----------------------------------------------------------------------------


@pytest.fixture
async def applicant(
    app: FastAPI, db: AsyncSession, client: httpx.AsyncClient
) -> tuple[httpx.AsyncClient, Application]:
    org = await make_org(db)
    user = await make_user(db, Role.applicant, org=org)
    assert (await login(client, user.email)).status_code == 200
    return client, await make_application(db, org, await make_batch(db))


# Sent as RFC 5987 `filename*=`, a name reaches the server percent-decoded: the bytes a quoted
# name cannot carry (NUL, CR, LF, quotes) arrive as they are.
EXTENDED = ["dot-dot-slash-pdf", "nul-byte", "control-chars", "fullwidth-dot-dot-slash"]
ATTACHMENT_CASES = [
    *(pytest.param(name, plain, id=f"{key}-quoted") for key, name in TRAVERSALS.items()),
    *(pytest.param(TRAVERSALS[key], extended, id=f"{key}-rfc5987") for key in EXTENDED),
    pytest.param("escaped.pdf\r\nX-Injected: 1", extended, id="crlf-rfc5987"),
]


@pytest.mark.parametrize(("name", "encoding"), ATTACHMENT_CASES)
async def test_path_traversal_in_attachment_file_names(
    applicant: tuple[httpx.AsyncClient, Application],
    db: AsyncSession,
    storage: LocalStorage,
    tmp_path: Path,
    name: str,
    encoding: object,
) -> None:
    client, application = applicant
    url = f"/api/v1/applications/{application.id}/attachments"
    body = multipart({"kind": "test_report"}, "file", encoding(name))  # type: ignore[operator]
    response = await client.post(
        url, content=body, headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    )

    if response.status_code != 201:
        assert_problem(response, 400, 415, 422)
        assert await db.scalar(select(func.count()).select_from(Attachment)) == 0
        assert files_under(tmp_path) == []
        return
    stored = response.json()["filename"]
    assert_plain_name(stored)
    assert_only_in_store(storage, tmp_path)
    row = await db.get(Attachment, uuid.UUID(response.json()["id"]))
    assert row is not None
    assert row.filename == stored

    download = await client.get(f"{url}/{row.id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["x-content-type-options"] == "nosniff"
    assert_safe_disposition(download.headers["content-disposition"], stored)


# --- objection evidence ----------------------------------------------------------------------


@pytest.fixture
async def publicity(db: AsyncSession) -> Publicity:
    await know_calendar_years(db)
    return await make_publicity(db)


@pytest.mark.parametrize("name", TRAVERSALS.values(), ids=TRAVERSALS.keys())
async def test_path_traversal_in_objection_evidence_file_names(
    app: FastAPI,
    db: AsyncSession,
    client: httpx.AsyncClient,
    publicity: Publicity,
    storage: LocalStorage,
    tmp_path: Path,
    name: str,
) -> None:
    fields = {
        "application_id": str(publicity.shortlisted[0].id),
        "objector_name": "王五",
        "objector_phone": "13800138000",
        "statement": "该产品的关键部件并非自主研发，申报材料与事实不符。",
    }
    response = await client.post(
        f"/api/v1/publicity/{publicity.batch.id}/objections",
        content=multipart(fields, "evidence", plain(name)),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )

    if response.status_code != 201:
        assert_problem(response, 400, 415, 422)
        assert await db.scalar(select(func.count()).select_from(Objection)) == 0
        assert files_under(tmp_path) == []
        return
    objection = await db.get(Objection, uuid.UUID(response.json()["id"]))
    assert objection is not None
    assert objection.evidence_filename is not None
    assert_plain_name(objection.evidence_filename)
    assert_only_in_store(storage, tmp_path)

    admin = await make_user(db, Role.admin)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50700))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as staff:
        assert (await login(staff, admin.email)).status_code == 200
        download = await staff.get(f"/api/v1/objections/{objection.id}/evidence")
    assert download.status_code == 200
    assert download.content == PDF
    assert_safe_disposition(download.headers["content-disposition"], objection.evidence_filename)
