"""The attachment routes over HTTP: content checks, streaming limits, storage, permissions."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.attachments import service
from api.models import (
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    AuditEvent,
    District,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from api.storage import LocalStorage
from tests.auth.test_router import assert_problem
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import login, make_org, make_user

pytestmark = pytest.mark.usefixtures("storage")

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 8
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 64
PE_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 64
BOUNDARY = "FirstSetTestBoundary0123456789"


def url(application: Application | uuid.UUID | str, attachment: object = None) -> str:
    app_id = application.id if isinstance(application, Application) else application
    base = f"/api/v1/applications/{app_id}/attachments"
    return base if attachment is None else f"{base}/{attachment}"


async def upload(
    client: httpx.AsyncClient,
    application: Application | uuid.UUID,
    content: bytes = PDF,
    filename: str = "申报书.pdf",
    kind: str = "application_form",
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    return await client.post(
        url(application), data={"kind": kind}, files={"file": (filename, content, content_type)}
    )


def form_head(filename: str = "big.pdf", kind: str = "test_report") -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="kind"\r\n\r\n'
        f"{kind}\r\n--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()


def form_tail() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


async def post_raw(
    client: httpx.AsyncClient, application: Application, content: bytes
) -> httpx.Response:
    return await client.post(
        url(application),
        content=content,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


@dataclass
class World:
    app: FastAPI
    org: Organization
    applicant: User
    application: Application
    client: httpx.AsyncClient  # logged in as the applicant

    @asynccontextmanager
    async def client_for(self, user: User | None, port: int) -> AsyncIterator[httpx.AsyncClient]:
        """Another caller, logged in as `user` (anonymous for None), from its own address."""
        transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", port))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            if user is not None:
                assert (await login(client, user.email)).status_code == 200
            yield client


@pytest.fixture
async def world(app: FastAPI, db: AsyncSession, client: httpx.AsyncClient) -> World:
    org = await make_org(db, district=District.haidian)
    applicant = await make_user(db, Role.applicant, org=org)
    assert (await login(client, applicant.email)).status_code == 200
    application = await make_application(db, org, await make_batch(db))
    return World(app, org, applicant, application, client)


async def stored_rows(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Attachment)) or 0


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def assert_nothing_stored(db: AsyncSession, storage: LocalStorage) -> None:
    assert await stored_rows(db) == 0
    assert stored_files(storage.root) == []


class TestUpload:
    @pytest.mark.parametrize(
        ("content", "filename", "content_type"),
        [
            (PDF, "申报书.pdf", "application/pdf"),
            (PNG, "营业执照.png", "image/png"),
            (JPEG, "现场照片.JPG", "image/jpeg"),
        ],
    )
    async def test_upload_and_download_round_trip(
        self,
        world: World,
        db: AsyncSession,
        storage: LocalStorage,
        content: bytes,
        filename: str,
        content_type: str,
    ) -> None:
        # The declared type is deliberately wrong: only the content counts.
        response = await upload(world.client, world.application, content, filename, "licence")
        assert response.status_code == 201, response.text
        body = response.json()
        sha = hashlib.sha256(content).hexdigest()
        assert body["kind"] == "licence"
        assert body["filename"] == filename
        assert body["content_type"] == content_type
        assert body["size_bytes"] == len(content)
        assert body["sha256"] == sha
        assert {"id", "created_at"} <= body.keys()
        assert stored_files(storage.root) == [storage.root / sha[:2] / sha[2:4] / sha]

        row = await db.get(Attachment, uuid.UUID(body["id"]))
        assert row is not None
        assert row.uploaded_by == world.applicant.id
        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "attachment.create", AuditEvent.object_id == body["id"]
            )
        )
        assert event is not None
        assert event.actor_id == world.applicant.id
        assert event.changes["sha256"]["after"] == sha

        download = await world.client.get(url(world.application, body["id"]))
        assert download.status_code == 200
        assert download.content == content
        assert download.headers["content-type"] == content_type
        assert download.headers["content-length"] == str(len(content))
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["cache-control"] == "private, no-store"
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment; ")
        assert f"filename*=UTF-8''{quote(filename)}" in disposition

    async def test_chinese_name_in_content_disposition(self, world: World) -> None:
        name = "北京 首台(套) 检测报告.pdf"
        created = await upload(world.client, world.application, filename=name)
        assert created.status_code == 201
        download = await world.client.get(url(world.application, created.json()["id"]))
        disposition = download.headers["content-disposition"]
        # The header itself is ASCII; the exact name travels percent-encoded as UTF-8.
        assert disposition.isascii()
        assert disposition == (
            'attachment; filename="__ __(_) ____.pdf"; '
            "filename*=UTF-8''%E5%8C%97%E4%BA%AC%20%E9%A6%96%E5%8F%B0%28%E5%A5%97%29%20"
            "%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf"
        )

    async def test_a_traversing_name_is_reduced_to_its_last_part(
        self, world: World, storage: LocalStorage, tmp_path: Path
    ) -> None:
        response = await upload(world.client, world.application, filename="../../x.pdf")
        assert response.status_code == 201
        assert response.json()["filename"] == "x.pdf"
        everything = stored_files(tmp_path)
        assert everything, "the blob was stored"
        assert all(storage.root in path.parents for path in everything)
        assert not any(path.name == "x.pdf" for path in everything)

    async def test_a_name_without_extension_gets_one(self, world: World) -> None:
        response = await upload(world.client, world.application, PNG, filename="营业执照")
        assert response.status_code == 201
        assert response.json()["filename"] == "营业执照.png"

    async def test_identical_files_share_one_blob(
        self, world: World, db: AsyncSession, storage: LocalStorage
    ) -> None:
        first = await upload(world.client, world.application, filename="a.pdf")
        second = await upload(world.client, world.application, filename="b.pdf", kind="other")
        assert first.status_code == second.status_code == 201
        assert first.json()["sha256"] == second.json()["sha256"]
        assert first.json()["id"] != second.json()["id"]
        assert await stored_rows(db) == 2
        assert len(stored_files(storage.root)) == 1

    async def test_an_rfc5987_file_name_wins_over_the_plain_one(self, world: World) -> None:
        head = form_head().replace(
            b'filename="big.pdf"',
            b"filename=\"fallback.pdf\"; filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6.pdf",
        )
        response = await post_raw(world.client, world.application, head + PDF + form_tail())
        assert response.status_code == 201, response.text
        assert response.json()["filename"] == "申报书.pdf"

    async def test_a_windows_path_is_reduced_to_its_last_part(self, world: World) -> None:
        response = await upload(world.client, world.application, filename="C:\\材料\\申报书.pdf")
        assert response.status_code == 201
        assert response.json()["filename"] == "申报书.pdf"

    async def test_unknown_parts_are_skipped(self, world: World) -> None:
        response = await world.client.post(
            url(world.application),
            data={"note": "x" * 10_000, "kind": "other", "extra": "y"},
            files={"file": ("a.pdf", PDF), "thumbnail": ("t.png", PNG)},
        )
        assert response.status_code == 201, response.text
        assert response.json()["content_type"] == "application/pdf"

    async def test_a_returned_application_takes_attachments(
        self, world: World, db: AsyncSession
    ) -> None:
        world.application.status = ApplicationStatus.returned
        await db.flush()
        assert (await upload(world.client, world.application)).status_code == 201


class TestRefusals:
    async def test_too_large_by_content_length_is_refused_before_reading(
        self, world: World, db: AsyncSession, storage: LocalStorage, small_limit: int
    ) -> None:
        pulled = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal pulled
            for piece in (form_head(), PDF, b"\0" * 1024 * 1024):
                pulled += 1
                yield piece

        response = await world.client.post(
            url(world.application),
            content=body(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                "Content-Length": str(small_limit * 1000),
            },
        )
        body_json = assert_problem(response, 413, "payload_too_large")
        assert body_json["max_bytes"] == small_limit
        assert pulled == 0
        await assert_nothing_stored(db, storage)

    async def test_an_oversized_file_is_refused(
        self, world: World, db: AsyncSession, storage: LocalStorage, small_limit: int
    ) -> None:
        content = PDF + b"\0" * (small_limit - len(PDF) + 1)
        response = await upload(world.client, world.application, content)
        assert_problem(response, 413, "payload_too_large")
        await assert_nothing_stored(db, storage)

    async def test_a_file_of_exactly_the_limit_is_accepted(
        self, world: World, small_limit: int
    ) -> None:
        content = PDF + b"\0" * (small_limit - len(PDF))
        response = await upload(world.client, world.application, content)
        assert response.status_code == 201
        assert response.json()["size_bytes"] == small_limit

    async def test_a_stream_without_length_is_cut_off_past_the_limit(
        self, world: World, db: AsyncSession, storage: LocalStorage, small_limit: int
    ) -> None:
        pulled = 0

        async def endless() -> AsyncIterator[bytes]:
            nonlocal pulled
            yield form_head()
            yield PDF
            for _ in range(10_000):
                pulled += 1
                yield b"\0" * 1024

        response = await world.client.post(
            url(world.application),
            content=endless(),
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert "content-length" not in response.request.headers
        assert_problem(response, 413, "payload_too_large")
        # Refused within a few KiB of the limit, long before the 10 MiB the client had.
        assert pulled <= small_limit // 1024 + 2
        await assert_nothing_stored(db, storage)

    @pytest.mark.parametrize(
        ("content", "filename"),
        [
            (PNG, "申报书.pdf"),  # a PNG renamed .pdf
            (PDF, "scan.png"),
            (PE_EXE, "申报书.pdf"),  # a Windows executable renamed .pdf
            (ELF, "report.pdf"),
            (b"<html><script>alert(1)</script></html>", "report.pdf"),
            (PDF, "report.pdf.exe"),
        ],
    )
    async def test_content_decides_the_type(
        self,
        world: World,
        db: AsyncSession,
        storage: LocalStorage,
        content: bytes,
        filename: str,
    ) -> None:
        response = await upload(world.client, world.application, content, filename, "other")
        assert_problem(response, 415, "unsupported_media_type")
        await assert_nothing_stored(db, storage)

    async def test_a_refused_type_is_judged_from_the_first_bytes(
        self, world: World, db: AsyncSession, storage: LocalStorage
    ) -> None:
        pulled = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal pulled
            yield form_head("setup.pdf")
            for _ in range(1000):
                pulled += 1
                yield PE_EXE + b"\0" * 1024

        response = await world.client.post(
            url(world.application),
            content=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert_problem(response, 415, "unsupported_media_type")
        assert pulled == 1
        await assert_nothing_stored(db, storage)

    async def test_a_body_that_is_not_multipart(self, world: World, db: AsyncSession) -> None:
        response = await world.client.post(url(world.application), json={"kind": "other"})
        assert_problem(response, 415, "unsupported_media_type")
        assert await stored_rows(db) == 0

    @pytest.mark.parametrize(
        ("data", "files", "field"),
        [
            ({}, {"file": ("a.pdf", PDF)}, "kind"),
            ({"kind": "passport"}, {"file": ("a.pdf", PDF)}, "kind"),
            ({"kind": "other"}, {"attachment": ("a.pdf", PDF)}, "file"),
            ({"kind": "other"}, {"file": ("a.pdf", b"")}, "file"),
        ],
    )
    async def test_form_errors(
        self,
        world: World,
        db: AsyncSession,
        storage: LocalStorage,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes]],
        field: str,
    ) -> None:
        response = await world.client.post(url(world.application), data=data, files=files)
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == field
        await assert_nothing_stored(db, storage)

    async def test_two_files_are_refused(
        self, world: World, db: AsyncSession, storage: LocalStorage
    ) -> None:
        response = await world.client.post(
            url(world.application),
            data={"kind": "other"},
            files=[("file", ("a.pdf", PDF)), ("file", ("b.png", PNG))],
        )
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0] == {
            "field": "file",
            "message": "Send one file per request.",
            "code": "too_many_files",
        }
        await assert_nothing_stored(db, storage)

    async def test_an_over_long_kind_is_refused(self, world: World) -> None:
        response = await upload(world.client, world.application, kind="x" * 300)
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == "kind"
        assert body["errors"][0]["code"] == "too_long"

    @pytest.mark.parametrize(
        "content_type",
        [
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=" + "x" * 71,
        ],
    )
    async def test_a_missing_or_invalid_boundary(
        self, world: World, db: AsyncSession, content_type: str
    ) -> None:
        response = await world.client.post(
            url(world.application),
            content=form_head() + PDF + form_tail(),
            headers={"Content-Type": content_type},
        )
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == "body"
        assert body["errors"][0]["code"] == "invalid_multipart"
        assert await stored_rows(db) == 0

    @pytest.mark.parametrize(
        "content",
        [
            form_head() + PDF + f"\r\n--{BOUNDARY}\r\n".encode(),  # no closing boundary
            b"no boundary anywhere",
            b"",
            form_head().replace(b'form-data; name="kind"', b"attachment") + PDF + form_tail(),
            form_head().replace(b"Content-Type: application/pdf", b"Content-Type application/pdf")
            + PDF
            + form_tail(),
            f"--{BOUNDARY}\r\nX-Long: {'a' * 9000}\r\n\r\n".encode() + PDF + form_tail(),
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n' * 20
                + f"--{BOUNDARY}--"
            ).encode(),
        ],
        ids=[
            "no-closing-boundary",
            "no-boundary",
            "empty",
            "not-form-data",
            "header-without-colon",
            "header-too-long",
            "too-many-parts",
        ],
    )
    async def test_malformed_bodies(
        self, world: World, db: AsyncSession, storage: LocalStorage, content: bytes
    ) -> None:
        response = await post_raw(world.client, world.application, content)
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == "body"
        assert body["errors"][0]["code"] == "invalid_multipart"
        await assert_nothing_stored(db, storage)

    async def test_a_truncated_body(
        self, world: World, db: AsyncSession, storage: LocalStorage
    ) -> None:
        response = await world.client.post(
            url(world.application),
            content=form_head() + PDF,
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["code"] == "invalid_multipart"
        await assert_nothing_stored(db, storage)


class TestListAndDelete:
    async def test_list_oldest_first(self, world: World) -> None:
        names = ["c.pdf", "a.png", "b.jpg"]
        for name, content in zip(names, (PDF, PNG, JPEG), strict=True):
            assert (await upload(world.client, world.application, content, name)).status_code == 201
        response = await world.client.get(url(world.application))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        assert [a["filename"] for a in response.json()] == names

    async def test_delete_keeps_a_blob_another_attachment_still_uses(
        self, world: World, db: AsyncSession, storage: LocalStorage
    ) -> None:
        first = (await upload(world.client, world.application, filename="a.pdf")).json()
        second = (await upload(world.client, world.application, filename="b.pdf")).json()
        blob = storage.path_of(first["sha256"])

        response = await world.client.delete(url(world.application, first["id"]))
        assert response.status_code == 204
        assert blob.exists()
        assert [a["id"] for a in (await world.client.get(url(world.application))).json()] == [
            second["id"]
        ]
        assert (await world.client.get(url(world.application, second["id"]))).content == PDF

        assert (await world.client.delete(url(world.application, second["id"]))).status_code == 204
        assert not blob.exists()
        assert await stored_rows(db) == 0
        deleted = await db.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "attachment.delete")
        )
        assert set(deleted) == {first["id"], second["id"]}

    async def test_deleting_twice_is_a_404(self, world: World) -> None:
        created = (await upload(world.client, world.application)).json()
        assert (await world.client.delete(url(world.application, created["id"]))).status_code == 204
        again = await world.client.delete(url(world.application, created["id"]))
        assert_problem(again, 404, "not_found")

    async def test_kinds_present(self, world: World, db: AsyncSession) -> None:
        assert await service.attachment_kinds_present(db, world.application.id) == set()
        await upload(world.client, world.application, kind="test_report")
        await upload(world.client, world.application, PNG, "x.png", kind="test_report")
        await upload(world.client, world.application, JPEG, "y.jpg", kind="licence")
        assert await service.attachment_kinds_present(db, world.application.id) == {
            AttachmentKind.test_report,
            AttachmentKind.licence,
        }


class TestPermissions:
    async def test_a_submitted_application_is_closed_for_changes(
        self, world: World, db: AsyncSession
    ) -> None:
        created = (await upload(world.client, world.application)).json()
        world.application.status = ApplicationStatus.submitted
        await db.flush()
        body = assert_problem(await upload(world.client, world.application), 409, "invalid_state")
        assert body["current_state"] == "submitted"
        deleting = await world.client.delete(url(world.application, created["id"]))
        assert_problem(deleting, 409, "invalid_state")
        # still readable by its applicant
        assert (await world.client.get(url(world.application, created["id"]))).status_code == 200
        assert await stored_rows(db) == 1

    async def test_another_organisations_applicant_sees_nothing(
        self, world: World, db: AsyncSession
    ) -> None:
        created = (await upload(world.client, world.application)).json()
        async with world.client_for(await make_user(db, Role.applicant), 54001) as other:
            denied = [
                await upload(other, world.application),
                await other.get(url(world.application)),
                await other.get(url(world.application, created["id"])),
                await other.delete(url(world.application, created["id"])),
            ]
            missing = await other.get(url(uuid.uuid4(), uuid.uuid4()))
        for response in denied:
            assert_problem(response, 404, "not_found")
        # a hidden attachment answers exactly like a missing one
        assert denied[2].json()["detail"] == missing.json()["detail"]
        assert await stored_rows(db) == 1

    async def test_the_district_officer_reads_but_does_not_change(
        self, world: World, db: AsyncSession
    ) -> None:
        created = (await upload(world.client, world.application)).json()
        world.application.status = ApplicationStatus.submitted
        await db.flush()
        district_office = await make_org(
            db, kind=OrganizationKind.district_office, district=District.haidian
        )
        officer = await make_user(db, Role.district_officer, org=district_office)
        async with world.client_for(officer, 54002) as client:
            listing = await client.get(url(world.application))
            download = await client.get(url(world.application, created["id"]))
            upload_attempt = await upload(client, world.application)
            delete_attempt = await client.delete(url(world.application, created["id"]))
        assert [a["id"] for a in listing.json()] == [created["id"]]
        assert download.status_code == 200
        assert download.content == PDF
        # Not an applicant: the role gate answers, as for the application's own edits.
        assert_problem(upload_attempt, 403, "forbidden")
        assert_problem(delete_attempt, 403, "forbidden")
        assert await stored_rows(db) == 1

    async def test_another_districts_officer_and_drafts_stay_hidden(
        self, world: World, db: AsyncSession
    ) -> None:
        created = (await upload(world.client, world.application)).json()
        same_district = await make_user(
            db,
            Role.district_officer,
            org=await make_org(
                db, kind=OrganizationKind.district_office, district=District.haidian
            ),
        )
        elsewhere = await make_user(
            db,
            Role.district_officer,
            org=await make_org(db, kind=OrganizationKind.district_office, district=District.miyun),
        )
        async with world.client_for(same_district, 54003) as client:
            # the application is still a draft: not the district's business yet
            assert_problem(await client.get(url(world.application)), 404, "not_found")
        world.application.status = ApplicationStatus.submitted
        await db.flush()
        async with world.client_for(elsewhere, 54004) as client:
            hidden = await client.get(url(world.application, created["id"]))
        assert_problem(hidden, 404, "not_found")

    async def test_anonymous_callers_are_asked_to_log_in(self, world: World) -> None:
        created = (await upload(world.client, world.application)).json()
        async with world.client_for(None, 54005) as anonymous:
            responses = [
                await upload(anonymous, world.application),
                await anonymous.post(url(world.application), json={}),
                await anonymous.get(url(world.application)),
                await anonymous.get(url(world.application, created["id"])),
                await anonymous.delete(url(world.application, created["id"])),
            ]
        for response in responses:
            assert_problem(response, 401, "not_authenticated")

    async def test_unsafe_requests_need_the_csrf_header(
        self, world: World, db: AsyncSession, storage: LocalStorage
    ) -> None:
        created = (await upload(world.client, world.application)).json()
        del world.client.headers["X-CSRF-Token"]
        body = assert_problem(await upload(world.client, world.application), 403, "csrf_failed")
        assert "X-CSRF-Token" in body["detail"]
        deleting = await world.client.delete(url(world.application, created["id"]))
        assert_problem(deleting, 403, "csrf_failed")
        assert await stored_rows(db) == 1
        assert len(stored_files(storage.root)) == 1
