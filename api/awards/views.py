"""An award as the admin and agency APIs show it: a list row and the full read model."""

from __future__ import annotations

from api.awards import service
from api.awards.schemas import STATUS_LABELS, AwardRead, AwardSummary, CertificateStatus
from api.models import Award
from api.taxonomy.schemas import Term


def status_term(status: CertificateStatus) -> Term:
    zh, en = STATUS_LABELS[status]
    return Term(code=status.value, name_zh=zh, name_en=en)


def _summary_fields(award: Award, names: service.EnglishNames) -> dict[str, object]:
    status = service.status_of(award)
    return {
        "id": award.id,
        "number": award.number,
        "status": status,
        "status_label": status_term(status),
        "application_id": award.application_id,
        "batch_id": award.batch_id,
        "organization_id": award.organization_id,
        "organization_name_zh": award.payload.get("organization", ""),
        "organization_name_en": names[1],
        "product_name_zh": award.payload.get("product", ""),
        "product_name_en": names[0],
        "issued_at": award.issued_at,
        "valid_until": award.valid_until,
        "revoked_at": award.revoked_at,
    }


def read_of(award: Award, names: service.EnglishNames) -> AwardRead:
    return AwardRead.model_validate(
        {
            **_summary_fields(award, names),
            "sequence": award.sequence,
            "payload": award.payload,
            "signature": award.signature,
            "key_id": award.key_id,
            "revoked_reason": award.revoked_reason,
            "revoked_by": award.revoked_by,
            "pdf_rendered": award.pdf_sha256 is not None
            and award.pdf_shows_revoked == (award.revoked_at is not None),
            "verify_url": service.verify_url(award.number),
            "pdf_url": service.pdf_url(award.number),
            "created_at": award.created_at,
            "updated_at": award.updated_at,
        }
    )


def summary_of(award: Award, names: service.EnglishNames) -> AwardSummary:
    return AwardSummary.model_validate(_summary_fields(award, names))
