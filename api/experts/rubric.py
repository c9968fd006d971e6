"""The scoring rubric of a batch: weighted criteria, each scored 0..max_score.

A batch without criteria gets the default rubric the first time anyone needs it (`ensure_rubric`
— reads, the start of review, the scoring form all go through it), so every batch that reaches
review has one. Replacing it is refused once any review of the batch has been submitted: scores
already given would no longer mean what their experts meant.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.batches import service as batch_service
from api.errors import Conflict, Forbidden, NotFound
from api.experts import attestation
from api.experts.schemas import CriterionRead, RubricRead, RubricWrite
from api.models import (
    Application,
    Batch,
    BatchStatus,
    Review,
    ReviewStatus,
    Role,
    RubricCriterion,
)
from api.permissions import Principal

# (name_zh, name_en, max_score, guidance_zh, guidance_en); weight 1 each, 100 in all.
DEFAULT_CRITERIA: tuple[tuple[str, str, int, str, str], ...] = (
    (
        "技术创新性",
        "Technological innovation",
        30,
        "核心技术的原创性和突破程度，对解决关键领域“卡脖子”问题的作用。",
        "How original the core technology is, how far it breaks new ground, and whether it "
        "removes a bottleneck in a key field.",
    ),
    (
        "技术先进性",
        "Technical advancement",
        25,
        "关键技术指标与国内外同类产品最好水平的对比，检测报告与查新结论是否支撑所称水平。",
        "Key technical indicators against the best domestic and international products; "
        "whether test reports and the novelty search support the level claimed.",
    ),
    (
        "自主知识产权",
        "Independent intellectual property",
        15,
        "核心专利等知识产权的数量、质量与权属是否清晰、自主可控。",
        "Number and quality of core patents and other IP, and whether ownership is clear and "
        "independent.",
    ),
    (
        "市场前景与示范价值",
        "Market prospects & demonstration value",
        20,
        "首台（套）示范应用的条件与用户需求，推广应用和带动产业链的前景。",
        "Conditions and user demand for first-set demonstration use; prospects for wider "
        "uptake and for pulling the supply chain along.",
    ),
    (
        "企业能力",
        "Enterprise capability",
        10,
        "研发投入、制造与质量保证能力、售后服务与持续供货能力。",
        "R&D investment, manufacturing and quality assurance, after-sales service and the "
        "ability to keep supplying.",
    ),
)

# Past these the scores feed deliberation and publicity; the rubric is history by then.
FROZEN_BATCH = frozenset(
    {BatchStatus.deliberation, BatchStatus.publicity, BatchStatus.announced, BatchStatus.archived}
)
AUDITED = ("name_zh", "name_en", "max_score", "weight", "guidance_zh", "guidance_en")


def _criteria_stmt(batch: Batch) -> Any:
    return (
        select(RubricCriterion)
        .where(RubricCriterion.batch_id == batch.id)
        .order_by(RubricCriterion.position)
    )


def _describe(criteria: Sequence[RubricCriterion]) -> list[dict[str, Any]]:
    return [{a: getattr(c, a) for a in AUDITED} for c in criteria]


async def ensure_rubric(
    session: AsyncSession, batch: Batch, actor: Principal | None = None
) -> list[RubricCriterion]:
    """The batch's criteria in order, the default ones written first if it has none."""
    criteria = list((await session.scalars(_criteria_stmt(batch))).all())
    if criteria:
        return criteria
    rows = [
        {
            "batch_id": batch.id,
            "position": position,
            "name_zh": name_zh,
            "name_en": name_en,
            "max_score": Decimal(max_score),
            "weight": Decimal(1),
            "guidance_zh": guidance_zh,
            "guidance_en": guidance_en,
        }
        for position, (name_zh, name_en, max_score, guidance_zh, guidance_en) in enumerate(
            DEFAULT_CRITERIA, start=1
        )
    ]
    # Two first readers at once must not both fail on (batch_id, position).
    inserted = await session.execute(
        insert(RubricCriterion)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["batch_id", "position"])
        .returning(RubricCriterion.id)
    )
    if inserted.first() is not None:
        criteria = list(
            await session.scalars(_criteria_stmt(batch).execution_options(populate_existing=True))
        )
        await audit.record(
            session,
            actor=actor,
            action="rubric.default",
            object_type="batch",
            object_id=batch.id,
            after={"criteria": _describe(criteria)},
        )
        return criteria
    return list((await session.scalars(_criteria_stmt(batch))).all())


async def criteria_for(session: AsyncSession, batch: Batch) -> list[RubricCriterion]:
    """The rubric other domains score against (api/review reads it through this)."""
    return await ensure_rubric(session, batch)


def max_total(criteria: Sequence[RubricCriterion]) -> Decimal:
    return sum((c.weight * c.max_score for c in criteria), Decimal(0))


async def is_locked(session: AsyncSession, batch: Batch) -> bool:
    """Whether any review of the batch has been submitted."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Review.application_id == Application.id,
                    Application.batch_id == batch.id,
                    Review.status == ReviewStatus.submitted,
                )
            )
        )
    )


async def replace_rubric(
    session: AsyncSession, actor: Principal, batch: Batch, data: RubricWrite
) -> list[RubricCriterion]:
    """All criteria in one go. New rows, new ids: a draft scored against the old criteria
    must be scored again rather than carry a score over to a criterion that changed meaning."""
    if batch.status in FROZEN_BATCH:
        raise Conflict(
            f"The batch is {batch.status.value}; its rubric can no longer change.",
            code="invalid_state",
            extra={"current_state": batch.status.value},
        )
    if await is_locked(session, batch):
        raise Conflict(
            "A review of this batch has been submitted; the rubric is locked.",
            code="rubric_locked",
            extra={"current_state": batch.status.value},
        )
    before = list((await session.scalars(_criteria_stmt(batch))).all())
    before_description = _describe(before)
    await session.execute(delete(RubricCriterion).where(RubricCriterion.batch_id == batch.id))
    for position, criterion in enumerate(data.criteria, start=1):
        session.add(RubricCriterion(batch_id=batch.id, position=position, **criterion.model_dump()))
    await session.flush()
    criteria = list(
        await session.scalars(_criteria_stmt(batch).execution_options(populate_existing=True))
    )
    await audit.record(
        session,
        actor=actor,
        action="rubric.replace",
        object_type="batch",
        object_id=batch.id,
        before={"criteria": before_description},
        after={"criteria": _describe(criteria)},
    )
    return criteria


async def rubric_read(
    session: AsyncSession, batch: Batch, criteria: Sequence[RubricCriterion]
) -> RubricRead:
    return RubricRead(
        batch_id=batch.id,
        criteria=[
            CriterionRead(
                id=c.id,
                position=c.position,
                name_zh=c.name_zh,
                name_en=c.name_en,
                max_score=c.max_score,
                weight=c.weight,
                guidance_zh=c.guidance_zh,
                guidance_en=c.guidance_en,
            )
            for c in criteria
        ],
        max_total=max_total(criteria),
        aggregation_rule=batch.aggregation_rule,
        locked=await is_locked(session, batch),
    )


async def read_rubric(
    session: AsyncSession, principal: Principal, batch_id: uuid.UUID
) -> RubricRead:
    """Admins; experts once they signed the batch's statement (403 `attestation_required`
    before — the batch itself is public, so nothing is revealed by saying so)."""
    batch = await batch_service.get_batch(session, batch_id)
    if not principal.is_admin:
        if batch.status == BatchStatus.draft:
            raise NotFound("No such batch.")
        if not principal.has_role(Role.expert):
            raise Forbidden("Only admins and the batch's experts read its rubric.")
        await attestation.require_attested(session, principal, batch)
    return await rubric_read(session, batch, await ensure_rubric(session, batch, principal))


async def put_rubric(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, data: RubricWrite
) -> RubricRead:
    batch = await batch_service.get_batch(session, batch_id, lock=True)
    return await rubric_read(session, batch, await replace_rubric(session, actor, batch, data))
