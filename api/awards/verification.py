"""Checking a certificate against the published keys, with nothing but the two JSON documents the
public API serves (`/certificates/{number}` and `/certificates/keys`): what
`firstset verify-certificate` does, fully offline when both are given as files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from api.awards import signing
from api.awards.schemas import NUMBER_PATTERN, CertificateStatus

_NUMBER_RE = re.compile(NUMBER_PATTERN)


class VerificationFailed(Exception):
    """The certificate does not verify; the message says why."""


class CannotVerify(Exception):
    """The documents could not be read or fetched; nothing was decided."""


@dataclass(frozen=True, slots=True)
class Verified:
    number: str
    key_id: str
    key_retired: bool
    status: str
    valid_until: str


def _key(keys: Any, key_id: str) -> dict[str, Any]:
    listed = keys.get("keys") if isinstance(keys, dict) else None
    if not isinstance(listed, list):
        raise CannotVerify("the keys document has no `keys` list")
    for key in listed:
        if isinstance(key, dict) and key.get("key_id") == key_id:
            return key
    raise VerificationFailed(f"unknown key id {key_id!r}: no published key has this id")


def verify_certificate(certificate: Any, keys: Any, *, on: date) -> Verified:
    if not isinstance(certificate, dict):
        raise CannotVerify("the certificate document is not a JSON object")
    payload = certificate.get("payload")
    if not isinstance(payload, dict) or not all(isinstance(v, str) for v in payload.values()):
        raise VerificationFailed("the payload is missing or not an object of strings")
    number = certificate.get("number")
    if payload.get("number") != number:
        raise VerificationFailed(
            f"the payload names certificate {payload.get('number')!r}, not {number!r}"
        )
    key_id = certificate.get("key_id")
    signature = certificate.get("signature")
    if not isinstance(key_id, str) or not isinstance(signature, str):
        raise VerificationFailed("the certificate has no key id or signature")
    key = _key(keys, key_id)
    if key.get("algorithm") != signing.ALGORITHM:
        raise VerificationFailed(f"key {key_id} is not an {signing.ALGORITHM} key")
    if not signing.verify(str(key.get("public_key", "")), payload, signature):
        raise VerificationFailed(
            "bad signature: the payload was altered or was not signed by key " + key_id
        )
    # Revocation can only be known from the issuer; expiry follows from the signed date.
    status = str(certificate.get("status") or CertificateStatus.valid.value)
    valid_until = payload.get("valid_until", "")
    try:
        expired = on > date.fromisoformat(valid_until)
    except ValueError as exc:
        raise VerificationFailed(f"the signed valid_until {valid_until!r} is not a date") from exc
    if status != CertificateStatus.revoked.value and expired:
        status = CertificateStatus.expired.value
    return Verified(
        number=str(number),
        key_id=key_id,
        key_retired=key.get("retired_at") is not None,
        status=status,
        valid_until=valid_until,
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CannotVerify(f"cannot read {path}: {exc}") from exc


def _fetch_json(client: httpx.Client, url: str) -> Any:
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise CannotVerify(f"cannot reach {url}: {exc}") from exc
    if response.status_code == 404:
        raise VerificationFailed(f"no such certificate at {url}")
    if response.status_code != 200:
        raise CannotVerify(f"{url} answered {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise CannotVerify(f"{url} did not answer JSON") from exc


def load_documents(target: str, *, api: str, keys_file: Path | None) -> tuple[Any, Any]:
    """The certificate (a number fetched from `api`, or a JSON file) and the keys (`keys_file`,
    or fetched from `api`)."""
    base = api.rstrip("/") + "/api/v1/certificates"
    with httpx.Client(timeout=10.0, follow_redirects=True) as client:
        if _NUMBER_RE.match(target):
            certificate = _fetch_json(client, f"{base}/{target}")
        else:
            path = Path(target)
            if not path.is_file():
                raise CannotVerify(
                    f"{target!r} is neither a certificate number (BJSTT-YYYY-NN-NNNN) nor a file"
                )
            certificate = _read_json(path)
        keys = _read_json(keys_file) if keys_file else _fetch_json(client, f"{base}/keys")
    return certificate, keys


def describe(result: Verified) -> str:
    retired = " (retired since, still valid for what it signed)" if result.key_retired else ""
    return (
        f"valid signature: certificate {result.number} signed by key {result.key_id}{retired}; "
        f"status {result.status} (valid until {result.valid_until})"
    )
