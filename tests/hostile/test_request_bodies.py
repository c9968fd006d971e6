"""Hostile request bodies: too large (declared or streamed), too deep, with numbers too long to
parse, not UTF-8. Each is refused with a problem document — never a 500 — and leaves nothing
behind. (Text the database cannot hold: test_invalid_text.py.)"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import get_settings
from api.models import Application, Attachment, Objection, Role, User
from api.storage import LocalStorage
from tests.applications.helpers import complete_content, make_open_batch
from tests.auth.test_router import registration
from tests.factories.applications import make_application
from tests.factories.files import minimal_pdf
from tests.factories.identity import login, make_org, make_user
from tests.hostile.conftest import assert_problem, files_under
from tests.publicity.helpers import file_objection, know_calendar_years, make_publicity

BODY_LIMIT = get_settings().request_body_max_bytes


async def users(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(User)) or 0


@pytest.fixture
async def draft(
    db: AsyncSession, client: httpx.AsyncClient
) -> tuple[httpx.AsyncClient, Application, str]:
    """A logged-in applicant's draft and its ETag."""
    org = await make_org(db)
    user = await make_user(db, Role.applicant, org=org)
    assert (await login(client, user.email)).status_code == 200
    application = await make_application(db, org, await make_open_batch(db))
    read = await client.get(f"/api/v1/applications/{application.id}")
    return client, application, read.headers["etag"]


async def stored_version(db: AsyncSession, application: Application) -> int:
    version = await db.scalar(
        select(Application.version)
        .where(Application.id == application.id)
        .execution_options(populate_existing=True)
    )
    assert version is not None
    return version


# --- size ------------------------------------------------------------------------------------


async def test_oversized_json_body_is_refused_by_its_declared_length(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    before = await users(db)
    body = registration(display_name="长" * BODY_LIMIT)
    response = await client.post("/api/v1/auth/register", json=body)
    problem = assert_problem(response, 413)
    assert problem["code"] == "payload_too_large"
    assert problem["max_bytes"] == BODY_LIMIT
    assert response.headers["connection"] == "close"
    assert await users(db) == before


async def test_oversized_json_body_without_a_length_is_cut_off_while_streaming(
    db: AsyncSession, draft: tuple[httpx.AsyncClient, Application, str]
) -> None:
    client, application, etag = draft
    sent = 0

    async def chunked() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"summary_zh": "'
        for _ in range(4 * BODY_LIMIT // 65536):
            sent += 65536
            yield b"a" * 65536
        yield b'"}'

    response = await client.patch(
        f"/api/v1/applications/{application.id}",
        content=chunked(),
        headers={"If-Match": etag, "Content-Type": "application/json"},
    )
    assert assert_problem(response, 413)["code"] == "payload_too_large"
    assert sent < 2 * BODY_LIMIT  # refused part way, not after reading everything
    assert await stored_version(db, application) == 1


@pytest.fixture
def store(tmp_path: Path, storage: LocalStorage) -> Path:
    """The test's directory, whose blob store the app writes to."""
    return tmp_path


async def test_oversized_attachment_upload_is_refused_and_nothing_stored(
    app: FastAPI,
    db: AsyncSession,
    draft: tuple[httpx.AsyncClient, Application, str],
    store: Path,
) -> None:
    client, application, _ = draft
    limit = 4096
    settings = get_settings().model_copy(update={"attachment_max_bytes": limit})
    app.dependency_overrides[get_settings] = lambda: settings
    try:
        huge = minimal_pdf() + b"%" + b"x" * (4 * limit)
        response = await client.post(
            f"/api/v1/applications/{application.id}/attachments",
            data={"kind": "test_report"},
            files={"file": ("big.pdf", huge, "application/pdf")},
        )
    finally:
        app.dependency_overrides.pop(get_settings, None)
    assert assert_problem(response, 413)["code"] == "payload_too_large"
    assert await db.scalar(select(func.count()).select_from(Attachment)) == 0
    assert files_under(store) == []


async def test_upload_declaring_more_than_any_upload_may_be_is_refused_before_reading(
    db: AsyncSession, draft: tuple[httpx.AsyncClient, Application, str], store: Path
) -> None:
    client, application, _ = draft
    settings = get_settings()
    declared = settings.attachment_max_bytes + settings.request_body_max_bytes + 1
    response = await client.post(
        f"/api/v1/applications/{application.id}/attachments",
        content=b"--x--\r\n",
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(declared),
        },
    )
    assert assert_problem(response, 413)["code"] == "payload_too_large"
    assert files_under(store) == []


async def test_oversized_objection_evidence_is_refused_and_nothing_stored(
    db: AsyncSession, client: httpx.AsyncClient, store: Path
) -> None:
    await know_calendar_years(db)
    p = await make_publicity(db)
    limit = get_settings().attachment_max_bytes
    response = await file_objection(client, p, evidence=minimal_pdf() + b"x" * limit)
    assert assert_problem(response, 413)["code"] == "payload_too_large"
    assert await db.scalar(select(func.count()).select_from(Objection)) == 0
    assert files_under(store) == []


# --- shape -----------------------------------------------------------------------------------


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


DEEP_BODIES: dict[str, bytes] = {
    "deep-array": nested(100_000).encode(),
    "deep-object": ('{"a":' * 50_000 + "1" + "}" * 50_000).encode(),
    "deep-inside-a-field": (
        json.dumps(complete_content())[:-1] + ', "indicators": ' + nested(20_000, "{}") + "}"
    ).encode(),
    "moderately-deep": nested(900, "{}").encode(),
    "huge-integer": (
        '{"sales": [{"buyer": "甲", "date": "2025-01-01", "units": '
        + "9" * 50_000
        + ', "amount_yuan": "1", "in_beijing": true}]}'
    ).encode(),
    "huge-exponent": b'{"price_yuan": 1e999999999}',
    "lone-surrogate": rb'{"product_name_zh": "\ud800"}',
    "invalid-utf8": b'{"product_name_zh": "\xff\xfe"}',
    "many-keys": ("{" + ",".join(f'"k{i}": {i}' for i in range(20_000)) + "}").encode(),
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
async def test_deeply_nested_or_malformed_json_is_a_4xx_not_a_500(
    db: AsyncSession, draft: tuple[httpx.AsyncClient, Application, str], body: bytes
) -> None:
    client, application, etag = draft
    json_type = {"Content-Type": "application/json"}
    responses = [
        await client.patch(
            f"/api/v1/applications/{application.id}",
            content=body,
            headers={"If-Match": etag, **json_type},
        ),
        await client.post("/api/v1/applications", content=body, headers=json_type),
        await client.post("/api/v1/auth/login", content=body, headers=json_type),
    ]
    for response in responses:
        assert_problem(response, 400, 413, 422)
    assert await stored_version(db, application) == 1
    assert await db.scalar(select(func.count()).select_from(Application)) == 1
