"""An award as the admin and agency APIs show it: a list row and the full read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.awards import service
from api.awards.schemas import STATUS_LABELS, AwardRead, AwardSummary, CertificateStatus
from api.models import Award
from api.pagination import Page, build_page, keyset_after
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


async def award_page(
    request: Request,
    response: Response,
    session: AsyncSession,
    *,
    batch_id: uuid.UUID | None,
    statuses: Sequence[CertificateStatus],
    limit: int,
    cursor: str | None,
) -> Page[AwardSummary]:
    """A page of awards by certificate number, for the admin and the agency lists."""
    after = keyset_after(cursor, lambda k: str(k["n"]))
    rows = (
        await session.execute(
            service.list_statement(
                batch_id=batch_id, statuses=statuses, after=after, limit=limit + 1
            )
        )
    ).all()
    return build_page(
        request,
        response,
        rows,
        limit,
        lambda r: summary_of(r[0], (r[1], r[2])),
        lambda r: {"n": r[0].number},
    )


async def award_read(session: AsyncSession, award_id: uuid.UUID) -> AwardRead:
    award = await service.get_award(session, award_id)
    return read_of(award, await service.english_names(session, award.id))
