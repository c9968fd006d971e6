"""The conflict-and-confidentiality statement (回避与保密承诺) an expert signs per batch before
any of the batch's material opens to them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.errors import Forbidden, NotFound
from api.experts.schemas import AttestationRead
from api.models import Batch, BatchStatus, ExpertAttestation, ExpertProfile
from api.permissions import Principal
from api.request_context import current_client_ip

# Bump the version whenever the text changes: a signature is for the text of its version.
STATEMENT_VERSION = "2026.1"
STATEMENT_ZH = (
    "本人承诺：\n"
    "一、本人与所评审项目的申报单位不存在任职、投资、亲属、合作研发、近三年业务往来等利害关系，"
    "也不属于与申报单位同一企业集团的单位；如发现存在上述情形，将立即声明回避并停止评审。\n"
    "二、本人对评审中知悉的申报材料、技术资料、商业秘密及评审意见严格保密，不复制、不外传、"
    "不用于评审以外的任何用途，不泄露其他专家的身份与评分。\n"
    "三、本人独立、客观、公正地评分，不接受申报单位或他人的请托、宴请和财物。\n"
    "四、如违反上述承诺，本人愿承担相应责任，并接受取消评审专家资格等处理。"
)
STATEMENT_EN = (
    "I declare that:\n"
    "1. I have no interest in the applicant of any application I review — no employment, "
    "investment, family tie, joint R&D or business dealings in the last three years — and I do "
    "not belong to an organisation of the applicant's enterprise group; should I find such a "
    "tie I will declare the conflict at once and stop reviewing.\n"
    "2. I will keep confidential the application materials, technical data, trade secrets and "
    "review opinions I learn of, will not copy or pass them on or use them for anything but this "
    "review, and will not disclose the identity or scores of other experts.\n"
    "3. I will score independently, objectively and fairly, and accept no request, hospitality "
    "or gift from an applicant or anyone else.\n"
    "4. If I break these undertakings I accept the consequences, including removal from the "
    "expert pool."
)


async def has_attested(session: AsyncSession, batch_id: uuid.UUID, expert_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ExpertAttestation.batch_id == batch_id,
                    ExpertAttestation.expert_id == expert_id,
                )
            )
        )
    )


async def require_attested(session: AsyncSession, principal: Principal, batch: Batch) -> None:
    """403 `attestation_required` unless the caller signed the batch's statement."""
    if not await has_attested(session, batch.id, principal.user_id):
        raise Forbidden(
            "Sign the batch's conflict-and-confidentiality statement first.",
            code="attestation_required",
            extra={"batch_id": str(batch.id)},
        )


async def _profile(session: AsyncSession, principal: Principal) -> ExpertProfile:
    profile = await session.get(ExpertProfile, principal.user_id)
    if profile is None:
        raise NotFound(
            "You are not in the expert pool yet; the joint office sets up your profile.",
            code="no_expert_profile",
        )
    return profile


def _visible_batch(batch: Batch) -> None:
    if batch.status == BatchStatus.draft:
        raise NotFound("No such batch.")


def _read(batch: Batch, row: ExpertAttestation | None) -> AttestationRead:
    return AttestationRead(
        batch_id=batch.id,
        statement_version=STATEMENT_VERSION,
        statement_zh=STATEMENT_ZH,
        statement_en=STATEMENT_EN,
        signed_at=row.signed_at if row else None,
        signed_version=row.statement_version if row else None,
    )


async def _row(
    session: AsyncSession, batch: Batch, principal: Principal
) -> ExpertAttestation | None:
    return await session.scalar(
        select(ExpertAttestation).where(
            ExpertAttestation.batch_id == batch.id,
            ExpertAttestation.expert_id == principal.user_id,
        )
    )


async def read_attestation(
    session: AsyncSession, principal: Principal, batch: Batch
) -> AttestationRead:
    _visible_batch(batch)
    await _profile(session, principal)
    return _read(batch, await _row(session, batch, principal))


async def sign_attestation(
    session: AsyncSession, principal: Principal, batch: Batch
) -> AttestationRead:
    """Idempotent: signing again keeps the first signature (its time and address)."""
    _visible_batch(batch)
    await _profile(session, principal)
    signed = await session.execute(
        insert(ExpertAttestation)
        .values(
            batch_id=batch.id,
            expert_id=principal.user_id,
            statement_version=STATEMENT_VERSION,
            signed_at=datetime.now(UTC),
            ip=current_client_ip(),
        )
        .on_conflict_do_nothing(index_elements=["batch_id", "expert_id"])
        .returning(ExpertAttestation.id)
    )
    new_id = signed.scalar()
    row = await _row(session, batch, principal)
    assert row is not None
    if new_id is not None:
        await audit.record(
            session,
            actor=principal,
            action="expert.attest",
            object_type="batch",
            object_id=batch.id,
            after={
                "expert_id": principal.user_id,
                "statement_version": STATEMENT_VERSION,
                "signed_at": row.signed_at,
            },
        )
    return _read(batch, row)
