"""Public programme statistics: the application → award funnel and the counts and shares per
field, level, product type and district, per batch and overall.

Only batches whose shortlist is public (in publicity, announced or archived) are counted: the
stages of a batch still under review or deliberation are not public yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.batches.schemas import BatchBrief
from api.catalogue.items import (
    DISTRICT_TERMS,
    FIELD_TERMS,
    LEVEL_TERMS,
    PRODUCT_TYPE_TERMS,
    term,
)
from api.catalogue.queries import limit_statements, timeout_as_503
from api.errors import NotFound
from api.models import (
    Application,
    ApplicationStatus,
    Award,
    Batch,
    BatchStatus,
    Objection,
    ObjectionStatus,
    Organization,
)
from api.statistics.followup import followup_counts, total
from api.statistics.schemas import (
    BatchStatistics,
    Breakdown,
    Funnel,
    Statistics,
    StatisticsBlock,
    YearStatistics,
)

A = ApplicationStatus
# One scan of every application of the published batches: longer than a list page may take.
STATISTICS_TIMEOUT_MS = 10_000
PUBLISHED = (BatchStatus.publicity, BatchStatus.announced, BatchStatus.archived)

# The statuses an application can hold once past a stage. `not_selected` comes after the
# experts' review (deliberation) or after publicity (an upheld objection), so it counts as
# reviewed, and as shortlisted only with an upheld objection.
ACCEPTED = (A.accepted, A.in_review, A.reviewed, A.shortlisted, A.not_selected, A.awarded)
REVIEWED = (A.reviewed, A.shortlisted, A.not_selected, A.awarded)

app = Application.__table__.c
award = Award.__table__.c
org = Organization.__table__.c


def _submitted() -> ColumnElement[bool]:
    return or_(app.submitted_at.is_not(None), app.status.not_in([A.draft, A.withdrawn]))


def _shortlisted() -> ColumnElement[bool]:
    upheld = exists().where(
        Objection.application_id == app.id, Objection.status == ObjectionStatus.upheld
    )
    return or_(
        app.status.in_([A.shortlisted, A.awarded]), and_(app.status == A.not_selected, upheld)
    )


def _source() -> Any:
    return Application.__table__.outerjoin(Award.__table__, award.application_id == app.id).join(
        Organization.__table__, org.id == app.organization_id
    )


async def _batches(session: AsyncSession, batch_id: uuid.UUID | None) -> list[Batch]:
    stmt = select(Batch).where(Batch.status.in_(PUBLISHED))
    if batch_id is not None:
        stmt = stmt.where(Batch.id == batch_id)
    return list(
        (await session.scalars(stmt.order_by(Batch.year.desc(), Batch.sequence.desc()))).all()
    )


DIMENSIONS: dict[str, tuple[Any, dict[str, dict[str, str]]]] = {
    "fields": (app.field, FIELD_TERMS),
    "levels": (app.claimed_level, LEVEL_TERMS),
    "product_types": (app.product_type, PRODUCT_TYPE_TERMS),
    "districts": (org.district, DISTRICT_TERMS),
}


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


Key = uuid.UUID | None  # a batch, or None for all of them


async def _counts(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID]
) -> tuple[dict[Key, Funnel], dict[Key, dict[str, list[Breakdown]]]]:
    """The funnels and every breakdown, per batch and overall, in one scan: GROUPING SETS
    (batch), () for the funnels and (batch, dimension), (dimension) for the breakdowns."""
    dims = [column for column, _ in DIMENSIONS.values()]
    sets = [tuple_(app.batch_id), text("()")]
    sets += [s for d in dims for s in (tuple_(app.batch_id, d), tuple_(d))]
    submitted = _submitted()
    stmt = (
        select(
            app.batch_id,
            *dims,
            func.grouping(app.batch_id).label("overall"),
            *[func.grouping(d).label(f"g{i}") for i, d in enumerate(dims)],
            func.count().filter(submitted).label("submitted"),
            func.count().filter(app.status.in_(ACCEPTED)).label("accepted"),
            func.count().filter(app.status.in_(REVIEWED)).label("reviewed"),
            func.count().filter(_shortlisted()).label("shortlisted"),
            func.count(award.id).label("awarded"),
            func.count(award.revoked_at).label("revoked"),
        )
        .select_from(_source())
        .where(app.batch_id.in_(batch_ids))
        .group_by(func.grouping_sets(*sets))
    )
    rows = (await session.execute(stmt)).all()
    funnels: dict[Key, Funnel] = {}
    grouped = []
    for row in rows:
        key: Key = None if row.overall else row.batch_id
        dim = next((i for i in range(len(dims)) if getattr(row, f"g{i}") == 0), None)
        if dim is None:
            funnels[key] = Funnel(
                submitted=row.submitted,
                accepted=row.accepted,
                reviewed=row.reviewed,
                shortlisted=row.shortlisted,
                awarded=row.awarded,
                revoked=row.revoked,
            )
        elif row[1 + dim] is not None and row.submitted:
            grouped.append((key, dim, row))
    empty = Funnel(submitted=0, accepted=0, reviewed=0, shortlisted=0, awarded=0, revoked=0)
    for key in [None, *batch_ids]:
        funnels.setdefault(key, empty)
    names = list(DIMENSIONS)
    breakdowns: dict[Key, dict[str, list[Breakdown]]] = {
        key: {name: [] for name in names} for key in funnels
    }
    for key, dim, row in grouped:
        label = term(DIMENSIONS[names[dim]][1], str(row[1 + dim]))
        assert label is not None
        funnel = funnels[key]
        breakdowns[key][names[dim]].append(
            Breakdown(
                **label,
                applications=row.submitted,
                awards=row.awarded,
                application_share=_share(row.submitted, funnel.submitted),
                award_share=_share(row.awarded, funnel.awarded),
            )
        )
    for blocks in breakdowns.values():
        for name, buckets in blocks.items():
            order = list(DIMENSIONS[name][1])
            buckets.sort(
                key=lambda b: (order.index(b.code) if b.code in order else len(order), b.code)
            )
    return funnels, breakdowns


async def statistics(session: AsyncSession, batch_id: uuid.UUID | None = None) -> Statistics:
    await limit_statements(session, STATISTICS_TIMEOUT_MS)
    batches = await _batches(session, batch_id)
    if batch_id is not None and not batches:
        raise NotFound("No published batch has this id.", code="batch_not_found")
    batch_ids = [b.id for b in batches]
    async with timeout_as_503():
        funnels, breakdowns = await _counts(session, batch_ids)
        followups = await followup_counts(session, batch_ids)

    def block(key: Key) -> dict[str, Any]:
        return {"funnel": funnels[key], "followup": followups[key].figures(), **breakdowns[key]}

    by_year: dict[int, list[uuid.UUID]] = {}
    for b in batches:
        by_year.setdefault(b.year, []).append(b.id)

    return Statistics(
        overall=StatisticsBlock(**block(None)),
        batches=[
            BatchStatistics(
                batch=BatchBrief(
                    id=b.id,
                    year=b.year,
                    sequence=b.sequence,
                    title_zh=b.title_zh,
                    title_en=b.title_en,
                    status=b.status,
                ),
                **block(b.id),
            )
            for b in batches
        ],
        years=[
            YearStatistics(
                year=year,
                funnel=_sum_funnels(funnels[i] for i in ids),
                followup=total(followups[i] for i in ids).figures(),
            )
            for year, ids in by_year.items()
        ],
    )


def _sum_funnels(funnels: Iterable[Funnel]) -> Funnel:
    names = list(Funnel.model_fields)
    sums = dict.fromkeys(names, 0)
    for funnel in funnels:
        for name in names:
            sums[name] += getattr(funnel, name)
    return Funnel(**sums)
