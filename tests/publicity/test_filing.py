"""Filing an objection through the public multipart form."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.applications.service import today
from api.config import get_settings
from api.models import (
    AuditEvent,
    BatchStatus,
    Objection,
    ObjectionStatus,
    OutboxEvent,
    Role,
)
from api.publicity import objections
from api.publicity.schemas import ObjectionCreate
from api.publicity.upload_route import FORM_OVERHEAD_BYTES
from api.storage import LocalStorage
from tests.auth.test_router import assert_problem
from tests.factories.files import minimal_pdf
from tests.factories.identity import logged_in
from tests.publicity.helpers import Publicity, make_publicity

pytestmark = pytest.mark.usefixtures("storage")

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + b"\0" * 64
SMALL_LIMIT = 4096


def form(p: Publicity, **changes: Any) -> dict[str, str]:
    values = {
        "application_id": str(p.shortlisted[0].id),
        "objector_name": "李四",
        "objector_phone": "+86 138-0013-8000",
        "objector_email": "lisi@example.cn",
        "objector_organization": "北京某研究院",
        "statement": "该装备的核心部件系进口产品，不符合首台(套)的自主知识产权要求。",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


async def file(
    client: httpx.AsyncClient,
    p: Publicity,
    evidence: tuple[str, bytes, str] | None = None,
    **changes: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/publicity/{p.batch.id}/objections",
        data=form(p, **changes),
        files={"evidence": evidence} if evidence else None,
    )


async def objections_of(db: AsyncSession, p: Publicity) -> int:
    count = await db.scalar(
        select(func.count()).select_from(Objection).where(Objection.batch_id == p.batch.id)
    )
    return count or 0


@pytest.fixture
def small_limit() -> Iterator[int]:
    settings = get_settings()
    original = settings.attachment_max_bytes
    settings.attachment_max_bytes = SMALL_LIMIT
    yield SMALL_LIMIT
    settings.attachment_max_bytes = original


class TestFiling:
    async def test_happy_path_with_evidence(
        self, db: AsyncSession, client: httpx.AsyncClient, storage: LocalStorage
    ) -> None:
        p = await make_publicity(db)
        pdf = minimal_pdf("Objection evidence")
        response = await file(client, p, ("证据 材料.pdf", pdf, "application/octet-stream"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "filed"
        assert body["reference"] == f"YY-{p.batch.year}-{p.batch.sequence:02d}-0001"
        assert body["application_id"] == str(p.shortlisted[0].id)
        assert set(body) == {
            "id",
            "reference",
            "status",
            "batch_id",
            "application_id",
            "created_at",
        }

        row = await db.get(Objection, uuid.UUID(body["id"]))
        assert row is not None
        assert row.objector_name == "李四"
        assert row.objector_phone == "+86 138-0013-8000"
        assert row.objector_email == "lisi@example.cn"
        assert row.evidence_filename == "证据 材料.pdf"
        sha = hashlib.sha256(pdf).hexdigest()
        assert row.evidence_sha256 == sha
        assert row.evidence_size_bytes == len(pdf)
        assert str(row.ip) == "127.0.0.1"
        assert (storage.root / sha[:2] / sha[2:4] / sha).read_bytes() == pdf

        audit = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "objection.file", AuditEvent.object_id == body["id"]
            )
        )
        assert audit is not None
        assert audit.actor_id is None
        assert str(audit.ip) == "127.0.0.1"
        assert "lisi@example.cn" not in str(audit.changes)
        event = await db.scalar(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "objection.filed", OutboxEvent.object_id == body["id"]
            )
        )
        assert event is not None
        assert event.payload["reference"] == body["reference"]
        assert "objector_email" not in event.payload

    async def test_without_evidence_and_with_email_only(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        first = await file(client, p, objector_phone=None, objector_organization=None)
        assert first.status_code == 201, first.text
        # an empty file input, as a browser sends it when no file was chosen
        second = await file(
            client, p, ("", b"", "application/octet-stream"), objector_email="", objector_phone=""
        )
        assert_problem(second, 422, "validation_error")
        third = await file(client, p, objector_email="", application_id=str(p.shortlisted[1].id))
        assert third.status_code == 201, third.text
        references = [first.json()["reference"], third.json()["reference"]]
        prefix = f"YY-{p.batch.year}-{p.batch.sequence:02d}-"
        assert references == [prefix + "0001", prefix + "0002"]
        row = await db.get(Objection, uuid.UUID(first.json()["id"]))
        assert row is not None
        assert row.objector_phone is None
        assert row.evidence_sha256 is None

    async def test_evidence_sent_as_text_is_refused_and_an_empty_one_ignored(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        """The attack: a text part under the file's name (the literal "null", say)."""
        p = await make_publicity(db)

        async def with_text_evidence(text: bytes) -> httpx.Response:
            # No filename: a plain text part of the multipart form.
            return await client.post(
                f"/api/v1/publicity/{p.batch.id}/objections",
                data=form(p),
                files={"evidence": (None, text)},
            )

        body = assert_problem(await with_text_evidence(b"null"), 422, "validation_error")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [
            ("evidence", "evidence_not_a_file")
        ]
        assert await objections_of(db, p) == 0
        empty = await with_text_evidence(b"")
        assert empty.status_code == 201, empty.text
        row = await db.get(Objection, uuid.UUID(empty.json()["id"]))
        assert row is not None
        assert row.evidence_sha256 is None

    async def test_logged_in_callers_file_as_the_public_do(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        await logged_in(db, client, Role.applicant)
        response = await file(client, p)
        assert response.status_code == 201, response.text
        audit = await db.scalar(
            select(AuditEvent).where(AuditEvent.object_id == response.json()["id"])
        )
        assert audit is not None
        assert audit.actor_id is None


class TestWindow:
    @pytest.mark.parametrize(
        ("starts", "ends"),
        [(1, 5), (-5, -1)],
        ids=["not yet open", "closed"],
    )
    async def test_outside_the_window(
        self, db: AsyncSession, client: httpx.AsyncClient, starts: int, ends: int
    ) -> None:
        p = await make_publicity(
            db,
            starts_on=today() + timedelta(days=starts),
            ends_on=today() + timedelta(days=ends),
        )
        body = assert_problem(await file(client, p), 409, "publicity_closed")
        assert body["publicity_ends_on"] == (today() + timedelta(days=ends)).isoformat()
        assert await objections_of(db, p) == 0

    async def test_first_and_last_day_are_inside(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        first_day = await make_publicity(db, starts_on=today(), ends_on=today() + timedelta(3))
        last_day = await make_publicity(db, starts_on=today() - timedelta(3), ends_on=today())
        assert (await file(client, first_day)).status_code == 201
        assert (await file(client, last_day)).status_code == 201

    @pytest.mark.parametrize("status", [BatchStatus.deliberation, BatchStatus.announced])
    async def test_batch_not_in_publicity(
        self, db: AsyncSession, client: httpx.AsyncClient, status: BatchStatus
    ) -> None:
        p = await make_publicity(db, status=status)
        body = assert_problem(await file(client, p), 409, "publicity_closed")
        assert body["current_state"] == status.value

    async def test_unknown_or_draft_batch_is_404(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        draft = await make_publicity(db, status=BatchStatus.draft)
        assert_problem(await file(client, draft), 404, "not_found")
        response = await client.post(
            f"/api/v1/publicity/{uuid.uuid4()}/objections", data=form(draft)
        )
        assert_problem(response, 404, "not_found")


class TestValidation:
    async def test_application_must_be_shortlisted_in_the_batch(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        elsewhere = await make_publicity(db)
        for application_id in (p.not_selected.id, elsewhere.shortlisted[0].id, uuid.uuid4()):
            body = assert_problem(
                await file(client, p, application_id=str(application_id)),
                422,
                "validation_error",
            )
            assert body["errors"] == [
                {
                    "field": "application_id",
                    "message": "This application is not on the batch's publicity list.",
                    "code": "not_in_publicity",
                }
            ]
        assert await objections_of(db, p) == 0

    async def test_contact_is_required(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        p = await make_publicity(db)
        body = assert_problem(
            await file(client, p, objector_phone=None, objector_email=""),
            422,
            "validation_error",
        )
        assert {(e["field"], e["code"]) for e in body["errors"]} == {
            ("objector_phone", "contact_required"),
            ("objector_email", "contact_required"),
        }

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"objector_name": None}, "objector_name"),
            ({"objector_name": "   "}, "objector_name"),
            ({"objector_name": "名" * 51}, "objector_name"),
            ({"objector_phone": "12345"}, "objector_phone"),
            ({"objector_phone": "138-abc-8000"}, "objector_phone"),
            ({"objector_phone": "1" * 21}, "objector_phone"),
            ({"objector_email": "not-an-address"}, "objector_email"),
            ({"statement": "太短了"}, "statement"),
            ({"statement": "长" * 5001}, "statement"),
            ({"application_id": "not-a-uuid"}, "application_id"),
            ({"surprise": "extra field"}, "surprise"),
        ],
    )
    async def test_fields_are_checked(
        self, db: AsyncSession, client: httpx.AsyncClient, changes: dict, field: str
    ) -> None:
        p = await make_publicity(db)
        body = assert_problem(await file(client, p, **changes), 422, "validation_error")
        assert [e["field"] for e in body["errors"]] == [field]

    async def test_a_json_body_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        response = await client.post(f"/api/v1/publicity/{p.batch.id}/objections", json=form(p))
        assert_problem(response, 422, "validation_error")


class TestEvidence:
    async def test_a_png_named_pdf_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient, storage: LocalStorage
    ) -> None:
        p = await make_publicity(db)
        body = assert_problem(
            await file(client, p, ("evidence.pdf", PNG, "application/pdf")),
            415,
            "unsupported_media_type",
        )
        assert body["accepted"] == ["application/pdf"]
        assert await objections_of(db, p) == 0
        assert not storage.root.exists() or not any(storage.root.rglob("*"))

    async def test_a_pdf_named_otherwise_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        response = await file(client, p, ("scan.png", minimal_pdf(), "image/png"))
        assert_problem(response, 415, "unsupported_media_type")

    async def test_an_empty_file_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await make_publicity(db)
        body = assert_problem(
            await file(client, p, ("empty.pdf", b"", "application/pdf")), 422, "validation_error"
        )
        assert body["errors"][0]["field"] == "evidence"

    async def test_oversize_evidence_is_refused(
        self, db: AsyncSession, client: httpx.AsyncClient, small_limit: int
    ) -> None:
        p = await make_publicity(db)
        pdf = minimal_pdf() + b"%" * small_limit  # over the limit, well within the form slack
        body = assert_problem(
            await file(client, p, ("big.pdf", pdf, "application/pdf")), 413, "payload_too_large"
        )
        assert body["max_bytes"] == small_limit
        just_fits = minimal_pdf() + b"%" * (small_limit - len(minimal_pdf()))
        response = await file(client, p, ("fits.pdf", just_fits, "application/pdf"))
        assert response.status_code == 201, response.text

    async def test_an_oversize_body_is_refused_by_its_declared_length(
        self, db: AsyncSession, client: httpx.AsyncClient, small_limit: int
    ) -> None:
        p = await make_publicity(db)
        size = small_limit + FORM_OVERHEAD_BYTES + 1
        read = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal read
            for _ in range(size // 1024 + 1):
                read += 1
                yield b"x" * 1024

        response = await client.post(
            f"/api/v1/publicity/{p.batch.id}/objections",
            content=chunks(),
            headers={
                "Content-Type": "multipart/form-data; boundary=b",
                "Content-Length": str(size),
            },
        )
        assert_problem(response, 413, "payload_too_large")
        assert read == 0  # refused on the header alone

    async def test_an_oversize_body_without_a_length_is_cut_off(
        self, db: AsyncSession, client: httpx.AsyncClient, small_limit: int
    ) -> None:
        p = await make_publicity(db)
        sent = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal sent
            yield b'--b\r\nContent-Disposition: form-data; name="evidence"; '
            yield b'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-'
            for _ in range(1000):
                sent += 1
                yield b"%" * 1024

        response = await client.post(
            f"/api/v1/publicity/{p.batch.id}/objections",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert "content-length" not in response.request.headers
        assert_problem(response, 413, "payload_too_large")
        assert sent < 1000  # refused while streaming, not after the whole body


class TestRateLimit:
    @pytest.fixture
    def two_per_hour(self) -> Iterator[None]:
        settings = get_settings()
        original = settings.objection_limit_per_ip
        settings.objection_limit_per_ip = "2/hour"
        yield
        settings.objection_limit_per_ip = original

    @pytest.mark.usefixtures("two_per_hour")
    async def test_filings_per_address_are_limited(
        self, db: AsyncSession, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        p = await make_publicity(db)
        # refused attempts do not count: a citizen may correct the form
        assert (await file(client, p, statement="短")).status_code == 422
        assert (await file(client, p)).status_code == 201
        assert (await file(client, p)).status_code == 201
        response = await file(client, p)
        assert_problem(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) > 0
        assert await objections_of(db, p) == 2
        # another address is not affected
        transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            assert (await file(other, p)).status_code == 201

    @pytest.mark.usefixtures("two_per_hour")
    async def test_filings_without_a_client_are_not_held_to_an_address_quota(
        self, db: AsyncSession, tmp_path: Any
    ) -> None:
        """The demo loader files objections as a command: with Redis the counts outlive the
        process, so counting them would refuse a second `load-demo` within the hour."""
        p = await make_publicity(db)
        for _ in range(3):
            await objections.file_objection(
                db, LocalStorage(tmp_path), p.batch.id, ObjectionCreate(**form(p))
            )
        assert await objections_of(db, p) == 3


async def test_concurrent_filings_get_distinct_references(
    committing_app: tuple[FastAPI, async_sessionmaker[AsyncSession]],
) -> None:
    """Real commits on their own connections: the reference sequence must not repeat."""
    app, sessions = committing_app
    async with sessions() as session, session.begin():
        p = await make_publicity(session)
    addresses = [f"10.1.0.{i}" for i in range(1, 7)]

    async def one(address: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await file(c, p)

    responses = await asyncio.gather(*(one(a) for a in addresses))
    assert [r.status_code for r in responses] == [201] * len(addresses)
    references = sorted(r.json()["reference"] for r in responses)
    prefix = f"YY-{p.batch.year}-{p.batch.sequence:02d}-"
    assert references == [f"{prefix}{n:04d}" for n in range(1, len(addresses) + 1)]
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(Objection)
            .where(Objection.batch_id == p.batch.id, Objection.status == ObjectionStatus.filed)
        )
        assert stored == len(addresses)
