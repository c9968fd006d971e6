"""`firstset verify-certificate` offline, on the two documents the public API serves, and
`firstset rotate-signing-key`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from api.cli import app
from tests.awards.helpers import announced, awards_of

runner = CliRunner()


@pytest.fixture
async def documents(
    db: AsyncSession, client: httpx.AsyncClient, tmp_path: Path
) -> tuple[dict[str, Any], Path]:
    """A certificate as the API returns it, and the keys document saved as a file."""
    p = await announced(db, shortlisted=1)
    (award,) = await awards_of(db, p.batch.id)
    certificate = (await client.get(f"/api/v1/certificates/{award.number}")).json()
    keys = tmp_path / "keys.json"
    keys.write_text((await client.get("/api/v1/certificates/keys")).text, encoding="utf-8")
    return certificate, keys


def verify(certificate: dict[str, Any], keys: Path, tmp_path: Path) -> Any:
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(certificate, ensure_ascii=False), encoding="utf-8")
    return runner.invoke(
        app,
        # an address nothing listens on: everything must come from the files
        ["verify-certificate", str(path), "--keys", str(keys), "--api", "http://127.0.0.1:9"],
    )


def test_a_genuine_certificate_verifies_offline(
    documents: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    certificate, keys = documents
    result = verify(certificate, keys, tmp_path)
    assert result.exit_code == 0, result.output
    assert "valid signature" in result.output
    assert certificate["number"] in result.output
    assert certificate["key_id"] in result.output
    assert "status valid" in result.output


def test_a_tampered_certificate_fails(
    documents: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    certificate, keys = documents
    tampered = copy.deepcopy(certificate)
    tampered["payload"]["organization"] = "北京冒名顶替有限公司"
    result = verify(tampered, keys, tmp_path)
    assert result.exit_code == 1
    assert "bad signature" in result.output


def test_an_unknown_key_id_fails(documents: tuple[dict[str, Any], Path], tmp_path: Path) -> None:
    certificate, keys = documents
    forged = copy.deepcopy(certificate)
    forged["key_id"] = "ed25519-20990101-00000000"
    result = verify(forged, keys, tmp_path)
    assert result.exit_code == 1
    assert "unknown key id" in result.output


def test_a_revoked_certificate_still_has_a_valid_signature(
    documents: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    certificate, keys = documents
    certificate["status"] = "revoked"
    result = verify(certificate, keys, tmp_path)
    assert result.exit_code == 0, result.output
    assert "status revoked" in result.output


def test_unreadable_input_is_not_a_verdict(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["verify-certificate", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    assert "neither a certificate number" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["verify-certificate", str(broken), "--keys", str(broken)])
    assert result.exit_code == 2
    assert "cannot read" in result.output
