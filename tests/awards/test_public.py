"""The public certificate: what a verifier reads, its status (valid, expired, revoked), its
caching, and the answers to unknown and malformed numbers."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.config import get_settings
from api.models import Award
from tests.auth.test_router import assert_problem
from tests.awards.helpers import ORG_NAME, announced, awards_of


async def set_award(db: AsyncSession, award: Award, **values: object) -> None:
    await db.execute(update(Award).where(Award.id == award.id).values(**values))


class TestCertificate:
    async def test_what_a_verifier_reads(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        application = p.shortlisted[0]
        response = await client.get(f"/api/v1/certificates/{award.number}")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == (
            "public, max-age=60, stale-while-revalidate=300"
        )
        body = response.json()
        base = get_settings().public_base_url
        assert body["number"] == award.number
        assert body["status"] == "valid"
        assert body["status_label"] == {"code": "valid", "name_zh": "有效", "name_en": "Valid"}
        assert body["payload"] == award.payload
        assert body["signature"] == award.signature
        assert body["key_id"] == award.key_id
        assert body["algorithm"] == "Ed25519"
        assert body["valid_until"] == award.valid_until.isoformat()
        assert body["revoked_at"] is None
        assert body["revoked_reason"] is None
        assert body["verify_url"] == f"{base}/verify/{award.number}"
        assert body["pdf_url"] == f"{base}/api/v1/certificates/{award.number}/pdf"
        details = body["details"]
        assert details["organization_name_zh"] == ORG_NAME
        assert details["product_name_zh"] == application.product_name_zh
        assert details["product_name_en"] == application.product_name_en
        assert details["level"] == {
            "code": "domestic_leading",
            "name_zh": "国内领先",
            "name_en": "Domestic leading",
        }
        assert details["field"]["name_zh"] == "集成电路"
        assert (details["batch_year"], details["batch_sequence"]) == (
            p.batch.year,
            p.batch.sequence,
        )

    async def test_etag_answers_304(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        url = f"/api/v1/certificates/{award.number}"
        first = await client.get(url)
        etag = first.headers["etag"]
        again = await client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        # a revocation changes the document, so the old tag no longer matches
        await set_award(db, award, revoked_at=func.now(), revoked_reason="材料造假，撤销认定。")
        changed = await client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.json()["status"] == "revoked"

    async def test_expired_after_valid_until(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        url = f"/api/v1/certificates/{award.number}"
        await set_award(db, award, valid_until=today())
        assert (await client.get(url)).json()["status"] == "valid"  # the last valid day
        await set_award(db, award, valid_until=today() - timedelta(days=1))
        body = (await client.get(url)).json()
        assert body["status"] == "expired"
        assert body["status_label"]["name_zh"] == "已过期"

    async def test_revoked_wins_over_expired(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        await set_award(
            db,
            award,
            valid_until=today() - timedelta(days=10),
            revoked_at=func.now(),
            revoked_reason="经核查申报材料不实，撤销认定。",
        )
        body = (await client.get(f"/api/v1/certificates/{award.number}")).json()
        assert body["status"] == "revoked"
        assert body["revoked_reason"] == "经核查申报材料不实，撤销认定。"
        assert body["revoked_at"] is not None

    async def test_unknown_number_is_404(self, client: httpx.AsyncClient) -> None:
        for path in ("", "/pdf"):
            assert_problem(
                await client.get(f"/api/v1/certificates/BJSTT-2099-01-0001{path}"),
                404,
                "certificate_not_found",
            )

    async def test_malformed_number_is_422(self, client: httpx.AsyncClient) -> None:
        for number in ("garbage", "BJSTT-21-1-1", "bjstt-2021-01-0001", "BJSTT-2021-01-00001"):
            for path in ("", "/pdf"):
                assert_problem(
                    await client.get(f"/api/v1/certificates/{number}{path}"),
                    422,
                    "validation_error",
                )
