"""What an expert may read of an application: its content and attachments, once assigned and
once the batch's statement is signed — nothing else, and nothing of other experts.

Chosen gating: before signing, the application and its attachments answer 404 exactly like a
missing one (material is object-level, so its existence is not revealed); batch-level reads that
need the signature (the rubric) answer 403 `attestation_required`, since the batch is public."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    ApplicationStatus,
    AssignmentStatus,
    Attachment,
    AttachmentKind,
    AuditEvent,
    BatchStatus,
    ExpertAttestation,
)
from api.storage import LocalStorage, get_storage
from tests.experts.conftest import LoginAs
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import make_assignment, make_expert
from tests.factories.identity import make_org

PDF = b"%PDF-1.4\n% expert material\n%%EOF\n"


@pytest.fixture
def storage(app: FastAPI, tmp_path: Path) -> Iterator[LocalStorage]:
    store = LocalStorage(tmp_path / "files")
    app.dependency_overrides[get_storage] = lambda: store
    yield store
    app.dependency_overrides.pop(get_storage, None)


async def _chunks() -> AsyncIterator[bytes]:
    yield PDF


async def test_material_opens_only_to_an_assigned_expert_who_signed(
    db: AsyncSession, login_as: LoginAs, storage: LocalStorage
) -> None:
    batch = await make_batch(db, status=BatchStatus.reviewing)
    org = await make_org(db)
    application = await make_application(db, org, batch, status=ApplicationStatus.in_review)
    sha = hashlib.sha256(PDF).hexdigest()
    await storage.put(sha, _chunks())
    attachment = Attachment(
        application_id=application.id,
        kind=AttachmentKind.test_report,
        filename="检测报告.pdf",
        content_type="application/pdf",
        size_bytes=len(PDF),
        sha256=sha,
    )
    db.add(attachment)
    expert = await make_expert(db)
    colleague = await make_expert(db)
    outsider = await make_expert(db)
    assignment = await make_assignment(db, application, expert)
    await make_assignment(db, application, colleague)
    client = await login_as(expert)
    outsider_client = await login_as(outsider)
    app_url = f"/api/v1/applications/{application.id}"
    files_url = f"{app_url}/attachments"
    file_url = f"{files_url}/{attachment.id}"

    async def statuses(c: httpx.AsyncClient) -> list[int]:
        return [(await c.get(u)).status_code for u in (app_url, files_url, file_url)]

    # assigned but not signed: the material stays shut, the list says why
    assert await statuses(client) == [404, 404, 404]
    own = (await client.get("/api/v1/expert/assignments")).json()["items"]
    assert own == [
        {
            "id": str(assignment.id),
            "batch": {
                "id": str(batch.id),
                "year": batch.year,
                "sequence": batch.sequence,
                "title_zh": batch.title_zh,
                "title_en": batch.title_en,
                "status": "reviewing",
            },
            "attested": False,
            "assigned_at": own[0]["assigned_at"],
            "application": None,
            "review_status": None,
        }
    ]

    statement = await client.get(f"/api/v1/batches/{batch.id}/attestation")
    assert statement.status_code == 200
    assert statement.json()["signed_at"] is None
    assert "保密" in statement.json()["statement_zh"]
    assert "confidential" in statement.json()["statement_en"]
    signed = await client.post(f"/api/v1/batches/{batch.id}/attestation")
    assert signed.status_code == 200, signed.text
    assert signed.json()["signed_at"] is not None
    assert signed.json()["signed_version"] == statement.json()["statement_version"]
    again = await client.post(f"/api/v1/batches/{batch.id}/attestation")
    assert again.json()["signed_at"] == signed.json()["signed_at"]
    row = await db.scalar(
        select(ExpertAttestation).where(
            ExpertAttestation.batch_id == batch.id, ExpertAttestation.expert_id == expert.id
        )
    )
    assert row is not None
    assert str(row.ip) == "127.0.0.1"
    audits = (
        await db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "expert.attest", AuditEvent.object_id == str(batch.id)
            )
        )
    ).all()
    assert len(audits) == 1  # signing again is not a second signature
    assert str(audits[0].ip) == "127.0.0.1"

    # signed: the content and the files open
    assert await statuses(client) == [200, 200, 200]
    read = (await client.get(app_url)).json()
    assert read["product_name_zh"] == application.product_name_zh
    download = await client.get(file_url)
    assert download.content == PDF
    listed = (await client.get("/api/v1/expert/assignments")).json()["items"]
    assert listed[0]["attested"] is True
    assert listed[0]["application"] == {
        "id": str(application.id),
        "product_name_zh": application.product_name_zh,
        "product_name_en": application.product_name_en,
        "field": "integrated_circuits",
        "status": "in_review",
        "organization_name_zh": org.name_zh,
        "organization_name_en": org.name_en,
    }

    # nothing else of the application, and no trace of the colleague
    for extra in ("timeline", "eligibility"):
        assert (await client.get(f"{app_url}/{extra}")).status_code == 404
    everything = (await client.get("/api/v1/applications")).json()["items"]
    assert everything == []
    for response in (
        await client.get("/api/v1/expert/assignments"),
        await client.get(app_url),
        await client.get("/api/v1/experts/me"),
    ):
        assert str(colleague.id) not in response.text
        assert colleague.email not in response.text
        assert colleague.display_name not in response.text

    # an expert of the batch without this assignment sees nothing, signed or not
    assert await statuses(outsider_client) == [404, 404, 404]
    await outsider_client.post(f"/api/v1/batches/{batch.id}/attestation")
    assert await statuses(outsider_client) == [404, 404, 404]
    assert (
        await outsider_client.post(
            f"/api/v1/expert/assignments/{assignment.id}/declare-conflict", json={"reason": "x"}
        )
    ).status_code == 404

    # once the assignment ends, so does access
    assignment.status = AssignmentStatus.removed
    await db.flush()
    assert await statuses(client) == [404, 404, 404]
    assert (await client.get("/api/v1/expert/assignments")).json()["items"] == []


async def test_the_attestation_of_one_batch_opens_nothing_of_another(
    db: AsyncSession, login_as: LoginAs
) -> None:
    first = await make_batch(db, status=BatchStatus.reviewing)
    second = await make_batch(db, status=BatchStatus.reviewing)
    org = await make_org(db)
    application = await make_application(db, org, second, status=ApplicationStatus.in_review)
    expert = await make_expert(db)
    await make_assignment(db, application, expert)
    client = await login_as(expert)
    assert (await client.post(f"/api/v1/batches/{first.id}/attestation")).status_code == 200
    assert (await client.get(f"/api/v1/applications/{application.id}")).status_code == 404
    own = await client.get("/api/v1/expert/assignments", params={"batch_id": str(second.id)})
    assert own.json()["items"][0]["attested"] is False
    draft = await make_batch(db, status=BatchStatus.draft)
    assert (await client.post(f"/api/v1/batches/{draft.id}/attestation")).status_code == 404
