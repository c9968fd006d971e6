"""Demo review data, driven through the services so that it holds every rule they enforce:

- the 12 demo experts get profiles (four fields each, so every field has six experts), one of
  them a declared conflict;
- the 2021 first batch is carried through review, deliberation and publicity — two objections,
  one dismissed and one upheld — to the announcement (40 awarded);
- the 2025 second batch is in publicity now, its window open, for the public page and the
  objection form;
- the current year's first batch is under review: every expert but expert1 has signed and
  scored; expert1 has assignments waiting and has not signed the statement yet.

Idempotent: a batch that has moved past the state this module starts it from is left alone.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today as beijing_today
from api.audit import service as audit
from api.batches import lifecycle
from api.batches.service import BatchAction
from api.calendar import service as calendar
from api.demo_intake import BEIJING_OFFSET, Mix, _batch, add_applications
from api.demo_roadshows import load_roadshows
from api.experts import assignment, attestation
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Batch,
    BatchStatus,
    CalendarSource,
    CalendarYear,
    CheckStep,
    ExpertConflict,
    ExpertProfile,
    Organization,
    Recommendation,
    ReviewAssignment,
    User,
)
from api.permissions import Principal, load_grants
from api.publicity import objections
from api.publicity.objections import TriageAction
from api.publicity.schemas import ObjectionCreate
from api.review import deliberation, results
from api.review import service as reviews
from api.review.deliberation import Decision
from api.review.schemas import ReviewDraft
from api.storage import get_storage
from api.taxonomy.data import DEFAULT_FIELDS

# Each expert's four fields: the four of the opposite parity in DEFAULT_FIELDS' order.
EXPERT_TITLES = [
    ("研究员", "Research fellow"),
    ("教授级高级工程师", "Professorate senior engineer"),
    ("教授", "Professor"),
    ("高级工程师", "Senior engineer"),
]
MIX_PUBLICITY: Mix = [(ApplicationStatus.accepted, None, 10)]
MIX_REVIEWING: Mix = [
    (ApplicationStatus.accepted, None, 12),
    (ApplicationStatus.rejected, CheckStep.formal, 1),
]
NOT_SELECTED_2021 = 7  # of the 48 reviewed; two objections later, 40 are awarded
SHORTLISTED_PUBLICITY = 8  # of 10
HALF = Decimal("0.5")


async def principal_of(session: AsyncSession, email: str) -> Principal:
    user = await session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale=user.locale.value,
        session_id=uuid.uuid4(),
        grants=await load_grants(session, user.id),
    )


def expert_fields(number: int) -> list[str]:
    return [DEFAULT_FIELDS[(number + k) % len(DEFAULT_FIELDS)] for k in (1, 3, 5, 7)]


async def _known_years(session: AsyncSession) -> None:
    """Publicity windows and deadlines near New Year reach into a year the calendar data may
    not cover yet. Only for the demo, such a year is entered as plain weeks, marked as an
    admin's entry so that the real calendar can replace it."""
    this_year = beijing_today().year
    for year in (this_year, this_year + 1):
        if await session.get(CalendarYear, year) is None:
            session.add(CalendarYear(year=year, source=CalendarSource.admin))
            await audit.record(
                session,
                actor=None,
                action="calendar.replace_year",
                object_type="calendar_year",
                object_id=str(year),
                after={"year": year, "days": 0},
                note="demo data: plain weeks until the official calendar is entered",
            )
    await session.flush()


async def load_review_demo(
    session: AsyncSession, orgs: dict[str, Organization], emails: dict[str, str]
) -> None:
    """`emails`: demo key (admin, expert1…) → e-mail address."""
    await _known_years(session)
    admin = await principal_of(session, emails["admin"])
    experts = {
        number: await principal_of(session, emails[f"expert{number}"]) for number in range(1, 13)
    }
    await _profiles(session, experts, orgs)

    first_2021 = await session.scalar(select(Batch).where(Batch.year == 2021, Batch.sequence == 1))
    assert first_2021 is not None
    if first_2021.status == BatchStatus.closed:
        await _carry_2021(session, admin, experts, first_2021)
    await load_roadshows(session, admin)  # the 2021 awards exist from here on

    in_publicity = await _batch(
        session,
        2025,
        2,
        title_zh="2025年第二批首台(套)重大技术装备",
        title_en="2025 second batch",
        fields=list(DEFAULT_FIELDS),
        opens_at=datetime.fromisoformat(f"2025-06-02T09:00:00{BEIJING_OFFSET}"),
        closes_at=datetime.fromisoformat(f"2025-07-31T17:00:00{BEIJING_OFFSET}"),
        status=BatchStatus.closed,
    )
    await add_applications(
        session, in_publicity, MIX_PUBLICITY, orgs, seed=2025, submitted_from=date(2025, 7, 1)
    )
    if in_publicity.status == BatchStatus.closed:
        await _carry_to_publicity(session, admin, experts, in_publicity)

    year = beijing_today().year
    reviewing = await _batch(
        session,
        year,
        1,
        title_zh=f"{year}年第一批首台(套)重大技术装备",
        title_en=f"{year} first batch",
        fields=list(DEFAULT_FIELDS),
        opens_at=datetime.fromisoformat(f"{year}-03-02T09:00:00{BEIJING_OFFSET}"),
        closes_at=datetime.fromisoformat(f"{year}-04-30T17:00:00{BEIJING_OFFSET}"),
        status=BatchStatus.closed,
    )
    await add_applications(
        session,
        reviewing,
        MIX_REVIEWING,
        orgs,
        seed=year * 10 + 1,
        submitted_from=date(year, 4, 1),
        offset=13,
    )
    if reviewing.status == BatchStatus.closed:
        await lifecycle.transition(session, admin, reviewing.id, BatchAction.start_review)
        await assignment.run_draw(session, admin, reviewing.id, seed=year)
        waiting = {experts[1].user_id}
        await _score(session, reviewing, experts, skip=waiting, rng=random.Random(year))  # noqa: S311 - demo data


async def _profiles(
    session: AsyncSession, experts: dict[int, Principal], orgs: dict[str, Organization]
) -> None:
    employers = [
        grant.organization_id for e in experts.values() for grant in e.grants[:1]
    ]  # the organisation each demo expert belongs to
    for number, expert in experts.items():
        if await session.get(ExpertProfile, expert.user_id) is not None:
            continue
        title_zh, title_en = EXPERT_TITLES[number % len(EXPERT_TITLES)]
        session.add(
            ExpertProfile(
                user_id=expert.user_id,
                fields=expert_fields(number),
                employer_organization_id=employers[number - 1],
                title_zh=title_zh,
                title_en=title_en,
                speciality=None,
            )
        )
        await session.flush()
        if number == 2:
            # Expert 2 once consulted for the demo applicant: never drawn for its products.
            session.add(
                ExpertConflict(
                    expert_id=expert.user_id,
                    organization_id=orgs["zhixin"].id,
                    reason="曾为该企业提供技术咨询 · Former technical consultant",
                )
            )
    # Two of the enterprises belong to one group: experts avoiding one avoid both.
    for key in ("guidao", "yanshan"):
        orgs[key].enterprise_group = orgs[key].enterprise_group or "北京基础设施投资集团"
    await session.flush()


def _review_draft(
    rng: random.Random, criteria: list[tuple[str, Decimal]], quality: Decimal, spread: int
) -> ReviewDraft:
    """Scores near `quality` percent of each criterion's maximum."""
    scores: dict[str, Decimal] = {}
    for key, top in criteria:
        share = (quality + Decimal(rng.randint(-spread, spread))) / 100
        score = (top * share / HALF).quantize(Decimal(1), ROUND_HALF_UP) * HALF
        scores[key] = min(max(score, Decimal(0)), top)
    total = sum(scores.values(), Decimal(0))
    recommendation = (
        Recommendation.recommend
        if total >= 80
        else Recommendation.neutral
        if total >= 70
        else Recommendation.not_recommend
    )
    comments = {
        Recommendation.recommend: "技术指标先进，示范应用前景明确，建议推荐。",
        Recommendation.neutral: "具备一定创新性，市场验证数据尚不充分。",
        Recommendation.not_recommend: "与国内同类产品相比优势不明显，建议补充验证。",
    }
    return ReviewDraft(
        scores=scores, comment=comments[recommendation], recommendation=recommendation
    )


async def _score(
    session: AsyncSession,
    batch: Batch,
    experts: dict[int, Principal],
    *,
    skip: set[uuid.UUID],
    rng: random.Random,
    favoured_field: str | None = None,
) -> None:
    """Every expert not in `skip` signs the statement and submits a review of each of their
    assignments; each application has a quality, one in ten splits its experts widely, and
    those of `favoured_field` score higher."""
    by_id = {e.user_id: e for e in experts.values()}
    rows = (
        await session.scalars(
            select(ReviewAssignment)
            .where(
                ReviewAssignment.batch_id == batch.id,
                ReviewAssignment.status == AssignmentStatus.active,
            )
            .order_by(ReviewAssignment.application_id, ReviewAssignment.expert_id)
        )
    ).all()
    fields: dict[uuid.UUID, str | None] = {
        row.id: row.field
        for row in await session.execute(
            select(Application.id, Application.field).where(Application.batch_id == batch.id)
        )
    }
    quality: dict[uuid.UUID, tuple[Decimal, int]] = {}
    signed: set[uuid.UUID] = set()
    for row in rows:
        if row.expert_id in skip:
            continue
        expert = by_id[row.expert_id]
        if expert.user_id not in signed:
            await attestation.sign_attestation(session, expert, batch)
            signed.add(expert.user_id)
        if row.application_id not in quality:
            base, spread = rng.randint(62, 92), 18 if rng.random() < 0.1 else 6
            if favoured_field is not None and fields[row.application_id] == favoured_field:
                base, spread = max(base, 86), 6
            quality[row.application_id] = (Decimal(base), spread)
        review, criteria = await reviews.open_review(session, expert, row.id)
        level, spread = quality[row.application_id]
        draft = _review_draft(rng, [(str(c.id), c.max_score) for c in criteria], level, spread)
        saved, _ = await reviews.save_draft(session, expert, row.id, draft, reviews.etag(review))
        await reviews.submit_review(session, expert, row.id, reviews.etag(saved))


async def _review_and_decide(
    session: AsyncSession,
    admin: Principal,
    experts: dict[int, Principal],
    batch: Batch,
    *,
    seed: int,
    not_selected: int,
    favoured_field: str | None = None,
) -> None:
    batch.max_assignments_per_expert = 25
    await lifecycle.transition(session, admin, batch.id, BatchAction.start_review)
    await assignment.run_draw(session, admin, batch.id, seed=seed)
    rng = random.Random(seed)  # noqa: S311 - demo data
    await _score(session, batch, experts, skip=set(), rng=rng, favoured_field=favoured_field)
    await lifecycle.transition(session, admin, batch.id, BatchAction.start_deliberation)
    report = await results.batch_results(session, admin, batch.id)
    ranked = sorted(report.items, key=lambda r: (r.aggregate or 0, str(r.application_id)))
    for position, row in enumerate(ranked):
        if position < not_selected:
            decision, reason = Decision.not_select, "综合得分排名靠后，本批次不予入选。"
        else:
            decision, reason = Decision.shortlist, "专家评审综合得分排名靠前，联席会议审议通过。"
        await deliberation.decide(session, admin, row.application_id, decision, reason)
    await lifecycle.transition(session, admin, batch.id, BatchAction.start_publicity)


async def _open_window(session: AsyncSession, batch: Batch, starts_on: date) -> None:
    batch.publicity_starts_on = starts_on
    batch.publicity_ends_on = await calendar.add_working_days(
        session, starts_on, batch.publicity_working_days
    )
    await session.flush()


async def _carry_2021(
    session: AsyncSession, admin: Principal, experts: dict[int, Principal], batch: Batch
) -> None:
    # The 2021 batch stressed new energy and energy saving ("double carbon"): nearly one fifth
    # of its awards are in that field.
    await _review_and_decide(
        session,
        admin,
        experts,
        batch,
        seed=2021,
        not_selected=NOT_SELECTED_2021,
        favoured_field="energy_environment",
    )
    # The objections are filed through the public rules, inside a window that includes today;
    # then the window is put back where it was in 2021 and the batch announced.
    today = beijing_today()
    await _open_window(session, batch, today - timedelta(days=1))
    report = await results.batch_results(session, admin, batch.id)
    shortlisted = sorted(
        (r for r in report.items if r.status == ApplicationStatus.shortlisted),
        key=lambda r: str(r.application_id),
    )
    dismissed = await objections.file_objection(
        session,
        get_storage(),
        batch.id,
        ObjectionCreate.model_validate(
            {
                "application_id": shortlisted[0].application_id,
                "objector_name": "李建国",
                "objector_phone": "13800138000",
                "objector_organization": "北京某装备制造有限公司",
                "statement": "该产品的核心部件疑似采购自国外厂商，自主知识产权存疑，请予核查。",
            }
        ),
    )
    upheld = await objections.file_objection(
        session,
        get_storage(),
        batch.id,
        ObjectionCreate.model_validate(
            {
                "application_id": shortlisted[1].application_id,
                "objector_name": "王晓燕",
                "objector_email": "wang.xiaoyan@example.com",
                "statement": (
                    "据公开招标信息，该产品在北京已销售超过3台(套)，不符合首台(套)申报条件。"
                ),
            }
        ),
    )
    for objection in (dismissed, upheld):
        await objections.triage(session, admin, objection.id, TriageAction.start_review)
    await objections.triage(
        session,
        admin,
        dismissed.id,
        TriageAction.dismiss,
        "经核查，核心部件由申报单位自主研制并拥有发明专利，异议不成立。",
    )
    await objections.triage(
        session,
        admin,
        upheld.id,
        TriageAction.uphold,
        "经核查招标及合同资料，该产品在京销售已达5台(套)，异议成立，取消入选资格。",
    )
    await _open_window(session, batch, date(2021, 8, 2))
    await lifecycle.transition(session, admin, batch.id, BatchAction.announce)


async def _carry_to_publicity(
    session: AsyncSession, admin: Principal, experts: dict[int, Principal], batch: Batch
) -> None:
    await _review_and_decide(
        session,
        admin,
        experts,
        batch,
        seed=2025,
        not_selected=10 - SHORTLISTED_PUBLICITY,
    )
    await _open_window(session, batch, beijing_today() - timedelta(days=2))
