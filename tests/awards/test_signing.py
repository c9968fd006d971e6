"""Signatures and keys: the canonical bytes, verification against the published keys, tampering,
unknown keys, key files, rotation, and the production rule."""

from __future__ import annotations

import base64
import copy
import json
import stat
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.awards import service, signing, verification
from api.config import Environment, get_settings
from api.models import ApplicationStatus, AuditEvent, SigningKey
from tests.awards.helpers import announced, awards_of, grant
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def key_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


async def public_documents(
    client: httpx.AsyncClient, number: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    certificate = await client.get(f"/api/v1/certificates/{number}")
    keys = await client.get("/api/v1/certificates/keys")
    assert certificate.status_code == keys.status_code == 200
    return certificate.json(), keys.json()


class TestCanonicalJson:
    def test_sorted_compact_utf8(self) -> None:
        payload = {"uscc": "91110108MA01ABCD2X", "organization": '北京 "示范"', "batch": "2021-01"}
        assert (
            signing.canonical_json(payload)
            == (
                '{"batch":"2021-01","organization":"北京 \\"示范\\"","uscc":"91110108MA01ABCD2X"}'
            ).encode()
        )

    def test_only_flat_objects_of_strings(self) -> None:
        with pytest.raises(ValueError, match="must be a string"):
            signing.canonical_json({"number": 1})
        with pytest.raises(ValueError, match="must be a string"):
            signing.canonical_json({"nested": {"a": "b"}})
        with pytest.raises(ValueError, match="ASCII"):
            signing.canonical_json({"编号": "x"})


class TestVerification:
    async def test_a_valid_certificate_verifies(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        certificate, keys = await public_documents(client, award.number)
        result = verification.verify_certificate(certificate, keys, on=today())
        assert result.number == award.number
        assert result.key_id == award.key_id
        assert result.status == "valid"
        assert result.key_retired is False

    @pytest.mark.parametrize(
        "field",
        [
            "number",
            "organization",
            "uscc",
            "product",
            "model",
            "level",
            "batch",
            "issued_at",
            "valid_until",
        ],
    )
    async def test_any_tampered_payload_field_fails(
        self, db: AsyncSession, client: httpx.AsyncClient, field: str
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        certificate, keys = await public_documents(client, award.number)
        key = next(k for k in keys["keys"] if k["key_id"] == award.key_id)
        assert signing.verify(key["public_key"], certificate["payload"], award.signature)

        tampered = copy.deepcopy(certificate)
        original = tampered["payload"][field]
        tampered["payload"][field] = original[:-1] + ("X" if original[-1:] != "X" else "Y")
        if field == "number":
            tampered["number"] = tampered["payload"]["number"]  # consistent, still altered
        assert not signing.verify(key["public_key"], tampered["payload"], award.signature)
        with pytest.raises(verification.VerificationFailed, match="bad signature"):
            verification.verify_certificate(tampered, keys, on=today())

    async def test_an_added_or_removed_field_fails(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        certificate, keys = await public_documents(client, award.number)
        added = copy.deepcopy(certificate)
        added["payload"]["note"] = "无"
        removed = copy.deepcopy(certificate)
        del removed["payload"]["model"]
        for tampered in (added, removed):
            with pytest.raises(verification.VerificationFailed, match="bad signature"):
                verification.verify_certificate(tampered, keys, on=today())

    async def test_a_number_other_than_the_signed_one_fails(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=2)
        first, second = await awards_of(db, p.batch.id)
        certificate, keys = await public_documents(client, first.number)
        certificate["number"] = second.number
        with pytest.raises(verification.VerificationFailed, match="names certificate"):
            verification.verify_certificate(certificate, keys, on=today())

    async def test_an_unknown_key_id_fails(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        certificate, keys = await public_documents(client, award.number)
        certificate["key_id"] = "ed25519-20990101-deadbeef"
        with pytest.raises(verification.VerificationFailed, match="unknown key id"):
            verification.verify_certificate(certificate, keys, on=today())

    async def test_a_signature_by_another_key_fails(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        certificate, keys = await public_documents(client, award.number)
        impostor = Ed25519PrivateKey.generate()
        certificate["signature"] = signing.sign(impostor, certificate["payload"])
        with pytest.raises(verification.VerificationFailed, match="bad signature"):
            verification.verify_certificate(certificate, keys, on=today())
        garbage = copy.deepcopy(certificate)
        garbage["signature"] = "not base64!"
        with pytest.raises(verification.VerificationFailed, match="bad signature"):
            verification.verify_certificate(garbage, keys, on=today())

    async def test_expiry_follows_from_the_signed_date(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        p = await announced(db, shortlisted=1)
        (award,) = await awards_of(db, p.batch.id)
        certificate, keys = await public_documents(client, award.number)
        later = award.valid_until.replace(year=award.valid_until.year + 1)
        assert verification.verify_certificate(certificate, keys, on=later).status == "expired"
        on_the_day = verification.verify_certificate(certificate, keys, on=award.valid_until)
        assert on_the_day.status == "valid"


class TestKeys:
    async def test_a_key_is_made_on_first_use_with_a_private_file(
        self, db: AsyncSession, key_dir: Path
    ) -> None:
        assert key_files(key_dir) == []
        active = await signing.active_key(db)
        path = key_dir / f"{active.key_id}.pem"
        assert mode(path) == 0o600
        assert mode(key_dir) == 0o700
        assert await anyio.Path(path).read_bytes() == active.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        row = await db.get(SigningKey, active.key_id)
        assert row is not None
        assert row.algorithm == "Ed25519"
        assert len(base64.b64decode(row.public_key)) == 32
        assert row.public_key == signing.public_key_b64(active.private_key)
        # the same key is used again, and no other file appears
        assert (await signing.active_key(db)).key_id == active.key_id
        assert key_files(key_dir) == [path.name]

    async def test_a_fresh_database_adopts_a_key_file_it_does_not_know(
        self, db: AsyncSession, key_dir: Path
    ) -> None:
        made = await signing.active_key(db)
        await db.execute(delete(SigningKey))
        adopted = await signing.active_key(db)
        assert adopted.key_id == made.key_id
        assert key_files(key_dir) == [f"{made.key_id}.pem"]
        assert await db.get(SigningKey, made.key_id, populate_existing=True) is not None

    async def test_rotation_keeps_old_certificates_verifiable(
        self, db: AsyncSession, client: httpx.AsyncClient, key_dir: Path
    ) -> None:
        before = await announced(db, shortlisted=1)
        (old_award,) = await awards_of(db, before.batch.id)
        old_key = old_award.key_id

        new_row = await signing.rotate_signing_key(db)
        assert new_row.key_id != old_key
        assert mode(key_dir / f"{new_row.key_id}.pem") == 0o600

        after = await announced(db, shortlisted=1)
        (new_award,) = await awards_of(db, after.batch.id)
        assert new_award.key_id == new_row.key_id

        keys = (await client.get("/api/v1/certificates/keys")).json()["keys"]
        listed = {k["key_id"]: k for k in keys}
        assert set(listed) == {old_key, new_row.key_id}
        assert listed[old_key]["retired_at"] is not None
        assert listed[new_row.key_id]["retired_at"] is None
        for award in (old_award, new_award):
            certificate, published = await public_documents(client, award.number)
            result = verification.verify_certificate(certificate, published, on=today())
            assert result.key_id == award.key_id
        old = verification.verify_certificate(
            *(await public_documents(client, old_award.number)), on=today()
        )
        assert old.key_retired is True
        active_now = await db.scalar(
            select(SigningKey.key_id).where(SigningKey.retired_at.is_(None))
        )
        assert active_now == new_row.key_id
        rotation = (
            await db.scalars(select(AuditEvent).where(AuditEvent.action == "signing_key.rotate"))
        ).one()
        assert rotation.object_id == new_row.key_id
        assert rotation.changes["retired"] == {"before": None, "after": [old_key]}

    async def test_production_refuses_to_make_a_key(
        self, db: AsyncSession, key_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "environment", Environment.production)
        org = await make_org(db)
        batch = await make_batch(db)
        application = await make_application(db, org, batch, status=ApplicationStatus.shortlisted)
        await grant(db, application, batch)
        with pytest.raises(signing.SigningKeyUnavailable, match="rotate-signing-key"):
            await service.process_award_events(db)
        assert key_files(key_dir) == []
        # an operator provisions one; then certificates are issued
        await signing.rotate_signing_key(db)
        assert await service.process_award_events(db) == 1

    async def test_a_key_whose_private_file_is_gone_is_not_used(
        self, db: AsyncSession, key_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        lost = await signing.active_key(db)
        (key_dir / f"{lost.key_id}.pem").unlink()
        monkeypatch.setattr(get_settings(), "environment", Environment.production)
        with pytest.raises(signing.SigningKeyUnavailable):
            await signing.active_key(db)
        monkeypatch.setattr(get_settings(), "environment", Environment.test)
        replacement = await signing.active_key(db)
        assert replacement.key_id != lost.key_id

    async def test_a_file_that_does_not_match_its_published_key_is_not_used(
        self, db: AsyncSession, key_dir: Path
    ) -> None:
        active = await signing.active_key(db)
        path = key_dir / f"{active.key_id}.pem"
        other = Ed25519PrivateKey.generate()
        path.chmod(0o600)
        path.write_bytes(
            other.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        signing._read_private_key.cache_clear()
        replacement = await signing.active_key(db)
        assert replacement.key_id != active.key_id

    async def test_keys_endpoint_is_public_and_cacheable(
        self, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        active = await signing.active_key(db)
        response = await client.get("/api/v1/certificates/keys")
        assert response.status_code == 200
        assert response.headers["cache-control"].startswith("public")
        (key,) = response.json()["keys"]
        assert key["key_id"] == active.key_id
        assert key["algorithm"] == "Ed25519"
        assert key["public_key"] == signing.public_key_b64(active.private_key)
        assert set(key) == {"key_id", "algorithm", "public_key", "created_at", "retired_at"}
        again = await client.get(
            "/api/v1/certificates/keys", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
        assert "private" not in json.dumps(response.json()).lower()
